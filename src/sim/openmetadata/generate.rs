//! A deterministic synthetic catalog of any size, for tests and benchmarks.
//!
//! The same [`GenerateSpec`] always gives the same state: a fixed-seed ChaCha generator is
//! drawn from in catalog order, ids are uuid v5 of the FQN and times are fixed. Names and
//! content mimic real warehouses: varchar/decimal/timestamp/struct/array columns, Markdown
//! descriptions (some missing), names with dots, quotes and non-ASCII letters, views with
//! SQL, primary keys and foreign keys between tables of a schema.
//!
//! Tags and lineage are a deterministic function of the position in the catalog (not
//! drawn from the generator, so they leave the rest of the content as it was):
//! - every other database and schema has a tag, every fourth table one or two (a
//!   classification tag, sometimes a glossary term), and the last column of every third
//!   table a `PII` tag;
//! - every fifth table (counted across the whole catalog) has an upstream edge from the
//!   table generated just before it, with column pairs and SQL; every tenth has a second
//!   one, from the table five before (itself downstream of another, so lineage has
//!   chains), naming a pipeline. Edges cross schema and database boundaries.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::GenerateSpec;
use super::fqn;
use super::model::{
    Column, ColumnConstraint, ColumnLineage, Common, ConstraintType, DataType, Database,
    EntityLink, LineageDetails, LineageEdge, RelationshipType, Schema, Service, Table,
    TableConstraint, TableType,
};
use super::state::OmState;

/// `updatedAt` of generated entities.
const GENERATED_AT: i64 = 1_700_000_000_000;

const SERVICE_NAMES: &[&str] = &["warehouse", "lakehouse", "analytics", "legacy_dwh", "ops"];
const SERVICE_TYPES: &[&str] = &["Snowflake", "BigQuery", "Postgres", "Mysql", "Redshift"];
const DATABASE_NAMES: &[&str] = &["sales", "finance", "marketing", "product", "logistics"];
const SCHEMA_NAMES: &[&str] = &["public", "staging", "reporting", "raw", "core", "mart"];
const TABLE_PREFIXES: &[&str] = &["dim", "fact", "stg", "raw", "agg"];
const NOUNS: &[&str] = &[
    "customer", "order", "product", "invoice", "shipment", "payment", "session", "campaign",
    "employee", "store",
];
const COLUMN_NAMES: &[&str] = &[
    "created_at",
    "amount",
    "status",
    "email",
    "full_name",
    "address",
    "tags",
    "geo.lat",
    "quantity",
    "price",
    "country_code",
    "attributes",
    "is_active",
    "order_date",
    "prénom",
    "discount",
    "currency",
    "notes",
    "score",
    "updated_at",
];

fn common(name: String, fqn: String, type_name: &str, description: Option<String>) -> Common {
    Common::initial(&name, &fqn, type_name, description, GENERATED_AT)
}

fn data_type(name: &str) -> DataType {
    DataType::parse(name).unwrap_or(DataType::UNKNOWN)
}

fn plain(name: &str, ty: &str, display: &str) -> Column {
    Column {
        name: name.into(),
        display_name: None,
        data_type: data_type(ty),
        array_data_type: None,
        data_length: None,
        precision: None,
        scale: None,
        data_type_display: Some(display.into()),
        description: None,
        tags: Box::new([]),
        constraint: None,
        ordinal_position: None,
        children: Box::new([]),
    }
}

fn varchar(name: &str, length: i32) -> Column {
    let mut column = plain(name, "VARCHAR", &format!("varchar({length})"));
    column.data_length = Some(length);
    column
}

/// A column of the type that suits `base` (the name without its numeric suffix).
fn typed_column(base: &str, name: &str, rng: &mut ChaCha8Rng) -> Column {
    match base {
        "created_at" | "updated_at" => plain(name, "TIMESTAMP", "timestamp"),
        "order_date" => plain(name, "DATE", "date"),
        "amount" | "price" | "discount" => {
            let (precision, scale) = [(18, 2), (12, 4), (38, 10)][rng.random_range(0..3)];
            let mut column = plain(name, "DECIMAL", &format!("decimal({precision},{scale})"));
            column.precision = Some(precision);
            column.scale = Some(scale);
            column
        }
        "quantity" | "score" => plain(name, "INT", "int"),
        "is_active" => plain(name, "BOOLEAN", "boolean"),
        "geo.lat" => plain(name, "DOUBLE", "double"),
        "tags" => {
            let mut column = plain(name, "ARRAY", "array<string>");
            column.array_data_type = Some(data_type("STRING"));
            column
        }
        "attributes" => plain(name, "MAP", "map<string,string>"),
        "address" => {
            let display = "struct<street:varchar(64),city:varchar(32),zip:varchar(10)>";
            let mut column = plain(name, "STRUCT", display);
            if rng.random_bool(0.8) {
                column.children = Box::new([
                    varchar("street", 64),
                    varchar("city", 32),
                    varchar("zip", 10),
                ]);
            }
            column
        }
        "country_code" => varchar(name, 2),
        "currency" => varchar(name, 3),
        _ => varchar(name, [32, 64, 128, 255, 1024][rng.random_range(0..5)]),
    }
}

fn column_description(noun: &str, column: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    match rng.random_range(0..8) {
        0 | 1 => None,
        2 => Some(format!("**Important**: `{column}` of the {noun}.")),
        3 => Some(format!(
            "Possible values of {column}:\n- `active`\n- `inactive`\n- `pending`"
        )),
        4 => Some(format!(
            "See [the {noun} guide](https://docs.example.com/{noun}#{column}) for details."
        )),
        _ => Some(format!("The {column} of the {noun}.")),
    }
}

fn table_description(noun: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    match rng.random_range(0..6) {
        0 => None,
        1 => Some(format!(
            "One row per **{noun}**.\n\nSources:\n1. the operational database\n2. the CRM export"
        )),
        2 => Some(format!(
            "Curated {noun} data. Owned by the [data team](https://wiki.example.com/data)."
        )),
        _ => Some(format!("This table holds {noun} records, refreshed daily.")),
    }
}

fn table_name(t: usize) -> (String, &'static str) {
    let noun = NOUNS[t % NOUNS.len()];
    let prefix = TABLE_PREFIXES[(t / NOUNS.len()) % TABLE_PREFIXES.len()];
    let raw = match t % 50 {
        13 => format!("{prefix}.{noun}.v{t}"),
        27 => format!("report \"{noun}\" {t}"),
        31 => format!("{noun}_ünïcødé_{t}"),
        41 => format!("{noun}::{t}"),
        _ => format!("{prefix}_{noun}_{t:05}"),
    };
    (fqn::encode_name(&raw), noun)
}

struct TableContext<'a> {
    schema_fqn: &'a str,
    schema_id: uuid::Uuid,
    previous_fqn: Option<&'a str>,
    columns: usize,
}

fn generate_table(t: usize, ctx: &TableContext<'_>, rng: &mut ChaCha8Rng) -> Table {
    let (name, noun) = table_name(t);
    let table_fqn = fqn::child(ctx.schema_fqn, &name);
    let is_view = t % 10 == 9;
    let composite_key = t % 3 == 2;
    let foreign_key = ctx
        .previous_fqn
        .filter(|_| t.is_multiple_of(5) && ctx.columns > 1);
    let mut columns = Vec::with_capacity(ctx.columns);
    let mut constraints = Vec::new();
    for c in 0..ctx.columns {
        let mut column = if c == 0 {
            let mut id = plain("id", "BIGINT", "bigint");
            if !composite_key {
                id.constraint = Some(ColumnConstraint::PRIMARY_KEY);
            }
            id
        } else if c == 1 && foreign_key.is_some() {
            plain("parent_id", "BIGINT", "bigint")
        } else {
            let base = COLUMN_NAMES[(c - 1) % COLUMN_NAMES.len()];
            let name = if c <= COLUMN_NAMES.len() {
                base.to_owned()
            } else {
                format!("{base}_{c}")
            };
            typed_column(base, &name, rng)
        };
        column.description = column_description(noun, &column.name, rng).map(Into::into);
        column.ordinal_position = Some(c as i32 + 1);
        columns.push(column);
    }
    if composite_key && let Some(second) = columns.get(1) {
        constraints.push(TableConstraint {
            constraint_type: ConstraintType::PRIMARY_KEY,
            columns: vec!["id".into(), second.name.to_string()],
            referred_columns: None,
            relationship_type: None,
        });
    }
    if let Some(previous) = foreign_key {
        constraints.push(TableConstraint {
            constraint_type: ConstraintType::FOREIGN_KEY,
            columns: vec!["parent_id".into()],
            referred_columns: Some(vec![fqn::child(previous, "id")]),
            relationship_type: Some(RelationshipType::MANY_TO_ONE),
        });
    }
    let schema_definition = is_view.then(|| {
        format!(
            "CREATE VIEW {} AS SELECT * FROM {} WHERE id IS NOT NULL",
            fqn::quote_name(&name),
            ctx.previous_fqn.unwrap_or("dual")
        )
    });
    Table {
        common: common(name, table_fqn, "table", table_description(noun, rng)),
        database_schema: ctx.schema_id,
        table_type: Some(if is_view {
            TableType::VIEW
        } else {
            TableType::REGULAR
        }),
        columns,
        table_constraints: constraints,
        schema_definition: schema_definition.map(Into::into),
    }
}

/// Every how-many-th table of the catalog has an upstream edge; twice that, two edges.
const LINEAGE_EVERY: usize = 5;

/// A tag label as the server returns it (1.7 TagLabel, required fields).
fn label(tag_fqn: &str, source: &str) -> Value {
    json!({"tagFQN": tag_fqn, "source": source, "labelType": "Manual", "state": "Confirmed"})
}

/// The tags of the `i`-th database or schema of its parent.
fn container_tags(i: usize, tag_fqn: &str) -> Vec<Value> {
    if i.is_multiple_of(2) {
        vec![label(tag_fqn, "Classification")]
    } else {
        Vec::new()
    }
}

/// Tags the `g`-th table of the catalog and its columns.
fn tag_table(table: &mut Table, g: usize) {
    if g % 4 == 1 {
        if g % 12 == 1 {
            table
                .common
                .tags
                .push(label("BusinessGlossary.Revenue", "Glossary"));
        }
        table
            .common
            .tags
            .push(label("Tier.Tier3", "Classification"));
    }
    if g.is_multiple_of(3)
        && let Some(column) = table.columns.last_mut()
    {
        let personal = ["email", "full_name", "address", "prénom"]
            .iter()
            .any(|base| column.name.starts_with(base));
        let tag = if personal {
            "PII.Sensitive"
        } else {
            "PII.NonSensitive"
        };
        column.tags = Box::new([label(tag, "Classification")]);
    }
}

/// The positions of the columns an edge pairs: the key and the third column.
const PAIRED_COLUMNS: [usize; 2] = [0, 2];

/// What an edge needs of a generated table.
struct Upstream {
    id: uuid::Uuid,
    fqn: String,
    noun: &'static str,
    /// The names of the columns at [`PAIRED_COLUMNS`] that exist.
    columns: Vec<Box<str>>,
}

impl Upstream {
    fn of(table: &Table, noun: &'static str) -> Self {
        Self {
            id: table.common.id,
            fqn: table.common.fully_qualified_name.to_string(),
            noun,
            columns: PAIRED_COLUMNS
                .iter()
                .filter_map(|p| table.columns.get(*p))
                .map(|c| c.name.clone())
                .collect(),
        }
    }
}

/// The upstream edges of the `g`-th table, `recent` holding the last [`LINEAGE_EVERY`]
/// tables by `g % LINEAGE_EVERY` (the slot of `g` still holds table `g - 5`).
fn lineage_of(g: usize, table: &Upstream, recent: &[Option<Upstream>]) -> Vec<LineageEdge> {
    let mut edges = Vec::new();
    if g % LINEAGE_EVERY != LINEAGE_EVERY - 1 {
        return edges;
    }
    if let Some(from) = &recent[(g - 1) % LINEAGE_EVERY] {
        let pairs: Vec<ColumnLineage> = from
            .columns
            .iter()
            .zip(&table.columns)
            .map(|(from_column, to_column)| ColumnLineage {
                from_columns: vec![fqn::child(&from.fqn, from_column).into()],
                to_column: Some(fqn::child(&table.fqn, to_column).into()),
            })
            .collect();
        let sql = format!("INSERT INTO {} SELECT * FROM {}", table.fqn, from.fqn);
        edges.push(LineageEdge {
            from_entity: from.id,
            to_entity: table.id,
            lineage_details: LineageDetails::initial(Some(sql), pairs, None, GENERATED_AT),
        });
    }
    if g % (2 * LINEAGE_EVERY) == 2 * LINEAGE_EVERY - 1
        && let Some(from) = &recent[g % LINEAGE_EVERY]
    {
        let pipeline = EntityLink {
            kind: "pipeline".into(),
            fully_qualified_name: format!("airflow.load_{}_{g}", from.noun).into(),
        };
        edges.push(LineageEdge {
            from_entity: from.id,
            to_entity: table.id,
            lineage_details: LineageDetails::initial(
                None,
                Vec::new(),
                Some(pipeline),
                GENERATED_AT,
            ),
        });
    }
    edges
}

fn suffixed(names: &[&str], i: usize, dotted_every: usize) -> String {
    let base = names[i % names.len()];
    if i % dotted_every == dotted_every - 1 {
        format!("{base}.v{i}")
    } else {
        format!("{base}_{i}")
    }
}

/// Builds the catalog described by `spec`.
pub fn generate(spec: &GenerateSpec) -> OmState {
    let mut rng = ChaCha8Rng::seed_from_u64(0x6f6d_6574_6166_6f72);
    let mut state = OmState::default();
    let mut recent: Vec<Option<Upstream>> = (0..LINEAGE_EVERY).map(|_| None).collect();
    let mut g = 0;
    for s in 0..spec.services {
        let service_name = format!("{}_{s}", SERVICE_NAMES[s % SERVICE_NAMES.len()]);
        let service_fqn = fqn::quote_name(&service_name);
        let service = Service {
            common: common(service_name, service_fqn.clone(), "databaseService", None),
            service_type: SERVICE_TYPES[s % SERVICE_TYPES.len()].into(),
        };
        let service_id = service.common.id;
        if state.add_service(service).is_err() {
            continue;
        }
        for d in 0..spec.databases {
            let database_name = suffixed(DATABASE_NAMES, d, 4);
            let database_fqn = fqn::child(&service_fqn, &database_name);
            let description = Some(format!("The **{database_name}** database."));
            let mut database = Database {
                common: common(database_name, database_fqn.clone(), "database", description),
                service: service_id,
            };
            database.common.tags = container_tags(d, "Tier.Tier1");
            let database_id = database.common.id;
            if state.add_database(database).is_err() {
                continue;
            }
            for sc in 0..spec.schemas {
                let schema_name = suffixed(SCHEMA_NAMES, sc, 5);
                let schema_fqn = fqn::child(&database_fqn, &schema_name);
                let mut schema = Schema {
                    common: common(schema_name, schema_fqn.clone(), "databaseSchema", None),
                    database: database_id,
                };
                schema.common.tags = container_tags(sc + 1, "Tier.Tier2");
                let schema_id = schema.common.id;
                if state.add_schema(schema).is_err() {
                    continue;
                }
                let mut previous: Option<String> = None;
                for t in 0..spec.tables {
                    let ctx = TableContext {
                        schema_fqn: &schema_fqn,
                        schema_id,
                        previous_fqn: previous.as_deref(),
                        columns: spec.columns,
                    };
                    let mut table = generate_table(t, &ctx, &mut rng);
                    tag_table(&mut table, g);
                    previous = Some(table.common.fully_qualified_name.to_string());
                    let this = Upstream::of(&table, table_name(t).1);
                    // Names are unique per schema by construction; a clash cannot happen,
                    // and the ends of every edge are stored tables.
                    if state.add_table(table).is_ok() {
                        for edge in lineage_of(g, &this, &recent) {
                            let _ = state.add_lineage(edge);
                        }
                        recent[g % LINEAGE_EVERY] = Some(this);
                    }
                    g += 1;
                }
            }
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same spec gives the same catalog, with the requested counts.
    #[test]
    fn generation_is_deterministic_and_sized() {
        let spec: GenerateSpec = "2x2x3x50x6".parse().expect("valid spec");
        let first = generate(&spec);
        let second = generate(&spec);
        assert_eq!(
            serde_json::to_string(&first).expect("serialises"),
            serde_json::to_string(&second).expect("serialises")
        );
        assert_eq!(first.services.len(), 2);
        assert_eq!(first.databases.len(), 4);
        assert_eq!(first.schemas.len(), 12);
        assert_eq!(first.tables.len(), 600);
        assert!(first.tables.iter().all(|t| t.columns.len() == 6));
        let constraints: Vec<_> = first
            .tables
            .iter()
            .flat_map(|t| &t.table_constraints)
            .collect();
        assert!(
            constraints
                .iter()
                .any(|c| c.constraint_type.as_str() == "FOREIGN_KEY")
        );
        assert!(first.tables.iter().any(|t| t.schema_definition.is_some()));
        assert_eq!(first.lineage.len(), 600 / 5 + 600 / 10);
        assert!(first.databases.iter().any(|d| !d.common.tags.is_empty()));
        assert!(first.schemas.iter().any(|s| !s.common.tags.is_empty()));
        assert!(first.tables.iter().any(|t| !t.common.tags.is_empty()));
        assert!(
            first
                .tables
                .iter()
                .any(|t| t.columns.iter().any(|c| !c.tags.is_empty()))
        );
        assert!(
            first
                .tables
                .iter()
                .any(|t| t.common.name.contains("__reserved__quote__"))
        );
        assert!(
            first
                .tables
                .iter()
                .any(|t| t.common.fully_qualified_name.contains('"'))
        );
    }
}
