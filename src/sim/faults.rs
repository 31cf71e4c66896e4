//! Fault injection for the sandboxes, deterministic under a seed.
//!
//! Clients must survive rate limiting, server errors, slow answers, dropped connections,
//! expiring tokens and failing jobs (SPEC §7). A test that provokes them needs the same
//! faults on every run, so whether the n-th request in scope gets a fault, and which one,
//! is a pure function of `(seed, sandbox, n)`: a counter-based generator, independent of
//! thread scheduling. The requests are counted in arrival order, per sandbox, and only
//! those in scope (`paths`, `methods`) are counted.
//!
//! The spec string of `metaform sandbox --faults` is parsed by [`FaultConfig::from_str`]:
//! `seed=7,rate=0.1,kinds=429+5xx+drop+latency+lost,latency_ms=50,retry_after=1,`
//! `paths=/integration/v2/table/+/api/v1/tables*,methods=GET+POST,token_ttl=30,job_failure_rate=0.1`.
//!
//! `drop` closes the connection before the request is handled; `lost` handles it in
//! full (the state changes, a job is created and runs) and then closes the connection
//! before the answer is sent: what a client sees when a gateway times out or a network
//! breaks after the server did the work. Only `lost` tells whether a client that
//! repeats an ambiguous write repeats it safely.

mod layer;

pub use layer::{ConnectionDropped, FaultLayer, FaultLog, FaultRecord, FaultService, Flavor};

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which faults to inject, how often, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Seed of the decisions: the same seed gives the same faults in the same order.
    pub seed: u64,
    /// Probability, in `[0, 1]`, that a request in scope gets a fault (0: none).
    pub rate: f64,
    /// The kinds to choose from, uniformly, when a request gets a fault.
    pub kinds: Vec<FaultKind>,
    /// Delay added by a latency fault.
    pub latency: Duration,
    /// `Retry-After` of a rate-limit answer, in whole seconds.
    pub retry_after_secs: u64,
    /// The requests that may get a fault.
    pub scope: Scope,
    /// Lifetime of Alation API access tokens, to make them expire during a run.
    pub access_token_ttl: Option<Duration>,
    /// Probability, in `[0, 1]`, that an Alation job ends failed.
    pub job_failure_rate: Option<f64>,
}

impl Default for FaultConfig {
    /// No faults at all.
    fn default() -> Self {
        Self {
            seed: 0,
            rate: 0.0,
            kinds: FaultKind::ALL.to_vec(),
            latency: Duration::from_millis(100),
            retry_after_secs: 1,
            scope: Scope::default(),
            access_token_ttl: None,
            job_failure_rate: None,
        }
    }
}

/// A kind of request fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `429 Too Many Requests` with `Retry-After` (spec name `429`).
    RateLimit,
    /// One of 500, 502, 503, 504 (spec name `5xx`).
    ServerError,
    /// The request is answered normally, but late (spec name `latency`).
    Latency,
    /// The connection is closed without an answer (spec name `drop`).
    Drop,
    /// The request is handled, then the connection is closed before the answer is sent
    /// (spec name `lost`).
    Lost,
}

impl FaultKind {
    /// Every kind, in spec order.
    pub const ALL: [FaultKind; 5] = [
        FaultKind::RateLimit,
        FaultKind::ServerError,
        FaultKind::Latency,
        FaultKind::Drop,
        FaultKind::Lost,
    ];

    fn parse(name: &str) -> Result<Self, String> {
        match name {
            "429" => Ok(Self::RateLimit),
            "5xx" => Ok(Self::ServerError),
            "latency" => Ok(Self::Latency),
            "drop" => Ok(Self::Drop),
            "lost" => Ok(Self::Lost),
            other => Err(format!(
                "unknown fault kind `{other}` (expected 429, 5xx, latency, drop or lost)"
            )),
        }
    }
}

/// The fault a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with this `Retry-After`, in seconds.
    RateLimit {
        /// The `Retry-After` header value.
        retry_after_secs: u64,
    },
    /// Answer with this 5xx status.
    ServerError {
        /// 500, 502, 503 or 504.
        status: u16,
    },
    /// Answer normally after this delay, in milliseconds.
    Latency {
        /// The added delay.
        millis: u64,
    },
    /// Close the connection without answering.
    Drop,
    /// Handle the request, then close the connection without answering.
    Lost,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RateLimit { retry_after_secs } => {
                write!(f, "429 retry-after={retry_after_secs}")
            }
            Fault::ServerError { status } => write!(f, "{status}"),
            Fault::Latency { millis } => write!(f, "latency {millis}ms"),
            Fault::Drop => f.write_str("drop"),
            Fault::Lost => f.write_str("lost"),
        }
    }
}

/// The requests that may get a fault: all of them when both lists are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Path patterns: a prefix, or a glob when it holds `*` (which matches any characters).
    pub paths: Vec<String>,
    /// HTTP methods, upper case.
    pub methods: Vec<String>,
}

impl Scope {
    /// Whether a request with this method and path is in scope.
    pub fn contains(&self, method: &str, path: &str) -> bool {
        let method_ok =
            self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        let path_ok = self.paths.is_empty()
            || self.paths.iter().any(|pattern| {
                if pattern.contains('*') {
                    glob_match(pattern.as_bytes(), path.as_bytes())
                } else {
                    path.starts_with(pattern.as_str())
                }
            });
        method_ok && path_ok
    }
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            backtrack = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

impl FaultConfig {
    /// Whether any request may get a fault.
    pub fn injects_request_faults(&self) -> bool {
        self.rate > 0.0 && !self.kinds.is_empty()
    }

    /// The fault of the `index`-th request in scope of the sandbox numbered `stream`.
    pub fn decide(&self, stream: u64, index: u64) -> Option<Fault> {
        if !self.injects_request_faults() {
            return None;
        }
        let mut state = splitmix64(self.seed ^ splitmix64(stream)) ^ index;
        let mut next = || {
            state = splitmix64(state);
            state
        };
        // 53 random bits as a float in [0, 1).
        let draw = (next() >> 11) as f64 / (1u64 << 53) as f64;
        if draw >= self.rate {
            return None;
        }
        let kind = self.kinds[(next() % self.kinds.len() as u64) as usize];
        Some(match kind {
            FaultKind::RateLimit => Fault::RateLimit {
                retry_after_secs: self.retry_after_secs,
            },
            FaultKind::ServerError => Fault::ServerError {
                status: [500, 502, 503, 504][(next() % 4) as usize],
            },
            FaultKind::Latency => Fault::Latency {
                millis: u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            },
            FaultKind::Drop => Fault::Drop,
            FaultKind::Lost => Fault::Lost,
        })
    }
}

/// SplitMix64: a tiny, well-mixed, stable generator step (Steele, Lea and Flood, 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FromStr for FaultConfig {
    type Err = String;

    /// Parses `key=value` pairs separated by commas; lists are joined with `+`.
    fn from_str(spec: &str) -> Result<Self, String> {
        let mut config = FaultConfig::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!("fault spec: expected `key=value`, got `{pair}`"));
            };
            let (key, value) = (key.trim(), value.trim());
            let bad =
                |expected: &str| format!("fault spec: `{key}` must be {expected}, got `{value}`");
            match key {
                "seed" => config.seed = value.parse().map_err(|_| bad("an unsigned integer"))?,
                "rate" => {
                    config.rate =
                        parse_probability(value).ok_or_else(|| bad("a number from 0 to 1"))?
                }
                "kinds" => {
                    config.kinds = list(value)
                        .map(FaultKind::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("fault spec: {e}"))?;
                    if config.kinds.is_empty() {
                        return Err(bad("a `+`-separated list of 429, 5xx, latency, drop, lost"));
                    }
                }
                "latency_ms" => {
                    config.latency = Duration::from_millis(
                        value
                            .parse()
                            .map_err(|_| bad("a whole number of milliseconds"))?,
                    )
                }
                "retry_after" => {
                    config.retry_after_secs = value
                        .parse()
                        .map_err(|_| bad("a whole number of seconds"))?
                }
                "paths" => {
                    config.scope.paths = list(value).map(str::to_owned).collect();
                    if let Some(p) = config.scope.paths.iter().find(|p| !p.starts_with('/')) {
                        return Err(format!(
                            "fault spec: path pattern `{p}` must start with `/`"
                        ));
                    }
                }
                "methods" => {
                    config.scope.methods = list(value).map(str::to_ascii_uppercase).collect();
                    const KNOWN: [&str; 7] =
                        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
                    if let Some(m) = config
                        .scope
                        .methods
                        .iter()
                        .find(|m| !KNOWN.contains(&m.as_str()))
                    {
                        return Err(format!("fault spec: unknown HTTP method `{m}`"));
                    }
                }
                "token_ttl" => {
                    config.access_token_ttl = Some(Duration::from_secs(
                        value
                            .parse()
                            .map_err(|_| bad("a whole number of seconds"))?,
                    ))
                }
                "job_failure_rate" => {
                    config.job_failure_rate =
                        Some(parse_probability(value).ok_or_else(|| bad("a number from 0 to 1"))?)
                }
                other => {
                    return Err(format!(
                        "fault spec: unknown key `{other}` (expected seed, rate, kinds, latency_ms, \
                         retry_after, paths, methods, token_ttl or job_failure_rate)"
                    ));
                }
            }
        }
        Ok(config)
    }
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split('+')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn parse_probability(value: &str) -> Option<f64> {
    value
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=1.0).contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example spec of the command line parses into every field.
    #[test]
    fn parses_a_full_spec() {
        let config: FaultConfig = "seed=7,rate=0.1,kinds=429+5xx+drop+latency,latency_ms=50,\
                                   paths=/integration/v2/table/,token_ttl=30,job_failure_rate=0.1"
            .parse()
            .expect("valid spec");
        assert_eq!(config.seed, 7);
        assert_eq!(config.rate, 0.1);
        assert_eq!(
            config.kinds,
            [
                FaultKind::RateLimit,
                FaultKind::ServerError,
                FaultKind::Drop,
                FaultKind::Latency
            ]
        );
        assert_eq!(config.latency, Duration::from_millis(50));
        assert_eq!(config.scope.paths, ["/integration/v2/table/"]);
        assert_eq!(config.access_token_ttl, Some(Duration::from_secs(30)));
        assert_eq!(config.job_failure_rate, Some(0.1));
    }

    /// Bad specs are refused with a message naming the offending part.
    #[test]
    fn refuses_bad_specs() {
        for (spec, needle) in [
            ("rate=2", "`rate` must be a number from 0 to 1, got `2`"),
            ("kinds=429+boom", "unknown fault kind `boom`"),
            ("seed", "expected `key=value`, got `seed`"),
            ("colour=red", "unknown key `colour`"),
            ("paths=api/v1", "path pattern `api/v1` must start with `/`"),
            ("methods=GET+FETCH", "unknown HTTP method `FETCH`"),
            (
                "latency_ms=-1",
                "`latency_ms` must be a whole number of milliseconds",
            ),
        ] {
            let err = spec.parse::<FaultConfig>().expect_err(spec);
            assert!(err.contains(needle), "{spec}: {err}");
        }
    }

    /// The same seed gives the same decisions; the rate is roughly honoured.
    #[test]
    fn decisions_are_deterministic_and_follow_the_rate() {
        let config: FaultConfig = "seed=42,rate=0.25".parse().expect("valid spec");
        let run = |c: &FaultConfig| (0..4000).map(|i| c.decide(1, i)).collect::<Vec<_>>();
        let first = run(&config);
        assert_eq!(first, run(&config));
        let faults = first.iter().flatten().count();
        assert!((800..1200).contains(&faults), "{faults} faults out of 4000");
        let other = FaultConfig {
            seed: 43,
            ..config.clone()
        };
        assert_ne!(first, run(&other));
        assert_ne!(
            first,
            (0..4000).map(|i| config.decide(2, i)).collect::<Vec<_>>()
        );
    }

    /// `lost` is a kind of its own, decided under the seed like the others.
    #[test]
    fn lost_answers_are_a_seeded_kind() {
        let config: FaultConfig = "seed=3,rate=0.5,kinds=drop+lost"
            .parse()
            .expect("valid spec");
        assert_eq!(config.kinds, [FaultKind::Drop, FaultKind::Lost]);
        let run = || (0..200).map(|i| config.decide(2, i)).collect::<Vec<_>>();
        let decisions = run();
        assert_eq!(decisions, run());
        assert!(decisions.contains(&Some(Fault::Lost)), "{decisions:?}");
        assert!(decisions.contains(&Some(Fault::Drop)), "{decisions:?}");
        assert_eq!(Fault::Lost.to_string(), "lost");
    }

    /// Paths match by prefix, or by glob when they hold `*`; methods ignore case.
    #[test]
    fn scope_matches_prefixes_globs_and_methods() {
        let scope = Scope {
            paths: vec!["/integration/v2/".into(), "/api/v1/*/name/*".into()],
            methods: vec!["GET".into()],
        };
        assert!(scope.contains("get", "/integration/v2/table/"));
        assert!(scope.contains("GET", "/api/v1/tables/name/a.b.c"));
        assert!(!scope.contains("GET", "/api/v1/tables/a"));
        assert!(!scope.contains("POST", "/integration/v2/table/"));
        assert!(Scope::default().contains("DELETE", "/anything"));
    }
}
