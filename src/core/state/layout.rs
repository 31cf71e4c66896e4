//! A whole catalog <-> the set of state files that hold it.
//!
//! [`load`] takes the files found in a state directory and gives back the catalog and
//! every problem found (rendering is in [`super::stream`]).
//! Neither touches the file system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::check::{self, ColumnIndex};
use super::document::{DatabaseDoc, SchemaDoc};
use super::file_name::{decode_name, encode_name, is_encoding_of};
use super::parse::{parse_database, parse_schema};
use super::{DATABASE_FILE, EXTENSION, Problem};
use crate::core::model::{Catalog, Column, Schema, Upstream};

/// A state file to write: its path relative to the state directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    /// `<service>/<database>/<file>.yaml`, encoded.
    pub path: PathBuf,
    /// The canonical text.
    pub text: String,
}

/// A file read from a state directory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the state directory.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

/// A catalog cannot be written as state files.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A name is empty: it would have no file name.
    #[error("cannot write {what} with an empty name (in `{parent}`)")]
    EmptyName {
        /// `database`, `schema`, ...
        what: &'static str,
        /// Where it is.
        parent: String,
    },
    /// Two objects would be written to the same file.
    #[error("two {what}s named `{name}` in `{parent}`")]
    Duplicate {
        /// `database` or `schema`.
        what: &'static str,
        /// The name.
        name: String,
        /// Where they are.
        parent: String,
    },
    /// Two files would have paths that differ only in case.
    #[error("`{}` would collide with another state file on a case-insensitive file system", path.display())]
    CaseCollision {
        /// The second of the two paths.
        path: PathBuf,
    },
    /// The rendered files would not pass `validate` (e.g. two tables with one name).
    #[error(
        "the state files would not be valid, so none is written:\n{}",
        lines(problems)
    )]
    Invalid {
        /// What `validate` would report, with paths relative to the state directory.
        problems: Vec<Problem>,
    },
    /// The rendered files would read back as something else than the catalog.
    #[error(
        "{what} `{address}` would not read back exactly from its state file, so no file is written"
    )]
    NotRoundTrip {
        /// `database` or `schema`.
        what: &'static str,
        /// `service.database[.schema]`.
        address: String,
    },
}

fn lines(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

fn sort_columns(columns: &mut [Column]) {
    columns.sort_by_key(|c| c.ordinal_position.unwrap_or(u32::MAX));
    for column in columns {
        column.tags.sort();
    }
}

/// Puts a catalog in the canonical order of state files: databases by (service, name),
/// schemas and tables by name, columns by ordinal position (stable: equal or missing
/// positions keep their order, missing ones last), tags sorted, upstream edges by
/// upstream table path with their column pairs by `to` and each `from` sorted. Nested
/// members keep their source order.
pub fn canonicalize(catalog: &mut Catalog) {
    catalog
        .databases
        .sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    for db in &mut catalog.databases {
        db.tags.sort();
        db.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        for schema in &mut db.schemas {
            canonicalize_schema(schema);
        }
    }
}

/// [`canonicalize`] for one schema.
pub fn canonicalize_schema(schema: &mut Schema) {
    schema.tags.sort();
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.tags.sort();
        sort_upstream(&mut table.upstream);
        sort_columns(&mut table.columns);
    }
}

fn sort_upstream(edges: &mut [Upstream]) {
    for edge in edges.iter_mut() {
        for pair in &mut edge.columns {
            pair.from.sort();
        }
        edge.columns
            .sort_by(|a, b| (&a.to, &a.from).cmp(&(&b.to, &b.from)));
    }
    edges.sort();
}

/// What [`load`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The catalog of every file that parsed, in canonical database and schema order.
    pub catalog: Catalog,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
    /// How many state files were read.
    pub files: usize,
}

/// Reports a name whose encoding differs from the path component holding it.
fn check_component(
    file: &Path,
    what: &str,
    name: &serde_saphyr::Spanned<String>,
    component: &str,
    out: &mut Vec<Problem>,
) {
    if !is_encoding_of(component, &name.value) {
        let decoded = match decode_name(component) {
            None => " (not a valid encoded name)".to_string(),
            Some(n) if n == component => String::new(),
            Some(n) => format!(" (the name `{n}`)"),
        };
        out.push(Problem::at(
            file,
            name.referenced.line(),
            name.referenced.column(),
            format!(
                "{what} name `{}` does not match its path component `{component}`{decoded}; the path component of this name is `{}`",
                name.value,
                encode_name(&name.value)
            ),
        ));
    }
}

struct DatabaseDir {
    /// Whether a `_database.yaml` exists (parsed or not).
    present: bool,
    database: Option<(PathBuf, DatabaseDoc)>,
    schemas: Vec<(PathBuf, SchemaDoc)>,
}

/// Parses and checks the files of a state directory and assembles the catalog.
///
/// Each path is `<service>/<database>/<file>.yaml` relative to the state directory;
/// files elsewhere are reported. A problem in one file does not stop the others from
/// being read, so every problem is reported at once.
pub fn load(files: Vec<SourceFile>) -> Loaded {
    load_texts(
        files.len(),
        files.iter().map(|f| (&f.path, f.text.as_str())),
    )
}

/// [`load`] over borrowed paths and texts.
fn load_texts<'a>(count: usize, files: impl Iterator<Item = (&'a PathBuf, &'a str)>) -> Loaded {
    let mut parsed = Vec::with_capacity(count);
    parsed.extend(files.map(|(path, text)| parse_file(path, text)));
    assemble(parsed)
}

/// One state file parsed and checked on its own, ready for [`assemble`].
pub struct ParsedFile(pub(super) Parsed);

/// What [`parse_file`] found in one file.
pub(super) enum Parsed {
    /// Not at `<service>/<database>/<file>.yaml`.
    Misplaced(Problem),
    /// A `_database.yaml`, parsed when `doc` is set, with its own problems.
    Database {
        dir: (String, String),
        path: PathBuf,
        doc: Option<DatabaseDoc>,
        problems: Vec<Problem>,
    },
    /// A schema file, parsed when `doc` is set, with its own problems.
    Schema {
        dir: (String, String),
        path: PathBuf,
        doc: Option<SchemaDoc>,
        problems: Vec<Problem>,
    },
}

/// Parses and checks the state file at `path` (relative to the state directory) on its
/// own. Files do not depend on each other here, so a caller may parse them in parallel
/// and [`assemble`] the results in file order.
pub fn parse_file(path: &PathBuf, text: &str) -> ParsedFile {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let [service, database, name] = parts.as_slice() else {
        return ParsedFile(Parsed::Misplaced(Problem::file(
            path,
            "not where state files live: expected <service>/<database>/<schema>.yaml or <service>/<database>/_database.yaml",
        )));
    };
    let dir = (service.clone(), database.clone());
    let mut problems = Vec::new();
    if name == DATABASE_FILE {
        let doc = match parse_database(path, text) {
            Ok(doc) => {
                check::check_database(path, &doc, &mut problems);
                check_component(path, "service", &doc.service, service, &mut problems);
                check_component(path, "database", &doc.name, database, &mut problems);
                Some(doc)
            }
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        return ParsedFile(Parsed::Database {
            dir,
            path: path.clone(),
            doc,
            problems,
        });
    }
    let doc = match parse_schema(path, text) {
        Ok(doc) => {
            check::check_schema(path, &doc, &mut problems);
            let stem = name.strip_suffix(&format!(".{EXTENSION}")).unwrap_or(name);
            check_component(path, "schema", &doc.name, stem, &mut problems);
            Some(doc)
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    ParsedFile(Parsed::Schema {
        dir,
        path: path.clone(),
        doc,
        problems,
    })
}

/// Assembles the catalog from files parsed by [`parse_file`], in file order: checks
/// across files (a `_database.yaml` in every database directory, foreign keys between
/// tables) and the canonical order.
pub fn assemble(parsed: Vec<ParsedFile>) -> Loaded {
    let mut loaded = Loaded {
        files: parsed.len(),
        ..Loaded::default()
    };
    let problems = &mut loaded.problems;
    let mut dirs: BTreeMap<(String, String), DatabaseDir> = BTreeMap::new();
    let new_dir = || DatabaseDir {
        present: false,
        database: None,
        schemas: Vec::new(),
    };
    for ParsedFile(file) in parsed {
        match file {
            Parsed::Misplaced(problem) => problems.push(problem),
            Parsed::Database {
                dir,
                path,
                doc,
                problems: own,
            } => {
                problems.extend(own);
                let dir = dirs.entry(dir).or_insert_with(new_dir);
                dir.present = true;
                if let Some(doc) = doc {
                    dir.database = Some((path, doc));
                }
            }
            Parsed::Schema {
                dir,
                path,
                doc,
                problems: own,
            } => {
                problems.extend(own);
                let dir = dirs.entry(dir).or_insert_with(new_dir);
                if let Some(doc) = doc {
                    dir.schemas.push((path, doc));
                }
            }
        }
    }
    let mut index = ColumnIndex::default();
    for dir in dirs.values() {
        if let Some((_, db)) = &dir.database {
            for (_, schema) in &dir.schemas {
                index.add(db, schema);
            }
        }
    }
    for ((service, database), dir) in &dirs {
        if !dir.present {
            let path = PathBuf::from(service).join(database).join(DATABASE_FILE);
            problems.push(Problem::file(
                path,
                "missing: every database directory needs a _database.yaml (kind: Database)",
            ));
        }
        for (path, schema) in &dir.schemas {
            index.check_references(path, schema, problems);
        }
    }
    for dir in dirs.into_values() {
        let Some((_, db)) = dir.database else {
            continue;
        };
        let mut database = db.into_model();
        database.schemas = dir
            .schemas
            .into_iter()
            .map(|(_, s)| s.into_model())
            .collect();
        loaded.catalog.databases.push(database);
    }
    canonicalize_order_only(&mut loaded.catalog);
    loaded
        .problems
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    loaded
}

/// Orders databases and schemas (which come from paths, not from file content).
fn canonicalize_order_only(catalog: &mut Catalog) {
    catalog
        .databases
        .sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    for db in &mut catalog.databases {
        db.schemas.sort_by(|a, b| a.name.cmp(&b.name));
    }
}
