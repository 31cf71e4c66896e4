//! The terminal rendering: terraform style, grouped by data source, unchanged objects
//! hidden, ending with the stable summary line.
//!
//! Colour is the caller's decision (a terminal and no `NO_COLOR`); without it the output
//! carries the same meaning through its `+ ~ - !` markers.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

use crate::core::plan::{Action, FieldChange, Plan, PlanItem, Summary};

use super::values::{
    SHORT_VALUE, binding_label, cut, kind_name, multiline, printable, set_change, short_value,
    symbol,
};

/// Most lines of a multi-line diff shown per field.
const DIFF_LINES: usize = 20;

/// Renders `plan` for a terminal; `color` adds ANSI styles.
pub fn render_text(plan: &Plan, color: bool) -> String {
    let paint = Paint { color };
    let mut out = String::new();
    for group in plan.groups() {
        let _ = writeln!(
            out,
            "{} ({})",
            paint.bold(&format!(
                "data source {}",
                printable(&group.binding.address.to_string())
            )),
            binding_label(group.binding)
        );
        for item in group.items {
            item_lines(&mut out, item, &paint);
        }
        out.push('\n');
    }
    // Notes come before the summary, which stays the last line, as scripts read it.
    for notice in &plan.notices {
        let _ = writeln!(out, "Note: {}.", printable(notice));
    }
    if !plan.notices.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary_lines(&plan.summary()));
    out
}

/// `Plan: X to add, Y to change, Z to destroy.` or `No changes.`, plus a line on orphans.
pub(super) fn summary_lines(summary: &Summary) -> String {
    let mut out = if summary.has_changes() {
        format!(
            "Plan: {} to add, {} to change, {} to destroy.\n",
            summary.add, summary.change, summary.destroy
        )
    } else if summary.orphan + summary.missing == 0 {
        "No changes. The target matches the desired state.\n".to_string()
    } else {
        // Orphans and missing objects differ from the desired state, so "matches" would
        // be untrue.
        "No changes. Nothing will be created, changed or destroyed.\n".to_string()
    };
    match summary.orphan {
        0 => {}
        1 => out.push_str("1 object is no longer desired but will not be deleted (marked !).\n"),
        n => {
            let _ = writeln!(
                out,
                "{n} objects are no longer desired but will not be deleted (marked !)."
            );
        }
    }
    match summary.missing {
        0 => {}
        1 => out.push_str(
            "1 desired object is missing in the target and cannot be created there (marked ?).\n",
        ),
        n => {
            let _ = writeln!(
                out,
                "{n} desired objects are missing in the target and cannot be created there (marked ?)."
            );
        }
    }
    out
}

fn item_lines(out: &mut String, item: &PlanItem, paint: &Paint) {
    let style = action_style(item.action);
    let head = format!(
        "{} {} {}",
        symbol(item.action),
        kind_name(item.address.kind),
        printable(&item.address.to_string())
    );
    let _ = write!(out, "  {}", paint.apply(style, &head));
    match item.action {
        Action::Orphan | Action::Missing => {
            let _ = writeln!(out, " ({})", printable(&item.reason));
        }
        Action::Create | Action::Delete => out.push('\n'),
        Action::Update => {
            out.push('\n');
            for change in &item.changes {
                change_lines(out, change, paint);
            }
        }
    }
}

fn change_lines(out: &mut String, change: &FieldChange, paint: &Paint) {
    let before = change.before.as_ref();
    let after = change.after.as_ref();
    if let Some(members) = set_change(before, after) {
        let _ = writeln!(out, "      {}: {members}", change.field);
        return;
    }
    if let (Some(old), Some(new)) = (multiline(before), multiline(after)) {
        let _ = writeln!(out, "      {}:", change.field);
        let diff = TextDiff::from_lines(old, new);
        let mut shown = 0;
        let mut hidden = 0;
        for (n, group) in diff.grouped_ops(1).iter().enumerate() {
            if n > 0 {
                out.push_str("        …\n");
            }
            for op in group {
                for line in diff.iter_changes(op) {
                    if shown == DIFF_LINES {
                        hidden += 1;
                        continue;
                    }
                    shown += 1;
                    let (sign, style) = match line.tag() {
                        ChangeTag::Delete => ('-', action_style(Action::Delete)),
                        ChangeTag::Insert => ('+', action_style(Action::Create)),
                        ChangeTag::Equal => (' ', Style::new()),
                    };
                    let text = cut(&printable(line.value().trim_end_matches('\n')), 120);
                    let _ = writeln!(
                        out,
                        "        {}",
                        paint.apply(style, &format!("{sign} {text}"))
                    );
                }
            }
        }
        if hidden > 0 {
            let _ = writeln!(out, "        … {hidden} more diff lines");
        }
        return;
    }
    let _ = writeln!(
        out,
        "      {}: {} -> {}",
        change.field,
        short_value(before, SHORT_VALUE),
        short_value(after, SHORT_VALUE)
    );
}

fn action_style(action: Action) -> Style {
    match action {
        Action::Create => AnsiColor::Green.on_default(),
        Action::Update => AnsiColor::Yellow.on_default(),
        Action::Delete => AnsiColor::Red.on_default(),
        Action::Orphan => AnsiColor::Magenta.on_default(),
        Action::Missing => AnsiColor::Cyan.on_default(),
    }
}

/// Applies styles only when colour is on.
struct Paint {
    color: bool,
}

impl Paint {
    fn apply(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.apply(Style::new().bold(), text)
    }
}
