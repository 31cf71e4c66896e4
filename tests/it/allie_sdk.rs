//! Alation's own Python SDK, allie-sdk 2.2.3, unchanged, against the Alation sandbox.
//!
//! The test creates (once, cached under the target directory) a virtualenv with
//! `python3 -m venv` and `pip install allie-sdk==2.2.3`, then runs
//! tests/conformance/allie_conformance.py against a sandbox served in-process. It needs
//! python3 and network access to PyPI on first run, and fails loudly without them.

use std::path::{Path, PathBuf};
use std::process::Output;

use metaform::sim::alation::AlationOptions;
use tokio::process::Command;

use crate::sim_alation::support::start;

const ALLIE_VERSION: &str = "2.2.3";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn show(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", program.display()))
}

/// The virtualenv's python, creating the virtualenv with allie-sdk if it is not there yet.
///
/// A marker file is written only after a successful install, so an interrupted or
/// failed setup is redone from scratch on the next run.
async fn allie_python() -> PathBuf {
    let venv = target_dir().join("allie-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(format!(".allie-sdk-{ALLIE_VERSION}"));
    if marker.exists() && python.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let venv_arg = venv.to_string_lossy().into_owned();
    let created = run(Path::new("python3"), &["-m", "venv", &venv_arg]).await;
    assert!(
        created.status.success(),
        "python3 -m venv failed (on Debian or Ubuntu, install python3-venv): {}",
        show(&created)
    );
    let package = format!("allie-sdk=={ALLIE_VERSION}");
    let installed = run(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            &package,
        ],
    )
    .await;
    assert!(
        installed.status.success(),
        "pip install {package} failed (is PyPI reachable?): {}",
        show(&installed)
    );
    std::fs::write(&marker, b"").expect("write the virtualenv marker");
    python
}

/// allie-sdk 2.2.3 authenticates, lists, creates, pages, writes and is refused as a VIEWER.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allie_sdk_conformance() {
    let python = allie_python().await;
    let sandbox = start(AlationOptions::default()).await;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/allie_conformance.py");
    let workdir = tempfile::tempdir().expect("temporary directory");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&sandbox.url)
        .env(
            "ALATION_CREDENTIALS",
            serde_json::to_string(&sandbox.creds).expect("credentials as JSON"),
        )
        .env("ALATION_SDK_LOG_LEVEL", "WARNING")
        .current_dir(workdir.path())
        .output()
        .await
        .expect("run the conformance script");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        output.status.success(),
        "allie-sdk conformance failed: {}",
        show(&output)
    );
}
