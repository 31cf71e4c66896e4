//! The secrets of a client, redacted from anything a server sends back.
//!
//! A server may echo a request in its error body (a refresh token in a 401, a password
//! in a 400). The adapters register every secret they send, the configured ones and the
//! tokens they obtain; error bodies are redacted once, where they become
//! [`HttpError::Status`](super::HttpError::Status).

use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};

/// What a secret is replaced with.
const REDACTED: &str = "[redacted]";

/// The secrets known to a client and its clones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets(Arc<RwLock<Vec<SecretString>>>);

impl Secrets {
    /// Adds `secret`, and its JSON-escaped form when that differs (a server echoing a
    /// JSON body).
    pub(crate) fn add(&self, secret: &SecretString) {
        let text = secret.expose_secret();
        if text.is_empty() {
            return;
        }
        let escaped = serde_json::to_string(text).unwrap_or_default();
        let escaped = escaped
            .strip_prefix('"')
            .and_then(|e| e.strip_suffix('"'))
            .unwrap_or(text);
        let mut secrets = self.0.write().unwrap_or_else(|e| e.into_inner());
        for form in [text, escaped] {
            if !form.is_empty() && !secrets.iter().any(|s| s.expose_secret() == form) {
                secrets.push(SecretString::from(form.to_owned()));
            }
        }
        // Longest first, so that a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
    }

    /// `text` with every known secret replaced by [`REDACTED`].
    pub(crate) fn redact(&self, text: &str) -> String {
        let secrets = self.0.read().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_owned();
        for secret in secrets.iter() {
            out = out.replace(secret.expose_secret(), REDACTED);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret is redacted as written and JSON-escaped; other text is kept.
    #[test]
    fn secrets_are_redacted_in_both_forms() {
        let secrets = Secrets::default();
        secrets.add(&SecretString::from("pa\"ss word"));
        secrets.add(&SecretString::from("tok"));
        assert_eq!(
            secrets.redact(r#"{"password": "pa\"ss word", "raw": pa"ss word, "t": "tok"}"#),
            r#"{"password": "[redacted]", "raw": [redacted], "t": "[redacted]"}"#
        );
    }
}
