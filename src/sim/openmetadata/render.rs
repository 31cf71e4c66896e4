//! Stored entities to wire JSON, honouring `fields=` as the server does
//! (shared/reference/openmetadata-connectors.md §4.3):
//! - a Table's `columns` are always returned; column `tags` only when both `columns` and
//!   `tags` are requested; `tableConstraints` and `schemaDefinition` only when requested;
//!   `database`, `databaseSchema`, `service` and `serviceType` always;
//! - `tags`, `owners`, table `followers` and child lists only when requested;
//! - other accepted fields the sandbox does not model (usage, profiles, …) are left out.
//!
//! `href` is not produced: it is optional on every entity and reference.

use serde_json::{Map, Value, json};

use super::fqn;
use super::model::{Column, Common, Database, Entity, Schema, Service};
use super::state::{Anc, Collection, OmState};

/// The four collections served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/api/v1/services/databaseServices`
    Service,
    /// `/api/v1/databases`
    Database,
    /// `/api/v1/databaseSchemas`
    Schema,
    /// `/api/v1/tables`
    Table,
}

impl Kind {
    /// The entity type name used in references and messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Service => "databaseService",
            Self::Database => "database",
            Self::Schema => "databaseSchema",
            Self::Table => "table",
        }
    }

    /// Fields the server accepts in `fields=` for this kind.
    fn allowed_fields(self) -> &'static [&'static str] {
        match self {
            Self::Service => &[
                "pipelines",
                "owners",
                "tags",
                "domain",
                "domains",
                "followers",
                "dataProducts",
                "ingestionRunner",
            ],
            Self::Database => &[
                "owners",
                "databaseSchemas",
                "usageSummary",
                "location",
                "tags",
                "certification",
                "extension",
                "domain",
                "domains",
                "sourceHash",
                "followers",
                "votes",
                "dataProducts",
                "databaseProfilerConfig",
            ],
            Self::Schema => &[
                "owners",
                "tables",
                "usageSummary",
                "tags",
                "certification",
                "extension",
                "domain",
                "domains",
                "sourceHash",
                "followers",
                "votes",
                "dataProducts",
                "databaseSchemaProfilerConfig",
            ],
            Self::Table => &[
                "tableConstraints",
                "tablePartition",
                "usageSummary",
                "owners",
                "customMetrics",
                "columns",
                "sampleData",
                "tags",
                "followers",
                "joins",
                "schemaDefinition",
                "dataModel",
                "extension",
                "testSuite",
                "domain",
                "domains",
                "dataProducts",
                "lifeCycle",
                "sourceHash",
                "votes",
                "queries",
                "certification",
                "tableProfilerConfig",
            ],
        }
    }
}

/// The requested `fields=`, validated.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<&'static str>);

impl Fields {
    /// Parses `fields` as the server does: `*` means every field; otherwise spaces are
    /// stripped, names comma-separated, unknown names refused with `Invalid field name X`.
    pub fn parse(kind: Kind, text: Option<&str>) -> Result<Self, String> {
        let mut fields = Vec::new();
        let Some(text) = text else {
            return Ok(Self(fields));
        };
        if text.trim() == "*" {
            return Ok(Self::all(kind));
        }
        for name in text.replace(' ', "").split(',').filter(|n| !n.is_empty()) {
            match kind.allowed_fields().iter().find(|f| **f == name) {
                Some(field) => fields.push(*field),
                None => return Err(format!("Invalid field name {name}")),
            }
        }
        Ok(Self(fields))
    }

    /// Every field of `kind` (what PATCH works on).
    pub fn all(kind: Kind) -> Self {
        Self(kind.allowed_fields().to_vec())
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains(&name)
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_owned(), value);
}

fn common_head(common: &Common) -> Map<String, Value> {
    let mut map = Map::new();
    put(&mut map, "id", json!(common.id));
    put(&mut map, "name", json!(common.name));
    put(
        &mut map,
        "fullyQualifiedName",
        json!(common.fully_qualified_name),
    );
    if let Some(display) = &common.display_name {
        put(&mut map, "displayName", json!(display));
    }
    if let Some(description) = &common.description {
        put(&mut map, "description", json!(description));
    }
    put(&mut map, "version", json!(common.version));
    put(&mut map, "updatedAt", json!(common.updated_at));
    put(&mut map, "updatedBy", json!(common.updated_by));
    map
}

fn common_tail(map: &mut Map<String, Value>, common: &Common, fields: &Fields) {
    if fields.has("tags") {
        put(map, "tags", Value::Array(common.tags.clone()));
    }
    if fields.has("owners") {
        put(map, "owners", json!([]));
    }
    put(map, "deleted", json!(common.deleted));
}

/// An EntityReference to `entity` of `kind`.
pub fn reference(kind: Kind, entity: &impl Entity) -> Value {
    let common = entity.common();
    let mut map = Map::new();
    put(&mut map, "id", json!(common.id));
    put(&mut map, "type", json!(kind.type_name()));
    put(&mut map, "name", json!(common.name));
    put(
        &mut map,
        "fullyQualifiedName",
        json!(common.fully_qualified_name),
    );
    if let Some(description) = &common.description {
        put(&mut map, "description", json!(description));
    }
    if let Some(display) = &common.display_name {
        put(&mut map, "displayName", json!(display));
    }
    put(&mut map, "deleted", json!(common.deleted));
    Value::Object(map)
}

fn child_references<T: Entity>(kind: Kind, children: &Collection<T>, anc: Anc) -> Value {
    let refs = children
        .scope(Some(anc))
        .into_iter()
        .flat_map(|scope| scope.keys.values())
        .filter_map(|slot| children.get(*slot))
        .filter(|child| !child.common().deleted)
        .map(|child| reference(kind, child))
        .collect();
    Value::Array(refs)
}

/// Renders a service.
pub fn service(service: &Service, fields: &Fields) -> Value {
    let mut map = common_head(&service.common);
    put(&mut map, "serviceType", json!(service.service_type));
    common_tail(&mut map, &service.common, fields);
    Value::Object(map)
}

/// Renders a database.
pub fn database(state: &OmState, slot: u32, fields: &Fields) -> Option<Value> {
    let database = state.databases.get(slot)?;
    let service = state
        .services
        .get(state.services.slot_by_id(&database.service)?)?;
    let mut map = common_head(&database.common);
    put(&mut map, "service", reference(Kind::Service, service));
    put(&mut map, "serviceType", json!(service.service_type));
    put(&mut map, "default", json!(false));
    if fields.has("databaseSchemas") {
        let refs = child_references(Kind::Schema, &state.schemas, Anc::Database(slot));
        put(&mut map, "databaseSchemas", refs);
    }
    common_tail(&mut map, &database.common, fields);
    Some(Value::Object(map))
}

fn schema_parents<'a>(state: &'a OmState, schema: &Schema) -> Option<(&'a Database, &'a Service)> {
    let database = state
        .databases
        .get(state.databases.slot_by_id(&schema.database)?)?;
    let service = state
        .services
        .get(state.services.slot_by_id(&database.service)?)?;
    Some((database, service))
}

/// Renders a database schema.
pub fn schema(state: &OmState, slot: u32, fields: &Fields) -> Option<Value> {
    let schema = state.schemas.get(slot)?;
    let (database, service) = schema_parents(state, schema)?;
    let mut map = common_head(&schema.common);
    put(&mut map, "service", reference(Kind::Service, service));
    put(&mut map, "serviceType", json!(service.service_type));
    put(&mut map, "database", reference(Kind::Database, database));
    if fields.has("tables") {
        let refs = child_references(Kind::Table, &state.tables, Anc::Schema(slot));
        put(&mut map, "tables", refs);
    }
    common_tail(&mut map, &schema.common, fields);
    Some(Value::Object(map))
}

fn column(column: &Column, parent_fqn: &str, with_tags: bool) -> Value {
    let fqn = fqn::child(parent_fqn, &column.name);
    let mut value = serde_json::to_value(column).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        if !with_tags {
            map.remove("tags");
        }
        if !column.children.is_empty() {
            let children = column
                .children
                .iter()
                .map(|c| self::column(c, &fqn, with_tags))
                .collect();
            put(map, "children", Value::Array(children));
        }
        put(map, "fullyQualifiedName", json!(fqn));
    }
    value
}

/// Renders a table.
pub fn table(state: &OmState, slot: u32, fields: &Fields) -> Option<Value> {
    let table = state.tables.get(slot)?;
    let schema = state
        .schemas
        .get(state.schemas.slot_by_id(&table.database_schema)?)?;
    let (database, service) = schema_parents(state, schema)?;
    let fqn = &table.common.fully_qualified_name;
    let with_tags = fields.has("columns") && fields.has("tags");
    let mut map = common_head(&table.common);
    if let Some(table_type) = table.table_type {
        put(&mut map, "tableType", json!(table_type));
    }
    let columns = table
        .columns
        .iter()
        .map(|c| column(c, fqn, with_tags))
        .collect();
    put(&mut map, "columns", Value::Array(columns));
    if fields.has("tableConstraints") && !table.table_constraints.is_empty() {
        put(
            &mut map,
            "tableConstraints",
            serde_json::to_value(&table.table_constraints).unwrap_or(Value::Null),
        );
    }
    put(&mut map, "databaseSchema", reference(Kind::Schema, schema));
    put(&mut map, "database", reference(Kind::Database, database));
    put(&mut map, "service", reference(Kind::Service, service));
    put(&mut map, "serviceType", json!(service.service_type));
    if fields.has("schemaDefinition")
        && let Some(sql) = &table.schema_definition
    {
        put(&mut map, "schemaDefinition", json!(sql));
    }
    // Of the four kinds only Table has `followers` in the 1.6 entity models.
    if fields.has("followers") {
        put(&mut map, "followers", json!([]));
    }
    common_tail(&mut map, &table.common, fields);
    Some(Value::Object(map))
}

/// Renders the entity of `kind` in `slot`.
pub fn entity(state: &OmState, kind: Kind, slot: u32, fields: &Fields) -> Option<Value> {
    match kind {
        Kind::Service => state.services.get(slot).map(|s| service(s, fields)),
        Kind::Database => database(state, slot, fields),
        Kind::Schema => schema(state, slot, fields),
        Kind::Table => table(state, slot, fields),
    }
}
