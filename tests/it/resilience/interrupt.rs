//! An interrupted apply stops cleanly (SPEC §6): SIGINT or SIGTERM during `apply`
//! starts no new write, lets the writes in flight end, prints the summary with what was
//! applied, failed and not started, and exits 130 or 143; the next plan lists exactly
//! what is missing and the next apply converges.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::cycle::Workspace;
use super::kill::{SandboxProcess, missing_and_planned};

/// Six databases, so that the apply is a run of small writes: a data source, schema,
/// table and column write for each, one after the other within a data source (the
/// data sources side by side), each waiting for its job.
const CATALOG: &str = "1x6x1x2x3";

/// Every Alation request waits this long, so that the writes last a few seconds even
/// with every data source written at once.
const FAULTS: &str =
    "seed=1,rate=1,kinds=latency,latency_ms=250,paths=/integration/+/api/v1/bulk_metadata/";

/// How long after the plan is printed the signal is sent: the writes are under way.
const SIGNAL_AFTER: Duration = Duration::from_millis(1000);

/// The counts of `Apply: A applied, F failed, S skipped, N not started (...)`.
fn summary(stderr: &str) -> Option<[usize; 4]> {
    let line = stderr.lines().find(|l| l.contains("Apply: "))?;
    let rest = &line[line.find("Apply: ")? + "Apply: ".len()..];
    let mut counts = [0; 4];
    for (count, label) in counts
        .iter_mut()
        .zip(["applied", "failed", "skipped", "not started"])
    {
        let at = rest.find(&format!(" {label}"))?;
        let number = rest[..at].rsplit(|c: char| !c.is_ascii_digit()).next()?;
        *count = number.parse().ok()?;
    }
    Some(counts)
}

/// Sends `signal` to a large apply once its writes are under way and checks the exit
/// code, the summary and that the next plan and apply converge.
fn interrupted_apply_converges(signal: &str, expected_code: i32) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = Path::new(env!("CARGO_BIN_EXE_metaform"));
    let workspace = Workspace::new();
    let sandbox = SandboxProcess::start_with(&workspace.persist_file(), CATALOG, FAULTS);
    workspace.configure(&sandbox.endpoints);
    let snapshot = workspace.run(binary, &["snapshot"]);
    assert!(snapshot.status.success(), "{snapshot:?}");
    let desired = workspace.desired();

    let mut apply = workspace
        .command(binary, &["apply", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apply starts");
    // The plan is printed just before the writes start; the rest of stdout is drained.
    let stdout = BufReader::new(apply.stdout.take().expect("piped stdout"));
    let (plan_line, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if line.starts_with("Plan: ") {
                let _ = plan_line.send(line);
            }
        }
    });
    let line = seen
        .recv_timeout(Duration::from_secs(120))
        .expect("apply printed its plan");
    let planned: usize = line["Plan: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count of creates");
    std::thread::sleep(SIGNAL_AFTER);
    let sent = Command::new("kill")
        .args([signal, &apply.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "{signal} was not delivered");
    let mut stderr = String::new();
    apply
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr reads");
    let status = apply.wait().expect("the apply ends");
    assert_eq!(status.code(), Some(expected_code), "{status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    eprintln!(
        "{signal} after {SIGNAL_AFTER:?}: {}",
        stderr
            .lines()
            .find(|l| l.contains("Apply: "))
            .unwrap_or_default()
    );
    let [applied, failed, skipped, not_started] =
        summary(&stderr).unwrap_or_else(|| panic!("no summary with not started: {stderr}"));
    assert!(
        applied > 0 && not_started > 0,
        "the signal came mid-apply: {stderr}"
    );
    assert_eq!(
        applied + failed + skipped + not_started,
        planned,
        "{stderr}"
    );

    // Writes in flight have ended before the exit: the target holds still.
    let (missing, creates) =
        missing_and_planned(&runtime, &sandbox.endpoints, &desired, &workspace);
    assert!(!missing.is_empty(), "the interrupted apply left work");
    assert_eq!(
        missing, creates,
        "the next plan lists exactly what is missing"
    );
    let again = workspace.run(binary, &["apply", "--auto-approve"]);
    assert!(
        again.status.success(),
        "the next apply failed: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    let check = workspace.run(binary, &["plan", "--detailed-exitcode"]);
    assert_eq!(check.status.code(), Some(0), "not converged");
    sandbox.stop();
}

/// SIGINT mid-apply: no new write starts, the summary counts what was not started, the
/// exit code is 130, and the next apply converges.
#[test]
fn sigint_stops_apply_with_a_summary_and_exit_130() {
    interrupted_apply_converges("-INT", 130);
}

/// SIGTERM mid-apply: the same, with exit code 143.
#[test]
fn sigterm_stops_apply_with_a_summary_and_exit_143() {
    interrupted_apply_converges("-TERM", 143);
}
