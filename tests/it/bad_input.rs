//! The bad-input corpus (`tests/bad_input/<case>/`): each case runs the real binary
//! against running sandboxes and must fail with its expected message, exit code 1, no
//! panic, no secret in the output, no write to Alation and no change to its files — or,
//! for a valid oddity (quotes in names, a 1 MB description), apply and converge.
//!
//! A case is a folder: `case.yaml` says what to run and what to expect; any other file
//! in it (`state/...`, `metaform.yaml`) is laid over a copy of the converged project
//! after replacing `{{alation_url}}`, `{{openmetadata_url}}`, `{{closed_url}}` (a port
//! nobody listens on) and `{{repeat:N:TEXT}}` (TEXT N times). Adding a case is adding a
//! folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::workspace::{SECRET_VARIABLES, Workspace};

/// `case.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The behaviour the case checks, in one line.
    about: String,
    /// The arguments of `metaform`, run in the case's project directory.
    command: Vec<String>,
    /// The expected exit code; 0 means a valid input that must apply and converge.
    exit: i32,
    /// Fragments stderr must contain.
    #[serde(default)]
    stderr: Vec<String>,
    /// Save a plan to `plan.json` first (`plan --out plan.json`), then damage it.
    #[serde(default)]
    plan: Option<Damage>,
}

/// How a saved plan is damaged before the command runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Damage {
    /// Keep only the first this many bytes.
    #[serde(default)]
    truncate: Option<usize>,
    /// Replace the first occurrence of `[from, to]`.
    #[serde(default)]
    replace: Option<[String; 2]>,
    /// Then recompute the file's checksum, as a deliberate forger would.
    #[serde(default)]
    rechecksum: bool,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

/// Every case of the corpus gives its expected message and exit code, never panics,
/// never leaks a secret, and never writes to Alation or to its files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_fails_cleanly_or_converges() {
    let workspace = Workspace::new().await;
    workspace.converge().await;
    let base = workspace.files();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);

    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .flatten()
        .filter(|e| e.path().join("case.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 30, "the corpus lost cases: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let vars = Vars {
            alation_url: workspace.sandbox.alation_url(),
            openmetadata_url: workspace.sandbox.openmetadata_url(),
            closed_url: &closed_url,
        };
        if let Err(why) = run_case(&workspace, &base, name, &vars).await {
            failures.push(format!("case `{name}`: {why}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The values substituted into case files.
struct Vars<'a> {
    alation_url: &'a str,
    openmetadata_url: &'a str,
    closed_url: &'a str,
}

async fn run_case(
    workspace: &Workspace,
    base: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    name: &str,
    vars: &Vars<'_>,
) -> Result<(), String> {
    let source = corpus_dir().join(name);
    let text = std::fs::read_to_string(source.join("case.yaml")).map_err(|e| e.to_string())?;
    let case: Case = serde_saphyr::from_str(&text).map_err(|e| format!("case.yaml: {e}"))?;
    let dir = workspace.dir.join("cases").join(name);
    for (rel, bytes) in base {
        write(&dir.join(rel), bytes);
    }
    overlay(&source, &source, &dir, vars);

    if let Some(damage) = &case.plan {
        let planned = workspace
            .run_in(&dir, &["plan", "--out", "plan.json"])
            .await;
        if planned.code != Some(0) {
            return Err(format!("`plan --out` failed: {}", planned.describe()));
        }
        let path = dir.join("plan.json");
        let mut plan = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        if let Some(keep) = damage.truncate {
            plan.truncate(keep);
        }
        if let Some([from, to]) = &damage.replace {
            if !plan.contains(from.as_str()) {
                return Err(format!("the saved plan has no `{from}`"));
            }
            plan = plan.replacen(from.as_str(), to, 1);
        }
        if damage.rechecksum {
            plan = rechecksum(&plan);
        }
        write(&path, plan.as_bytes());
    }

    let objects_before = workspace.alation_objects();
    let files_before = files_of(&dir);
    let args: Vec<&str> = case.command.iter().map(String::as_str).collect();
    let run = workspace.run_in(&dir, &args).await;
    let mut problems = Vec::new();
    if run.code != Some(case.exit) {
        problems.push(format!("exit code {:?}, expected {}", run.code, case.exit));
    }
    for fragment in &case.stderr {
        if !run.stderr.contains(fragment.as_str()) {
            problems.push(format!("stderr lacks `{fragment}`"));
        }
    }
    if run.stderr.contains("panicked") {
        problems.push("it panicked".into());
    }
    for variable in SECRET_VARIABLES {
        let secret = workspace.env(variable);
        if secret.len() >= 8 && (run.stdout.contains(secret) || run.stderr.contains(secret)) {
            problems.push(format!("the output shows the value of `{variable}`"));
        }
    }
    if case.exit == 0 {
        if workspace.alation_objects() == objects_before {
            problems.push("a valid case wrote nothing to Alation".into());
        }
        let again = workspace
            .run_in(&dir, &["plan", "--detailed-exitcode"])
            .await;
        if again.code != Some(0) {
            problems.push(format!("the next plan shows changes: {}", again.describe()));
        }
        // Back to the base state for the next case.
        let restore = workspace.run(&["apply", "--auto-approve"]).await;
        if restore.code != Some(0) {
            problems.push(format!("restoring failed: {}", restore.describe()));
        }
    } else {
        if workspace.alation_objects() != objects_before {
            problems.push("Alation received a write".into());
        }
        if files_of(&dir) != files_before {
            problems.push("files in the project changed".into());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n{}\n{}",
            case.about,
            problems.join("; "),
            run.describe()
        ))
    }
}

/// Copies the case's files except `case.yaml` onto `dir`, substituting the variables in
/// UTF-8 files (other files are copied byte for byte).
fn overlay(root: &Path, from: &Path, dir: &Path, vars: &Vars<'_>) {
    for entry in std::fs::read_dir(from)
        .expect("the case directory")
        .flatten()
    {
        let path = entry.path();
        let rel = path.strip_prefix(root).expect("under the case");
        if path.is_dir() {
            overlay(root, &path, dir, vars);
        } else if rel != Path::new("case.yaml") {
            let bytes = std::fs::read(&path).expect("a case file");
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => substitute(&text, vars).into_bytes(),
                Err(err) => err.into_bytes(),
            };
            write(&dir.join(rel), &bytes);
        }
    }
}

fn substitute(text: &str, vars: &Vars<'_>) -> String {
    let mut out = text
        .replace("{{alation_url}}", vars.alation_url)
        .replace("{{openmetadata_url}}", vars.openmetadata_url)
        .replace("{{closed_url}}", vars.closed_url);
    while let Some(start) = out.find("{{repeat:") {
        let end = start
            + out[start..]
                .find("}}")
                .expect("`{{repeat:N:TEXT}}` is closed");
        let spec = &out[start + "{{repeat:".len()..end];
        let (count, unit) = spec.split_once(':').expect("`{{repeat:N:TEXT}}`");
        let count: usize = count.parse().expect("a repeat count");
        out = format!("{}{}{}", &out[..start], unit.repeat(count), &out[end + 2..]);
    }
    out
}

/// The plan file with its `checksum` recomputed: sha256 of the compact JSON of every
/// other field, in file order.
fn rechecksum(text: &str) -> String {
    let mut file: serde_json::Value = serde_json::from_str(text).expect("a JSON plan file");
    let object = file.as_object_mut().expect("a JSON object");
    object.remove("checksum");
    let bytes = serde_json::to_vec(&object).expect("JSON serialises");
    object.insert(
        "checksum".into(),
        metaform::core::plan::sha256_hex(&bytes).into(),
    );
    serde_json::to_string_pretty(&file).expect("JSON serialises") + "\n"
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the directory");
    }
    std::fs::write(path, bytes).expect("write the file");
}

/// The project's files, without the apply lock directory (which an apply may create).
fn files_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    collect(dir, Path::new(""), &mut out);
    out.retain(|(rel, _)| !rel.starts_with(".metaform"));
    out.sort();
    out
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(root.join(rel))
        .into_iter()
        .flatten()
        .flatten()
    {
        let rel = rel.join(entry.file_name());
        let path = root.join(&rel);
        if path.is_dir() {
            collect(root, &rel, out);
        } else {
            out.push((rel, std::fs::read(&path).unwrap_or_default()));
        }
    }
}

/// A snapshot whose source fails part-way (every table read answers 5xx) writes no state
/// file and removes none: the state directory is as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_snapshot_leaves_the_state_directory_alone() {
    let workspace = Workspace::builder()
        .sandbox(metaform::sim::SandboxOptions {
            seed: metaform::sim::Seed::SampleData(crate::support::sample_data_dir()),
            faults: "seed=1,rate=1,kinds=5xx,paths=/api/v1/tables"
                .parse()
                .expect("a fault spec"),
            ..metaform::sim::SandboxOptions::default()
        })
        .build()
        .await;
    let old = "# Generated by metaform snapshot. Hand edits are allowed; the next snapshot overwrites them.\napiVersion: metaform/v1\nkind: Database\nservice: old\nname: db\n";
    workspace.write("state/old/db/_database.yaml", old.as_bytes());
    let before = workspace.files();
    let run = workspace.run(&["snapshot"]).await;
    assert_eq!(run.code, Some(1), "{}", run.describe());
    assert!(
        run.stderr.contains("GET /api/v1/tables") && run.stderr.contains("HTTP 5"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    assert_eq!(workspace.files(), before);
}
