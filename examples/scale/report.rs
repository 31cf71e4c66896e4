//! The benchmark's table: one row per measured step.

use std::time::Duration;

use super::measure::Run;
use super::sandbox::Traffic;

/// One measured step.
pub struct Row {
    /// What was run.
    pub step: String,
    /// The metaform process's wall time.
    pub wall: Duration,
    /// Its CPU time, user + system.
    pub cpu: Duration,
    /// Its peak resident set, in bytes.
    pub peak_rss: u64,
    /// The sandbox's CPU time during the step.
    pub sandbox_cpu: Duration,
    /// The requests the sandbox received during the step.
    pub traffic: Traffic,
    /// The fewest write requests the step can make, for the steps that write.
    pub minimum_writes: Option<u64>,
}

impl Row {
    /// The row of `run`, a step named `step`.
    pub fn new(step: String, run: &Run, sandbox_cpu: Duration, traffic: Traffic) -> Row {
        Row {
            step,
            wall: run.wall,
            cpu: run.cpu,
            peak_rss: run.peak_rss,
            sandbox_cpu,
            traffic,
            minimum_writes: None,
        }
    }

    /// The write requests both APIs received.
    pub fn writes(&self) -> u64 {
        self.traffic.openmetadata.writes + self.traffic.alation.writes
    }
}

/// The table's lines.
pub fn table(rows: &[Row]) -> Vec<String> {
    let width = rows.iter().map(|r| r.step.len()).max().unwrap_or(4).max(4);
    let mut lines = vec![format!(
        "{:<width$}  {:>8}  {:>8}  {:>9}  {:>10}  {:>8}  {:>8}  {:>9}",
        "step", "wall s", "CPU s", "peak RSS", "sandbox", "OM", "Alation", "writes /"
    )];
    lines.push(format!(
        "{:<width$}  {:>8}  {:>8}  {:>9}  {:>10}  {:>8}  {:>8}  {:>9}",
        "", "", "", "MiB", "CPU s", "requests", "requests", "minimum"
    ));
    for row in rows {
        let writes = match row.minimum_writes {
            Some(minimum) => format!("{} / {minimum}", row.writes()),
            None => row.writes().to_string(),
        };
        lines.push(format!(
            "{:<width$}  {:>8.2}  {:>8.2}  {:>9.1}  {:>10.2}  {:>8}  {:>8}  {:>9}",
            row.step,
            row.wall.as_secs_f64(),
            row.cpu.as_secs_f64(),
            mebibytes(row.peak_rss),
            row.sandbox_cpu.as_secs_f64(),
            row.traffic.openmetadata.requests,
            row.traffic.alation.requests,
            writes,
        ));
    }
    lines
}

/// Bytes in MiB.
pub fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}
