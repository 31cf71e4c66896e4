//! Typed reads of the fields of a JSON request object, collecting DRF-style errors
//! (`{"field": ["message"]}`, shared/reference/alation-api.md §2.5).
//!
//! Each accessor answers `None` when the field is absent, `Some(None)` when it is null
//! and `Some(Some(v))` otherwise, so that POST (absent = default) and PATCH (absent =
//! unchanged) share one parser. Unknown fields are ignored, as DRF serializers do.

use serde_json::{Map, Value, json};

use super::state::CustomFieldValue;

/// A field that may be absent, null or set.
pub(super) type Given<T> = Option<Option<T>>;

/// The fields of one request object, and the errors found reading them.
pub(super) struct Fields<'a> {
    map: &'a Map<String, Value>,
    errors: Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Reads `value`, which must be a JSON object.
    pub(super) fn new(value: &'a Value) -> Result<Self, Value> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                errors: Map::new(),
            }),
            _ => Err(json!({"non_field_errors": ["Expected a JSON object."]})),
        }
    }

    /// Whether `name` is present (even as null).
    pub(super) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Records an error on `name`.
    pub(super) fn error(&mut self, name: &str, message: impl Into<String>) {
        let entry = self
            .errors
            .entry(name.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }

    /// A string field.
    pub(super) fn text(&mut self, name: &str) -> Given<String> {
        match self.map.get(name)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => {
                self.error(name, "Not a valid string.");
                None
            }
        }
    }

    /// A string field that must be present and non-empty.
    pub(super) fn required_text(&mut self, name: &str) -> Option<String> {
        match self.text(name) {
            Some(Some(s)) if !s.trim().is_empty() => Some(s),
            Some(Some(_)) => {
                self.error(name, "This field may not be blank.");
                None
            }
            Some(None) => {
                self.error(name, "This field may not be null.");
                None
            }
            None if self.errors.contains_key(name) => None,
            None => {
                self.error(name, "This field is required.");
                None
            }
        }
    }

    /// A boolean field.
    pub(super) fn boolean(&mut self, name: &str) -> Given<bool> {
        match self.map.get(name)? {
            Value::Null => Some(None),
            Value::Bool(b) => Some(Some(*b)),
            _ => {
                self.error(name, "Must be a valid boolean.");
                None
            }
        }
    }

    /// An integer field, given as a number or a numeric string.
    pub(super) fn integer(&mut self, name: &str) -> Given<i64> {
        match self.map.get(name)? {
            Value::Null => Some(None),
            Value::Number(n) if n.as_i64().is_some() => Some(n.as_i64()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => Some(s.trim().parse().ok()),
            _ => {
                self.error(name, "A valid integer is required.");
                None
            }
        }
    }

    /// A list of strings.
    pub(super) fn text_list(&mut self, name: &str) -> Given<Vec<String>> {
        match self.map.get(name)? {
            Value::Null => Some(None),
            Value::Array(items) if items.iter().all(Value::is_string) => Some(Some(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            )),
            _ => {
                self.error(name, "Expected a list of strings.");
                None
            }
        }
    }

    /// A nested object, returned raw.
    pub(super) fn object(&mut self, name: &str) -> Given<&'a Value> {
        match self.map.get(name)? {
            Value::Null => Some(None),
            v @ Value::Object(_) => Some(Some(v)),
            _ => {
                self.error(name, "Expected a JSON object.");
                None
            }
        }
    }

    /// `custom_fields: [{"field_id": N, "value": …}]` (§5).
    pub(super) fn custom_fields(&mut self) -> Given<Vec<CustomFieldValue>> {
        let items = match self.map.get("custom_fields")? {
            Value::Null => return Some(None),
            Value::Array(items) => items,
            _ => {
                self.error("custom_fields", "Expected a list of custom field values.");
                return None;
            }
        };
        let mut values = Vec::new();
        for item in items {
            match (
                item.get("field_id").and_then(Value::as_u64),
                item.get("value"),
            ) {
                (Some(field_id), Some(value)) => values.push(CustomFieldValue {
                    field_id,
                    value: value.clone(),
                }),
                _ => {
                    self.error(
                        "custom_fields",
                        "Each custom field value needs an integer field_id and a value.",
                    );
                    return None;
                }
            }
        }
        Some(Some(values))
    }

    /// The errors as one `{field: [messages]}` object, or `None` if there were none.
    pub(super) fn into_errors(self) -> Option<Value> {
        (!self.errors.is_empty()).then_some(Value::Object(self.errors))
    }
}
