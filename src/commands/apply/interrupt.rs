//! SIGINT and SIGTERM during the writes of `apply`: stop starting writes, let the ones
//! in flight end, and report.
//!
//! The handlers are installed only for the writes: a signal while planning or at the
//! confirmation prompt keeps its default action (the process ends at once, nothing
//! written). During the writes, the first signal raises the stop flag the writer checks
//! before each new write request, so the request in flight ends (its job polled to its
//! end or its timeout) and the usual summary follows; the exit code is 128 + the
//! signal's number, as a shell reports a process a signal ended: 130 for SIGINT, 143
//! for SIGTERM. A second signal exits at once with that code: safe, because an apply
//! killed at any point loses nothing (see the `apply` module docs).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Result;
use crate::exit_status::{ExitStatus, Signal};

/// Runs `work` while listening for SIGINT and SIGTERM. The first signal raises `stop`
/// and calls `stopping`; a second one calls `stopping_now` and exits the process with
/// its exit code. Returns the output of `work` and the first signal, if any.
pub async fn until_signalled<F: Future>(
    work: F,
    stop: &AtomicBool,
    stopping: impl Fn(Signal),
    stopping_now: impl Fn(Signal),
) -> Result<(F::Output, Option<Signal>)> {
    let mut signals = Signals::install()?;
    let mut work = std::pin::pin!(work);
    let mut received = None;
    loop {
        tokio::select! {
            output = &mut work => return Ok((output, received)),
            signal = signals.next() => {
                if received.is_some() {
                    stopping_now(signal);
                    std::process::exit(i32::from(ExitStatus::Interrupted(signal).code()));
                }
                stop.store(true, Ordering::SeqCst);
                received = Some(signal);
                stopping(signal);
            }
        }
    }
}

/// The installed signal handlers.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers: from here on the signals no longer end the process.
    fn install() -> Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let fail = crate::error::Error::Signals;
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt()).map_err(fail)?,
                terminate: signal(SignalKind::terminate()).map_err(fail)?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// The next signal; pends for ever if the handlers can deliver no more.
    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = self.interrupt.recv() => Signal::Interrupt,
                Some(()) = self.terminate.recv() => Signal::Terminate,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}
