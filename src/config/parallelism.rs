//! How many requests metaform keeps in flight at once to one system: `parallelism:` of
//! a source or target, or `--parallelism N` on snapshot, plan and apply (which wins).
//!
//! One bound for everything a client sends (list pages, job polls, writes), so that a
//! setting of 4 means at most 4 requests open against that server, whatever reads it.
//! 64 is the ceiling: beyond it a server is more likely to throttle than to answer
//! faster, and a typo such as `800` should be told, not obeyed.

use std::fmt;
use std::str::FromStr;

/// A validated number of requests in flight, 1 to [`Parallelism::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism(usize);

impl Parallelism {
    /// The largest accepted value.
    pub const MAX: usize = 64;
    /// The default: enough to hide latency, gentle on a shared server.
    pub const DEFAULT: Parallelism = Parallelism(8);

    /// `n` if it lies in 1..=[`Parallelism::MAX`], else the message saying so.
    pub fn new(n: usize) -> Result<Parallelism, String> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Parallelism(n))
        } else {
            Err(format!(
                "parallelism must be between 1 and {}, not {n}",
                Self::MAX
            ))
        }
    }

    /// The number of requests.
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for Parallelism {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Parallelism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Parallelism {
    type Err = String;

    /// Parses `--parallelism`'s value.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let n: usize = text.trim().parse().map_err(|_| {
            format!(
                "parallelism must be a whole number between 1 and {}, not `{text}`",
                Self::MAX
            )
        })?;
        Parallelism::new(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Parallelism;

    /// 1 and 64 are accepted; 0, 65 and text are refused with the range in the message.
    #[test]
    fn parallelism_is_validated() {
        assert_eq!("1".parse::<Parallelism>().unwrap().get(), 1);
        assert_eq!("64".parse::<Parallelism>().unwrap().get(), 64);
        for bad in ["0", "65", "-1", "many", ""] {
            let err = bad.parse::<Parallelism>().unwrap_err();
            assert!(err.contains("between 1 and 64"), "{bad}: {err}");
        }
    }
}
