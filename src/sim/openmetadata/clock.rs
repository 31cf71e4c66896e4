//! The stamps of a change: wall-clock `updatedAt` and the entity's next version.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch, for `updatedAt`.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The next minor version (0.1 -> 0.2), rounded as the server prints it.
pub fn next_version(version: f64) -> f64 {
    ((version + 0.1) * 10.0).round() / 10.0
}
