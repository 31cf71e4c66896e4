//! How a command ended, as the process reports it.
//!
//! Commands return an [`ExitStatus`], never a bare number; the one conversion into a
//! [`std::process::ExitCode`] is here, so the codes of SPEC §5 and §6 are written down
//! once: 0 success, 2 changes (`plan --detailed-exitcode`), 3 a partial apply, 1 any
//! failure (every error, SPEC §5: never 0), and 128 + the signal's number for an apply a
//! signal stopped, as a shell reports a process that signal ended (130 for SIGINT, 143
//! for SIGTERM).

use std::process::ExitCode;

/// The outcome of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked was done (or there was nothing to do).
    Success,
    /// `plan --detailed-exitcode` found changes to apply.
    Changes,
    /// An apply applied some items and failed or skipped others.
    Partial,
    /// The command failed: an error, invalid files, or `fmt --check` found work.
    Failure,
    /// A signal stopped the writes of an apply.
    Interrupted(Signal),
}

impl ExitStatus {
    /// The process exit code of this outcome.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Partial => 3,
            ExitStatus::Interrupted(signal) => 128 + signal.number(),
        }
    }

    /// `Success` when `ok`, otherwise `Failure`.
    pub fn success_if(ok: bool) -> Self {
        if ok {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// A signal that stops an apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// Its POSIX number.
    pub fn number(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// Its usual name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each outcome has the exit code SPEC §5 and §6 give it; a signal's is a shell's.
    #[test]
    fn exit_status_maps_to_the_documented_codes() {
        let codes = [
            (ExitStatus::Success, 0),
            (ExitStatus::Failure, 1),
            (ExitStatus::Changes, 2),
            (ExitStatus::Partial, 3),
            (ExitStatus::Interrupted(Signal::Interrupt), 130),
            (ExitStatus::Interrupted(Signal::Terminate), 143),
        ];
        for (status, code) in codes {
            assert_eq!(status.code(), code, "{status:?}");
            assert_eq!(ExitCode::from(status), ExitCode::from(code), "{status:?}");
        }
    }
}
