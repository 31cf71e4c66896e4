//! The outcome of one connection check (`metaform check`), as sources and targets
//! report them, and what every check shares: few retries, and URLs printed without
//! credentials.

use std::time::Duration;

use anstyle::{AnsiColor, Style};

use crate::http::{HttpOptions, RetryPolicy};

/// The outcome of one check: one line, `ok` or `failed`, saying in words what was found
/// and, on failure, what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Whether the check passed.
    pub ok: bool,
    /// `source` or `target`.
    pub side: &'static str,
    /// What was found, and on failure what to do.
    pub message: String,
}

impl CheckOutcome {
    /// A passed check.
    pub fn ok(side: &'static str, message: String) -> Self {
        Self {
            ok: true,
            side,
            message,
        }
    }

    /// A failed check.
    pub fn failed(side: &'static str, message: String) -> Self {
        Self {
            ok: false,
            side,
            message,
        }
    }

    /// The line the check command prints; `color` styles the verdict.
    pub fn line(&self, color: bool) -> String {
        let (word, style) = if self.ok {
            ("ok    ", AnsiColor::Green)
        } else {
            ("failed", AnsiColor::Red)
        };
        let word = if color {
            let style = Style::new().bold().fg_color(Some(style.into()));
            format!("{style}{word}{style:#}")
        } else {
            word.to_owned()
        };
        format!("{word}  {}: {}", self.side, self.message)
    }
}

/// HTTP options for a check: the configured TLS settings, timeouts and size limit, and
/// few retries, so that an unreachable server is reported in seconds rather than after
/// a long backoff.
pub fn check_http(options: HttpOptions) -> HttpOptions {
    HttpOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(1),
        },
        ..options
    }
}

/// `url` without a `user:password@` part, which must not be printed.
pub fn without_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both only fail for URLs that cannot carry credentials, which these do.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Credentials in a URL are never printed.
    #[test]
    fn urls_lose_their_userinfo() {
        assert_eq!(
            without_userinfo("https://me:secret@alation.example.com/"),
            "https://alation.example.com/"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:8585/api"),
            "http://127.0.0.1:8585/api"
        );
    }
}
