//! Text forms shared by projection and comparison: Markdown to HTML, and a canonical
//! form of HTML.
//!
//! OpenMetadata descriptions are Markdown; Alation stores rich text as sanitised HTML and
//! may echo back what we wrote with different whitespace, entity spelling, quoting or
//! paragraph wrapping (shared/reference/plan-apply-anchors.md §1 row 10; the exact
//! sanitiser output is UNVERIFIED). Comparing canonical forms keeps an applied
//! description from showing up as a change on the next plan (SPEC §4).
//!
//! The canonical form, decided here in one place:
//! - tag and attribute names lowercase; `<b>` is `<strong>`, `<i>` is `<em>`;
//! - attributes sorted by name, values double-quoted; void elements (`<br>`, `<br/>`,
//!   `<br />`) written `<br>`; comments, doctypes and processing instructions dropped;
//! - entities decoded, then only `&`, `<`, `>` (and `"` in attributes) re-encoded;
//! - outside `<pre>`, runs of whitespace (non-breaking spaces included) become one space,
//!   and whitespace next to block-level tags or at either end disappears;
//! - empty paragraphs dropped, and a document that is exactly one `<p>` paragraph
//!   unwrapped, so `<p>text</p>` equals `text`.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown (CommonMark with tables and strikethrough) to HTML.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    out
}

/// The canonical form of an HTML fragment; two fragments that render the same text
/// compare equal in this form (see the module documentation for the rules).
pub fn canonical_html(fragment: &str) -> String {
    let mut writer = Writer::default();
    for token in tokenize(fragment) {
        writer.token(token);
    }
    let mut out = writer.out;
    while out.contains("<p></p>") {
        out = out.replace("<p></p>", "");
    }
    if let Some(inner) = out
        .strip_prefix("<p>")
        .and_then(|rest| rest.strip_suffix("</p>"))
        && !inner.contains("</p>")
    {
        return inner.to_string();
    }
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Text(String),
    Start {
        name: String,
        attributes: Vec<(String, String)>,
    },
    End(String),
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

fn canonical_name(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    match lower.as_str() {
        "b" => "strong".to_string(),
        "i" => "em".to_string(),
        _ => lower,
    }
}

/// Serialises tokens in canonical form, tracking whitespace state.
#[derive(Default)]
struct Writer {
    out: String,
    pending_space: bool,
    /// True at the start and right after a block-level tag: leading whitespace drops.
    after_block: bool,
    started: bool,
    pre_depth: usize,
}

impl Writer {
    fn token(&mut self, token: Token) {
        if !self.started {
            self.started = true;
            self.after_block = true;
        }
        match token {
            Token::Text(text) if self.pre_depth > 0 => {
                self.flush_space();
                escape_into(&mut self.out, &text, false);
                self.after_block = false;
            }
            Token::Text(text) => {
                for c in text.chars() {
                    if c.is_whitespace() {
                        self.pending_space = true;
                    } else {
                        self.flush_space();
                        self.after_block = false;
                        let mut buf = [0u8; 4];
                        escape_into(&mut self.out, c.encode_utf8(&mut buf), false);
                    }
                }
            }
            Token::Start { name, attributes } => {
                self.boundary(&name);
                self.out.push('<');
                self.out.push_str(&name);
                for (key, value) in attributes {
                    self.out.push(' ');
                    self.out.push_str(&key);
                    self.out.push_str("=\"");
                    escape_into(&mut self.out, &value, true);
                    self.out.push('"');
                }
                self.out.push('>');
                if name == "pre" {
                    self.pre_depth += 1;
                }
            }
            Token::End(name) => {
                if VOID.contains(&name.as_str()) {
                    return;
                }
                self.boundary(&name);
                self.out.push_str("</");
                self.out.push_str(&name);
                self.out.push('>');
                if name == "pre" {
                    self.pre_depth = self.pre_depth.saturating_sub(1);
                }
            }
        }
    }

    /// Before a tag: block tags swallow surrounding whitespace, inline tags keep it.
    fn boundary(&mut self, name: &str) {
        if BLOCK.contains(&name) {
            self.pending_space = false;
            self.after_block = true;
        } else {
            self.flush_space();
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space && !self.after_block {
            self.out.push(' ');
        }
        self.pending_space = false;
    }
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
}

fn tokenize(html: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while let Some(rest) = html.get(i..).filter(|rest| !rest.is_empty()) {
        if let Some(after) = rest.strip_prefix("<!--") {
            flush_text(&mut text, &mut tokens);
            i += 4 + after.find("-->").map_or(after.len(), |end| end + 3);
            continue;
        }
        if rest.starts_with('<')
            && let Some((token, used)) = parse_tag(rest)
        {
            flush_text(&mut text, &mut tokens);
            tokens.extend(token);
            i += used;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        text.push(c);
        i += c.len_utf8();
    }
    flush_text(&mut text, &mut tokens);
    tokens
}

fn flush_text(text: &mut String, tokens: &mut Vec<Token>) {
    if !text.is_empty() {
        tokens.push(Token::Text(decode_entities(text)));
        text.clear();
    }
}

/// Parses the tag at the start of `rest` (which starts with `<`). `None` when it is not a
/// tag (a literal `<`); `Some((None, n))` for a construct that is dropped (`<!DOCTYPE>`).
/// Every index used to slice is at an ASCII delimiter or the end, so on a char boundary.
fn parse_tag(rest: &str) -> Option<(Option<Token>, usize)> {
    let bytes = rest.as_bytes();
    let name_end = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count()
    };
    match bytes.get(1)? {
        b'!' | b'?' => {
            let close = rest.find('>')?;
            Some((None, close + 1))
        }
        b'/' => {
            let end = name_end(2);
            if end == 2 {
                return None;
            }
            let close = end + rest[end..].find('>')?;
            Some((Some(Token::End(canonical_name(&rest[2..end]))), close + 1))
        }
        first if first.is_ascii_alphabetic() => {
            let end = name_end(1);
            let name = canonical_name(&rest[1..end]);
            let mut attributes = Vec::new();
            let mut pos = end;
            loop {
                while bytes.get(pos)?.is_ascii_whitespace() {
                    pos += 1;
                }
                match bytes.get(pos)? {
                    b'>' => {
                        pos += 1;
                        break;
                    }
                    b'/' => {
                        pos += 1;
                        continue;
                    }
                    _ => {}
                }
                let key_start = pos;
                while !matches!(bytes.get(pos)?, b'=' | b'>' | b'/')
                    && !bytes.get(pos)?.is_ascii_whitespace()
                {
                    pos += 1;
                }
                let key = rest[key_start..pos].to_ascii_lowercase();
                while bytes.get(pos)?.is_ascii_whitespace() {
                    pos += 1;
                }
                let mut value = String::new();
                if bytes.get(pos)? == &b'=' {
                    pos += 1;
                    while bytes.get(pos)?.is_ascii_whitespace() {
                        pos += 1;
                    }
                    let quote = *bytes.get(pos)?;
                    if quote == b'"' || quote == b'\'' {
                        let close = pos + 1 + rest[pos + 1..].find(quote as char)?;
                        value = decode_entities(&rest[pos + 1..close]);
                        pos = close + 1;
                    } else {
                        let start = pos;
                        while bytes
                            .get(pos)
                            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                        {
                            pos += 1;
                        }
                        value = decode_entities(&rest[start..pos]);
                    }
                }
                attributes.push((key, value));
            }
            attributes.sort();
            Some((Some(Token::Start { name, attributes }), pos))
        }
        _ => None,
    }
}

/// Decodes numeric entities and the named ones rich-text editors emit; an unknown or
/// malformed entity stays as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|semi| *semi <= 10)
            .and_then(|semi| entity(&after[..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "copy" => '\u{a9}',
        "reg" => '\u{ae}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{canonical_html, markdown_to_html};

    /// Markdown rendered by us and the HTML Alation echoes back compare equal.
    #[test]
    fn rendered_markdown_equals_echoed_html() {
        let ours = markdown_to_html("This **mock** db");
        assert_eq!(ours, "<p>This <strong>mock</strong> db</p>\n");
        for echoed in [
            "<p>This <strong>mock</strong> db</p>\n",
            "<p>This <strong>mock</strong> db</p>",
            "This <strong>mock</strong> db",
            "<P>This  <B>mock</B>\n db </P>",
            "  <p>\n  This <strong>mock</strong>&#32;db\n</p>\n",
        ] {
            assert_eq!(canonical_html(&ours), canonical_html(echoed), "{echoed:?}");
        }
        assert_eq!(canonical_html(&ours), "This <strong>mock</strong> db");
    }

    /// Entity spellings normalise: named, decimal, hex and raw characters agree.
    #[test]
    fn entities_normalise() {
        let forms = [
            "<p>Tom &amp; Jerry &quot;quoted&quot; it&#39;s &lt;x&gt;</p>",
            "<p>Tom &#38; Jerry \"quoted\" it's &#x3C;x&#x3e;</p>",
            "Tom &amp; Jerry &#34;quoted&#34; it&apos;s &lt;x>",
        ];
        let expected = "Tom &amp; Jerry \"quoted\" it's &lt;x&gt;";
        for form in forms {
            assert_eq!(canonical_html(form), expected, "{form:?}");
        }
        assert_eq!(canonical_html("a &bogus; b & c"), "a &amp;bogus; b &amp; c");
    }

    /// Self-closing and void tags, attribute quoting and order are canonical.
    #[test]
    fn tags_and_attributes_normalise() {
        assert_eq!(canonical_html("a<br/>b"), canonical_html("a<br>b"));
        assert_eq!(canonical_html("a<br />\nb"), "a<br>b");
        assert_eq!(
            canonical_html("<a title='t' HREF=https://x.io/?a=1&amp;b=2>x</a>"),
            "<a href=\"https://x.io/?a=1&amp;b=2\" title=\"t\">x</a>"
        );
        assert_eq!(canonical_html("<!-- note -->x"), "x");
    }

    /// Several paragraphs stay wrapped; whitespace between blocks disappears.
    #[test]
    fn paragraphs_and_blocks() {
        let ours = markdown_to_html("one\n\ntwo\n\n- a\n- b\n");
        assert_eq!(
            canonical_html(&ours),
            "<p>one</p><p>two</p><ul><li>a</li><li>b</li></ul>"
        );
        assert_eq!(
            canonical_html("<p>one</p>\n\n<p>two</p><p></p>"),
            canonical_html(&ours).replace("<ul><li>a</li><li>b</li></ul>", "")
        );
        assert_eq!(canonical_html("<p></p>"), "");
        assert_eq!(canonical_html("   "), "");
    }

    /// Whitespace inside `<pre>` is kept as written.
    #[test]
    fn pre_keeps_whitespace() {
        let html = markdown_to_html("```\nselect  *\n  from t\n```\n");
        assert_eq!(
            canonical_html(&html),
            "<pre><code>select  *\n  from t\n</code></pre>"
        );
    }

    /// Broken markup never panics and keeps its text.
    #[test]
    fn malformed_input_is_text() {
        assert_eq!(canonical_html("a < b"), "a &lt; b");
        assert_eq!(canonical_html("<p class=\"x"), "&lt;p class=\"x");
        assert_eq!(canonical_html("x <"), "x &lt;");
        assert_eq!(canonical_html("</>"), "&lt;/&gt;");
        assert_eq!(canonical_html("é<b>ü</b>"), "é<strong>ü</strong>");
        assert_eq!(canonical_html("&#xFFFFFFFF; &"), "&amp;#xFFFFFFFF; &amp;");
    }

    proptest::proptest! {
        /// Any input canonicalises without panicking, and the canonical form is a fixed point.
        #[test]
        fn canonical_form_is_idempotent(input in "[<>/a-cpbr =\"'&;#x0-9\n\t\u{a0}é!-]{0,60}") {
            let once = canonical_html(&input);
            proptest::prop_assert_eq!(canonical_html(&once), once);
        }
    }
}
