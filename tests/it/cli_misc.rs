//! Small commands that need no sandbox: completions, and how an error is reported.

use assert_cmd::cargo::cargo_bin_cmd;

/// `metaform completions bash` prints a bash script that completes the subcommands.
#[test]
fn bash_completions_list_the_subcommands() {
    let output = cargo_bin_cmd!("metaform")
        .args(["completions", "bash"])
        .output()
        .expect("metaform runs");
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let script = String::from_utf8(output.stdout).expect("the script is UTF-8");
    assert!(script.contains("complete -F"), "{script}");
    assert!(script.contains("sandbox"), "{script}");
}

/// An unknown shell is refused with a usage error naming the valid shells.
#[test]
fn unknown_shell_is_refused() {
    let output = cargo_bin_cmd!("metaform")
        .args(["completions", "tcsh"])
        .output()
        .expect("metaform runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("zsh"), "{stderr}");
}

/// An error with something to suggest prints `error: …`, a blank line, then `hint: …`,
/// and exits 1.
#[test]
fn missing_state_dir_error_is_followed_by_a_hint() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let missing = dir.path().join("state");
    let output = cargo_bin_cmd!("metaform")
        .arg("validate")
        .arg("--state")
        .arg(&missing)
        .output()
        .expect("metaform runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        format!(
            "error: state directory `{}` does not exist\n\nhint: write it with `metaform snapshot`, \
             or name the directory that holds the state files (`state:` in metaform.yaml)\n",
            missing.display()
        )
    );
}

/// `--parallelism` outside 1..=64 is a usage error naming the range, on snapshot, plan
/// and apply; in the configuration it is an error naming the file, the line and the key.
#[test]
fn parallelism_out_of_range_is_refused() {
    for (command, value) in [("snapshot", "0"), ("plan", "65"), ("apply", "many")] {
        let output = cargo_bin_cmd!("metaform")
            .args([command, "--parallelism", value])
            .output()
            .expect("metaform runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("between 1 and 64"), "{command}: {stderr}");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("metaform.yaml");
    std::fs::write(
        &config,
        "target:\n  type: alation\n  hostPort: http://127.0.0.1:9\n  auth: { accessToken: t }\n  parallelism: 100\n",
    )
    .expect("write the configuration");
    let output = cargo_bin_cmd!("metaform")
        .arg("plan")
        .arg("--config")
        .arg(&config)
        .output()
        .expect("metaform runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("metaform.yaml:5:")
            && stderr.contains("`target.parallelism` must be between 1 and 64, not 100"),
        "{stderr}"
    );
}
