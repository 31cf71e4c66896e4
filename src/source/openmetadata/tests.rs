//! Mapping OpenMetadata entities to the model, on OpenMetadata's own sample data and on
//! hand-written edge cases.

use std::path::PathBuf;

use serde::Deserialize;

use super::convert;
use crate::api::openmetadata::wire;
use crate::core::model::TableKind;
use crate::core::model::{ColumnConstraint, ConstraintType, Table};

/// The sample data directory: `shared/` beside the repository, else the machine-wide copy.
fn sample_data() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/openmetadata-sample-data");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("/work/shared/fixtures/openmetadata-sample-data")
    }
}

#[derive(Deserialize)]
struct TablesFile {
    tables: Vec<wire::Table>,
}

fn sample_tables() -> Vec<Table> {
    let text = std::fs::read_to_string(sample_data().join("datasets/tables.json")).unwrap();
    let file: TablesFile = serde_json::from_str(&text).unwrap();
    file.tables
        .into_iter()
        .map(|t| convert::table(t).unwrap())
        .collect()
}

fn table_json(json: serde_json::Value) -> Result<Table, convert::ConvertError> {
    convert::table(serde_json::from_value(json).unwrap())
}

/// Every sample table converts, names with dots and slashes intact.
#[test]
fn sample_tables_convert() {
    let tables = sample_tables();
    assert_eq!(tables.len(), 16);
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"dim.api/client"), "{names:?}");
    assert!(names.contains(&"dim.product.variant"), "{names:?}");
    let columns: usize = tables.iter().map(|t| t.columns.len()).sum();
    assert_eq!(columns, 201);
}

/// Columns follow ordinalPosition, then source order for those without one.
#[test]
fn columns_are_ordered_by_position() {
    let tables = sample_tables();
    let raw_customer = tables.iter().find(|t| t.name == "raw_customer").unwrap();
    let positions: Vec<Option<u32>> = raw_customer
        .columns
        .iter()
        .map(|c| c.ordinal_position)
        .collect();
    assert_eq!(positions, (1..=10).map(Some).collect::<Vec<_>>());
    let dim_customer = tables.iter().find(|t| t.name == "dim_customer").unwrap();
    let last: Vec<&str> = dim_customer.columns[27..]
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(last, ["shipping_address", "orders"]);
}

/// Constraints, nested columns and missing descriptions come through as the model wants.
#[test]
fn constraints_children_and_descriptions() {
    let tables = sample_tables();
    let dim_address = tables.iter().find(|t| t.name == "dim_address").unwrap();
    assert_eq!(dim_address.constraints.len(), 1);
    assert_eq!(
        dim_address.constraints[0].constraint_type,
        ConstraintType::PrimaryKey
    );
    assert_eq!(
        dim_address.constraints[0].columns,
        ["address_id", "shop_id"]
    );

    let dim_customer = tables.iter().find(|t| t.name == "dim_customer").unwrap();
    let customer = dim_customer
        .columns
        .iter()
        .find(|c| c.name == "customer")
        .unwrap();
    assert_eq!(customer.data_type, "STRUCT");
    assert_eq!(customer.children.len(), 6);
    assert_eq!(customer.children[0].name, "username");
    let id = &dim_customer.columns[0];
    assert_eq!(id.constraint, Some(ColumnConstraint::PrimaryKey));
    let orders = dim_customer
        .columns
        .iter()
        .find(|c| c.name == "orders")
        .unwrap();
    assert_eq!(orders.description, None);
}

/// Reserved encodings are decoded in table, column and constraint names and in
/// foreign-key targets, whose quoted FQN parts are split correctly.
#[test]
fn reserved_names_and_foreign_keys_are_decoded() {
    let table = table_json(serde_json::json!({
        "name": "dim___reserved__colon____reserved__arrow__address",
        "fullyQualifiedName": "svc.db.sch.dim___reserved__colon____reserved__arrow__address",
        "description": "",
        "tableType": "View",
        "schemaDefinition": "select 1",
        "tags": [{"tagFQN": "Tier.Tier1"}, {"tagFQN": "PII.Sensitive"}, {"tagFQN": "PII.Sensitive"}],
        "columns": [
            {"name": "b", "dataType": "INT", "ordinalPosition": 2},
            {"name": "a__reserved__quote__x", "dataType": "INT", "ordinalPosition": 1,
             "description": "Some **bold** text", "dataTypeDisplay": ""}
        ],
        "tableConstraints": [{
            "constraintType": "FOREIGN_KEY",
            "columns": ["a__reserved__quote__x"],
            "referredColumns": ["svc.db.sch.\"dim.product\".id__reserved__colon__x"]
        }]
    }))
    .unwrap();
    assert_eq!(table.name, "dim_::>address");
    assert_eq!(table.description, None);
    assert_eq!(table.view_definition.as_deref(), Some("select 1"));
    assert_eq!(table.tags, ["PII.Sensitive", "Tier.Tier1"]);
    assert_eq!(table.columns[0].name, "a\"x");
    assert_eq!(
        table.columns[0].description.as_deref(),
        Some("Some **bold** text")
    );
    assert_eq!(table.columns[0].data_type_display, None);
    let fk = &table.constraints[0];
    assert_eq!(fk.columns, ["a\"x"]);
    assert_eq!(
        fk.referred_columns,
        [["svc", "db", "sch", "dim.product", "id::x"]]
    );
}

/// A regular table's DDL is not taken as a view definition.
#[test]
fn ddl_of_a_regular_table_is_not_a_view_definition() {
    let table = table_json(serde_json::json!({
        "name": "t", "tableType": "Regular", "schemaDefinition": "CREATE TABLE t(a int)",
        "columns": []
    }))
    .unwrap();
    assert_eq!(table.table_type, TableKind::Regular);
    assert_eq!(table.view_definition, None);
}

/// A malformed foreign-key target is an error naming the table.
#[test]
fn malformed_foreign_key_is_an_error() {
    let err = table_json(serde_json::json!({
        "name": "t", "fullyQualifiedName": "svc.db.sch.t", "columns": [],
        "tableConstraints": [{"constraintType": "FOREIGN_KEY", "columns": ["a"],
                              "referredColumns": ["svc..x"]}]
    }))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "table `svc.db.sch.t`: foreign key: invalid fully qualified name `svc..x`: empty name"
    );
}

fn upstream_json(json: serde_json::Value) -> Result<convert::Upstreams, convert::ConvertError> {
    convert::upstream(
        serde_json::from_value(json).unwrap(),
        "svc.db.sch.\"t.x\"",
        "GET /api/v1/lineage/table/name/svc.db.sch.\"t.x\"",
    )
}

/// Of the edges into the table, those from tables become upstream edges with column
/// names (merged per downstream column, nested ones by path), SQL and pipeline; edges from
/// other entities or deleted tables, and edges not into the table, are left out.
#[test]
fn upstream_edges_from_tables_are_read() {
    let found = upstream_json(serde_json::json!({
        "entity": {"id": "T", "type": "table", "fullyQualifiedName": "svc.db.sch.\"t.x\""},
        "nodes": [
            {"id": "A", "type": "table", "fullyQualifiedName": "svc.db.sch.a__reserved__colon__b"},
            {"id": "B", "type": "table", "fullyQualifiedName": "other.db2.sch2.\"b.c\""},
            {"id": "D", "type": "dashboard", "fullyQualifiedName": "looker.sales"},
            {"id": "G", "type": "table", "fullyQualifiedName": "svc.db.sch.gone", "deleted": true}
        ],
        "upstreamEdges": [
            {"fromEntity": "B", "toEntity": "t", "lineageDetails": {
                "sqlQuery": "insert into x select * from b",
                "pipeline": {"id": "P", "type": "pipeline", "name": "load", "fullyQualifiedName": "airflow.load"},
                "columnsLineage": [
                    {"fromColumns": ["other.db2.sch2.\"b.c\".z", "other.db2.sch2.\"b.c\".y"],
                     "toColumn": "svc.db.sch.\"t.x\".id"},
                    {"fromColumns": ["other.db2.sch2.\"b.c\".s.inner"], "toColumn": "svc.db.sch.\"t.x\".id"},
                    {"fromColumns": ["other.db2.sch2.\"b.c\".q"]}
                ]}},
            {"fromEntity": "A", "toEntity": "T", "lineageDetails": {"sqlQuery": " ", "source": "Manual"}},
            {"fromEntity": "D", "toEntity": "T"},
            {"fromEntity": "G", "toEntity": "T"},
            {"fromEntity": "A", "toEntity": "B"}
        ],
        "downstreamEdges": []
    }))
    .unwrap();
    assert_eq!((found.not_tables, found.deleted), (1, 1));
    let edges = &found.edges;
    assert_eq!(edges.len(), 2, "{edges:?}");
    assert_eq!(edges[0].table, ["other", "db2", "sch2", "b.c"]);
    assert_eq!(
        edges[0].sql.as_deref(),
        Some("insert into x select * from b")
    );
    assert_eq!(edges[0].pipeline.as_deref(), Some("airflow.load"));
    assert_eq!(edges[0].columns.len(), 1);
    assert_eq!(edges[0].columns[0].to, "id");
    assert_eq!(edges[0].columns[0].from, ["s.inner", "y", "z"]);
    assert_eq!(edges[1].table, ["svc", "db", "sch", "a::b"]);
    assert_eq!(
        (edges[1].sql.as_deref(), edges[1].pipeline.as_deref()),
        (None, None)
    );
    assert!(edges[1].columns.is_empty());
}

/// A broken lineage answer is an error naming the table: an edge from an unknown node, an
/// upstream FQN that is not a table's, a column outside its table.
#[test]
fn broken_lineage_answers_are_errors() {
    let answer = |nodes: serde_json::Value, edge: serde_json::Value| {
        upstream_json(serde_json::json!({
            "entity": {"id": "T", "type": "table"}, "nodes": nodes, "upstreamEdges": [edge]
        }))
        .unwrap_err()
        .to_string()
    };
    let a = serde_json::json!([{"id": "A", "type": "table", "fullyQualifiedName": "s.d.c.a"}]);
    let cases = [
        (
            answer(
                a.clone(),
                serde_json::json!({"fromEntity": "X", "toEntity": "T"}),
            ),
            "an edge comes from `X`, which is not among the nodes",
        ),
        (
            answer(
                serde_json::json!([{"id": "A", "type": "table", "fullyQualifiedName": "s.d.a"}]),
                serde_json::json!({"fromEntity": "A", "toEntity": "T"}),
            ),
            "the upstream table `s.d.a` is not named service.database.schema.table",
        ),
        (
            answer(
                a,
                serde_json::json!({"fromEntity": "A", "toEntity": "T", "lineageDetails": {
                "columnsLineage": [{"fromColumns": ["s.d.c.other.id"], "toColumn": "svc.db.sch.\"t.x\".id"}]}}),
            ),
            "the column `s.d.c.other.id` is not a column of `s.d.c.a`",
        ),
    ];
    for (err, want) in cases {
        assert_eq!(
            err,
            format!(
                "table `svc.db.sch.\"t.x\"`: upstream lineage from \
                 `GET /api/v1/lineage/table/name/svc.db.sch.\"t.x\"`: {want}"
            )
        );
    }
}
