//! `metaform demo`: the whole workflow in seconds, with nothing to install or configure.
//!
//! The sandboxes are started in this process, seeded with a small generated OpenMetadata
//! catalog and an empty Alation. In a workspace directory the demo writes a
//! `metaform.yaml` whose secrets are `${ENV}` references, then runs the real commands
//! (this executable, as child processes, with those variables set) one after the other:
//! check, snapshot, plan, apply, and plan again, which must report no changes. Each step
//! is announced on stderr (`==> metaform plan`) with a sentence on why; the commands'
//! own output is shown as they print it, so what you see is what you would see at work.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cli::DemoArgs;
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::sim::openmetadata::GenerateSpec;
use crate::sim::{Sandbox, SandboxOptions, Seed};

/// The variable the configuration takes the OpenMetadata JWT from.
const JWT_VARIABLE: &str = "OM_JWT_TOKEN";
/// The variable the configuration takes the Alation refresh token from.
const REFRESH_TOKEN_VARIABLE: &str = "ALATION_REFRESH_TOKEN";
/// Where a kept workspace saves the sandboxes' state.
const SANDBOX_STATE_FILE: &str = "sandbox.json";
/// Where a kept workspace saves the sandboxes' credentials, for a shell to source.
const SANDBOX_ENV_FILE: &str = "sandbox.env";

/// One command the demo runs, and why.
struct Step {
    args: &'static [&'static str],
    why: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        args: &["check"],
        why: "Can metaform reach both ends with these credentials, and may the Alation user write?",
    },
    Step {
        args: &["snapshot"],
        why: "Read OpenMetadata into desired-state files, one YAML file per schema. \
              At work you commit them on a branch and open a pull request.",
    },
    Step {
        args: &["plan", "--out", "plan.json"],
        why: "Compare the desired state with what Alation holds now. Alation is empty, so \
              everything is to be created. In a pull request, CI posts this plan as a comment \
              (`--format markdown`); `--out` saves it for apply.",
    },
    Step {
        args: &["apply", "plan.json"],
        why: "After the merge: execute exactly the reviewed plan. A saved plan is refused if \
              the state files or Alation changed since it was made.",
    },
    Step {
        args: &["plan", "--detailed-exitcode"],
        why: "Plan again: Alation now matches the desired state, so there is nothing to do. \
              `--detailed-exitcode` exits 0 for no changes, 2 for changes, 1 for errors. \
              The sandboxes stop with the demo.",
    },
];

/// Runs the demo: exit 0 only when the last plan reports no changes.
pub fn run(args: DemoArgs) -> Result<ExitStatus> {
    let printer = Printer::new(ColorChoice::Auto);
    let exe = std::env::current_exe()
        .map_err(|e| Error::Service(format!("cannot find the metaform executable to run: {e}")))?;
    let temporary;
    let workspace = match &args.keep {
        Some(dir) => {
            prepare_kept(dir)?;
            dir.clone()
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("metaform-demo-")
                .tempdir()
                .map_err(|e| Error::Service(format!("cannot create a temporary directory: {e}")))?;
            temporary.path().to_path_buf()
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;

    printer.info(&match &args.keep {
        Some(dir) => format!("Workspace: `{}`, kept after the demo.", dir.display()),
        None => format!(
            "Workspace: `{}`, deleted after the demo (`--keep DIR` keeps one).",
            workspace.display()
        ),
    });
    announce(
        &printer,
        "metaform sandbox",
        &format!(
            "Start local simulators of the OpenMetadata and Alation REST APIs on loopback. \
             OpenMetadata holds a generated catalog ({}); Alation is empty.",
            describe(&args.generate)
        ),
    );
    let options = SandboxOptions {
        seed: Seed::Generated(args.generate),
        persist: args.keep.as_ref().map(|dir| dir.join(SANDBOX_STATE_FILE)),
        ..SandboxOptions::default()
    };
    let sandbox = runtime.block_on(Sandbox::start(options))?;
    printer.info(&format!(
        "sandbox ready: openmetadata={} alation={}",
        sandbox.openmetadata_url(),
        sandbox.alation_url()
    ));
    let outcome = run_steps(&printer, &exe, &workspace, &sandbox, args.keep.is_some());
    let kept = args.keep.as_ref().map(|dir| continue_text(dir, &sandbox));
    let stopped = runtime.block_on(sandbox.shutdown());
    outcome?;
    stopped?;
    if let Some(text) = kept {
        printer.info(&format!("\n{text}"));
    }
    Ok(ExitStatus::Success)
}

/// Writes the configuration and runs every step; an error names the step that failed.
fn run_steps(
    printer: &Printer,
    exe: &Path,
    workspace: &Path,
    sandbox: &Sandbox,
    keep: bool,
) -> Result<()> {
    let credentials = sandbox.credentials();
    let config = config_text(sandbox);
    write(&workspace.join(crate::config::DEFAULT_CONFIG_FILE), &config)?;
    if keep {
        let env = format!(
            "# The sandboxes' credentials, for `metaform.yaml`: `. ./{SANDBOX_ENV_FILE}`\n\
             export {JWT_VARIABLE}={}\nexport {REFRESH_TOKEN_VARIABLE}={}\n",
            credentials.openmetadata_jwt, credentials.alation.refresh_token
        );
        write(&workspace.join(SANDBOX_ENV_FILE), &env)?;
    }
    announce(
        printer,
        "cat metaform.yaml",
        &format!(
            "The configuration. Secrets are `${{ENV}}` references, never values: the demo \
             sets {JWT_VARIABLE} and {REFRESH_TOKEN_VARIABLE} for each command."
        ),
    );
    printer.info(config.trim_end());
    let env = [
        (JWT_VARIABLE, OsString::from(&credentials.openmetadata_jwt)),
        (
            REFRESH_TOKEN_VARIABLE,
            OsString::from(&credentials.alation.refresh_token),
        ),
    ];
    for step in STEPS {
        let shown = format!("metaform {}", step.args.join(" "));
        announce(printer, &shown, step.why);
        let status = Command::new(exe)
            .args(step.args)
            .current_dir(workspace)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .status()
            .map_err(|e| Error::Service(format!("cannot run `{shown}`: {e}")))?;
        let changes = i32::from(ExitStatus::Changes.code());
        match status.code() {
            Some(0) => {}
            Some(code) if code == changes && step.args.contains(&"--detailed-exitcode") => {
                return Err(Error::Service(format!(
                    "`{shown}` still shows changes after the apply: Alation did not converge"
                )));
            }
            code => {
                let code = code.map_or_else(|| "a signal".to_owned(), |c| format!("code {c}"));
                return Err(Error::Service(format!(
                    "`{shown}` failed (exit {code}); the demo stops here"
                )));
            }
        }
        if step.args == ["snapshot"] {
            printer.info(&state_listing(workspace)?);
        }
    }
    Ok(())
}

/// Prints `==> title` and why, after a blank line.
fn announce(printer: &Printer, title: &str, why: &str) {
    printer.info(&format!("\n==> {title}\n{why}"));
}

/// `1 service x 2 databases x ...` in words.
fn describe(spec: &GenerateSpec) -> String {
    format!(
        "{} service(s) x {} database(s) x {} schema(s) x {} table(s) x {} column(s)",
        spec.services, spec.databases, spec.schemas, spec.tables, spec.columns
    )
}

/// The demo's `metaform.yaml`.
fn config_text(sandbox: &Sandbox) -> String {
    format!(
        "# Written by `metaform demo`: the sandboxes on loopback.\n\
         source:\n  type: openmetadata\n  hostPort: {om}\n  auth: {{ jwtToken: ${{{JWT_VARIABLE}}} }}\n\
         target:\n  type: alation\n  hostPort: {alation}\n  createDatasourceAs: virtual\n  \
         auth: {{ refreshToken: ${{{REFRESH_TOKEN_VARIABLE}}}, userId: {user} }}\n\
         state: state/\n\
         policy:\n  prune: owned\n",
        om = sandbox.openmetadata_url(),
        alation = sandbox.alation_url(),
        user = sandbox.credentials().alation.refresh_token_user_id,
    )
}

/// The files under `state/`, one per line, sorted.
fn state_listing(workspace: &Path) -> Result<String> {
    let mut files = Vec::new();
    collect_files(&workspace.join("state"), &mut files)?;
    let mut text = String::new();
    for file in files {
        let relative = file.strip_prefix(workspace).unwrap_or(&file);
        let _ = write!(text, "\n  {}", relative.display());
    }
    Ok(format!("The desired state:{text}"))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let read_error = |source| Error::Io {
        action: "read the directory",
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(read_error)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Creates `dir` if needed; refuses one that holds anything, so nothing is overwritten.
fn prepare_kept(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        action: "read the directory",
        path: dir.to_path_buf(),
        source,
    })?;
    if entries.next().is_some() {
        return Err(Error::Usage(format!(
            "`--keep {}`: the directory is not empty; give a new or empty one",
            dir.display()
        )));
    }
    Ok(())
}

/// How to carry on in a kept workspace `dir`, against the sandboxes' ports.
fn continue_text(dir: &Path, sandbox: &Sandbox) -> String {
    let port = |url: &str| {
        reqwest::Url::parse(url)
            .ok()
            .and_then(|url| url.port())
            .map_or_else(String::new, |port| port.to_string())
    };
    let dir = dir.display();
    format!(
        "The workspace is kept in `{dir}`: metaform.yaml, state/, plan.json, and the \
         sandboxes' state in {SANDBOX_STATE_FILE}. To carry on, start the sandboxes again from \
         their saved state, on the ports metaform.yaml names:\n\
         \n  metaform sandbox --persist {dir}/{SANDBOX_STATE_FILE} --openmetadata-port {} --alation-port {} &\n  \
         cd {dir} && . ./{SANDBOX_ENV_FILE}\n  \
         metaform plan      # edit a description in state/ first, and the plan shows it",
        port(sandbox.openmetadata_url()),
        port(sandbox.alation_url()),
    )
}

/// Writes `text` to `path`.
fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}
