//! `metaform sandbox`: serve the simulators until interrupted.

use crate::cli::SandboxArgs;
use crate::error::{Error, Result};

/// Runs the sandbox command.
pub fn run(_args: SandboxArgs) -> Result<u8> {
    Err(Error::Usage(
        "the sandbox command is not available yet".into(),
    ))
}
