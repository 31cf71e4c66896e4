//! The apply lock: two applies against the same target from one machine never
//! interleave their writes (SPEC §6: "the second waits or refuses").
//!
//! The lock is an OS file lock (`std::fs::File::try_lock`: `flock` on Unix,
//! `LockFileEx` on Windows) on `apply-<digest>.lock` in a directory the caller chooses
//! (the `.metaform/` directory beside the state). The digest is a sha256 of the target's
//! normalised origin (`target_identity`), so the file name says nothing about the
//! target, every spelling of one target (`localhost` or `127.0.0.1`, any case, a
//! trailing slash, the default port written or not) shares one lock, and two targets
//! never do.
//!
//! The lock covers one machine only: an OS file lock is invisible to applies started on
//! other machines (another CI runner, a colleague's laptop) or, usually, through a
//! network file system. Nothing in Alation can serve as a lock, so running applies
//! against one target from one place (one CI job at a time) is the operator's part. The OS releases the lock when its holder exits, however it exits: a killed
//! apply never leaves a lock that blocks the next one. The lock file is never deleted
//! (deleting it would let a third process lock a fresh file while a second still waits
//! on the old one); what it holds is only a description of the current holder — pid,
//! host and start time — written after locking, so that a refusal can say who holds it.
//!
//! Holder descriptions are diagnostic only: correctness rests on the OS lock alone.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::core::plan::sha256_hex;

/// How often a waiting acquisition retries the lock.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Hex digits of the target URL's sha256 kept in the lock file name: 64 bits, plenty
/// to tell apart the targets one machine applies to.
const DIGEST_CHARS: usize = 16;

/// Why the apply lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another apply against the same target holds the lock.
    #[error(
        "another apply against this target is running: the lock `{}` is held by {holder}{}",
        path.display(),
        waited.map(|w| format!(" (gave up after waiting {}s)", w.as_secs())).unwrap_or_default()
    )]
    Held {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as recorded in the lock file.
        holder: String,
        /// How long this acquisition waited before giving up, if it waited.
        waited: Option<Duration>,
    },
    /// The lock file or its directory could not be created, read or written.
    #[error("failed to {action} the lock file `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. "create".
        action: &'static str,
        /// The lock file (or its directory).
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
}

impl From<LockError> for crate::error::Error {
    fn from(err: LockError) -> Self {
        match err {
            LockError::Io {
                action,
                path,
                source,
            } => Self::Io {
                action,
                path,
                source,
            },
            held @ LockError::Held { .. } => Self::Usage(held.to_string()),
        }
    }
}

/// A held apply lock; released when dropped, or by the OS when the process dies.
#[derive(Debug)]
pub struct ApplyLock {
    file: File,
    path: PathBuf,
}

impl ApplyLock {
    /// Takes the lock for `target_url` in `dir` (created if missing).
    ///
    /// `target_url` is the target's URL; only the digest of its normalised origin is
    /// written (`target_identity`). With `wait` of `None` a held lock is
    /// refused at once; with `Some(limit)` the lock is retried until `limit` has passed.
    pub fn acquire(
        dir: &Path,
        target_url: &str,
        wait: Option<Duration>,
    ) -> Result<ApplyLock, LockError> {
        Self::acquire_with_notice(dir, target_url, wait, |_, _| {})
    }

    /// [`ApplyLock::acquire`], calling `on_wait` once, with the lock file and a
    /// description of its holder, when it finds the lock held and starts waiting, so
    /// the caller can tell a person why nothing happens.
    pub fn acquire_with_notice(
        dir: &Path,
        target_url: &str,
        wait: Option<Duration>,
        on_wait: impl FnOnce(&Path, &str),
    ) -> Result<ApplyLock, LockError> {
        std::fs::create_dir_all(dir).map_err(|source| LockError::Io {
            action: "create the directory of",
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(lock_file_name(target_url));
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| LockError::Io {
                action,
                path,
                source,
            }
        };
        // Not truncated on open: the holder's description must survive a failed attempt.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("open"))?;
        let started = Instant::now();
        let mut on_wait = Some(on_wait);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let elapsed = started.elapsed();
                    match wait {
                        Some(limit) if elapsed < limit => {
                            if let Some(notify) = on_wait.take() {
                                notify(&path, &describe_holder(&path));
                            }
                            std::thread::sleep(POLL_INTERVAL.min(limit - elapsed));
                        }
                        _ => {
                            return Err(LockError::Held {
                                holder: describe_holder(&path),
                                path,
                                waited: wait.map(|_| elapsed),
                            });
                        }
                    }
                }
                Err(TryLockError::Error(source)) => return Err(io("lock")(source)),
            }
        }
        let record = holder_record(std::process::id(), &host_name(), SystemTime::now());
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(record.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(io("write"))?;
        Ok(ApplyLock { file, path })
    }

    /// The lock file this lock holds.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ApplyLock {
    fn drop(&mut self) {
        // Clear the holder's description while still holding the lock, so a later reader
        // never mistakes it for a live holder; the lock itself goes with the handle.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// `apply-<digest>.lock`: the digest of the target's identity hides the target URL and
/// keeps the name portable.
fn lock_file_name(target_url: &str) -> String {
    let digest = sha256_hex(target_identity(target_url).as_bytes());
    format!("apply-{}.lock", &digest[..DIGEST_CHARS])
}

/// What identifies a target for its lock: the origin `scheme://host:port` of its URL,
/// lower-case, with the scheme's default port written out, a trailing dot of the host
/// dropped and every loopback name (`localhost`, `127.0.0.0/8`, `::1`) written
/// `localhost`. Path, query and credentials are left out: two base paths on one origin
/// share a lock, which errs on the side of excluding. A URL that does not parse is used
/// trimmed of trailing slashes, in lower case.
fn target_identity(target_url: &str) -> String {
    let text = target_url.trim();
    let Ok(url) = reqwest::Url::parse(text) else {
        return text.trim_end_matches('/').to_lowercase();
    };
    let host = url.host_str().unwrap_or_default().trim_end_matches('.');
    let loopback = match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    let host = if loopback {
        "localhost".to_owned()
    } else {
        host.to_lowercase()
    };
    let port = url
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!("{}://{host}{port}", url.scheme())
}

/// The lock file's content: `key=value` lines a person can read with `cat`.
fn holder_record(pid: u32, host: &str, at: SystemTime) -> String {
    let started = rfc3339_utc(at);
    format!("pid={pid}\nhost={host}\nstarted={started}\n")
}

/// "pid 123 on host `ci-7` since 2026-01-02T03:04:05Z", from a lock file's content.
fn holder_description(record: &str) -> Option<String> {
    let field = |key: &str| {
        record.lines().find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::trim)
                .filter(|value| !value.is_empty())
        })
    };
    let pid = field("pid")?;
    let host = field("host").unwrap_or("an unknown host");
    let started = field("started").unwrap_or("an unknown time");
    Some(format!("pid {pid} on host `{host}` since {started}"))
}

/// Who holds the lock at `path`, as well as the file says. The holder writes its record
/// just after locking, so a reader may find it empty for a moment; on Windows the locked
/// file cannot be read at all.
fn describe_holder(path: &Path) -> String {
    let mut record = String::new();
    let read = File::open(path).and_then(|mut file| file.read_to_string(&mut record));
    match read {
        Ok(_) => holder_description(&record)
            .unwrap_or_else(|| "a process that has not recorded itself yet".to_owned()),
        Err(_) => "another process (its record cannot be read)".to_owned(),
    }
}

/// This machine's name, for the holder record; `unknown` when it cannot be found.
/// std has no API for it: Linux exposes it under /proc, other systems in environment
/// variables that shells and Windows set.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `YYYY-MM-DDTHH:MM:SSZ` for `at` (times before 1970 print as the epoch, times past
/// year 9999, which RFC 3339 cannot write, as its last second).
fn rfc3339_utc(at: SystemTime) -> String {
    let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    humantime::format_rfc3339_seconds(at.clamp(UNIX_EPOCH, last)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = "https://alation.example.com";

    fn held_by(result: Result<ApplyLock, LockError>) -> (PathBuf, String, Option<Duration>) {
        match result {
            Err(LockError::Held {
                path,
                holder,
                waited,
            }) => (path, holder, waited),
            Err(other) => panic!("expected a held lock, got: {other}"),
            Ok(lock) => panic!("expected a held lock, got it: {}", lock.path().display()),
        }
    }

    /// A second acquisition while the first is held is refused at once, naming the lock
    /// file and the recorded holder (this process).
    #[test]
    fn second_acquisition_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ApplyLock::acquire(dir.path(), TARGET, None).expect("first lock");
        let err = ApplyLock::acquire(dir.path(), TARGET, None).expect_err("second is refused");
        let message = err.to_string();
        assert!(
            message.contains(&first.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("on host `"), "{message}");
        let (path, _, waited) = held_by(Err(err));
        assert_eq!(path, first.path());
        assert_eq!(waited, None);
    }

    /// Dropping the lock releases it: the next acquisition succeeds.
    #[test]
    fn lock_is_released_on_drop() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ApplyLock::acquire(dir.path(), TARGET, None).expect("first lock");
        drop(first);
        let again = ApplyLock::acquire(dir.path(), TARGET, None).expect("lock after drop");
        assert!(again.path().exists());
    }

    /// A waiting acquisition says once who it waits for, then gets the lock on release.
    #[test]
    fn waiting_acquisition_gets_the_lock_after_release() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = ApplyLock::acquire(dir.path(), TARGET, None).expect("first lock");
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(first);
        });
        let mut notices = Vec::new();
        let second = ApplyLock::acquire_with_notice(
            dir.path(),
            TARGET,
            Some(Duration::from_secs(20)),
            |path, holder| notices.push(format!("{} {holder}", path.display())),
        );
        releaser.join().expect("the releasing thread finishes");
        let second = second.expect("the lock after its release");
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].starts_with(&second.path().display().to_string()));
        assert!(notices[0].contains(&format!("pid {}", std::process::id())));
    }

    /// A waiting acquisition gives up after its limit and says how long it waited.
    #[test]
    fn waiting_acquisition_gives_up_after_its_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _first = ApplyLock::acquire(dir.path(), TARGET, None).expect("first lock");
        let limit = Duration::from_millis(250);
        let (_, _, waited) = held_by(ApplyLock::acquire(dir.path(), TARGET, Some(limit)));
        assert!(waited.is_some_and(|w| w >= limit), "{waited:?}");
    }

    /// Different targets have different locks and do not block each other.
    #[test]
    fn different_targets_do_not_conflict() {
        let dir = tempfile::tempdir().expect("temp dir");
        let a = ApplyLock::acquire(dir.path(), TARGET, None).expect("lock a");
        let b = ApplyLock::acquire(dir.path(), "https://other.example.com", None).expect("b");
        assert_ne!(a.path(), b.path());
    }

    /// Spellings of one target share one lock: `localhost` and loopback addresses, the
    /// host's case, a trailing slash and the scheme's default port.
    #[test]
    fn spellings_of_one_target_share_a_lock() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = ApplyLock::acquire(dir.path(), "http://localhost:8080", None).expect("lock");
        for other in [
            "http://127.0.0.1:8080",
            "http://LOCALHOST:8080/",
            "http://[::1]:8080",
            "HTTP://localhost:8080//",
        ] {
            let (path, _, _) = held_by(ApplyLock::acquire(dir.path(), other, None));
            assert_eq!(path, held.path(), "{other}");
        }
        let https = ApplyLock::acquire(dir.path(), "https://Alation.Example.com", None)
            .expect("another target");
        for other in [
            "https://alation.example.com:443/",
            "https://alation.example.com.",
        ] {
            let (path, _, _) = held_by(ApplyLock::acquire(dir.path(), other, None));
            assert_eq!(path, https.path(), "{other}");
        }
        for different in ["http://localhost:8081", "https://localhost:8080"] {
            ApplyLock::acquire(dir.path(), different, None).expect(different);
        }
    }

    /// The lock file name carries a digest, never the target URL.
    #[test]
    fn lock_file_name_hides_the_target() {
        let name = lock_file_name("https://alation.example.com");
        assert!(!name.contains("alation"), "{name}");
        assert_eq!(name.len(), "apply-.lock".len() + DIGEST_CHARS);
        assert_eq!(name, lock_file_name("https://alation.example.com"));
    }

    /// The record written on locking reads back as a description of the holder.
    #[test]
    fn holder_record_round_trips() {
        let at = UNIX_EPOCH + Duration::from_secs(1_767_323_045);
        let record = holder_record(42, "ci-7", at);
        assert_eq!(
            holder_description(&record).as_deref(),
            Some("pid 42 on host `ci-7` since 2026-01-02T03:04:05Z")
        );
        assert_eq!(holder_description(""), None);
    }

    /// Timestamps format as RFC 3339 UTC, including leap days.
    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339_utc(leap), "2000-02-29T00:00:00Z");
    }

    /// Released lock files hold no stale holder record.
    #[test]
    fn released_lock_file_is_emptied() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lock = ApplyLock::acquire(dir.path(), TARGET, None).expect("lock");
        let path = lock.path().to_path_buf();
        assert!(
            std::fs::read_to_string(&path)
                .expect("read")
                .contains("pid=")
        );
        drop(lock);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "");
    }
}
