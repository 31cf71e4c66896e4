//! The top-level error type: what ended a command, with the data to say so and, for the
//! common cases, a hint on what to do next.
//!
//! Every error ends the process with exit 1 ([`crate::exit_status::ExitStatus::Failure`];
//! SPEC §5: never 0). [`crate::commands::run`] prints it as `error: …`, then its
//! [`Error::hint`], if any, after a blank line as `hint: …`.

use std::path::{Path, PathBuf};

use crate::config::ConfigError;

/// Everything that can end a command unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input given by the user: flags, config or state files.
    #[error("{0}")]
    Usage(String),
    /// An invalid or unreadable configuration file, located in it when possible.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The state directory is missing.
    #[error("state directory `{}` does not exist", .0.display())]
    NoStateDir(PathBuf),
    /// A saved plan that cannot be applied: unreadable, edited, or stale.
    #[error("{}: {message}", path.display())]
    SavedPlan {
        /// The plan file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The policy refuses the plan; each reason names its rule and how to override it.
    #[error("{}", refusal(plan_file.as_deref(), reasons))]
    Refused {
        /// The saved plan refused, when one was given.
        plan_file: Option<PathBuf>,
        /// Every broken rule, one line each.
        reasons: Vec<String>,
    },
    /// `apply` would need a confirmation nobody can type.
    #[error(
        "refusing to apply without confirmation: standard input is not a terminal; pass `--auto-approve` or apply a saved plan"
    )]
    NoConfirmation,
    /// An I/O failure on a named file.
    #[error("failed to {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. "read".
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// Standard output is closed or failing, e.g. a pipe to `head` that has ended.
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    /// The asynchronous runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The signal handlers could not be installed.
    #[error("cannot listen for signals: {0}")]
    Signals(std::io::Error),
    /// A failure of a server started by this process, or of a remote API.
    #[error("{0}")]
    Service(String),
    /// The configuration names a kind of source or target that no adapter serves yet.
    #[error("{}: `{side}.type: {kind}` is not supported yet", file.display())]
    Unsupported {
        /// The configuration file.
        file: PathBuf,
        /// `source` or `target`.
        side: &'static str,
        /// The kind named, e.g. `atlas`.
        kind: &'static str,
    },
    /// Reading a source or a target failed (after retries).
    #[error("reading {system}: {message}")]
    Read {
        /// The system read, e.g. `Alation`.
        system: &'static str,
        /// What failed, naming the endpoint.
        message: String,
    },
    /// The desired or current state cannot be planned at all: a malformed, unbound or
    /// repeated address.
    #[error(transparent)]
    Plan(#[from] crate::core::plan::PlanError),
}

impl Error {
    /// What to do next, printed after the error as `hint: …`, when there is one thing
    /// to suggest.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoStateDir(_) => Some(
                "write it with `metaform snapshot`, or name the directory that holds the state files (`state:` in metaform.yaml)"
                    .into(),
            ),
            Error::SavedPlan { path, .. } => Some(format!(
                "save a fresh plan with `metaform plan --out {}`, review it, then apply that",
                path.display()
            )),
            Error::Unsupported { side, .. } => Some(format!(
                "metaform reads OpenMetadata and writes Alation today; set `{side}.type` to one of those"
            )),
            Error::Read { .. } => Some(
                "`metaform check` tells whether the server answers and accepts the credentials"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// The text of a refused plan: the saved plan's path, if any, then every reason.
fn refusal(plan_file: Option<&Path>, reasons: &[String]) -> String {
    let prefix = plan_file.map_or_else(String::new, |path| format!("{}: ", path.display()));
    format!(
        "{prefix}the plan is refused by the policy:\n  {}",
        reasons.join("\n  ")
    )
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// An unsupported kind names the file and key, and the hint says what is supported.
    #[test]
    fn unsupported_kinds_name_the_key_and_hint_what_works() {
        let err = Error::Unsupported {
            file: PathBuf::from("metaform.yaml"),
            side: "source",
            kind: "atlas",
        };
        assert_eq!(
            err.to_string(),
            "metaform.yaml: `source.type: atlas` is not supported yet"
        );
        assert!(err.hint().is_some_and(|h| h.contains("`source.type`")));
        let read = Error::Read {
            system: "Alation",
            message: "GET /x: 503".into(),
        };
        assert_eq!(read.to_string(), "reading Alation: GET /x: 503");
        assert!(read.hint().is_some_and(|h| h.contains("metaform check")));
    }

    /// A refusal of a saved plan names the file first, then each reason on its line.
    #[test]
    fn refusal_names_the_plan_file_and_each_reason() {
        let err = Error::Refused {
            plan_file: Some(PathBuf::from("plan.json")),
            reasons: vec!["one".into(), "two".into()],
        };
        assert_eq!(
            err.to_string(),
            "plan.json: the plan is refused by the policy:\n  one\n  two"
        );
    }
}
