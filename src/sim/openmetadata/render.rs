//! Stored entities to wire JSON, honouring `fields=` as the server does
//! (shared/reference/openmetadata-connectors.md §4.3):
//! - a Table's `columns` are always returned; column `tags` only when both `columns` and
//!   `tags` are requested; `tableConstraints` and `schemaDefinition` only when requested;
//!   `database`, `databaseSchema`, `service` and `serviceType` always;
//! - `tags`, `owners`, table `followers` and child lists only when requested;
//! - other accepted fields the sandbox does not model (usage, profiles, …) are left out.
//!
//! `href` is not produced: it is optional on every entity and reference.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::fqn;
use super::model::{Column, Common, Database, Entity, Schema, Service, Table};
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

/// Writes the keys every entity starts with.
fn write_head<M: SerializeMap>(map: &mut M, common: &Common) -> Result<(), M::Error> {
    map.serialize_entry("id", &common.id)?;
    map.serialize_entry("name", &common.name)?;
    map.serialize_entry("fullyQualifiedName", &common.fully_qualified_name)?;
    if let Some(display) = &common.display_name {
        map.serialize_entry("displayName", display)?;
    }
    if let Some(description) = &common.description {
        map.serialize_entry("description", description)?;
    }
    map.serialize_entry("version", &common.version)?;
    map.serialize_entry("updatedAt", &common.updated_at)?;
    map.serialize_entry("updatedBy", &common.updated_by)
}

/// Writes the keys every entity ends with.
fn write_tail<M: SerializeMap>(
    map: &mut M,
    common: &Common,
    fields: &Fields,
) -> Result<(), M::Error> {
    if fields.has("tags") {
        map.serialize_entry("tags", &common.tags)?;
    }
    if fields.has("owners") {
        map.serialize_entry("owners", &[(); 0])?;
    }
    map.serialize_entry("deleted", &common.deleted)
}

/// The head of `common` as a JSON object, for the entities rendered as values.
struct Head<'a>(&'a Common);

impl Serialize for Head<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        write_head(&mut map, self.0)?;
        map.end()
    }
}

fn common_head(common: &Common) -> Map<String, Value> {
    match serde_json::to_value(Head(common)) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
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

/// A column as the server shows it: its stored fields (tags only when asked for), its
/// children alike, then its `fullyQualifiedName`.
struct ColumnView<'a> {
    column: &'a Column,
    fqn: String,
    with_tags: bool,
}

impl Serialize for ColumnView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.column;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("name", &c.name)?;
        if let Some(v) = &c.display_name {
            map.serialize_entry("displayName", v)?;
        }
        map.serialize_entry("dataType", &c.data_type)?;
        if let Some(v) = &c.array_data_type {
            map.serialize_entry("arrayDataType", v)?;
        }
        for (key, value) in [
            ("dataLength", c.data_length),
            ("precision", c.precision),
            ("scale", c.scale),
        ] {
            if let Some(v) = value {
                map.serialize_entry(key, &v)?;
            }
        }
        if let Some(v) = &c.data_type_display {
            map.serialize_entry("dataTypeDisplay", v)?;
        }
        if let Some(v) = &c.description {
            map.serialize_entry("description", v)?;
        }
        if self.with_tags {
            map.serialize_entry("tags", &c.tags)?;
        }
        if let Some(v) = &c.constraint {
            map.serialize_entry("constraint", v)?;
        }
        if let Some(v) = &c.ordinal_position {
            map.serialize_entry("ordinalPosition", v)?;
        }
        if !c.children.is_empty() {
            map.serialize_entry("children", &columns(&c.children, &self.fqn, self.with_tags))?;
        }
        map.serialize_entry("fullyQualifiedName", &self.fqn)?;
        map.end()
    }
}

fn columns<'a>(columns: &'a [Column], parent_fqn: &str, with_tags: bool) -> Vec<ColumnView<'a>> {
    columns
        .iter()
        .map(|column| ColumnView {
            column,
            fqn: fqn::child(parent_fqn, &column.name),
            with_tags,
        })
        .collect()
}

/// A table as the server shows it for `fields`, serialised straight to JSON (a page of
/// tables is most of what a snapshot reads: no intermediate JSON values are built).
pub struct TableView<'a> {
    table: &'a Table,
    schema: &'a Schema,
    database: &'a Database,
    service: &'a Service,
    fields: &'a Fields,
}

impl Serialize for TableView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (table, fields) = (self.table, self.fields);
        let mut map = s.serialize_map(None)?;
        write_head(&mut map, &table.common)?;
        if let Some(table_type) = table.table_type {
            map.serialize_entry("tableType", &table_type)?;
        }
        let with_tags = fields.has("columns") && fields.has("tags");
        let fqn = &table.common.fully_qualified_name;
        map.serialize_entry("columns", &columns(&table.columns, fqn, with_tags))?;
        if fields.has("tableConstraints") && !table.table_constraints.is_empty() {
            map.serialize_entry("tableConstraints", &table.table_constraints)?;
        }
        map.serialize_entry("databaseSchema", &reference(Kind::Schema, self.schema))?;
        map.serialize_entry("database", &reference(Kind::Database, self.database))?;
        map.serialize_entry("service", &reference(Kind::Service, self.service))?;
        map.serialize_entry("serviceType", &self.service.service_type)?;
        if fields.has("schemaDefinition")
            && let Some(sql) = &table.schema_definition
        {
            map.serialize_entry("schemaDefinition", sql)?;
        }
        // Of the four kinds only Table has `followers` in the 1.6 entity models.
        if fields.has("followers") {
            map.serialize_entry("followers", &[(); 0])?;
        }
        write_tail(&mut map, &table.common, fields)?;
        map.end()
    }
}

/// The table in `slot`, ready to be serialised for `fields`.
pub fn table_view<'a>(state: &'a OmState, slot: u32, fields: &'a Fields) -> Option<TableView<'a>> {
    let table = state.tables.get(slot)?;
    let schema = state
        .schemas
        .get(state.schemas.slot_by_id(&table.database_schema)?)?;
    let (database, service) = schema_parents(state, schema)?;
    Some(TableView {
        table,
        schema,
        database,
        service,
        fields,
    })
}

/// Renders a table.
pub fn table(state: &OmState, slot: u32, fields: &Fields) -> Option<Value> {
    serde_json::to_value(table_view(state, slot, fields)?).ok()
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
