//! `timeouts:`, `maxResponseSize:` and `parallelism:` of a source or target: how long a
//! hung server may hold a command, how large an answer may be read, and how many
//! requests are in flight at once.
//!
//! Durations use humantime's syntax (`10s`, `2m`, `1h 30m`); sizes are a whole number
//! of bytes or a number with a unit (`512KiB`, `64MiB`, `1GB`). Every value must be
//! positive: a zero timeout or limit would make every request fail.

use std::time::Duration;

use serde_saphyr::Spanned;

use super::raw::{RawSize, RawTimeouts};
use super::validate::{Ctx, Result};
use super::{HttpLimits, Parallelism};

impl Ctx<'_> {
    /// The limits of section `section` (`source` or `target`); `job_wait` only where
    /// there are jobs (`jobs`).
    pub(super) fn limits(
        &self,
        timeouts: Option<&RawTimeouts>,
        size: Option<&Spanned<RawSize>>,
        parallelism: Option<&Spanned<u32>>,
        section: &str,
        jobs: bool,
    ) -> Result<HttpLimits> {
        let mut limits = HttpLimits::default();
        if let Some(t) = timeouts {
            let key = |name: &str| format!("{section}.timeouts.{name}");
            if let Some(v) = &t.connect {
                limits.connect_timeout = self.duration(v, &key("connect"))?;
            }
            if let Some(v) = &t.request {
                limits.request_timeout = self.duration(v, &key("request"))?;
            }
            if let Some(v) = &t.job_wait {
                if !jobs {
                    return Err(self.error_at(
                        &v.referenced,
                        format!("`{}` applies only to an alation target", key("jobWait")),
                    ));
                }
                limits.job_wait = self.duration(v, &key("jobWait"))?;
            }
        }
        if let Some(size) = size {
            let key = format!("{section}.maxResponseSize");
            let bytes = match &size.value {
                RawSize::Bytes(n) => Some(*n),
                RawSize::Text(text) => parse_size(text),
            };
            limits.max_response_bytes = bytes.filter(|n| *n > 0).ok_or_else(|| {
                self.error_at(
                    &size.referenced,
                    format!("`{key}` must be a positive size such as `64MiB` or `1048576` (bytes)"),
                )
            })?;
        }
        if let Some(p) = parallelism {
            limits.parallelism = usize::try_from(p.value)
                .ok()
                .and_then(|n| Parallelism::new(n).ok())
                .ok_or_else(|| {
                    self.error_at(
                        &p.referenced,
                        format!(
                            "`{section}.parallelism` must be between 1 and {}, not {}",
                            Parallelism::MAX,
                            p.value
                        ),
                    )
                })?;
        }
        Ok(limits)
    }

    fn duration(&self, value: &Spanned<String>, key: &str) -> Result<Duration> {
        let text = self.text(value, key)?;
        match humantime::parse_duration(text.trim()) {
            Ok(d) if !d.is_zero() => Ok(d),
            Ok(_) => Err(self.error_at(&value.referenced, format!("`{key}` must not be zero"))),
            Err(e) => Err(self.error_at(
                &value.referenced,
                format!("`{key}`: `{text}` is not a duration such as `30s` or `5m`: {e}"),
            )),
        }
    }
}

/// `64MiB`, `512 KB`, `100B`, `1048576`: the number of bytes, or `None`.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "KiB" => 1 << 10,
        "MB" => 1000 * 1000,
        "MiB" => 1 << 20,
        "GB" => 1000 * 1000 * 1000,
        "GiB" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    /// Sizes take decimal and binary units; anything else is refused.
    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("512 KB"), Some(512_000));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        for bad in ["", "MiB", "1.5MiB", "10 parsecs", "-1", "99999999999999GiB"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
