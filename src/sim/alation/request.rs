//! Reading a request: JSON bodies and query pairs.
//!
//! Bodies are parsed whatever their `Content-Type` (allie-sdk sends JSON Lines as
//! `application/json`), so that a bad body gets an Alation-shaped 400, not axum's text.

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::errors::{ApiError, ApiResult};

/// Parses a JSON request body.
pub(super) fn json_body(body: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("JSON parse error - {e}")))
}

/// The decoded `name=value` pairs of a query string, in order, repeats kept.
pub(super) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    raw.unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// The last value of query parameter `name`.
pub(super) fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether query parameter `name` is a true flag (`true`, `True`, `1`).
pub(super) fn query_flag(pairs: &[(String, String)], name: &str) -> bool {
    query_value(pairs, name)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}
