//! State-file text -> documents, with errors as `file:line:column: message`.
//!
//! YAML tags (`!!binary`, `!!str`, `!custom`, `!<tag:...>`) are refused: a state file
//! holds plain strings, numbers and lists, and a tag would make a value mean something
//! other than its text (serde-saphyr decodes a `!!binary` string from base64), so a
//! reviewer reading the diff would not see what is applied. serde-saphyr does not report
//! tags, so the events are read once with its parser first (only when the text holds a
//! `!` at all, since every tag starts with one).

use std::path::Path;

use saphyr_parser::Event;
use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options};

use super::document::{DatabaseDoc, SchemaDoc};
use super::{API_VERSION, Problem};

/// Parser limits: serde-saphyr's defaults (250,000 nodes) stop far short of a schema
/// of 10,000 tables x 20 columns (about 1.5 million nodes), so they are raised, while
/// keeping a bound against hostile input.
fn options() -> Options {
    Options {
        budget: Some(Budget {
            max_events: 200_000_000,
            max_nodes: 100_000_000,
            max_total_scalar_bytes: 2 * 1024 * 1024 * 1024,
            max_reader_input_bytes: None,
            ..Budget::default()
        }),
        duplicate_keys: DuplicateKeyPolicy::Error,
        with_snippet: false,
        ..Options::default()
    }
}

fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Problem> {
    if text.contains('!') {
        refuse_tags(file, text)?;
    }
    serde_saphyr::from_str_with_options(text, options()).map_err(|err| {
        let err = err.without_snippet();
        let (line, column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
        let rendered = err.to_string();
        let message = match rendered.rfind(" at line ") {
            Some(cut) if err.location().is_some() => rendered[..cut].to_string(),
            _ => rendered,
        };
        let (line, column) = refine_position(text, line, column, &message);
        Problem::at(file, line, column, humanize(text, message))
    })
}

/// The first explicit tag in `text`, as a problem at the tag. A text that does not parse
/// is left to serde-saphyr, which reports the error with its position.
fn refuse_tags(file: &Path, text: &str) -> Result<(), Problem> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let tag = match event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, tag)
            | Event::MappingStart(_, tag) => tag,
            _ => None,
        };
        let Some(tag) = tag else { continue };
        let value = text
            .char_indices()
            .nth(span.start.index())
            .map_or(text.len(), |(i, _)| i);
        let (at, written) = tag_before(text, value).unwrap_or_else(|| {
            let written = match tag.handle.as_str() {
                "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
                "!" => format!("!{}", tag.suffix),
                "" => format!("!<{}>", tag.suffix),
                handle => format!("{handle}{}", tag.suffix),
            };
            (value, written)
        });
        let line = text[..at].matches('\n').count() + 1;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..at].chars().count() + 1;
        return Err(Problem::at(
            file,
            line as u64,
            column as u64,
            format!(
                "YAML tags are not allowed in state files: found `{written}`; write the value as plain text"
            ),
        ));
    }
    Ok(())
}

/// The byte offset and text of the tag written before the value at byte `value`: the
/// nearest preceding token that starts with `!`, skipping an anchor (`&name`).
fn tag_before(text: &str, value: usize) -> Option<(usize, String)> {
    let mut end = value;
    for _ in 0..2 {
        let head = text[..end].trim_end();
        let start = head
            .rfind(|c: char| c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let token = &head[start..];
        if token.starts_with('!') {
            return Some((start, token.to_string()));
        }
        if !token.starts_with('&') {
            return None;
        }
        end = start;
    }
    None
}

/// Rephrases serde-saphyr's messages that speak of parser events or Rust types in terms
/// of the file; any other message is kept as is.
fn humanize(text: &str, message: String) -> String {
    let expected = match message.as_str() {
        "unexpected end of input" if text.trim().is_empty() => {
            return format!(
                "empty file: expected a state file starting with `apiVersion: {API_VERSION}`"
            );
        }
        "invalid u32" | "invalid u64" => "a whole number (0 or more)",
        "unexpected event: expected sequence start" => "a list",
        "unexpected event: expected mapping start" => "a mapping of keys to values",
        "unexpected event: expected string scalar" => "a string",
        m if m.starts_with("cannot deserialize null into string") => {
            return "expected a string, found null".into();
        }
        _ => return message,
    };
    format!("expected {expected}")
}

/// serde-saphyr places an unknown field at the start of its mapping and an unsupported
/// apiVersion nowhere; point at the key (or the version's value) instead: the first line
/// at or after the mapping's start whose key (after indentation and `- `) is that field.
fn refine_position(text: &str, line: u64, column: u64, message: &str) -> (u64, u64) {
    let (key, at_value) = if let Some(rest) = message.strip_prefix("unknown field `") {
        (rest.split('`').next().unwrap_or_default(), false)
    } else if message.starts_with("unsupported apiVersion") {
        ("apiVersion", true)
    } else {
        return (line, column);
    };
    let start = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX);
    for (n, text_line) in text.lines().enumerate().skip(start) {
        let body = text_line.trim_start_matches([' ', '-']);
        let indent = text_line.len() - body.len();
        if let Some(after) = body.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let value_offset = after.len() - after.trim_start().len();
            let col = if at_value {
                indent + key.len() + 1 + value_offset
            } else {
                indent
            };
            let col = text_line[..col.min(text_line.len())].chars().count();
            return ((n + 1) as u64, col as u64 + 1);
        }
    }
    (line, column)
}

/// Parses the text of a `_database.yaml`.
pub fn parse_database(file: &Path, text: &str) -> Result<DatabaseDoc, Problem> {
    parse(file, text)
}

/// Parses the text of a schema file.
pub fn parse_schema(file: &Path, text: &str) -> Result<SchemaDoc, Problem> {
    parse(file, text)
}
