//! Upserts and lookups of schemas, tables and columns by key (case-insensitive, §2.2),
//! shared by the Relational Integration API and the Virtual Data Source API.
//!
//! A key is stored as given on its latest write and looked up by its canonical form.
//! A table needs its schema and a column its table; a missing parent is an error for
//! that item only (the caller reports it in the job result).

use super::keys::{Kind, ObjectKey};
use super::state::{AlationState, Column, IdSpace, Schema, Table};

impl AlationState {
    /// The id of the object of `kind` with `key`.
    pub(super) fn find(&self, kind: Kind, key: &ObjectKey) -> Option<u64> {
        self.keys(kind).get(key)
    }

    /// Creates or updates the schema `key`, then runs `update` on it; returns its id.
    pub(super) fn upsert_schema(
        &mut self,
        key: &ObjectKey,
        key_text: &str,
        update: impl FnOnce(&mut Schema),
    ) -> Result<u64, String> {
        let name = key.name(Kind::Schema);
        let schema = match self.find(Kind::Schema, key) {
            Some(id) => self.schemas.get_mut(&id),
            None => {
                let id = self.next_id(IdSpace::Schema);
                self.schema_keys.insert(key, id);
                let blank = Schema::blank(id, key.ds_id, name.as_str().into(), key_text.into());
                self.children.add(blank.place());
                self.schemas.insert(id, blank)
            }
        };
        let schema =
            schema.ok_or_else(|| format!("Key: {key_text}. Schema index is inconsistent."))?;
        schema.name = name.into();
        schema.key = key_text.into();
        update(schema);
        Ok(schema.id)
    }

    /// Creates or updates the table `key` under its schema, then runs `update` on it.
    pub(super) fn upsert_table(
        &mut self,
        key: &ObjectKey,
        key_text: &str,
        update: impl FnOnce(&mut Table),
    ) -> Result<u64, String> {
        let parent = key.parent(Kind::Table).unwrap_or_else(|| key.clone());
        let schema_id = self.find(Kind::Schema, &parent).ok_or_else(|| {
            format!(
                "Key: {key_text}. Missing schema \"{parent}\"; upload the schema before its tables."
            )
        })?;
        let name = key.name(Kind::Table);
        let table = match self.find(Kind::Table, key) {
            Some(id) => self.tables.get_mut(&id),
            None => {
                let id = self.next_id(IdSpace::Table);
                self.table_keys.insert(key, id);
                let blank = Table::blank(
                    id,
                    key.ds_id,
                    schema_id,
                    name.as_str().into(),
                    key_text.into(),
                );
                self.children.add(blank.place());
                self.tables.insert(id, blank)
            }
        };
        let table =
            table.ok_or_else(|| format!("Key: {key_text}. Table index is inconsistent."))?;
        table.name = name.into();
        table.key = key_text.into();
        update(table);
        Ok(table.id)
    }

    /// Creates or updates the column `key` under its table, then runs `update` on it.
    pub(super) fn upsert_column(
        &mut self,
        key: &ObjectKey,
        key_text: &str,
        update: impl FnOnce(&mut Column),
    ) -> Result<u64, String> {
        let parent = key.parent(Kind::Column).unwrap_or_else(|| key.clone());
        let table = self
            .find(Kind::Table, &parent)
            .and_then(|id| self.tables.get(&id))
            .ok_or_else(|| {
                format!("Key: {key_text}. Missing table \"{parent}\"; upload the table before its columns.")
            })?;
        let parents = (table.schema_id, table.id);
        let name = key.name(Kind::Column);
        let column = match self.find(Kind::Column, key) {
            Some(id) => self.columns.get_mut(&id),
            None => {
                let id = self.next_id(IdSpace::Column);
                self.column_keys.insert(key, id);
                let blank = Column::blank(
                    id,
                    key.ds_id,
                    parents,
                    name.as_str().into(),
                    key_text.into(),
                );
                self.children.add(blank.place());
                self.columns.insert(id, blank)
            }
        };
        let column =
            column.ok_or_else(|| format!("Key: {key_text}. Column index is inconsistent."))?;
        column.name = name.into();
        column.key = key_text.into();
        update(column);
        Ok(column.id)
    }
}
