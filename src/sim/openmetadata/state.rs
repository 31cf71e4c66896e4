//! The stored catalog and its indexes: by id, by FQN, and ordered per parent for paging.
//!
//! Entities refer to their parent by id; the indexes are rebuilt when a state is read
//! back, so the persisted form is just the four entity lists and the lineage edges (a
//! file without `lineage` reads as a catalog without edges).

use std::collections::HashMap;

use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use super::lineage::Lineage;
use super::model::{Database, Entity, LineageEdge, Schema, Service, Table};
use super::paging::Scope;

/// A parent scope entities can be listed under, by slot of the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anc {
    /// All entities under a service.
    Service(u32),
    /// All entities under a database.
    Database(u32),
    /// All entities under a schema.
    Schema(u32),
}

/// The entities of one kind with their indexes.
#[derive(Debug)]
pub struct Collection<T> {
    items: Vec<Option<T>>,
    by_id: HashMap<Uuid, u32>,
    by_fqn: HashMap<Box<str>, u32>,
    /// Every entity of the kind.
    pub all: Scope,
    scopes: HashMap<Anc, Scope>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            by_id: HashMap::new(),
            by_fqn: HashMap::new(),
            all: Scope::default(),
            scopes: HashMap::new(),
        }
    }
}

impl<T: Entity> Collection<T> {
    /// The entity in `slot`.
    pub fn get(&self, slot: u32) -> Option<&T> {
        self.items.get(slot as usize).and_then(Option::as_ref)
    }

    /// The entity in `slot`, mutably. Callers keep name and deleted flag in step with the
    /// indexes through [`OmState`] methods.
    pub fn get_mut(&mut self, slot: u32) -> Option<&mut T> {
        self.items.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// Slot of the entity with this id.
    pub fn slot_by_id(&self, id: &Uuid) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// Slot of the entity with this FQN.
    pub fn slot_by_fqn(&self, fqn: &str) -> Option<u32> {
        self.by_fqn.get(fqn).copied()
    }

    /// The scope of entities under `anc`.
    pub fn scope(&self, anc: Option<Anc>) -> Option<&Scope> {
        match anc {
            None => Some(&self.all),
            Some(anc) => self.scopes.get(&anc),
        }
    }

    /// Whether the entity in `slot` is soft-deleted (absent counts as deleted).
    pub fn is_deleted(&self, slot: u32) -> bool {
        self.get(slot).is_none_or(|e| e.common().deleted)
    }

    /// Stored entities in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter().flatten()
    }

    /// Number of stored entities, deleted ones included.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn insert(&mut self, item: T, ancestors: &[Anc]) -> Result<u32, String> {
        let common = item.common();
        if self.by_id.contains_key(&common.id) {
            return Err(format!("an entity with id {} already exists", common.id));
        }
        if self.by_fqn.contains_key(&common.fully_qualified_name) {
            return Err(format!(
                "an entity named {} already exists",
                common.fully_qualified_name
            ));
        }
        let slot = u32::try_from(self.items.len()).map_err(|_| "too many entities")?;
        let key = (common.name.clone(), common.id);
        let deleted = usize::from(common.deleted);
        self.by_id.insert(common.id, slot);
        self.by_fqn
            .insert(common.fully_qualified_name.clone(), slot);
        let add = |scope: &mut Scope| {
            scope.keys.insert(key.clone(), slot);
            scope.deleted += deleted;
        };
        add(&mut self.all);
        for anc in ancestors {
            add(self.scopes.entry(*anc).or_default());
        }
        self.items.push(Some(item));
        Ok(slot)
    }

    fn set_deleted(&mut self, slot: u32, deleted: bool, ancestors: &[Anc]) {
        let Some(item) = self.get_mut(slot) else {
            return;
        };
        let was = std::mem::replace(&mut item.common_mut().deleted, deleted);
        if was == deleted {
            return;
        }
        let count = |scope: &mut Scope| {
            if deleted {
                scope.deleted += 1;
            } else {
                scope.deleted -= 1;
            }
        };
        count(&mut self.all);
        for anc in ancestors {
            if let Some(scope) = self.scopes.get_mut(anc) {
                count(scope);
            }
        }
    }

    fn remove(&mut self, slot: u32, ancestors: &[Anc]) -> Option<T> {
        let item = self.items.get_mut(slot as usize)?.take()?;
        let common = item.common();
        let key = (common.name.clone(), common.id);
        let deleted = usize::from(common.deleted);
        self.by_id.remove(&common.id);
        self.by_fqn.remove(&common.fully_qualified_name);
        let drop_key = |scope: &mut Scope| {
            scope.keys.remove(&key);
            scope.deleted -= deleted;
        };
        drop_key(&mut self.all);
        for anc in ancestors {
            if let Some(scope) = self.scopes.get_mut(anc) {
                drop_key(scope);
            }
        }
        Some(item)
    }
}

/// Everything the OpenMetadata sandbox stores.
#[derive(Debug, Default, Deserialize)]
#[serde(try_from = "Catalog")]
pub struct OmState {
    /// Database services.
    pub services: Collection<Service>,
    /// Databases.
    pub databases: Collection<Database>,
    /// Database schemas.
    pub schemas: Collection<Schema>,
    /// Tables.
    pub tables: Collection<Table>,
    /// Lineage edges between tables.
    pub lineage: Lineage,
}

/// The persisted form of [`OmState`]: the four entity lists, parents before children,
/// then the edges between tables.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Catalog {
    services: Vec<Service>,
    databases: Vec<Database>,
    database_schemas: Vec<Schema>,
    tables: Vec<Table>,
    #[serde(default)]
    lineage: Vec<LineageEdge>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogRef<'a> {
    services: Vec<&'a Service>,
    databases: Vec<&'a Database>,
    database_schemas: Vec<&'a Schema>,
    tables: Vec<&'a Table>,
    lineage: Vec<&'a LineageEdge>,
}

impl Serialize for OmState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CatalogRef {
            services: self.services.iter().collect(),
            databases: self.databases.iter().collect(),
            database_schemas: self.schemas.iter().collect(),
            tables: self.tables.iter().collect(),
            lineage: self.lineage.iter().collect(),
        }
        .serialize(serializer)
    }
}

impl TryFrom<Catalog> for OmState {
    type Error = String;
    fn try_from(catalog: Catalog) -> Result<Self, String> {
        let mut state = Self::default();
        for service in catalog.services {
            state.add_service(service)?;
        }
        for database in catalog.databases {
            state.add_database(database)?;
        }
        for schema in catalog.database_schemas {
            state.add_schema(schema)?;
        }
        for table in catalog.tables {
            state.add_table(table)?;
        }
        for edge in catalog.lineage {
            state.add_lineage(edge)?;
        }
        Ok(state)
    }
}

impl OmState {
    /// Stores a service.
    pub fn add_service(&mut self, service: Service) -> Result<u32, String> {
        self.services.insert(service, &[])
    }

    /// Stores a database under its (already stored) service.
    pub fn add_database(&mut self, database: Database) -> Result<u32, String> {
        let ancestors = self.database_ancestors(&database)?;
        self.databases.insert(database, &ancestors)
    }

    /// Stores a schema under its (already stored) database.
    pub fn add_schema(&mut self, schema: Schema) -> Result<u32, String> {
        let ancestors = self.schema_ancestors(&schema)?;
        self.schemas.insert(schema, &ancestors)
    }

    /// Stores a table under its (already stored) schema.
    pub fn add_table(&mut self, table: Table) -> Result<u32, String> {
        let ancestors = self.table_ancestors(&table)?;
        self.tables.insert(table, &ancestors)
    }

    /// Stores a lineage edge between two (already stored) tables, replacing the details of
    /// an edge between the same two.
    pub fn add_lineage(&mut self, edge: LineageEdge) -> Result<(), String> {
        for end in [&edge.from_entity, &edge.to_entity] {
            if self.tables.slot_by_id(end).is_none() {
                return Err(format!("table {end} of a lineage edge not found"));
            }
        }
        self.lineage.upsert(edge)
    }

    /// Soft-deletes (or restores) the table in `slot`.
    pub fn set_table_deleted(&mut self, slot: u32, deleted: bool) {
        let Some(ancestors) = self
            .tables
            .get(slot)
            .and_then(|t| self.table_ancestors(t).ok())
        else {
            return;
        };
        self.tables.set_deleted(slot, deleted, &ancestors);
    }

    /// Removes the table in `slot` for good, with its lineage edges.
    pub fn remove_table(&mut self, slot: u32) -> Option<Table> {
        let ancestors = self
            .tables
            .get(slot)
            .and_then(|t| self.table_ancestors(t).ok())?;
        let table = self.tables.remove(slot, &ancestors)?;
        self.lineage.remove_entity(&table.common.id);
        Some(table)
    }

    /// The scopes a database is listed under.
    pub fn database_ancestors(&self, database: &Database) -> Result<Vec<Anc>, String> {
        let service = self.services.slot_by_id(&database.service).ok_or_else(|| {
            format!(
                "service {} of database {} not found",
                database.service, database.common.name
            )
        })?;
        Ok(vec![Anc::Service(service)])
    }

    /// The scopes a schema is listed under.
    pub fn schema_ancestors(&self, schema: &Schema) -> Result<Vec<Anc>, String> {
        let slot = self.databases.slot_by_id(&schema.database).ok_or_else(|| {
            format!(
                "database {} of schema {} not found",
                schema.database, schema.common.name
            )
        })?;
        let database = self.databases.get(slot).ok_or("database slot is empty")?;
        let mut ancestors = self.database_ancestors(database)?;
        ancestors.push(Anc::Database(slot));
        Ok(ancestors)
    }

    /// The scopes a table is listed under.
    pub fn table_ancestors(&self, table: &Table) -> Result<Vec<Anc>, String> {
        let slot = self
            .schemas
            .slot_by_id(&table.database_schema)
            .ok_or_else(|| {
                format!(
                    "schema {} of table {} not found",
                    table.database_schema, table.common.name
                )
            })?;
        let schema = self.schemas.get(slot).ok_or("schema slot is empty")?;
        let mut ancestors = self.schema_ancestors(schema)?;
        ancestors.push(Anc::Schema(slot));
        Ok(ancestors)
    }

    /// The scopes `anc` itself is listed under (its own ancestors).
    pub fn ancestors_of(&self, anc: Anc) -> Vec<Anc> {
        match anc {
            Anc::Service(_) => Vec::new(),
            Anc::Database(slot) => self
                .databases
                .get(slot)
                .and_then(|d| self.database_ancestors(d).ok())
                .unwrap_or_default(),
            Anc::Schema(slot) => self
                .schemas
                .get(slot)
                .and_then(|s| self.schema_ancestors(s).ok())
                .unwrap_or_default(),
        }
    }

    /// The service, database or schema whose FQN is `fqn`, as a scope.
    pub fn resolve_parent(&self, fqn: &str) -> Option<Anc> {
        if let Some(slot) = self.schemas.slot_by_fqn(fqn) {
            return Some(Anc::Schema(slot));
        }
        if let Some(slot) = self.databases.slot_by_fqn(fqn) {
            return Some(Anc::Database(slot));
        }
        self.services.slot_by_fqn(fqn).map(Anc::Service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::openmetadata::{GenerateSpec, generate};

    /// A persisted state reads back to the same catalog, soft deletes and counts included.
    #[test]
    fn persisted_state_round_trips() {
        let spec: GenerateSpec = "1x1x2x5x3".parse().expect("valid spec");
        let mut state = generate(&spec);
        state.set_table_deleted(0, true);
        let text = serde_json::to_string(&state).expect("serialises");
        let back: OmState = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(serde_json::to_string(&back).expect("serialises"), text);
        assert_eq!(back.tables.len(), 10);
        assert!(!back.lineage.is_empty());
        assert_eq!(back.lineage.len(), state.lineage.len());
        assert_eq!(back.tables.all.deleted, 1);
        assert!(back.tables.is_deleted(0));
    }
}
