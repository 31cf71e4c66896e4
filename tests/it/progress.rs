//! Progress of a long read: drawn on a terminal (a pseudo-terminal here), absent from a
//! pipe, and never in the data on stdout.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Output, Stdio};
use std::time::Duration;

use metaform::sim::faults::{FaultConfig, FaultKind, Scope};
use metaform::sim::{SandboxOptions, Seed};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

use crate::support;
use crate::workspace::Workspace;

/// A project whose sandboxes answer every read late, so that a read lasts long enough
/// for the progress to be drawn more than once; not yet snapshotted.
async fn slow_sandboxes() -> Workspace {
    Workspace::builder()
        .explicit_config()
        .sandbox(SandboxOptions {
            seed: Seed::SampleData(support::sample_data_dir()),
            faults: FaultConfig {
                rate: 1.0,
                kinds: vec![FaultKind::Latency],
                latency: Duration::from_millis(150),
                scope: Scope {
                    paths: vec!["/integration/".into(), "/api/v1/".into()],
                    methods: vec!["GET".into()],
                },
                ..FaultConfig::default()
            },
            ..SandboxOptions::default()
        })
        .build()
        .await
}

/// A pseudo-terminal of 24 rows and 120 columns: its controlling side and the path of
/// the terminal side a child writes to.
fn pseudo_terminal() -> (OwnedFd, std::path::PathBuf) {
    let controller = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .expect("a pseudo-terminal opens");
    grantpt(&controller).expect("grantpt");
    unlockpt(&controller).expect("unlockpt");
    let size = Winsize {
        ws_row: 24,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&controller, size).expect("the terminal size is set");
    let name = ptsname(&controller, Vec::new()).expect("ptsname");
    let path = std::path::PathBuf::from(name.to_str().expect("a UTF-8 terminal path"));
    (controller, path)
}

/// Runs `metaform ARGS` with stderr on a pseudo-terminal and stdout in a pipe; returns
/// the output (stderr empty) and everything the terminal received.
async fn run_on_terminal(workspace: &Workspace, args: &[&str]) -> (Output, String) {
    let (controller, path) = pseudo_terminal();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("the terminal side opens");
    let mut command = workspace.command(args);
    command.stdout(Stdio::piped()).stderr(Stdio::from(terminal));
    let child = command.spawn().expect("metaform starts");
    // The command holds the terminal side until dropped; once the child exits, reading
    // the controlling side ends (EIO on Linux).
    drop(command);
    let screen = std::thread::spawn(move || {
        let mut controller = std::fs::File::from(controller);
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = controller.read(&mut chunk) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("the wait completes")
        .expect("metaform ends");
    let screen = tokio::task::spawn_blocking(move || screen.join().expect("the reader ends"))
        .await
        .expect("the reader completes");
    (output, screen)
}

/// On a terminal, `plan` draws its read progress (objects and requests) and clears it; the plan on stdout is byte-identical to the one a pipe gets.
#[tokio::test]
async fn plan_on_a_terminal_draws_progress() {
    let workspace = slow_sandboxes().await;
    workspace.run_ok(&["snapshot"]).await;
    let (output, screen) = run_on_terminal(&workspace, &["plan"]).await;
    assert_eq!(output.status.code(), Some(0), "{screen}");
    let counted = regex::Regex::new(r"plan: read \d+ objects? in [1-9]\d* requests? \(\d+ s\)")
        .expect("a valid pattern");
    assert!(counted.is_match(&screen), "no progress drawn: {screen:?}");
    assert!(
        screen.contains("\u{1b}[2K"),
        "the progress line is not cleared: {screen:?}"
    );
    let piped = workspace.run_ok(&["plan"]).await;
    assert_eq!(String::from_utf8_lossy(&output.stdout), piped.stdout);
}

/// On a terminal, `snapshot` draws the objects it has read and the requests it sent, and clears them.
#[tokio::test]
async fn snapshot_on_a_terminal_draws_progress() {
    let workspace = slow_sandboxes().await;
    let (output, screen) = run_on_terminal(&workspace, &["snapshot"]).await;
    assert_eq!(output.status.code(), Some(0), "{screen}");
    let counted =
        regex::Regex::new(r"snapshot: read [1-9]\d* objects? in [1-9]\d* requests? \(\d+ s\)")
            .expect("a valid pattern");
    assert!(counted.is_match(&screen), "no progress drawn: {screen:?}");
    assert!(
        screen.contains("\u{1b}[2KSnapshot: "),
        "the progress line is not cleared before the summary: {screen:?}"
    );
}

/// On a terminal, `apply` draws a bar of the items done with the batches written, the jobs waiting and the requests, and clears it before its summary.
#[tokio::test]
async fn apply_on_a_terminal_draws_a_bar_of_items() {
    let workspace = slow_sandboxes().await;
    workspace.run_ok(&["snapshot"]).await;
    let (output, screen) = run_on_terminal(&workspace, &["apply", "--auto-approve"]).await;
    assert_eq!(output.status.code(), Some(0), "{screen}");
    let bar = regex::Regex::new(
        r"apply: \[[=> ]{30}\] [1-9]\d*/[1-9]\d* items, [1-9]\d* batch(es)? written, \d+ jobs? waiting, [1-9]\d* requests? \(\d+ s\)",
    )
    .expect("a valid pattern");
    assert!(bar.is_match(&screen), "no bar drawn: {screen:?}");
    assert!(
        screen.contains("\u{1b}[2KApply: "),
        "the bar is not cleared before the summary: {screen:?}"
    );
}

/// In a pipe, a short `plan` writes no progress at all to stderr: no bar, no escape sequence, no carriage return, no progress line.
#[tokio::test]
async fn plan_in_a_pipe_draws_no_progress() {
    let workspace = slow_sandboxes().await;
    workspace.run_ok(&["snapshot"]).await;
    let run = workspace.run_ok(&["plan"]).await;
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\r'),
        "{:?}",
        run.stderr
    );
    assert!(!run.stderr.contains("plan: read"), "{}", run.stderr);
    assert!(run.stdout.contains("Plan:"), "{}", run.stdout);
}
