//! Two applies against the same target from one machine (SPEC §6): the second refuses,
//! naming the lock and its holder, or waits for it with `--lock-wait`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use metaform::sim::SandboxOptions;
use metaform::sim::Seed;

use super::cycle::{Endpoints, Workspace, start};

/// Every Alation request waits 100 ms, so that an apply holds the lock for seconds.
const FAULTS: &str =
    "seed=1,rate=1,kinds=latency,latency_ms=100,paths=/integration/+/api/v1/bulk_metadata/";

/// Sandboxes with a catalog of 40 tables whose Alation answers are slowed by [`FAULTS`].
fn slow_sandbox(runtime: &tokio::runtime::Runtime) -> metaform::sim::Sandbox {
    start(
        runtime,
        SandboxOptions {
            seed: Seed::Generated("1x1x2x20x5".parse().expect("a catalog spec")),
            faults: FAULTS.parse().expect("a fault spec"),
            ..SandboxOptions::default()
        },
    )
}

/// Waits until a lock file in `dir` records its holder.
fn wait_for_holder(dir: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let held = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                std::fs::read_to_string(entry.path()).is_ok_and(|text| text.starts_with("pid="))
            });
        if held {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no apply took the lock in `{}`", dir.display());
}

/// While one apply runs, a second refuses at once with a message naming the lock file
/// and the first apply's pid; a third with `--lock-wait` waits and then applies.
#[test]
fn second_apply_refuses_or_waits_for_the_lock() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = Path::new(env!("CARGO_BIN_EXE_metaform"));
    let workspace = Workspace::new();
    let sandbox = slow_sandbox(&runtime);
    workspace.configure(&Endpoints::of(&sandbox));
    let snapshot = workspace.run(binary, &["snapshot"]);
    assert!(snapshot.status.success(), "{snapshot:?}");

    let mut first = workspace
        .command(binary, &["apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the first apply starts");
    let lock_dir = workspace.path().join(".metaform");
    wait_for_holder(&lock_dir);

    let second = workspace.run(binary, &["apply", "--auto-approve"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    let lock_file = std::fs::read_dir(&lock_dir)
        .expect("the lock directory")
        .flatten()
        .next()
        .expect("a lock file")
        .path();
    assert!(
        stderr.starts_with(&format!(
            "error: another apply against this target is running: the lock `{}` is held by pid {} on host ",
            lock_file.display(),
            first.id()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("gave up after waiting"), "{stderr}");

    let third = workspace.run(binary, &["apply", "--auto-approve", "--lock-wait", "120"]);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert_eq!(third.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Waiting up to 120s for another apply against this target"),
        "{stderr}"
    );
    assert!(first.wait().expect("the first apply ends").success());
    // The first apply did the work; the waiting one found nothing left to do.
    assert!(stderr.contains("No changes."), "{stderr}");
    runtime
        .block_on(sandbox.shutdown())
        .expect("the sandbox stops");
}

/// Two configurations that spell one target differently (`127.0.0.1` and
/// `LOCALHOST`, a trailing slash) take one lock: the second apply refuses while the
/// first runs.
#[test]
fn lock_is_shared_by_spellings_of_one_target() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = Path::new(env!("CARGO_BIN_EXE_metaform"));
    let workspace = Workspace::new();
    let sandbox = slow_sandbox(&runtime);
    let endpoints = Endpoints::of(&sandbox);
    assert!(endpoints.alation_url.contains("127.0.0.1"), "{endpoints:?}");
    workspace.configure(&endpoints);
    let snapshot = workspace.run(binary, &["snapshot"]);
    assert!(snapshot.status.success(), "{snapshot:?}");
    let config = std::fs::read_to_string(workspace.config()).expect("the configuration");
    let localhost = endpoints.alation_url.replace("127.0.0.1", "LOCALHOST");
    let other = workspace.path().join("localhost.yaml");
    std::fs::write(
        &other,
        config.replace(
            &format!("hostPort: {}\n", endpoints.alation_url),
            &format!("hostPort: {localhost}/\n"),
        ),
    )
    .expect("the second configuration");
    assert!(
        std::fs::read_to_string(&other)
            .expect("read")
            .contains("LOCALHOST")
    );

    let mut first = workspace
        .command(binary, &["apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the first apply starts");
    wait_for_holder(&workspace.path().join(".metaform"));
    let second = std::process::Command::new(binary)
        .args(["apply", "--auto-approve", "--config"])
        .arg(&other)
        .env("NO_COLOR", "1")
        .env_remove("METAFORM_LOG")
        .output()
        .expect("the second apply runs");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another apply against this target is running"),
        "{stderr}"
    );
    assert!(first.wait().expect("the first apply ends").success());
    runtime
        .block_on(sandbox.shutdown())
        .expect("the sandbox stops");
}
