//! The file-system side of desired-state files: walking a state directory and writing
//! a catalog into one atomically. Text <-> model lives in [`crate::core::state`].

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::core::model::{Catalog, Database, Schema};
use crate::core::state::{
    self, EXTENSION, GENERATED_HEADER, Problem, Renderer, SourceFile, StateFile, canonicalize,
    canonicalize_schema,
};
use crate::error::{Error, Result};

/// Directories deeper than this are not searched (state files live at depth 3).
const MAX_DEPTH: usize = 6;

/// What [`write_state_dir`] did, with paths relative to the state directory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files created or rewritten because their bytes changed.
    pub written: Vec<PathBuf>,
    /// Files left alone because their bytes were already right.
    pub unchanged: usize,
    /// Generated files removed because their schema or database is gone.
    pub removed: Vec<PathBuf>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

fn walk(root: &Path, rel: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    let dir = root.join(rel);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&dir).map_err(io("read directory", &dir))? {
        let entry = entry.map_err(io("read directory", &dir))?;
        entries.push(entry.file_name());
    }
    entries.sort();
    for name in entries {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let rel = rel.join(&name);
        let path = root.join(&rel);
        // Not followed: a link could lead a read or a write outside the state directory.
        let kind = fs::symlink_metadata(&path)
            .map_err(io("read", &path))?
            .file_type();
        if kind.is_dir() {
            if depth < MAX_DEPTH {
                walk(root, &rel, depth + 1, out)?;
            }
        } else if !kind.is_file() {
            return Err(not_regular(&path, kind));
        } else if path.extension().is_some_and(|e| e == EXTENSION) {
            out.push(rel);
        }
    }
    Ok(())
}

/// The error for an entry of the state tree that is neither a directory nor a regular file.
fn not_regular(path: &Path, kind: fs::FileType) -> Error {
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file (a FIFO, socket or device)"
    };
    Error::Usage(format!(
        "`{}` is {what}: the state directory may hold only directories and regular files",
        path.display()
    ))
}

/// The relative paths of every `*.yaml` file under `dir` (hidden entries skipped), sorted.
/// Any symbolic link or special file in the tree is an error naming it; `dir` itself may
/// be a link (it is the configured location, chosen by the user).
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::NoStateDir(dir.to_path_buf()));
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), 1, &mut out)?;
    Ok(out)
}

/// Reads every state file under `dir`: the files that are UTF-8 text, and a problem
/// for each that is not. Paths are relative to `dir`. A symbolic link or a special file
/// anywhere in the tree (a FIFO would block the read) is an error naming it.
pub(crate) fn collect_files(dir: &Path) -> Result<(Vec<SourceFile>, Vec<Problem>)> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for rel in yaml_files(dir)? {
        let path = dir.join(&rel);
        let bytes = fs::read(&path).map_err(io("read", &path))?;
        match String::from_utf8(bytes) {
            Ok(text) => files.push(SourceFile { path: rel, text }),
            Err(err) => problems.push(not_utf8(rel, err.as_bytes(), err.utf8_error())),
        }
    }
    Ok((files, problems))
}

/// A file that is not UTF-8, located at its first invalid byte (column in characters).
fn not_utf8(rel: PathBuf, bytes: &[u8], err: std::str::Utf8Error) -> Problem {
    let valid = &bytes[..err.valid_up_to()];
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
    let column = 1 + String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count();
    let byte = bytes[err.valid_up_to()];
    Problem::at(
        rel,
        line as u64,
        column as u64,
        format!("not UTF-8 text: invalid byte 0x{byte:02X}"),
    )
}

/// Reads a state directory (`<dir>/<service>/<database>/{_database.yaml,<schema>.yaml}`)
/// into a catalog. Any problem in any file is an error listing them all as
/// `file:line:column: message`.
pub fn read_state_dir(dir: &Path) -> Result<Catalog> {
    let (files, mut problems) = collect_files(dir)?;
    let loaded = state::assemble(parse_in_parallel(files));
    problems.extend(loaded.problems);
    if problems.is_empty() {
        return Ok(loaded.catalog);
    }
    let lines: Vec<String> = problems.iter().map(|p| p.in_dir(dir).to_string()).collect();
    Err(Error::Usage(format!(
        "{} problem(s) in the state files under `{}`:\n{}",
        problems.len(),
        dir.display(),
        lines.join("\n")
    )))
}

/// Parses `files` on every core the machine has, each thread a contiguous run of them,
/// and gives the results back in file order.
fn parse_in_parallel(files: Vec<SourceFile>) -> Vec<state::ParsedFile> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|run| {
                scope.spawn(move || {
                    run.iter()
                        .map(|f| state::parse_file(&f.path, &f.text))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Writes `contents` to `path` through a temporary file in the same directory that is
/// then renamed over it, so readers see the old file or the new one, never a mix.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    stage(path, contents)?
        .persist(path)
        .map_err(|e| io("write", path)(e.error))?;
    Ok(())
}

/// `contents` in a closed temporary file beside `path`, deleted unless persisted.
fn stage(path: &Path, contents: &[u8]) -> Result<tempfile::TempPath> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(io("create directory", parent))?;
    let mut tmp =
        crate::fs_mode::temp_file_in(parent, ".tmp").map_err(io("create a file in", parent))?;
    tmp.write_all(contents).map_err(io("write", path))?;
    tmp.as_file().sync_all().map_err(io("write", path))?;
    Ok(tmp.into_temp_path())
}

/// Whether a file starts with the generated-file header (so metaform may remove it).
fn is_generated(path: &Path) -> bool {
    fs::read(path).is_ok_and(|bytes| bytes.starts_with(GENERATED_HEADER.as_bytes()))
}

/// Writes `catalog` into `dir` as canonical state files, through a [`StateWriter`].
pub fn write_state_dir(dir: &Path, catalog: &Catalog) -> Result<WriteSummary> {
    let mut catalog = catalog.clone();
    canonicalize(&mut catalog);
    let contents: Vec<Vec<Schema>> = catalog
        .databases
        .iter_mut()
        .map(|db| std::mem::take(&mut db.schemas))
        .collect();
    for (db, schemas) in catalog.databases.iter_mut().zip(&contents) {
        db.schemas = schemas.iter().map(without_tables).collect();
    }
    let mut writer = StateWriter::begin(dir, &catalog.databases)?;
    for (d, schemas) in contents.into_iter().enumerate() {
        for (s, schema) in schemas.into_iter().enumerate() {
            writer.write_schema(d, s, schema)?;
        }
    }
    Ok(writer.finish()?.0)
}

/// `schema` without its tables.
fn without_tables(schema: &Schema) -> Schema {
    Schema {
        name: schema.name.clone(),
        display_name: schema.display_name.clone(),
        description: schema.description.clone(),
        tags: schema.tags.clone(),
        tables: Vec::new(),
    }
}

/// Writes a catalog into a state directory one schema at a time, holding one schema in
/// memory, and all or nothing.
///
/// [`StateWriter::begin`] takes the databases and their schemas (no tables): every file's
/// path is fixed and every `_database.yaml` rendered. Then each schema is given to
/// [`StateWriter::write_schema`], in any order: it is put in canonical order and
/// rendered; a file whose bytes are already right is left alone; any other is checked
/// as `validate` would check it ([`Renderer::check`]) and staged as a hidden temporary
/// file beside its place. Only [`StateWriter::finish`],
/// once every schema is in and the foreign keys across files check, renames the staged
/// files into place and removes the generated files of schemas and databases no longer
/// in the catalog (only those that start with the generated-file header, then the
/// directories left empty). An error before that (a failed read, a catalog that cannot
/// be written: an empty name, two tables with one name) leaves the directory as it was:
/// dropping the writer deletes what it staged. A state directory holding a symbolic
/// link or a special file (see [`collect_files`]) is refused before anything is staged:
/// nothing is ever written or removed through a link.
pub struct StateWriter {
    dir: PathBuf,
    renderer: Renderer,
    existing: Vec<PathBuf>,
    staged: Vec<(tempfile::TempPath, PathBuf)>,
    summary: WriteSummary,
    counts: Counts,
}

/// How much a [`StateWriter`] was given.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Databases.
    pub databases: usize,
    /// Schemas.
    pub schemas: usize,
    /// Tables.
    pub tables: usize,
}

impl StateWriter {
    /// A writer into `dir` of a catalog whose databases and schemas are `databases`
    /// (tables are not looked at), in canonical order; stages the `_database.yaml` files.
    pub fn begin(dir: &Path, databases: &[Database]) -> Result<StateWriter> {
        let usage = |e: state::RenderError| Error::Usage(e.to_string());
        let (renderer, files) = Renderer::new(databases).map_err(usage)?;
        let existing = if fs::symlink_metadata(dir).is_ok() {
            yaml_files(dir)?
        } else {
            Vec::new()
        };
        let mut writer = StateWriter {
            dir: dir.to_path_buf(),
            renderer,
            existing,
            staged: Vec::new(),
            summary: WriteSummary::default(),
            counts: Counts {
                databases: databases.len(),
                ..Counts::default()
            },
        };
        for file in files {
            if !writer.unchanged(&file) {
                writer.stage(file)?;
            }
        }
        Ok(writer)
    }

    /// Whether the file at `file.path` already holds `file.text` (counted if so).
    fn unchanged(&mut self, file: &StateFile) -> bool {
        let path = self.dir.join(&file.path);
        let same = fs::read(&path).is_ok_and(|old| old == file.text.as_bytes());
        self.summary.unchanged += usize::from(same);
        same
    }

    fn stage(&mut self, file: StateFile) -> Result<()> {
        let path = self.dir.join(&file.path);
        self.staged
            .push((stage(&path, file.text.as_bytes())?, path));
        self.summary.written.push(file.path);
        Ok(())
    }

    /// Renders schema `schema` of database `database` (positions in the list given to
    /// [`StateWriter::begin`]) and stages its file unless it is already right.
    pub fn write_schema(
        &mut self,
        database: usize,
        schema: usize,
        mut content: Schema,
    ) -> Result<()> {
        canonicalize_schema(&mut content);
        self.counts.schemas += 1;
        self.counts.tables += content.tables.len();
        let file = self.renderer.schema(database, schema, &content);
        if self.unchanged(&file) {
            return Ok(());
        }
        Renderer::check(&file, content).map_err(|e| Error::Usage(e.to_string()))?;
        self.stage(file)
    }

    /// Checks the references across files, moves every staged file into place and
    /// removes stale generated files; returns what was done.
    pub fn finish(self) -> Result<(WriteSummary, Counts)> {
        let StateWriter {
            dir,
            renderer,
            existing,
            staged,
            mut summary,
            counts,
        } = self;
        let paths = renderer.finish().map_err(|e| Error::Usage(e.to_string()))?;
        for (tmp, path) in staged {
            tmp.persist(&path)
                .map_err(|e| io("write", &path)(e.error))?;
        }
        // Compared ignoring case: on a case-insensitive file system a listed name may
        // differ in case from the file just written over it.
        let keep: BTreeSet<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().to_ascii_lowercase())
            .collect();
        let mut emptied = BTreeSet::new();
        for rel in existing {
            if rel.components().count() != 3
                || keep.contains(&rel.to_string_lossy().to_ascii_lowercase())
            {
                continue;
            }
            let path = dir.join(&rel);
            if is_generated(&path) {
                fs::remove_file(&path).map_err(io("remove", &path))?;
                emptied.extend(rel.parent().map(Path::to_path_buf));
                summary.removed.push(rel);
            }
        }
        for database_dir in emptied.iter().rev() {
            // Removing a directory that still holds anything fails, and that is fine.
            let _ = fs::remove_dir(dir.join(database_dir));
            if let Some(service_dir) = database_dir.parent() {
                let _ = fs::remove_dir(dir.join(service_dir));
            }
        }
        summary.written.sort();
        Ok((summary, counts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parsing in parallel gives what parsing one file after another gives: the same
    /// catalog and every problem, in file order.
    #[test]
    fn parallel_parsing_equals_serial_loading() {
        let mut files = Vec::new();
        for i in 0..37 {
            let database = format!("db{}", i % 5);
            files.push(SourceFile {
                path: PathBuf::from(format!("svc/{database}/s{i}.yaml")),
                text: if i % 7 == 3 {
                    format!("apiVersion: metaform/v1\nkind: DatabaseSchema\nname: wrong{i}\n")
                } else {
                    format!(
                        "apiVersion: metaform/v1\nkind: DatabaseSchema\nname: s{i}\ntables: []\n"
                    )
                },
            });
            if i < 5 {
                files.push(SourceFile {
                    path: PathBuf::from(format!("svc/{database}/_database.yaml")),
                    text: format!(
                        "apiVersion: metaform/v1\nkind: Database\nservice: svc\nname: {database}\n"
                    ),
                });
            }
        }
        files.push(SourceFile {
            path: PathBuf::from("misplaced.yaml"),
            text: String::new(),
        });
        let serial = state::load(files.clone());
        let parallel = state::assemble(parse_in_parallel(files));
        assert!(!serial.problems.is_empty());
        assert_eq!(parallel.problems, serial.problems);
        assert_eq!(parallel.catalog, serial.catalog);
        assert_eq!(parallel.files, serial.files);
    }
}
