use super::*;
use crate::api::alation::wire::ColumnIndex;
use crate::core::model::{TableConstraint, TableKind};
use crate::core::model_builders as build;

fn column(name: &str, data_type: &str, display: Option<&str>, position: u32) -> Column {
    Column {
        data_type_display: display.map(str::to_string),
        ordinal_position: Some(position),
        ..build::column(name, data_type)
    }
}

fn table(name: &str, columns: Vec<Column>, constraints: Vec<TableConstraint>) -> Table {
    Table {
        constraints,
        ..build::table(name, columns)
    }
}

fn catalog(tables: Vec<Table>) -> Catalog {
    build::catalog(vec![Database {
        service_type: Some("BigQuery".into()),
        ..build::database(
            "sample_data",
            "ecommerce_db",
            vec![build::schema("shopify", tables)],
        )
    }])
}

fn find<'a>(objects: &'a [Object], path: &[&str]) -> &'a Object {
    objects
        .iter()
        .find(|o| o.address.path == path)
        .unwrap_or_else(|| panic!("no object at {path:?}"))
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

/// Names with dots stay plain names in addresses; only keys quote them.
#[test]
fn names_with_dots_are_kept_in_addresses() {
    let objects = desired_objects(&catalog(vec![
        table("dim.api/client", vec![], vec![]),
        table("dim.product.variant", vec![], vec![]),
    ]));
    let table = find(
        &objects,
        &[
            "sample_data",
            "ecommerce_db",
            "shopify",
            "dim.product.variant",
        ],
    );
    assert_eq!(table.address.kind, ObjectKind::Table);
    assert_eq!(
        table.fields[field::TITLE],
        Value::Text("dim.product.variant".into())
    );
    find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "dim.api/client"],
    );
}

/// Every column of a composite table PRIMARY_KEY constraint is a non-null primary key.
#[test]
fn composite_primary_keys_come_from_table_constraints() {
    let objects = desired_objects(&catalog(vec![table(
        "orders",
        vec![
            column("shop_id", "INT", None, 1),
            column("order_id", "INT", None, 2),
            column("note", "STRING", None, 3),
        ],
        vec![TableConstraint {
            constraint_type: ConstraintType::PrimaryKey,
            columns: vec!["shop_id".into(), "order_id".into()],
            referred_columns: vec![],
        }],
    )]));
    for name in ["shop_id", "order_id"] {
        let col = find(
            &objects,
            &["sample_data", "ecommerce_db", "shopify", "orders", name],
        );
        assert_eq!(col.fields[field::PRIMARY_KEY], Value::Bool(true), "{name}");
        assert_eq!(col.fields[field::NULLABLE], Value::Bool(false), "{name}");
    }
    let note = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "orders", "note"],
    );
    assert!(!note.fields.contains_key(field::PRIMARY_KEY));
    assert_eq!(note.fields[field::NULLABLE], Value::Bool(true));
}

/// A column-level PRIMARY_KEY or NOT_NULL constraint makes the column non-null.
#[test]
fn column_constraints_set_nullable_and_primary_key() {
    let mut id = column("id", "INT", None, 1);
    id.constraint = Some(ColumnConstraint::PrimaryKey);
    let mut name = column("name", "STRING", None, 2);
    name.constraint = Some(ColumnConstraint::NotNull);
    let objects = desired_objects(&catalog(vec![table("t", vec![id, name], vec![])]));
    let id = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "t", "id"],
    );
    assert_eq!(id.fields[field::PRIMARY_KEY], Value::Bool(true));
    let name = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "t", "name"],
    );
    assert_eq!(name.fields[field::NULLABLE], Value::Bool(false));
    assert!(!name.fields.contains_key(field::PRIMARY_KEY));
}

/// A foreign key names the referenced column by its full address, without the
/// OpenMetadata database segment problem of AlationSink (B6): the writer builds the key.
#[test]
fn foreign_keys_reference_the_full_column_address() {
    let objects = desired_objects(&catalog(vec![table(
        "orders",
        vec![column("customer_id", "INT", None, 1)],
        vec![TableConstraint {
            constraint_type: ConstraintType::ForeignKey,
            columns: vec!["customer_id".into()],
            referred_columns: vec![path(&[
                "sample_data",
                "ecommerce_db",
                "shopify",
                "dim.customer",
                "customer_id",
            ])],
        }],
    )]));
    let col = find(
        &objects,
        &[
            "sample_data",
            "ecommerce_db",
            "shopify",
            "orders",
            "customer_id",
        ],
    );
    assert_eq!(
        col.fields[field::FOREIGN_KEY],
        Value::Text("sample_data.ecommerce_db.shopify.\"dim.customer\".customer_id".into())
    );
}

/// A missing description is absent, never the text "None".
#[test]
fn missing_descriptions_are_absent() {
    let objects = desired_objects(&catalog(vec![table(
        "t",
        vec![column("c", "INT", None, 1)],
        vec![],
    )]));
    for object in &objects {
        assert!(
            !object.fields.contains_key(field::DESCRIPTION),
            "{}",
            object.address
        );
        for value in object.fields.values() {
            assert_ne!(value, &Value::Text("None".into()));
        }
    }
}

/// Markdown descriptions become HTML.
#[test]
fn markdown_descriptions_become_html() {
    let mut t = table("t", vec![], vec![]);
    t.description = Some("All **orders**, see [docs](https://x.example).".into());
    let objects = desired_objects(&catalog(vec![t]));
    let t = find(&objects, &["sample_data", "ecommerce_db", "shopify", "t"]);
    assert_eq!(
        t.fields[field::DESCRIPTION],
        Value::Html(
            "<p>All <strong>orders</strong>, see <a href=\"https://x.example\">docs</a>.</p>"
                .into()
        )
    );
}

/// Views of every kind are VIEW with their SQL; other tables are TABLE.
#[test]
fn table_types_and_view_sql() {
    let mut view = table("v", vec![], vec![]);
    view.table_type = TableKind::MaterializedView;
    view.view_definition = Some("select 1".into());
    let mut external = table("e", vec![], vec![]);
    external.table_type = TableKind::External;
    let objects = desired_objects(&catalog(vec![view, external]));
    let v = find(&objects, &["sample_data", "ecommerce_db", "shopify", "v"]);
    assert_eq!(v.fields[field::TABLE_TYPE], Value::Text("VIEW".into()));
    assert_eq!(v.fields[field::SQL], Value::Text("select 1".into()));
    let e = find(&objects, &["sample_data", "ecommerce_db", "shopify", "e"]);
    assert_eq!(e.fields[field::TABLE_TYPE], Value::Text("TABLE".into()));
    assert!(!e.fields.contains_key(field::SQL));
}

/// Column types are lower case; nested columns keep their full type and are not
/// separate Alation columns.
#[test]
fn column_types_and_nested_columns() {
    let mut nested = column("address", "STRUCT", Some("STRUCT<city:VARCHAR(20)>"), 2);
    nested.children = vec![column("city", "VARCHAR", Some("varchar(20)"), 1)];
    let objects = desired_objects(&catalog(vec![table(
        "t",
        vec![column("id", "NUMERIC", None, 1), nested],
        vec![],
    )]));
    let id = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "t", "id"],
    );
    assert_eq!(id.fields[field::COLUMN_TYPE], Value::Text("numeric".into()));
    assert_eq!(id.fields[field::POSITION], Value::Int(1));
    let address = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "t", "address"],
    );
    assert_eq!(
        address.fields[field::COLUMN_TYPE],
        Value::Text("struct<city:varchar(20)>".into())
    );
    assert!(objects.iter().all(|o| o.address.path.len() <= 5));
    assert_eq!(
        objects
            .iter()
            .filter(|o| o.address.kind == ObjectKind::Column)
            .count(),
        2
    );
}

/// What Alation returns for a written column maps back to the desired object.
#[test]
fn alation_items_map_back_to_the_desired_objects() {
    let mut id = column("id", "INT", None, 1);
    id.constraint = Some(ColumnConstraint::PrimaryKey);
    id.description = Some("The *id*".into());
    let objects = desired_objects(&catalog(vec![table(
        "orders",
        vec![id],
        vec![TableConstraint {
            constraint_type: ConstraintType::ForeignKey,
            columns: vec!["id".into()],
            referred_columns: vec![path(&["sample_data", "ecommerce_db", "s.2", "t", "c"])],
        }],
    )]));
    let desired = find(
        &objects,
        &["sample_data", "ecommerce_db", "shopify", "orders", "id"],
    );
    let item = ColumnItem {
        id: 9,
        name: "id".into(),
        title: Some("id".into()),
        description: Some("<p>The <em>id</em></p>".into()),
        column_type: Some("int".into()),
        nullable: Some(false),
        position: Some(serde_json::json!("1")),
        index: Some(ColumnIndex {
            is_primary_key: Some(true),
            is_foreign_key: Some(true),
            referenced_column_id: Some(keys::column_key(34, "s.2", "t", "c")),
            is_other_index: None,
        }),
        table_id: 3,
        column_comment: None,
        custom_fields: None,
    };
    let datasources = BTreeMap::from([(34, path(&["sample_data", "ecommerce_db"]))]);
    let current = current_column(
        &path(&["sample_data", "ecommerce_db", "shopify", "orders"]),
        &item,
        &datasources,
    );
    assert_eq!(&current, desired);
}

/// A referenced column outside the data sources in scope stays visible as its key.
#[test]
fn unknown_referenced_data_sources_keep_the_key() {
    let item = ColumnItem {
        id: 9,
        name: "c".into(),
        title: None,
        description: Some("  ".into()),
        column_type: None,
        nullable: None,
        position: None,
        index: Some(ColumnIndex {
            is_primary_key: Some(false),
            is_foreign_key: Some(true),
            referenced_column_id: Some("99.s.t.c".into()),
            is_other_index: None,
        }),
        table_id: 3,
        column_comment: None,
        custom_fields: None,
    };
    let current = current_column(&path(&["a", "b", "s", "t"]), &item, &BTreeMap::new());
    assert_eq!(
        current.fields,
        Fields::from([(field::FOREIGN_KEY, Value::Text("alation:99.s.t.c".into()))])
    );
}

/// Every database is one desired data source, titled by its display name.
#[test]
fn databases_are_datasources() {
    let catalog = catalog(vec![]);
    let addresses = desired_datasources(&catalog);
    assert_eq!(addresses.len(), 1);
    assert_eq!(addresses[0].path, path(&["sample_data", "ecommerce_db"]));
    let objects = desired_objects(&catalog);
    assert_eq!(objects[0].address, addresses[0]);
    assert_eq!(
        objects[0].fields[field::TITLE],
        Value::Text("ecommerce_db".into())
    );
}
