//! The state directory is a tree of directories and regular files: every command that
//! reads or writes it refuses a symbolic link or a special file in it, naming the path,
//! and `snapshot` never writes or deletes through one. Written files get the mode a
//! plain create gives under the umask, and a closed stdout is an exit 1, not a panic.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace::{Run, Workspace};

const SHOPIFY: &str = "state/sample_data/ecommerce_db/shopify.yaml";

/// Every command that reads the state directory, with the arguments to run it.
const COMMANDS: [&[&str]; 5] = [
    &["validate"],
    &["fmt"],
    &["plan"],
    &["apply", "--auto-approve"],
    &["snapshot"],
];

async fn snapshotted() -> Workspace {
    let workspace = Workspace::new().await;
    workspace.run_ok(&["snapshot"]).await;
    workspace
}

fn assert_refused(run: &Run, command: &[&str], path: &Path) {
    let shown = path.display().to_string();
    assert_eq!(run.code, Some(1), "{command:?}: {}", run.describe());
    assert!(
        run.stderr.contains(&shown),
        "{command:?} does not name `{shown}`: {}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
}

/// Runs every command and checks each refuses the entry at `rel` by its path.
async fn every_command_refuses(workspace: &Workspace, rel: &str) {
    let before = workspace.alation_objects();
    for command in COMMANDS {
        let run = workspace.run(command).await;
        assert_refused(&run, command, Path::new(rel));
    }
    assert_eq!(
        workspace.alation_objects(),
        before,
        "Alation received a write"
    );
}

/// A symbolic link to a directory inside the state tree is refused by every command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinked_directory_in_the_state_tree_is_refused() {
    let workspace = snapshotted().await;
    let outside = tempfile::tempdir().expect("a temporary directory");
    symlink(outside.path(), workspace.dir.join("state/linked")).expect("symlink");
    every_command_refuses(&workspace, "state/linked").await;
}

/// A symbolic link to a state file is refused by every command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinked_file_in_the_state_tree_is_refused() {
    let workspace = snapshotted().await;
    let target = workspace.dir.join("shopify-copy.yaml");
    std::fs::copy(workspace.dir.join(SHOPIFY), &target).expect("copy");
    let link = "state/sample_data/ecommerce_db/linked.yaml";
    symlink(&target, workspace.dir.join(link)).expect("symlink");
    every_command_refuses(&workspace, link).await;
}

/// A FIFO in the state tree is refused by every command (and never blocks a read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_in_the_state_tree_is_refused() {
    let workspace = snapshotted().await;
    let fifo = "state/sample_data/ecommerce_db/pipe.yaml";
    let made = Command::new("mkfifo")
        .arg(workspace.dir.join(fifo))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    every_command_refuses(&workspace, fifo).await;
}

/// The configured state directory itself may be a link (the user chose that path):
/// `validate` and `snapshot` work through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_directory_itself_may_be_a_symlink() {
    let workspace = snapshotted().await;
    let real = workspace.dir.join("real-state");
    std::fs::rename(workspace.dir.join("state"), &real).expect("rename");
    symlink(&real, workspace.dir.join("state")).expect("symlink");
    workspace.run_ok(&["validate"]).await;
    let again = workspace.run_ok(&["snapshot"]).await;
    assert!(
        again.stderr.contains("0 file(s) written"),
        "{}",
        again.describe()
    );
}

/// `snapshot` with a service directory that is a link to a directory outside the state
/// directory writes nothing there and deletes nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_never_writes_or_deletes_through_a_symlink() {
    let workspace = snapshotted().await;
    let outside = tempfile::tempdir().expect("a temporary directory");
    let generated = format!(
        "{}\napiVersion: metaform/v1\nkind: Database\nservice: sample_data\nname: old_db\n",
        metaform::core::state::GENERATED_HEADER
    );
    std::fs::create_dir_all(outside.path().join("old_db")).expect("mkdir");
    std::fs::write(outside.path().join("old_db/_database.yaml"), &generated).expect("write");
    let service = workspace.dir.join("state/sample_data");
    std::fs::remove_dir_all(&service).expect("remove");
    symlink(outside.path(), &service).expect("symlink");
    let before = tree(outside.path());
    let run = workspace.run(&["snapshot"]).await;
    assert_refused(&run, &["snapshot"], Path::new("state/sample_data"));
    assert_eq!(tree(outside.path()), before);
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(tree(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).expect("read")));
        }
    }
    out.sort();
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Runs `metaform ARGS` under `umask` in the workspace.
async fn with_umask(workspace: &Workspace, umask: &str, args: &[&str]) -> Run {
    let script = format!("umask {umask} && exec \"$0\" \"$@\"");
    let mut command = vec!["-c", script.as_str(), env!("CARGO_BIN_EXE_metaform")];
    command.extend_from_slice(args);
    let output = tokio::process::Command::new("sh")
        .args(&command)
        .current_dir(&workspace.dir)
        .env("NO_COLOR", "1")
        .envs(
            crate::workspace::SECRET_VARIABLES
                .iter()
                .map(|v| (*v, workspace.env(v))),
        )
        .output()
        .await
        .expect("sh runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// State files written by `snapshot` and `fmt` and a plan saved by `plan --out` get the
/// mode a plain create gives under the umask (0644 under 022, 0640 under 027), not 0600.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn written_files_follow_the_umask() {
    let workspace = Workspace::new().await;
    let run = with_umask(&workspace, "022", &["snapshot"]).await;
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(mode(&workspace.dir.join(SHOPIFY)), 0o644);
    let run = with_umask(&workspace, "027", &["plan", "--out", "plan.json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(mode(&workspace.dir.join("plan.json")), 0o640);
    let file = workspace.dir.join(SHOPIFY);
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("name: shopify", "name:   shopify")).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let run = with_umask(&workspace, "002", &["fmt"]).await;
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(mode(&file), 0o664);
}

/// Writers exit 1 without a panic message when stdout is a pipe nobody reads any more.
#[test]
fn closed_stdout_is_an_error_not_a_panic() {
    for args in [&["schema", "state"][..], &["schema", "config"]] {
        // The reading end is closed before the child starts: every write fails.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_metaform"))
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("metaform runs");
        let output = child.wait_with_output().expect("metaform ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
