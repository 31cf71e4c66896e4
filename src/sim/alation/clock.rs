//! Wall-clock time for token lifetimes and the ISO-8601 timestamps Alation prints
//! (`2022-11-15T21:52:48.116496Z`, shared/reference/alation-api.md §3).

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch.
pub(super) fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for a time in microseconds since the epoch.
pub(super) fn iso(micros: i64) -> String {
    let (date, time, frac) = split(micros);
    format!("{date}T{time}.{frac:06}Z")
}

/// `YYYY-MM-DD HH:MM:SS.ffffff+00:00`, the form of job messages (§6.4).
pub(super) fn job_time(micros: i64) -> String {
    let (date, time, frac) = split(micros);
    format!("{date} {time}.{frac:06}+00:00")
}

fn split(micros: i64) -> (String, String, i64) {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60),
        frac,
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
