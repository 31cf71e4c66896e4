//! Showing untrusted text (names and values from a source, a target or a state file) on
//! a terminal or in a pull-request comment without letting it act on the reader.
//!
//! A raw `ESC` can restyle or retitle a terminal, clear the screen or forge lines; a
//! bidirectional override (U+202A–U+202E, U+2066–U+2069) makes text read in another order
//! than it is stored (the "Trojan Source" trick); a line break or a Unicode line separator
//! forges a new line of output. Every such character is shown as a Rust-style escape
//! (`\n`, `\u{1b}`, `\u{202e}`), so the text stays unambiguous to a reviewer. This is the
//! one function the renderers and the printer use; data formats (JSON, state files) have
//! their own exact escaping and do not go through it.

use std::borrow::Cow;

/// Whether `c` is shown escaped: C0 and C1 controls and DEL, bidirectional controls and
/// marks, and the Unicode line and paragraph separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` on one line with every unsafe character escaped: for names and values.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// `text` with every unsafe character escaped except line feeds and tabs: for messages,
/// which may span lines of their own.
pub fn printable_message(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terminal escapes, C1 controls, bidi overrides and line breaks are escaped.
    #[test]
    fn escapes_what_could_act_on_a_terminal() {
        assert_eq!(
            printable("a\u{1b}[2Jb\u{9b}c\u{202e}d\u{2066}e\nf\u{2028}g\u{7f}"),
            "a\\u{1b}[2Jb\\u{9b}c\\u{202e}d\\u{2066}e\\nf\\u{2028}g\\u{7f}"
        );
        assert_eq!(printable("naïve 売上 \"q\" a\\b"), "naïve 売上 \"q\" a\\b");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }

    /// Messages keep their own line breaks and tabs, nothing else.
    #[test]
    fn messages_keep_line_breaks() {
        assert_eq!(
            printable_message("line one\n\tline two\r\u{1b}]0;x\u{7}"),
            "line one\n\tline two\\r\\u{1b}]0;x\\u{7}"
        );
    }
}
