//! `metaform snapshot` writes one file per schema and database, and a second run with
//! no source change rewrites nothing.

use super::{project, read};

const FILES: [&str; 4] = [
    "state/sample_data/ecommerce_db/_database.yaml",
    "state/sample_data/ecommerce_db/shopify.yaml",
    "state/Glue/default/_database.yaml",
    "state/Glue/default/information_schema.yaml",
];

/// Snapshot writes the sample catalog's files; a second snapshot leaves them byte-identical and untouched.
#[tokio::test]
async fn second_snapshot_leaves_files_untouched() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    let first: Vec<_> = FILES
        .iter()
        .map(|f| {
            let path = project.path(f);
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .unwrap_or_else(|e| panic!("{f}: {e}"));
            (read(&path), modified)
        })
        .collect();
    let shopify = String::from_utf8(first[1].0.clone()).expect("UTF-8");
    assert!(shopify.starts_with("# "), "{shopify}");
    assert!(shopify.contains("apiVersion: metaform/v1"), "{shopify}");
    assert!(shopify.contains("dim.api/client"), "{shopify}");

    // A coarse file clock would hide a rewrite: wait past its resolution.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let again = project.run_ok(&["snapshot"]).await;
    assert!(
        again.stderr.contains("0 file(s) written"),
        "{}",
        again.stderr
    );
    for (file, (bytes, modified)) in FILES.iter().zip(&first) {
        let path = project.path(file);
        assert_eq!(&read(&path), bytes, "{file} changed");
        let now = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap();
        assert_eq!(&now, modified, "{file} was rewritten");
    }
    let mut found: Vec<String> = walk(&project.path("state"));
    found.sort();
    let mut expected: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

/// Every file under `dir`, as `state/...` paths.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("read a state directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir.parent().unwrap()).unwrap();
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    out
}
