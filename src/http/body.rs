//! Reading response bodies within a size limit.
//!
//! A body is read chunk by chunk and reading stops as soon as the limit is passed, so an
//! endless body or a decompression bomb costs at most the limit in memory. The chunks
//! are those reqwest yields after gzip decoding, so the limit applies to the decoded
//! size; a `Content-Length` above the limit is refused before reading anything.

use super::HttpError;

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// It is larger than the limit.
    TooLarge(HttpError),
    /// The connection broke off mid-way (the request may be sent again): why, in words.
    Broken(String),
}

/// Reads the whole body of `response`, failing once it exceeds `limit` bytes.
pub(crate) async fn read(
    endpoint: &str,
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, BodyError> {
    let too_large = || {
        BodyError::TooLarge(HttpError::TooLarge {
            endpoint: endpoint.to_owned(),
            limit,
        })
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Broken(super::transport::describe(e)))?
    {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The first `limit` bytes of the body of `response` (an error body, shown shortened):
/// what could be read, the rest left unread.
pub(crate) async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}
