//! Transport errors (no HTTP answer) in words, for messages and logs.
//!
//! reqwest's errors print the request URL, whose query may carry secrets; this is the
//! one place that takes it out, used by the retry loop and by body reading alike.

/// A transport error in words, without the URL (which may carry query secrets): the
/// one way URLs are taken out of reqwest's errors, for messages and logs alike.
pub(super) fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        // Host and port only: the rest of the URL may carry query secrets.
        match err
            .url()
            .and_then(|url| Some((url.host_str()?.to_owned(), url.port_or_known_default()?)))
        {
            Some((host, port)) => format!("cannot connect to {host}:{port}"),
            None => "cannot connect".into(),
        }
    } else {
        let err = err.without_url();
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}
