//! Counters of a long run (requests sent, objects read, batches written, jobs waiting,
//! items done), bumped by the HTTP client, the API clients and the commands, and read
//! by the [`Printer`](crate::output::Printer), which shows them.
//!
//! The counters are neutral: they name no system and draw nothing, so the layers that
//! bump them (the HTTP client counts every request it sends, the paging helpers every
//! object a page lists, the job poller every job it waits for) stay free of output, and
//! the printer decides how to show them: a spinner or bar refreshed ten times a second
//! on a terminal, or in a pipe a line at most every [`LINE_INTERVAL`] ([`LineSchedule`]).
//! They are atomics shared by clones, so tasks on any thread bump them without locks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often a run whose stderr is not a terminal prints a progress line, at most; a
/// run shorter than this prints none.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// The counters of one run; clones share them.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: AtomicU64,
    objects: AtomicU64,
    batches: AtomicU64,
    jobs_waiting: AtomicU64,
    done: AtomicU64,
    total: AtomicU64,
}

impl Counters {
    /// Fresh counters, all zero.
    pub fn new() -> Counters {
        Counters::default()
    }

    /// One HTTP request sent (each attempt counts).
    pub fn request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// `count` objects read (a page of a listing).
    pub fn objects_read(&self, count: usize) {
        self.inner
            .objects
            .fetch_add(count as u64, Ordering::Relaxed);
    }

    /// One write batch answered.
    pub fn batch_written(&self) {
        self.inner.batches.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a job as waited for until the returned guard is dropped.
    pub fn job_waiting(&self) -> JobWaiting {
        self.inner.jobs_waiting.fetch_add(1, Ordering::Relaxed);
        JobWaiting {
            counters: self.clone(),
        }
    }

    /// `done` of `total` items have an outcome.
    pub fn items(&self, done: usize, total: usize) {
        self.inner.total.store(total as u64, Ordering::Relaxed);
        self.inner.done.store(done as u64, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn counts(&self) -> Counts {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Counts {
            requests: load(&self.inner.requests),
            objects: load(&self.inner.objects),
            batches: load(&self.inner.batches),
            jobs_waiting: load(&self.inner.jobs_waiting),
            done: load(&self.inner.done),
            total: load(&self.inner.total),
        }
    }
}

/// A job being waited for, from [`Counters::job_waiting`]; no longer counted once dropped.
#[derive(Debug)]
pub struct JobWaiting {
    counters: Counters,
}

impl Drop for JobWaiting {
    fn drop(&mut self) {
        self.counters
            .inner
            .jobs_waiting
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// The values of [`Counters`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// HTTP requests sent.
    pub requests: u64,
    /// Objects read.
    pub objects: u64,
    /// Write batches answered.
    pub batches: u64,
    /// Jobs being waited for now.
    pub jobs_waiting: u64,
    /// Items with an outcome.
    pub done: u64,
    /// Items in all; 0 while nothing is being applied.
    pub total: u64,
}

impl Counts {
    /// What happened since `start`: the running totals less those of `start` (the
    /// items and the jobs waiting are as they are now).
    pub fn since(self, start: Counts) -> Counts {
        Counts {
            requests: self.requests.saturating_sub(start.requests),
            objects: self.objects.saturating_sub(start.objects),
            batches: self.batches.saturating_sub(start.batches),
            ..self
        }
    }

    /// The counts in words: `read 120 objects in 4 requests` while reading,
    /// `120/500 items, 3 batches written, 1 job waiting, 9 requests` while applying.
    pub fn describe(&self) -> String {
        if self.total == 0 {
            return format!(
                "read {} object{} in {} request{}",
                self.objects,
                plural(self.objects),
                self.requests,
                plural(self.requests)
            );
        }
        format!(
            "{}/{} items, {} batch{} written, {} job{} waiting, {} request{}",
            self.done,
            self.total,
            self.batches,
            if self.batches == 1 { "" } else { "es" },
            self.jobs_waiting,
            plural(self.jobs_waiting),
            self.requests,
            plural(self.requests)
        )
    }
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// The counts in words with the whole seconds `elapsed`, e.g.
/// `read 120000 objects in 431 requests (35 s)`.
pub fn status(counts: Counts, elapsed: Duration) -> String {
    format!("{} ({} s)", counts.describe(), elapsed.as_secs())
}

/// The progress line of a run labelled `label` after `elapsed`, e.g.
/// `plan: read 120000 objects in 431 requests (35 s)`.
pub fn line(label: &str, counts: Counts, elapsed: Duration) -> String {
    format!("{label}: {}", status(counts, elapsed))
}

/// When the next progress line of a run is due: [`LINE_INTERVAL`] after the start,
/// then the same interval after each line. The clock is the caller's, so the rule is
/// tested without waiting.
#[derive(Debug, Clone)]
pub struct LineSchedule {
    interval: Duration,
    next: Instant,
}

impl LineSchedule {
    /// The schedule of a run that started at `start`, a line at most every `interval`.
    pub fn new(start: Instant, interval: Duration) -> LineSchedule {
        LineSchedule {
            interval,
            next: start + interval,
        }
    }

    /// When the next line is due.
    pub fn next_due(&self) -> Instant {
        self.next
    }

    /// Whether a line is due at `now`; when it is, the next one is due an interval later.
    pub fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.interval;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No line before ten seconds, one at ten, none again until ten seconds after it.
    #[test]
    fn a_line_at_most_every_ten_seconds() {
        let start = Instant::now();
        let at = |secs: f64| start + Duration::from_secs_f64(secs);
        let mut schedule = LineSchedule::new(start, LINE_INTERVAL);
        let due: Vec<f64> = [0.0, 5.0, 9.9, 10.0, 10.5, 19.9, 20.0, 31.0, 40.9, 41.0]
            .into_iter()
            .filter(|&secs| schedule.due(at(secs)))
            .collect();
        assert_eq!(due, [10.0, 20.0, 31.0, 41.0]);
    }

    /// A run shorter than ten seconds prints no line, however often it is asked.
    #[test]
    fn a_short_run_prints_no_line() {
        let start = Instant::now();
        let mut schedule = LineSchedule::new(start, LINE_INTERVAL);
        let asked = (0..100).map(|tenth| start + Duration::from_millis(tenth * 99));
        assert!(!asked.into_iter().any(|now| schedule.due(now)));
        assert_eq!(schedule.next_due(), start + LINE_INTERVAL);
    }

    /// The line of a read names the objects, the requests and the whole seconds.
    #[test]
    fn a_read_line_names_objects_and_requests() {
        let counts = Counts {
            objects: 120_000,
            requests: 431,
            ..Counts::default()
        };
        assert_eq!(
            line("plan", counts, Duration::from_millis(35_700)),
            "plan: read 120000 objects in 431 requests (35 s)"
        );
    }

    /// The line of an apply names the items, batches, jobs waiting and requests.
    #[test]
    fn an_apply_line_names_items_batches_and_jobs() {
        let counters = Counters::new();
        counters.request();
        let start = counters.counts();
        counters.items(120, 500);
        counters.batch_written();
        counters.request();
        let waiting = counters.job_waiting();
        let text = line(
            "apply",
            counters.counts().since(start),
            Duration::from_secs(3),
        );
        assert_eq!(
            text,
            "apply: 120/500 items, 1 batch written, 1 job waiting, 1 request (3 s)"
        );
        drop(waiting);
        assert_eq!(counters.counts().jobs_waiting, 0);
    }

    /// Clones share the counters across threads.
    #[test]
    fn clones_count_together_across_threads() {
        let counters = Counters::new();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let counters = counters.clone();
                scope.spawn(move || {
                    for _ in 0..1000 {
                        counters.request();
                        counters.objects_read(2);
                    }
                });
            }
        });
        let counts = counters.counts();
        assert_eq!((counts.requests, counts.objects), (4000, 8000));
    }
}
