//! The top-level error type and its mapping to exit codes.

use std::path::PathBuf;

/// Everything that can end a command unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input given by the user: flags, config or state files.
    #[error("{0}")]
    Usage(String),
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
    /// A failure of a server started by this process, or of a remote API.
    #[error("{0}")]
    Service(String),
}

impl Error {
    /// The process exit code for this error: every error is 1 (SPEC §5: never 0).
    pub fn exit_code(&self) -> u8 {
        1
    }
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
