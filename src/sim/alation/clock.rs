//! The sandbox's time, for token lifetimes and job stamps, and the ISO-8601 timestamps
//! Alation prints (`2022-11-15T21:52:48.116496Z`, shared/reference/alation-api.md §3).
//!
//! The time is the wall clock plus an offset that only moves forward: a test that
//! starts the sandbox in process [`Clock::advance`]s it past a token's lifetime instead
//! of sleeping through it, while the sandbox keeps printing real dates.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The sandbox's clock: wall time, moved forward by [`Clock::advance`]. Clones share
/// one offset, so a test keeps a clone of the clock it starts the sandbox with.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds added to the wall clock.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Microseconds since the Unix epoch, as the sandbox sees them.
    pub fn now_micros(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        wall.saturating_add(self.offset.load(Ordering::SeqCst))
    }

    /// Moves the sandbox's time forward by `by` (tokens it issued age by as much).
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        // An offset that saturates stays saturated: the closure always answers `Some`.
        let _ = self
            .offset
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(by))
            });
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for a time in microseconds since the epoch (times
/// before 1970 print as the epoch, times past year 9999 as its last microsecond).
pub(super) fn iso(micros: i64) -> String {
    const LAST: u64 = 253_402_300_799_999_999;
    let micros = u64::try_from(micros).unwrap_or(0).min(LAST);
    humantime::format_rfc3339_micros(UNIX_EPOCH + Duration::from_micros(micros)).to_string()
}

/// `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, the form of job messages (§6.4).
pub(super) fn job_time(micros: i64) -> String {
    let iso = iso(micros);
    let stamp = iso.strip_suffix('Z').unwrap_or(&iso).replacen('T', " ", 1);
    format!("{stamp}+00:00")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Advancing moves every clone forward by the same amount.
    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::default();
        let clone = clock.clone();
        let before = clone.now_micros();
        clock.advance(Duration::from_secs(3600));
        assert!(clone.now_micros() - before >= 3_600_000_000);
    }

    /// Timestamps print in Alation's format, including dates before a leap day.
    #[test]
    fn formats_like_alation() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(iso(1_668_549_168_116_496), "2022-11-15T21:52:48.116496Z");
        assert_eq!(
            job_time(951_782_400_000_001),
            "2000-02-29 00:00:00.000001+00:00"
        );
    }
}
