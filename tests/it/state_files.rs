//! Desired-state files on disk: `validate`, `fmt`, `schema state` and the state-directory
//! reader and writer, run against temporary directories.

use std::fs;
use std::path::{Path, PathBuf};

use metaform::commands::state_dir::{read_state_dir, write_state_dir};
use metaform::core::model::{
    Catalog, Column, ColumnConstraint, ConstraintType, Database, Schema, Table, TableConstraint,
    TableKind,
};
use serde_json::Value;

use crate::support::model;
use crate::support::sample_data_dir as fixtures;

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn tags(v: &Value) -> Vec<String> {
    let mut tags: Vec<String> = v
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| string(t, "tagFQN"))
        .collect();
    tags.sort();
    tags
}

fn column(v: &Value) -> Column {
    Column {
        display_name: string(v, "displayName"),
        data_type_display: string(v, "dataTypeDisplay"),
        data_length: v.get("dataLength").and_then(Value::as_u64),
        description: string(v, "description"),
        ordinal_position: v
            .get("ordinalPosition")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        constraint: v
            .get("constraint")
            .and_then(|c| serde_json::from_value::<ColumnConstraint>(c.clone()).ok()),
        tags: tags(v),
        children: v
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(column)
            .collect(),
        ..model::column(
            &string(v, "name").unwrap_or_default(),
            &string(v, "dataType").unwrap_or_default(),
        )
    }
}

/// The sample tables as a catalog (a minimal conversion, enough for the file format).
fn sample_catalog() -> Catalog {
    let text = fs::read_to_string(fixtures().join("datasets/tables.json")).expect("tables.json");
    let json: Value = serde_json::from_str(&text).expect("tables.json is JSON");
    let tables = json["tables"]
        .as_array()
        .expect("a tables array")
        .iter()
        .map(|t| Table {
            display_name: string(t, "displayName"),
            description: string(t, "description"),
            table_type: string(t, "tableType")
                .map(|t| TableKind::from_spelling(&t))
                .unwrap_or_default(),
            view_definition: string(t, "viewDefinition"),
            constraints: t
                .get("tableConstraints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| TableConstraint {
                    constraint_type: serde_json::from_value::<ConstraintType>(
                        c["constraintType"].clone(),
                    )
                    .expect("a constraint type"),
                    columns: serde_json::from_value(c["columns"].clone()).unwrap_or_default(),
                    referred_columns: Vec::new(),
                })
                .collect(),
            tags: tags(t),
            ..model::table(
                &string(t, "name").unwrap_or_default(),
                t["columns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(column)
                    .collect(),
            )
        })
        .collect();
    Catalog {
        databases: vec![Database {
            service_type: Some("BigQuery".into()),
            description: Some(
                "This **mock** database contains schemas related to shopify sales and orders\nwith related dimension tables.\n".into(),
            ),
            ..model::database(
                "sample_data",
                "ecommerce_db",
                vec![Schema {
                    description: Some(
                        "This **mock** schema: `yes`, no: \"quotes\" \t tab  ".into(),
                    ),
                    ..model::schema("shopify", tables)
                }],
            )
        }],
    }
}

fn metaform(args: &[&str]) -> (i32, String, String) {
    let output = assert_cmd::cargo::cargo_bin_cmd!("metaform")
        .args(args)
        .output()
        .expect("metaform runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn state_arg(dir: &Path) -> String {
    dir.to_str().expect("a UTF-8 temp path").to_string()
}

fn write_sample(dir: &Path) -> Catalog {
    let catalog = sample_catalog();
    write_state_dir(dir, &catalog).expect("sample catalog is written");
    catalog
}

/// The sample catalog survives write -> read -> write with identical bytes and no rewrite.
#[test]
fn sample_catalog_round_trip_is_byte_stable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut catalog = write_sample(dir.path());
    metaform::core::state::canonicalize(&mut catalog);
    let schema_file = dir.path().join("sample_data/ecommerce_db/shopify.yaml");
    let first = fs::read(&schema_file).expect("schema file written");
    let read = read_state_dir(dir.path()).expect("state reads back");
    assert_eq!(read, catalog);
    let summary = write_state_dir(dir.path(), &read).expect("written again");
    assert!(summary.written.is_empty(), "{summary:?}");
    assert_eq!(summary.unchanged, 2);
    assert_eq!(fs::read(&schema_file).expect("schema file"), first);
    let text = String::from_utf8(first).expect("UTF-8");
    assert!(text.starts_with("# Generated by metaform snapshot."));
    assert!(text.contains("  - name: dim.api/client\n"), "{text}");
    let (code, _, stderr) = metaform(&["validate", "--state", &state_arg(dir.path())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("2 state files are valid"), "{stderr}");
    let (code, stdout, stderr) = metaform(&["fmt", "--check", "--state", &state_arg(dir.path())]);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}

/// `validate` reports a YAML syntax error as file:line:column and exits 1.
#[test]
fn validate_reports_malformed_file_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(dir.path());
    let file = dir.path().join("sample_data/ecommerce_db/broken.yaml");
    fs::write(
        &file,
        "apiVersion: metaform/v1\nkind: DatabaseSchema\nname: broken\ntables: [\n",
    )
    .expect("written");
    let (code, _, stderr) = metaform(&["validate", "--state", &state_arg(dir.path())]);
    assert_eq!(code, 1, "{stderr}");
    let prefix = format!("{}:", file.display());
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no problem for {prefix} in {stderr}"));
    let position: Vec<&str> = line[prefix.len()..].splitn(3, ':').collect();
    assert!(
        position[0].parse::<u32>().is_ok() && position[1].parse::<u32>().is_ok(),
        "{line}"
    );
}

/// `validate` reports an unknown key at its line and column and exits 1.
#[test]
fn validate_reports_unknown_key_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(dir.path());
    let file = dir.path().join("sample_data/ecommerce_db/_database.yaml");
    let text = fs::read_to_string(&file).expect("database file");
    fs::write(
        &file,
        text.replace("name: ecommerce_db\n", "name: ecommerce_db\nowner: me\n"),
    )
    .expect("written");
    let line = text
        .lines()
        .position(|l| l == "name: ecommerce_db")
        .expect("name line")
        + 2;
    let (code, _, stderr) = metaform(&["validate", "--state", &state_arg(dir.path())]);
    assert_eq!(code, 1, "{stderr}");
    let expected = format!("{}:{line}:1: unknown field `owner`", file.display());
    assert!(stderr.contains(&expected), "{expected} not in {stderr}");
}

/// `validate` reports a constraint on a missing column and a file name that does not match.
#[test]
fn validate_reports_semantic_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(dir.path());
    let file = dir.path().join("sample_data/ecommerce_db/shopify.yaml");
    let text = fs::read_to_string(&file).expect("schema file");
    let moved = dir.path().join("sample_data/ecommerce_db/shop.yaml");
    fs::write(
        &moved,
        text.replacen("          - shop_id\n", "          - shop_idx\n", 1),
    )
    .expect("written");
    fs::remove_file(&file).expect("removed");
    let (code, _, stderr) = metaform(&["validate", "--state", &state_arg(dir.path())]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("constraint column `shop_idx` is not a column of table `dim_address`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("schema name `shopify` does not match its path component `shop`"),
        "{stderr}"
    );
}

/// `fmt --check` lists a non-canonical file and exits 1; `fmt` fixes it.
#[test]
fn fmt_check_detects_non_canonical_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(dir.path());
    let file = dir.path().join("sample_data/ecommerce_db/_database.yaml");
    let canonical = fs::read_to_string(&file).expect("database file");
    let edited = canonical
        .replace("service: sample_data", "service: 'sample_data'")
        .replace("kind: Database\n", "")
        .replace(
            "apiVersion: metaform/v1\n",
            "apiVersion: metaform/v1\nkind: Database\n\n",
        );
    fs::write(&file, &edited).expect("written");
    let state = state_arg(dir.path());
    let (code, stdout, _) = metaform(&["fmt", "--check", "--state", &state]);
    assert_eq!(code, 1);
    assert_eq!(stdout.trim(), file.display().to_string());
    assert_eq!(fs::read_to_string(&file).expect("unchanged"), edited);
    let (code, _, stderr) = metaform(&["fmt", "--state", &state]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(fs::read_to_string(&file).expect("formatted"), canonical);
    let (code, stdout, _) = metaform(&["fmt", "--check", "--state", &state]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

/// Schemas and databases that disappear lose their generated files; hand-written files stay.
#[test]
fn write_removes_only_generated_stale_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut catalog = write_sample(dir.path());
    let mut other = catalog.databases[0].clone();
    other.name = "other_db".into();
    catalog.databases.push(other);
    write_state_dir(dir.path(), &catalog).expect("written");
    let notes = dir.path().join("sample_data/other_db/notes.yaml");
    fs::write(&notes, "hand: written\n").expect("written");
    catalog.databases.pop();
    let summary = write_state_dir(dir.path(), &catalog).expect("written");
    assert_eq!(
        summary.removed,
        vec![
            PathBuf::from("sample_data/other_db/_database.yaml"),
            PathBuf::from("sample_data/other_db/shopify.yaml"),
        ]
    );
    assert!(notes.exists());
}

/// A catalog with a name that cannot be a file name writes nothing at all.
#[test]
fn write_is_all_or_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut catalog = sample_catalog();
    let mut empty = catalog.databases[0].schemas[0].clone();
    empty.name = String::new();
    catalog.databases[0].schemas.push(empty);
    let error = write_state_dir(dir.path(), &catalog).expect_err("refused");
    assert!(error.to_string().contains("empty name"), "{error}");
    assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 0);
}

/// Names with `/`, `..` and unicode stay inside the state directory and read back exactly.
#[test]
fn hostile_names_stay_inside_the_state_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let mut catalog = sample_catalog();
    catalog.databases[0].service = "..".into();
    catalog.databases[0].name = "../../etc/passwd".into();
    catalog.databases[0].schemas[0].name = "_database".into();
    let mut second = catalog.databases[0].schemas[0].clone();
    second.name = "ünïcode \"q\" a::b>c".into();
    catalog.databases[0].schemas.push(second);
    write_state_dir(&state, &catalog).expect("written");
    assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1);
    let mut files = Vec::new();
    for service in fs::read_dir(&state).expect("state") {
        for database in fs::read_dir(service.expect("entry").path()).expect("service dir") {
            for file in fs::read_dir(database.expect("entry").path()).expect("database dir") {
                files.push(file.expect("entry").path());
            }
        }
    }
    assert_eq!(files.len(), 3, "{files:?}");
    metaform::core::state::canonicalize(&mut catalog);
    assert_eq!(read_state_dir(&state).expect("reads back"), catalog);
}

/// `schema state` prints a JSON Schema that pins the apiVersion and shows every key,
/// the tags of databases and schemas and the tables' `upstream` edges included.
#[test]
fn schema_state_prints_json_schema() {
    let (code, stdout, stderr) = metaform(&["schema", "state"]);
    assert_eq!(code, 0, "{stderr}");
    let schema: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(schema["oneOf"].as_array().map(Vec::len), Some(2));
    assert!(stdout.contains("\"const\": \"metaform/v1\""), "{stdout}");
    assert!(stdout.contains("tableConstraints"), "{stdout}");
    let defs = &schema["$defs"];
    for (def, key) in [
        ("DatabaseDoc", "tags"),
        ("SchemaDoc", "tags"),
        ("TableDoc", "upstream"),
        ("UpstreamDoc", "table"),
        ("UpstreamDoc", "columns"),
        ("UpstreamDoc", "sql"),
        ("UpstreamDoc", "pipeline"),
        ("ColumnLineageDoc", "from"),
        ("ColumnLineageDoc", "to"),
    ] {
        assert!(
            defs[def]["properties"].get(key).is_some(),
            "{def}.{key} missing: {stdout}"
        );
    }
}
