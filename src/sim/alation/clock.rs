//! Wall-clock time for token lifetimes and the ISO-8601 timestamps Alation prints
//! (`2022-11-15T21:52:48.116496Z`, shared/reference/alation-api.md §3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch.
pub(super) fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
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
