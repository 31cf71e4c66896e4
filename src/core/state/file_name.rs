//! Names as file and directory names, safely and reversibly.
//!
//! Source names may contain anything (`/`, `.`, `"`, `::`, `>`, spaces, unicode), but a
//! path component must not escape its directory, must not be hidden, must not collide
//! with `_database.yaml`, and should survive file systems that normalise unicode or
//! reserve names (Windows `CON`, `NUL`, ...). The encoding is percent-encoding of UTF-8
//! bytes with a small safe set:
//! - kept as is: ASCII letters, digits, `-`, `_` and `.`;
//! - every other byte becomes `%XX` (upper-case hex), including `%` itself, spaces,
//!   `/`, `\` and all non-ASCII bytes (so unicode normalisation cannot alter a name);
//! - a leading `.` or `_` and a trailing `.` are encoded too (no `.`/`..`, no hidden
//!   files, no clash with the reserved `_database.yaml`, no Windows trailing-dot loss);
//! - the first character of a Windows device name (`con`, `nul`, `com1`, ..., in any
//!   case, with or without an extension) is encoded.
//!
//! Case-insensitive file systems (macOS, Windows) would merge `Sales` and `sales`. When
//! names in one directory differ only in ASCII case, the writer uses the *folded*
//! encoding for them ([`encode_name_folded`]), which also encodes upper-case letters, so
//! the two files differ in more than case. Both encodings decode to the name.
//!
//! Most file systems limit a path component to 255 bytes, and percent-encoding triples
//! non-ASCII bytes (a 31-character Japanese name is 279 bytes). An encoding longer than
//! [`MAX_ENCODED_LEN`] is *shortened*: the longest prefix of whole encoded characters
//! that fits, then `~` and the first [`HASH_LEN`] hex digits of the sha256 of the name.
//! `~` is never kept as is by the encoding, so a shortened component cannot equal a full
//! one; the hash keeps two long names with one prefix apart (also ignoring case). A
//! shortened component does not decode, so [`decode_name`] gives `None` for it.
//!
//! Inside a file the name is stored exactly; the file name is only an index and the
//! file's `name` field is the authority: a file is matched to its name by recomputing
//! the encodings of the name it holds ([`is_encoding_of`]), which works for both forms.

/// Encodings longer than this (in bytes, before `.yaml`) are shortened, so that every
/// path component stays under the 255 bytes most file systems allow.
pub const MAX_ENCODED_LEN: usize = 240;

/// Hex digits of the name's sha256 that end a shortened component.
pub const HASH_LEN: usize = 16;

const WINDOWS_DEVICES: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

fn is_kept(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')
}

fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    WINDOWS_DEVICES
        .iter()
        .any(|device| stem.eq_ignore_ascii_case(device))
}

/// Encodes a name as one path component (see the module documentation).
pub fn encode_name(name: &str) -> String {
    encode(name, false)
}

/// Encodes a name as one path component that no other name's folded encoding equals
/// ignoring ASCII case: like [`encode_name`], and upper-case ASCII letters are
/// percent-encoded too.
pub fn encode_name_folded(name: &str) -> String {
    encode(name, true)
}

/// Whether `component` is one of the two encodings of `name`.
pub fn is_encoding_of(component: &str, name: &str) -> bool {
    component == encode_name(name) || component == encode_name_folded(name)
}

fn encode(name: &str, fold: bool) -> String {
    let bytes = name.as_bytes();
    let device = is_windows_device(name);
    let mut out = String::with_capacity(bytes.len());
    // Where each character's encoding ends, to shorten at a character boundary.
    let mut ends = Vec::new();
    for (i, &byte) in bytes.iter().enumerate() {
        let edge = (i == 0 && (byte == b'.' || byte == b'_' || device))
            || (i + 1 == bytes.len() && byte == b'.');
        if is_kept(byte) && !edge && !(fold && byte.is_ascii_uppercase()) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
        if name.is_char_boundary(i + 1) {
            ends.push(out.len());
        }
    }
    if out.len() <= MAX_ENCODED_LEN {
        return out;
    }
    let budget = MAX_ENCODED_LEN - 1 - HASH_LEN;
    let keep = ends
        .iter()
        .rev()
        .find(|end| **end <= budget)
        .copied()
        .unwrap_or(0);
    out.truncate(keep);
    out.push('~');
    out.push_str(&crate::core::plan::sha256_hex(name.as_bytes())[..HASH_LEN]);
    out
}

/// Decodes a path component made by [`encode_name`] or [`encode_name_folded`]; `None`
/// when it is neither encoding of any name (stray `%`, lower-case hex, invalid UTF-8,
/// unencoded unsafe bytes).
pub fn decode_name(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = component.get(i + 1..i + 3)?;
            if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let name = String::from_utf8(out).ok()?;
    is_encoding_of(component, &name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unsafe characters are percent-encoded and the encoding decodes back.
    #[test]
    fn encodes_unsafe_characters_reversibly() {
        let cases = [
            ("shopify", "shopify"),
            ("dim.customer", "dim.customer"),
            ("a/b", "a%2Fb"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("_database", "%5Fdatabase"),
            ("my schema", "my%20schema"),
            ("\"quoted\"", "%22quoted%22"),
            ("a::b>c", "a%3A%3Ab%3Ec"),
            ("naïve", "na%C3%AFve"),
            ("100%", "100%25"),
            ("trailing.", "trailing%2E"),
            ("CON", "%43ON"),
            ("nul.txt", "%6Eul.txt"),
            ("console", "console"),
        ];
        for (name, encoded) in cases {
            assert_eq!(encode_name(name), encoded, "{name}");
            assert_eq!(decode_name(encoded).as_deref(), Some(name), "{encoded}");
        }
    }

    /// The folded encoding keeps case-only differences apart and decodes back.
    #[test]
    fn folded_encoding_survives_case_folding() {
        assert_eq!(encode_name_folded("Sales"), "%53ales");
        assert_eq!(decode_name("%53ales").as_deref(), Some("Sales"));
        assert_ne!(
            encode_name_folded("Sales").to_ascii_lowercase(),
            encode_name_folded("sales").to_ascii_lowercase()
        );
    }

    /// A name whose encoding is too long gets a shortened component that fits, is
    /// deterministic, differs from a name sharing its prefix, and is still its encoding.
    #[test]
    fn long_names_are_shortened_with_a_hash() {
        let long = "売上データの月次集計と地域別の顧客分析のためのスキーマ名前です";
        let encoded = encode_name(long);
        assert_eq!(encoded.len(), 24 * 9 + 1 + HASH_LEN, "{encoded}");
        assert!(encoded.starts_with("%E5%A3%B2"), "{encoded}");
        assert_eq!(encoded.as_bytes()[24 * 9], b'~', "{encoded}");
        assert_eq!(encode_name(long), encoded);
        assert!(is_encoding_of(&encoded, long));
        assert_eq!(decode_name(&encoded), None);
        let other = format!("{long}2");
        assert_ne!(encode_name(&other), encoded);
        assert!(!is_encoding_of(&encoded, &other));
        let ascii = "a".repeat(241);
        assert_eq!(encode_name(&ascii).len(), MAX_ENCODED_LEN);
        assert_eq!(encode_name(&"a".repeat(240)), "a".repeat(240));
        let upper = "A".repeat(241);
        assert_ne!(
            encode_name_folded(&upper).to_ascii_lowercase(),
            encode_name_folded(&ascii).to_ascii_lowercase()
        );
    }

    /// Components that are not canonical encodings are rejected.
    #[test]
    fn rejects_non_canonical_components() {
        for component in ["a%2fb", "a%2", "%ZZ", "a b", "%FF", "A%41"] {
            assert_eq!(decode_name(component), None, "{component}");
        }
    }
}
