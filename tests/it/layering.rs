//! The architecture holds: the pure core and the sandboxes import no adapter.

use std::fs;
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn offending_imports(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    let mut offences = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("source file is UTF-8");
        for (n, line) in text.lines().enumerate() {
            for module in forbidden {
                if line.contains(&format!("crate::{module}")) {
                    offences.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    offences
}

/// `src/core` performs no I/O through adapters: it never imports api, source, target, http or sim.
#[test]
fn core_imports_no_adapter() {
    let offences = offending_imports(
        "src/core",
        &["api", "source", "target", "http", "sim", "commands"],
    );
    assert!(offences.is_empty(), "{offences:#?}");
}

/// The sandboxes never share the clients' types.
#[test]
fn sandboxes_import_no_client() {
    let offences = offending_imports(
        "src/sim",
        &["api", "source", "target", "http", "core", "commands"],
    );
    assert!(offences.is_empty(), "{offences:#?}");
}
