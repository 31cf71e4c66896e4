//! Rendering a catalog one schema at a time, so that a snapshot never holds the whole
//! catalog, its text or its parsed read-back at once.
//!
//! [`Renderer::new`] takes the skeleton (databases with their schemas, tables not
//! needed): it fixes every file's path, refusing what [`render_catalog`] refuses
//! (empty names, two objects in one file, paths equal but for case), and renders the
//! `_database.yaml` files (each parsed back: they are few and small). Then each schema is
//! rendered by [`Renderer::schema`] and, when its text is to be written, checked by
//! [`Renderer::check`] with the checks `validate` runs on a schema file, applied to the
//! model: a snapshot of 100,000 tables would spend most of its time parsing its own
//! output back otherwise (about 12 µs a column). That the text reads back as the model
//! is the emitter's own guarantee, property-tested (`render_then_load_is_identity`).
//! [`Renderer::finish`] runs the one check across files, foreign keys into schemas of
//! the state naming columns that exist.
//!
//! For that check the renderer keeps, of every schema, only a 64-bit hash of each
//! column's path (about 16 bytes a column) and the foreign keys themselves. Two different
//! paths could in theory share a hash and let a dangling key through; with random hash
//! keys the odds are about one in 2^64 per key checked. A dangling key is reported at
//! the top of its file (the check works on the model, which has no positions).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

use super::check;
use super::document::SchemaDoc;
use super::emit::{emit_database, emit_schema};
use super::file_name::{encode_name, encode_name_folded};
use super::layout::{Parsed, RenderError, StateFile, parse_file};
use super::{DATABASE_FILE, EXTENSION, Problem};
use crate::core::model::{Catalog, Database, Schema};

/// The path of one database's files.
struct DatabasePaths {
    /// `<service>/<database>/_database.yaml`.
    database: PathBuf,
    /// One per schema, in the skeleton's order.
    schemas: Vec<PathBuf>,
    /// `(service, database)`, for messages and foreign keys.
    key: (String, String),
}

/// A foreign key met in a rendered schema, checked at the end.
struct Reference {
    file: PathBuf,
    path: [String; 5],
}

/// Renders and checks a catalog's state files schema by schema (see the module docs).
pub struct Renderer {
    databases: Vec<DatabasePaths>,
    /// `(service, database, schema)` of every schema in the state.
    schemas: HashSet<[String; 3]>,
    /// Hashes of `[service, database, schema, table, column]` of every top-level column.
    columns: HashSet<u64>,
    references: Vec<Reference>,
    hasher: RandomState,
}

/// Names among `names` whose encodings collide on a case-insensitive file system.
fn case_collisions<'a>(names: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
    let mut by_folded: HashMap<String, Vec<&str>> = HashMap::new();
    for name in names {
        by_folded
            .entry(encode_name(name).to_ascii_lowercase())
            .or_default()
            .push(name);
    }
    by_folded
        .into_values()
        .filter(|group| group.len() > 1)
        .flatten()
        .collect()
}

/// The path component of `name`, folded when it collides with a sibling.
fn component(
    what: &'static str,
    name: &str,
    parent: &str,
    collisions: &HashSet<&str>,
) -> Result<String, RenderError> {
    if name.is_empty() {
        return Err(RenderError::EmptyName {
            what,
            parent: parent.into(),
        });
    }
    Ok(if collisions.contains(name) {
        encode_name_folded(name)
    } else {
        encode_name(name)
    })
}

/// The files of `databases`, by database, refusing names that cannot be file names,
/// two objects in one file and two paths equal but for case.
fn file_paths(databases: &[Database]) -> Result<Vec<DatabasePaths>, RenderError> {
    let services = case_collisions(databases.iter().map(|d| d.service.as_str()));
    let mut all = HashSet::new();
    let mut folded = HashSet::new();
    let mut out = Vec::with_capacity(databases.len());
    for db in databases {
        let siblings = databases
            .iter()
            .filter(|d| d.service == db.service)
            .map(|d| d.name.as_str());
        let service = component("service", &db.service, "state", &services)?;
        let database = component(
            "database",
            &db.name,
            &db.service,
            &case_collisions(siblings),
        )?;
        let dir = PathBuf::from(service).join(database);
        let parent = format!("{}/{}", db.service, db.name);
        let database_file = dir.join(DATABASE_FILE);
        if !all.insert(database_file.clone()) {
            return Err(RenderError::Duplicate {
                what: "database",
                name: db.name.clone(),
                parent: db.service.clone(),
            });
        }
        let collisions = case_collisions(db.schemas.iter().map(|s| s.name.as_str()));
        let mut schemas = Vec::with_capacity(db.schemas.len());
        for schema in &db.schemas {
            let name = component("schema", &schema.name, &parent, &collisions)?;
            let path = dir.join(format!("{name}.{EXTENSION}"));
            if !all.insert(path.clone()) {
                return Err(RenderError::Duplicate {
                    what: "schema",
                    name: schema.name.clone(),
                    parent,
                });
            }
            schemas.push(path);
        }
        out.push(DatabasePaths {
            database: database_file,
            schemas,
            key: (db.service.clone(), db.name.clone()),
        });
    }
    let mut sorted: Vec<&PathBuf> = all.iter().collect();
    sorted.sort();
    for path in sorted {
        if !folded.insert(path.to_string_lossy().to_ascii_lowercase()) {
            return Err(RenderError::CaseCollision { path: path.clone() });
        }
    }
    Ok(out)
}

/// The problems of a file that did not parse back cleanly, or its parsed form.
fn parse_back(path: &Path, text: &str) -> Result<Parsed, RenderError> {
    let parsed = parse_file(&path.to_path_buf(), text).0;
    let problems = match &parsed {
        Parsed::Misplaced(problem) => vec![problem.clone()],
        Parsed::Database { problems, .. } | Parsed::Schema { problems, .. } => problems.clone(),
    };
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(RenderError::Invalid { problems })
    }
}

impl Renderer {
    /// The renderer of the catalog whose databases and schemas are `databases` (tables
    /// are not looked at), and the text of every `_database.yaml`, each checked to read
    /// back as its database.
    pub fn new(databases: &[Database]) -> Result<(Renderer, Vec<StateFile>), RenderError> {
        let paths = file_paths(databases)?;
        let mut files = Vec::with_capacity(databases.len());
        let mut schemas = HashSet::new();
        for (db, paths) in databases.iter().zip(&paths) {
            let text = emit_database(db);
            let back = match parse_back(&paths.database, &text)? {
                Parsed::Database { doc: Some(doc), .. } => Some(doc.into_model()),
                _ => None,
            };
            let header = Database {
                schemas: Vec::new(),
                ..db.clone()
            };
            if back.as_ref() != Some(&header) {
                return Err(RenderError::NotRoundTrip {
                    what: "database",
                    address: format!("{}.{}", db.service, db.name),
                });
            }
            files.push(StateFile {
                path: paths.database.clone(),
                text,
            });
            for schema in &db.schemas {
                schemas.insert([db.service.clone(), db.name.clone(), schema.name.clone()]);
            }
        }
        let renderer = Renderer {
            databases: paths,
            schemas,
            columns: HashSet::new(),
            references: Vec::new(),
            hasher: RandomState::new(),
        };
        Ok((renderer, files))
    }

    /// The path of schema `schema` of database `database` (positions in the skeleton).
    pub fn path(&self, database: usize, schema: usize) -> &Path {
        &self.databases[database].schemas[schema]
    }

    fn column_hash(&self, path: [&str; 5]) -> u64 {
        self.hasher.hash_one(path)
    }

    /// The text of the file of schema `schema` of database `database`, as it stands (call
    /// [`super::canonicalize_schema`] first for canonical order); its columns and foreign
    /// keys are noted for [`Renderer::finish`].
    pub fn schema(&mut self, database: usize, schema: usize, content: &Schema) -> StateFile {
        let (service, db) = self.databases[database].key.clone();
        let file = self.databases[database].schemas[schema].clone();
        for table in &content.tables {
            for column in &table.columns {
                let hash =
                    self.column_hash([&service, &db, &content.name, &table.name, &column.name]);
                self.columns.insert(hash);
            }
            let referred = table.constraints.iter().flat_map(|c| &c.referred_columns);
            for path in referred {
                if let Ok(path) = <[String; 5]>::try_from(path.clone()) {
                    self.references.push(Reference {
                        file: file.clone(),
                        path,
                    });
                }
            }
        }
        StateFile {
            path: file,
            text: emit_schema(content),
        }
    }

    /// Checks `content`, whose file [`Renderer::schema`] rendered as `file`, as
    /// `validate` checks a schema file; consumes it (the checks run on the model turned
    /// into the parsed form, without rendering it again or parsing the text). Only when a
    /// problem is found is `file` parsed, so that the error points at lines and columns.
    pub fn check(file: &StateFile, content: Schema) -> Result<(), RenderError> {
        let mut problems = Vec::new();
        check::check_schema(&file.path, &SchemaDoc::from_model(content), &mut problems);
        if problems.is_empty() {
            return Ok(());
        }
        parse_back(&file.path, &file.text)?;
        Err(RenderError::Invalid { problems })
    }

    /// Checks the foreign keys of every schema rendered: one into a schema of the state
    /// must name a column of it. Returns every file's path.
    pub fn finish(self) -> Result<Vec<PathBuf>, RenderError> {
        let mut problems = Vec::new();
        for reference in &self.references {
            let [service, database, schema, table, column] = &reference.path;
            let in_state =
                self.schemas
                    .contains(&[service.clone(), database.clone(), schema.clone()]);
            let hash = self.column_hash([service, database, schema, table, column]);
            if in_state && !self.columns.contains(&hash) {
                problems.push(Problem::file(
                    &reference.file,
                    format!(
                        "referred column `{table}.{column}` does not exist in schema `{schema}` of `{service}/{database}`"
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(RenderError::Invalid { problems });
        }
        Ok(self
            .databases
            .into_iter()
            .flat_map(|d| std::iter::once(d.database).chain(d.schemas))
            .collect())
    }
}

/// The files holding `catalog`, in path order, without reordering anything (call
/// [`super::canonicalize`] first for canonical order). Fails before producing anything if a
/// name cannot be a file name, two objects would share a file, or the files would not
/// [`super::load`] back as `catalog` without a problem: what is written is always what
/// `validate` and `plan` accept.
pub fn render_catalog(catalog: &Catalog) -> Result<Vec<StateFile>, RenderError> {
    let (mut renderer, mut files) = Renderer::new(&catalog.databases)?;
    for (d, db) in catalog.databases.iter().enumerate() {
        for (s, schema) in db.schemas.iter().enumerate() {
            let file = renderer.schema(d, s, schema);
            Renderer::check(&file, schema.clone())?;
            files.push(file);
        }
    }
    renderer.finish()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
