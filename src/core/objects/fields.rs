//! Compact field names and field lists for [`Object`](super::Object)s.
//!
//! A plan holds millions of objects on each side and millions of field changes, each
//! naming one of a handful of fields (`title`, `description`, ...). A [`Field`] is
//! therefore one shared `&'static str`, not a `String` per use: names come from the
//! target's constants ([`Field::from_static`]) or, when read from text (a plan file),
//! are interned once per distinct name ([`Field::new`]). Names compare, order and hash
//! by their text, so a field built either way is the same field.
//!
//! [`Fields`] is an object's fields as one vector sorted by name, with the part of a
//! map's interface the engines use. An object has at most a dozen fields, so a sorted
//! vector is both smaller (one allocation) and faster than a tree map, and iterates in
//! the same (name) order. It serialises as a JSON object, like the map it replaces.
//!
//! The interner keeps every distinct name for the life of the process: names come from
//! the target's fixed set, so it stays a few dozen strings; a plan file naming other
//! fields adds each of its distinct names once.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Value;

/// The name of a managed field, e.g. `description`: one word, shared by every object.
/// Cloning it copies the word (it is not `Copy` so that code written for a `String`
/// name, `change.field.clone()`, reads the same).
#[derive(Clone)]
pub struct Field(&'static str);

impl Field {
    /// The field named by a constant (no interning needed).
    pub const fn from_static(name: &'static str) -> Field {
        Field(name)
    }

    /// The field named `name`, interned: every distinct name is stored once.
    pub fn new(name: &str) -> Field {
        static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let names = NAMES.get_or_init(Mutex::default);
        let mut names = names.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = names.get(name) {
            return Field(known);
        }
        let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(leaked);
        Field(leaked)
    }

    /// The name.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Deref for Field {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Field {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Field {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq for Field {
    fn eq(&self, other: &Field) -> bool {
        self.0 == other.0
    }
}

impl Eq for Field {}

impl PartialOrd for Field {
    fn partial_cmp(&self, other: &Field) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Field {
    fn cmp(&self, other: &Field) -> Ordering {
        self.0.cmp(other.0)
    }
}

impl Hash for Field {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq<str> for Field {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Field {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Field {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

impl PartialEq<Field> for &str {
    fn eq(&self, other: &Field) -> bool {
        *self == other.0
    }
}

impl From<&str> for Field {
    fn from(name: &str) -> Field {
        Field::new(name)
    }
}

impl From<String> for Field {
    fn from(name: String) -> Field {
        Field::new(&name)
    }
}

impl From<&String> for Field {
    fn from(name: &String) -> Field {
        Field::new(name)
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Field::new(&name))
    }
}

/// An object's managed fields, sorted by name, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(Field, Value)>);

impl Fields {
    /// No fields.
    pub const fn new() -> Fields {
        Fields(Vec::new())
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(field, _)| field.as_str().cmp(name))
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    /// Whether `name` is set.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets `name` to `value`; returns the value it replaces.
    pub fn insert(&mut self, name: impl Into<Field>, value: Value) -> Option<Value> {
        let name = name.into();
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// Unsets `name`; returns the value it had.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.find(name).ok().map(|i| self.0.remove(i).1)
    }

    /// The fields in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Field, &Value)> + '_ {
        self.0.iter().map(|(field, value)| (field, value))
    }

    /// The names in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Field> + '_ {
        self.0.iter().map(|(field, _)| field)
    }

    /// The values in name order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        self.0.iter().map(|(_, value)| value)
    }

    /// How many fields are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields as a sorted slice.
    pub fn as_slice(&self) -> &[(Field, Value)] {
        &self.0
    }

    /// Frees the spare capacity left by building the list field by field.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl std::ops::Index<&str> for Fields {
    type Output = Value;
    fn index(&self, name: &str) -> &Value {
        self.get(name)
            .unwrap_or_else(|| panic!("no field `{name}` in the object"))
    }
}

impl<K: Into<Field>> FromIterator<(K, Value)> for Fields {
    /// The fields given; of a name given twice, the last value.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Fields {
        let mut pairs: Vec<(Field, Value)> = iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable: of equal names the later stays later, and `dedup` below keeps the
        // first of a run, so reverse first to keep the last value given.
        pairs.reverse();
        pairs.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        Fields(pairs)
    }
}

impl<K: Into<Field>, const N: usize> From<[(K, Value); N]> for Fields {
    fn from(pairs: [(K, Value); N]) -> Fields {
        pairs.into_iter().collect()
    }
}

impl IntoIterator for Fields {
    type Item = (Field, Value);
    type IntoIter = std::vec::IntoIter<(Field, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a Field, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Field, Value)>,
        fn(&'a (Field, Value)) -> (&'a Field, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(field, value)| (field, value))
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        let map = std::collections::BTreeMap::<Field, Value>::deserialize(deserializer)?;
        Ok(Fields(map.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_and_static_names_are_the_same_field() {
        let interned = Field::new(&String::from("description"));
        let constant = Field::from_static("description");
        assert_eq!(interned, constant);
        assert_eq!(interned, "description");
        assert!(std::ptr::eq(
            Field::new("some_field").as_str(),
            Field::new(String::from("some_field").as_str()).as_str()
        ));
    }

    #[test]
    fn fields_stay_sorted_and_unique_like_a_map() {
        let mut fields = Fields::new();
        assert_eq!(fields.insert("title", Value::Text("a".into())), None);
        fields.insert("description", Value::Html("<p>d</p>".into()));
        fields.insert("position", Value::Int(1));
        assert_eq!(
            fields.insert("title", Value::Text("b".into())),
            Some(Value::Text("a".into()))
        );
        let names: Vec<&str> = fields.keys().map(|f| f.as_str()).collect();
        assert_eq!(names, ["description", "position", "title"]);
        assert_eq!(fields["title"], Value::Text("b".into()));
        assert_eq!(fields.remove("position"), Some(Value::Int(1)));
        assert_eq!(fields.remove("position"), None);
        assert!(!fields.contains_key("position"));
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn collecting_keeps_the_last_value_of_a_name() {
        let fields: Fields = [
            ("title", Value::Text("first".into())),
            ("nullable", Value::Bool(true)),
            ("title", Value::Text("last".into())),
        ]
        .into();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields["title"], Value::Text("last".into()));
    }

    #[test]
    fn fields_serialise_as_the_map_they_replace() {
        let fields: Fields = [
            ("title", Value::Text("T".into())),
            ("nullable", Value::Bool(false)),
        ]
        .into();
        let map: std::collections::BTreeMap<String, Value> = [
            ("title".to_string(), Value::Text("T".into())),
            ("nullable".to_string(), Value::Bool(false)),
        ]
        .into();
        let json = serde_json::to_string(&fields).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::from_str::<Fields>(&json).unwrap(), fields);
    }
}
