//! `--format markdown`: the plan as a pull-request comment.
//!
//! GitHub rejects comments over 65,536 characters, so the comment stays under
//! [`MARKDOWN_BUDGET`]: a summary and a per-data-source table first, then the items in a
//! collapsed `diff` block per data source, and when the budget runs out a note saying how
//! many items were left out and where the full plan is.

use std::fmt::Write;

use crate::core::plan::{Action, Plan, PlanItem};

use super::text::summary_lines;
use super::values::{
    SHORT_VALUE, binding_label, kind_name, printable, set_change, short_value, symbol,
};

/// Upper bound of the comment's length, in bytes (so also in characters).
pub const MARKDOWN_BUDGET: usize = 60_000;

/// Plans with at most this many items show their details expanded.
const OPEN_UP_TO: usize = 30;

/// Room kept for closing fences and the truncation note.
const RESERVE: usize = 600;

/// Renders `plan` as Markdown for a pull-request comment, under [`MARKDOWN_BUDGET`].
pub fn render_markdown(plan: &Plan) -> String {
    let summary = plan.summary();
    let mut out = String::from("## metaform plan\n\n");
    for line in summary_lines(&summary).lines() {
        let _ = writeln!(out, "**{line}**  ");
    }
    for notice in &plan.notices {
        let _ = writeln!(out, "Note: {}.  ", printable(notice));
    }
    let groups = plan.groups();
    if groups.is_empty() {
        return out;
    }
    out.push_str(
        "\n| data source | add | change | destroy | orphan |\n|---|---:|---:|---:|---:|\n",
    );
    for group in &groups {
        let counts = crate::core::plan::Summary::of(group.items.iter().copied());
        let row = format!(
            "| `{}` ({}) | {} | {} | {} | {} |\n",
            printable(&group.binding.address.to_string()).replace('|', "\\|"),
            binding_label(group.binding),
            counts.add,
            counts.change,
            counts.destroy,
            counts.orphan
        );
        if out.len() + row.len() + RESERVE > MARKDOWN_BUDGET {
            break;
        }
        out.push_str(&row);
    }

    let total = plan.items.len();
    let expanded = if total <= OPEN_UP_TO { " open" } else { "" };
    let mut shown = 0;
    'groups: for group in &groups {
        let lines: Vec<String> = group.items.iter().map(|item| item_block(item)).collect();
        let fence = fence_for(&lines);
        let open = format!(
            "\n<details{expanded}><summary><code>{}</code>: {} items</summary>\n\n{fence}diff\n",
            escape_html(&printable(&group.binding.address.to_string())),
            group.items.len()
        );
        let close = format!("{fence}\n\n</details>\n");
        if out.len() + open.len() + close.len() + RESERVE > MARKDOWN_BUDGET {
            break;
        }
        out.push_str(&open);
        for block in &lines {
            if out.len() + block.len() + close.len() + RESERVE > MARKDOWN_BUDGET {
                out.push_str(&close);
                break 'groups;
            }
            out.push_str(block);
            shown += 1;
        }
        out.push_str(&close);
    }
    if shown < total {
        let _ = write!(
            out,
            "\n> **Truncated:** {} of {total} items are not shown to keep this comment under \
             {MARKDOWN_BUDGET} characters. The full plan is in the plan artifact \
             (`metaform plan --out plan.json` or `--format json`).\n",
            total - shown
        );
    }
    out
}

/// One item as `diff` lines: `+`/`-` lines colour on GitHub, `~` and `!` stay plain.
fn item_block(item: &PlanItem) -> String {
    let mut block = format!(
        "{} {} {}",
        symbol(item.action),
        kind_name(item.address.kind),
        printable(&item.address.to_string())
    );
    match item.action {
        Action::Orphan | Action::Missing => {
            let _ = writeln!(block, " ({})", printable(&item.reason));
        }
        Action::Create | Action::Delete => block.push('\n'),
        Action::Update => {
            block.push('\n');
            for change in &item.changes {
                let (before, after) = (change.before.as_ref(), change.after.as_ref());
                let shown = set_change(before, after).unwrap_or_else(|| {
                    format!(
                        "{} -> {}",
                        short_value(before, SHORT_VALUE),
                        short_value(after, SHORT_VALUE)
                    )
                });
                let _ = writeln!(block, "    {}: {shown}", change.field);
            }
        }
    }
    block
}

/// A backtick fence longer than any backtick run inside the block.
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|line| line.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
