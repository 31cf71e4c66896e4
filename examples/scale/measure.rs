//! One `metaform` command as a child process, measured: its wall time, and from
//! `wait4` the CPU time (user + system) and peak resident set of that process alone
//! (std's `wait` drops the kernel's resource usage; `/proc` loses a process's memory
//! figures the moment it exits).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wait4::Wait4;

/// What one command did and cost.
pub struct Run {
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// From start to exit.
    pub wall: Duration,
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set, in bytes.
    pub peak_rss: u64,
    /// Its standard output, then its standard error.
    pub output: String,
}

impl Run {
    /// The last `count` lines of the output, for a report on a failed step.
    pub fn tail(&self, count: usize) -> String {
        let lines: Vec<&str> = self.output.lines().collect();
        lines[lines.len().saturating_sub(count)..].join("\n")
    }
}

/// Runs `binary args…` in `dir` with `env` added to this process's environment.
pub fn run(
    binary: &Path,
    dir: &Path,
    env: &[(&str, String)],
    args: &[&str],
) -> Result<Run, String> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", binary.display()))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let used = child
        .wait4()
        .map_err(|e| format!("waiting for `metaform {}`: {e}", args.join(" ")))?;
    let wall = started.elapsed();
    let output = [stdout, stderr]
        .into_iter()
        .map(|reader| reader.join().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("");
    Ok(Run {
        code: used.status.code(),
        wall,
        cpu: used.rusage.utime + used.rusage.stime,
        peak_rss: used.rusage.maxrss,
        output,
    })
}

/// Reads a child's pipe to the end on a thread, so that neither pipe fills and blocks it.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
