//! How one string is written in a state file: plain, double-quoted or a literal block.
//!
//! The rules are conservative so that every YAML reader, not only ours, reads the
//! exact string back:
//! - plain only for text no YAML 1.1 or 1.2 resolver could take for something else
//!   (no `yes`/`no`/`null`/`~`, nothing number- or date-like, no indicator first, no
//!   `:` or `#`, no surrounding spaces, printable characters only);
//! - a literal block (`|`, `|-`, `|+`) for multi-line text, so diffs stay line by line;
//! - double quotes with escapes for everything else, including multi-line text a
//!   literal block cannot carry exactly (leading blank-space lines, carriage returns,
//!   lines of only spaces). Long single lines are never folded.

/// The chosen representation of a string.
#[derive(Debug, PartialEq, Eq)]
pub enum Style {
    /// Written as is.
    Plain,
    /// Written in double quotes with escapes.
    Quoted,
    /// Written as a literal block with the given chomping indicator (`-`, `` or `+`).
    Literal(&'static str),
}

const RESERVED: [&str; 11] = [
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "",
];

/// Whether `c` may appear in a YAML file unescaped (YAML's printable set, minus the
/// characters some readers treat as line breaks or byte-order marks, and minus the
/// bidirectional controls, which would make a reviewed diff read in another order).
fn is_printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
                | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

fn looks_numeric(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    (first.is_ascii_digit() || matches!(first, '+' | '-' | '.'))
        && s.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, 'x' | 'X' | 'o' | 'O' | '_' | '.' | '+' | '-' | ':')
        })
}

/// Whether `s` can be written plain; `flow` is true inside `[...]`.
pub fn is_plain(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let last = s.chars().next_back().unwrap_or(first);
    if first == ' ' || last == ' ' || looks_numeric(s) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`<=.+~\\".contains(first) {
        return false;
    }
    if RESERVED.iter().any(|word| s.eq_ignore_ascii_case(word)) {
        return false;
    }
    // Inside `[...]` only word-like text is plain: some readers mis-scan a plain flow
    // scalar holding `-` or spaces before a `,`.
    s.chars().all(|c| {
        if flow {
            c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '$')
        } else {
            (c.is_ascii_graphic() || c == ' ' || (!c.is_ascii() && c.is_alphanumeric()))
                && !matches!(c, ':' | '#')
        }
    })
}

/// The chomping indicator for a literal block carrying `s` exactly, if one can.
fn literal_chomping(s: &str) -> Option<&'static str> {
    if !s.contains('\n')
        || s.chars()
            .any(|c| c != '\n' && c != '\t' && !is_printable(c))
    {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let mut seen_text = false;
    for line in body.split('\n') {
        let blank = line.chars().all(|c| c == ' ' || c == '\t');
        if !line.is_empty() && blank {
            return None;
        }
        if !seen_text && !line.is_empty() {
            if line.starts_with([' ', '\t']) {
                return None;
            }
            seen_text = true;
        }
    }
    if !seen_text {
        return None;
    }
    Some(match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    })
}

/// Chooses how to write `s` in block context (a mapping value or a list item).
pub fn style(s: &str) -> Style {
    if let Some(chomp) = literal_chomping(s) {
        Style::Literal(chomp)
    } else if is_plain(s, false) {
        Style::Plain
    } else {
        Style::Quoted
    }
}

/// Writes `s` in double quotes, escaping `"`, `\` and every non-printable character.
pub fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if is_printable(c) => out.push(c),
            c if u32::from(c) <= 0xFF => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
}

/// Writes `s` as a flow-sequence item (plain or quoted).
fn push_flow(out: &mut String, s: &str) {
    if is_plain(s, true) {
        out.push_str(s);
    } else {
        push_quoted(out, s);
    }
}

/// Writes a path of names as a flow sequence, `[sample_data, db, "a,b"]`: how state
/// files write a reference to another object (a foreign key's referred column, an
/// upstream table), and how messages about one quote it.
pub fn push_flow_list(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_flow(out, item);
    }
    out.push(']');
}

/// [`push_flow_list`] into a new string.
pub fn flow_list(items: &[String]) -> String {
    let mut out = String::new();
    push_flow_list(&mut out, items);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings YAML would misread are not written plain.
    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "NULL",
            "~",
            "",
            "123",
            "1.5",
            "2024-01-01",
            "0x1F",
            ".inf",
            " lead",
            "trail ",
            "a: b",
            "a #b",
            "- item",
            "*ref",
            "&anchor",
            "!tag",
            "'q'",
            "\"q\"",
            "@x",
            "%x",
            "`x",
            "{a}",
            "[a]",
            "a\tb",
            "-1",
            "+1",
            "12:30",
        ] {
            assert!(!is_plain(s, false), "{s:?} must be quoted");
        }
        for s in [
            "shopify",
            "dim_address",
            "PII.Sensitive",
            "varchar(100)",
            "naïve",
            "3d_model",
            "O'Brien",
            "a b c",
        ] {
            assert!(is_plain(s, false), "{s:?} can be plain");
        }
        assert!(!is_plain("a,b", true));
        assert!(!is_plain("xp  -", true));
        assert!(is_plain("dim_customer", true));
    }

    /// Multi-line text gets a literal block with the chomping that keeps its ending.
    #[test]
    fn picks_literal_chomping() {
        assert_eq!(style("a\nb"), Style::Literal("-"));
        assert_eq!(style("a\nb\n"), Style::Literal(""));
        assert_eq!(style("a\nb\n\n"), Style::Literal("+"));
        assert_eq!(style("\n\na\n  b"), Style::Literal("-"));
        assert_eq!(style(" a\nb"), Style::Quoted);
        assert_eq!(style("a\n  \nb"), Style::Quoted);
        assert_eq!(style("a\r\nb"), Style::Quoted);
        assert_eq!(style("\n"), Style::Quoted);
    }

    /// Non-printable characters are escaped inside double quotes.
    #[test]
    fn escapes_non_printables() {
        let mut out = String::new();
        push_quoted(&mut out, "a\"b\\c\u{1}\u{85}\u{FEFF}\u{2028}\u{202E}\u{1b}");
        assert_eq!(out, r#""a\"b\\c\x01\x85\uFEFF\u2028\u202E\x1B""#);
    }
}
