//! Ordered listing with opaque cursors, as `EntityRepository.listAfter/listBefore` does
//! (shared/reference/openmetadata-connectors.md §4.2).
//!
//! Entities of a scope (all, one service, one database or one schema) are kept in a
//! `BTreeMap` ordered by `(name, id)`, so a page costs O(log n + page) whatever the size
//! of the catalog. A cursor is the base64url (padded) JSON `{"name":…,"id":…}` of the row
//! it points after (or before).
//!
//! UNVERIFIED: the database collation of `name` on a real server (MySQL or Postgres) may
//! order mixed-case or non-ASCII names differently; the sandbox orders by the bytes of the
//! stored name, then by id.

use std::collections::BTreeMap;
use std::ops::Bound;

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Sort key of an entity: name, then id.
pub type Key = (Box<str>, Uuid);

/// The entities under one parent (or all of a kind), in list order.
#[derive(Debug, Default)]
pub struct Scope {
    /// `(name, id)` -> slot in the collection.
    pub keys: BTreeMap<Key, u32>,
    /// How many of `keys` are soft-deleted.
    pub deleted: usize,
}

/// The `include` list parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    /// Live entities only (default).
    NonDeleted,
    /// Soft-deleted entities only.
    Deleted,
    /// Both.
    All,
}

impl Include {
    /// Parses `all | deleted | non-deleted`.
    pub fn parse(text: Option<&str>) -> Result<Self, String> {
        match text {
            None | Some("non-deleted") => Ok(Self::NonDeleted),
            Some("deleted") => Ok(Self::Deleted),
            Some("all") => Ok(Self::All),
            Some(other) => Err(format!(
                "query param include must be one of [all, deleted, non-deleted], got {other}"
            )),
        }
    }

    /// Whether an entity with this `deleted` flag is visible.
    pub fn admits(self, deleted: bool) -> bool {
        match self {
            Self::NonDeleted => !deleted,
            Self::Deleted => deleted,
            Self::All => true,
        }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// From the first entity.
    Start,
    /// After the given key.
    After(Key),
    /// Before the given key.
    Before(Key),
}

/// One page of slots with the cursors to its neighbours.
#[derive(Debug, PartialEq, Eq)]
pub struct Page {
    /// Slots, in list order.
    pub slots: Vec<u32>,
    /// Cursor of the previous page.
    pub before: Option<String>,
    /// Cursor of the next page.
    pub after: Option<String>,
    /// Number of visible entities in the scope.
    pub total: usize,
}

#[derive(Serialize, Deserialize)]
struct CursorValue {
    name: String,
    id: Uuid,
}

/// Encodes the cursor pointing at `key`.
pub fn encode_cursor(key: &Key) -> String {
    let json = serde_json::json!({"name": &*key.0, "id": key.1.to_string()});
    URL_SAFE.encode(json.to_string())
}

/// Reads cursors with or without padding, as Java's `Base64.getUrlDecoder()` does.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a cursor produced by [`encode_cursor`].
pub fn decode_cursor(text: &str) -> Result<Key, String> {
    let bytes = LENIENT
        .decode(text.trim())
        .map_err(|_| format!("Invalid cursor {text}"))?;
    let value: CursorValue =
        serde_json::from_slice(&bytes).map_err(|_| format!("Invalid cursor {text}"))?;
    Ok((value.name.into_boxed_str(), value.id))
}

/// Lists one page of `scope`; `deleted(slot)` tells whether a slot is soft-deleted.
pub fn page(
    scope: Option<&Scope>,
    include: Include,
    limit: usize,
    cursor: &Cursor,
    deleted: impl Fn(u32) -> bool,
) -> Page {
    let Some(scope) = scope else {
        return Page {
            slots: Vec::new(),
            before: None,
            after: None,
            total: 0,
        };
    };
    let total = match include {
        Include::NonDeleted => scope.keys.len() - scope.deleted,
        Include::Deleted => scope.deleted,
        Include::All => scope.keys.len(),
    };
    let mut result = Page {
        slots: Vec::new(),
        before: None,
        after: None,
        total,
    };
    if limit == 0 {
        return result;
    }
    let visible = |(_, slot): &(&Key, &u32)| include.admits(deleted(**slot));
    match cursor {
        Cursor::Start | Cursor::After(_) => {
            let lower = match cursor {
                Cursor::After(key) => Bound::Excluded(key),
                _ => Bound::Unbounded,
            };
            let mut rows: Vec<(&Key, &u32)> = scope
                .keys
                .range::<Key, _>((lower, Bound::Unbounded))
                .filter(visible)
                .take(limit + 1)
                .collect();
            if matches!(cursor, Cursor::After(_)) {
                result.before = rows.first().map(|(key, _)| encode_cursor(key));
            }
            if rows.len() > limit {
                rows.truncate(limit);
                result.after = rows.last().map(|(key, _)| encode_cursor(key));
            }
            result.slots = rows.into_iter().map(|(_, slot)| *slot).collect();
        }
        Cursor::Before(key) => {
            let mut rows: Vec<(&Key, &u32)> = scope
                .keys
                .range::<Key, _>((Bound::Unbounded, Bound::Excluded(key)))
                .rev()
                .filter(visible)
                .take(limit + 1)
                .collect();
            rows.reverse();
            if rows.len() > limit {
                rows.remove(0);
                result.before = rows.first().map(|(key, _)| encode_cursor(key));
            }
            result.after = rows.last().map(|(key, _)| encode_cursor(key));
            result.slots = rows.into_iter().map(|(_, slot)| *slot).collect();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cursor decodes to the key it was made from, and garbage is refused.
    #[test]
    fn cursor_round_trip() {
        let key: Key = ("dim.api/client".into(), Uuid::from_u128(7));
        let cursor = encode_cursor(&key);
        assert_eq!(decode_cursor(&cursor), Ok(key.clone()));
        assert_eq!(decode_cursor(cursor.trim_end_matches('=')), Ok(key));
        assert!(decode_cursor("not a cursor").is_err());
    }
}
