//! `limit` / `skip` paging with a relative `X-Next-Page` header
//! (shared/reference/alation-api.md §2.3).
//!
//! The header carries every query parameter of the request (repeats kept) with the next
//! `skip`, because allie-sdk follows it verbatim with no other parameters. Choice on an
//! UNVERIFIED point: a `limit` above the 1,000 cap is clamped to 1,000 (the docs call it
//! a hard limit on every call); a `limit` or `skip` that is not a number, or a `limit`
//! of 0, is answered 400 `400000`.

use axum::http::{HeaderMap, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::errors::{ApiError, ApiResult};
use super::request::query_value;

/// Page size when the request names none.
pub(super) const DEFAULT_LIMIT: usize = 100;
/// The cap on objects per call (`alation.api.catalog.limit`).
pub(super) const MAX_LIMIT: usize = 1_000;

/// Characters escaped in `X-Next-Page` values: all but RFC 3986 unreserved ones.
const QUERY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One page of a listing, and the header that points at the next one.
pub(super) struct Page<T> {
    pub(super) items: Vec<T>,
    pub(super) headers: HeaderMap,
}

/// The `limit`/`skip` window a request asks for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// Objects per page, capped at [`MAX_LIMIT`].
    pub(super) limit: usize,
    /// Objects before the page.
    pub(super) skip: usize,
}

impl Window {
    /// The index just past the page.
    pub(super) fn end(self) -> usize {
        self.skip.saturating_add(self.limit)
    }
}

/// Reads `limit` and `skip`.
pub(super) fn window(pairs: &[(String, String)]) -> ApiResult<Window> {
    let limit = match query_value(pairs, "limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(0) | Err(_) => {
                return Err(ApiError::bad_request(format!(
                    "limit must be a positive integer, got `{v}`"
                )));
            }
            Ok(n) => n.min(MAX_LIMIT),
        },
    };
    let skip = match query_value(pairs, "skip") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!("skip must be a non-negative integer, got `{v}`"))
        })?,
    };
    Ok(Window { limit, skip })
}

/// The headers of a page: `X-Next-Page` when more objects follow it.
pub(super) fn page_headers(
    path: &str,
    pairs: &[(String, String)],
    window: Window,
    more: bool,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if more {
        let link = next_page(path, pairs, window.limit, window.end());
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert("X-Next-Page", value);
        }
    }
    headers
}

/// Cuts `items` (already filtered and ordered) into the page the query asks for.
pub(super) fn paginate<T>(
    path: &str,
    pairs: &[(String, String)],
    items: Vec<T>,
) -> ApiResult<Page<T>> {
    let window = window(pairs)?;
    let more = window.end() < items.len();
    let items: Vec<T> = items
        .into_iter()
        .skip(window.skip)
        .take(window.limit)
        .collect();
    let headers = page_headers(path, pairs, window, more);
    Ok(Page { items, headers })
}

/// `path?<every other parameter>&limit=L&skip=S`.
fn next_page(path: &str, pairs: &[(String, String)], limit: usize, skip: usize) -> String {
    let encode = |s: &str| utf8_percent_encode(s, QUERY_ESCAPES).to_string();
    let mut query: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "limit" && k != "skip")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    query.push(format!("limit={limit}"));
    query.push(format!("skip={skip}"));
    format!("{path}?{}", query.join("&"))
}
