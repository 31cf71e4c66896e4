//! Small commands that need no sandbox: completions.

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
