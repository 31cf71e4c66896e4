//! `metaform sandbox` as a child process: started on ephemeral ports, its endpoints and
//! credentials read from its ready line and the lines after it, its request counters
//! read from `GET /__metaform/stats`, and its CPU time and peak resident set from
//! `/proc` while it runs.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::ops::Sub;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use metaform::sim::stats::STATS_PATH;

use super::config::Endpoints;

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux port).
const TICKS_PER_SECOND: u64 = 100;

/// A running `metaform sandbox`, terminated when dropped.
pub struct SandboxProcess {
    child: Child,
    /// Where it listens and the credentials it accepts.
    pub endpoints: Endpoints,
    /// From start to its ready line (generating the catalog, mostly).
    pub ready_after: Duration,
    /// Kept open: the sandbox's stdout stays a pipe with a reader.
    _stdout: BufReader<ChildStdout>,
}

/// Requests one API received, as its stats route counts them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Every request.
    pub requests: u64,
    /// Writes: requests other than GET, HEAD, OPTIONS and token requests.
    pub writes: u64,
}

/// The counts of both APIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Traffic {
    /// OpenMetadata's.
    pub openmetadata: Counts,
    /// Alation's.
    pub alation: Counts,
}

impl Sub for Traffic {
    type Output = Traffic;
    fn sub(self, before: Traffic) -> Traffic {
        let sub = |a: Counts, b: Counts| Counts {
            requests: a.requests.saturating_sub(b.requests),
            writes: a.writes.saturating_sub(b.writes),
        };
        Traffic {
            openmetadata: sub(self.openmetadata, before.openmetadata),
            alation: sub(self.alation, before.alation),
        }
    }
}

/// CPU time and peak resident set of a running process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system CPU time so far.
    pub cpu: Duration,
    /// Peak resident set so far, in bytes (`VmHWM`).
    pub peak_rss: u64,
}

impl SandboxProcess {
    /// Runs `binary sandbox <args>` on ephemeral ports, its stderr into `log`, and waits
    /// for its ready line and credentials.
    pub fn start(binary: &Path, args: &[String], log: &Path) -> Result<SandboxProcess, String> {
        let log_file =
            File::create(log).map_err(|e| format!("cannot create `{}`: {e}", log.display()))?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(["sandbox", "--openmetadata-port", "0", "--alation-port", "0"])
            .args(args)
            .env_remove("METAFORM_SANDBOX_JWT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("the sandbox has no stdout")?);
        match read_endpoints(&mut stdout) {
            Ok(endpoints) => Ok(SandboxProcess {
                child,
                endpoints,
                ready_after: started.elapsed(),
                _stdout: stdout,
            }),
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(log).unwrap_or_default();
                Err(format!("the sandbox did not start: {err}\n{log}"))
            }
        }
    }

    /// Both APIs' request counts so far.
    pub fn traffic(&self) -> Result<Traffic, String> {
        let openmetadata = self.endpoints.openmetadata_url.trim_end_matches("/api");
        Ok(Traffic {
            openmetadata: counts(openmetadata)?,
            alation: counts(&self.endpoints.alation_url)?,
        })
    }

    /// Its CPU time and peak resident set so far (zero where `/proc` does not say).
    pub fn usage(&self) -> Usage {
        let pid = self.child.id();
        let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                // Fields after the command name, which is in parentheses: utime and
                // stime are the 14th and 15th of the line, the 12th and 13th here.
                let (_, rest) = stat.rsplit_once(')')?;
                let fields: Vec<&str> = rest.split_whitespace().collect();
                let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
                Some(ticks(11)? + ticks(12)?)
            })
            .map_or(Duration::ZERO, |ticks| {
                Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
            });
        let peak_rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
                line.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()
            })
            .map_or(0, |kib| kib * 1024);
        Usage { cpu, peak_rss }
    }

    /// Stops it as a service manager would (SIGTERM: a final save when persisting) and
    /// waits for it to exit.
    pub fn stop(mut self) -> Result<(), String> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .map_err(|e| format!("cannot run `kill`: {e}"))?;
        if !sent.success() {
            return Err("`kill -TERM` failed on the sandbox".into());
        }
        let status = self
            .child
            .wait()
            .map_err(|e| format!("waiting for the sandbox: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("the sandbox stopped with {status}"))
        }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // Already reaped after `stop`; otherwise it must not outlive the benchmark.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The endpoints from the ready line and the credential lines after it.
fn read_endpoints(stdout: &mut impl BufRead) -> Result<Endpoints, String> {
    let mut endpoints = Endpoints {
        openmetadata_url: String::new(),
        openmetadata_jwt: String::new(),
        alation_url: String::new(),
        refresh_token: String::new(),
        user_id: 0,
    };
    let mut line = String::new();
    while endpoints.refresh_token.is_empty() {
        line.clear();
        match stdout.read_line(&mut line) {
            Ok(0) => return Err("it exited before printing its credentials".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("reading its output: {e}")),
        }
        let line = line.trim_end();
        if let Some(urls) = line.strip_prefix("sandbox ready: ") {
            for pair in urls.split_whitespace() {
                match pair.split_once('=') {
                    Some(("openmetadata", url)) => endpoints.openmetadata_url = url.to_owned(),
                    Some(("alation", url)) => endpoints.alation_url = url.to_owned(),
                    _ => {}
                }
            }
        } else if let Some(jwt) = line.strip_prefix("openmetadata jwt: ") {
            endpoints.openmetadata_jwt = jwt.to_owned();
        } else if let Some(token) = line.strip_prefix("alation refresh token: ") {
            for pair in token.split_whitespace() {
                match pair.split_once('=') {
                    Some(("user_id", id)) => {
                        endpoints.user_id = id.parse().map_err(|_| "a bad user_id")?
                    }
                    Some(("refresh_token", value)) => endpoints.refresh_token = value.to_owned(),
                    _ => {}
                }
            }
        }
    }
    if endpoints.openmetadata_url.is_empty() || endpoints.alation_url.is_empty() {
        return Err("no ready line before the credentials".into());
    }
    Ok(endpoints)
}

/// The counts of the API at `base` (`http://host:port`), from its stats route.
fn counts(base: &str) -> Result<Counts, String> {
    let authority = base
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not an http:// URL: {base}"))?;
    let fail = |e: std::io::Error| format!("GET {base}{STATS_PATH}: {e}");
    let mut stream = TcpStream::connect(authority).map_err(fail)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(fail)?;
    write!(
        stream,
        "GET {STATS_PATH} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(fail)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(fail)?;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {base}{STATS_PATH}: no HTTP answer"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "GET {base}{STATS_PATH}: {}",
            head.lines().next().unwrap_or("")
        ));
    }
    let stats: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("GET {base}{STATS_PATH}: not JSON: {e}"))?;
    let field = |name: &str| {
        stats[name]
            .as_u64()
            .ok_or_else(|| format!("GET {base}{STATS_PATH}: no `{name}`"))
    };
    Ok(Counts {
        requests: field("requests")?,
        writes: field("writes")?,
    })
}
