//! Reading a response body without trusting its size.

use reqwest::Response;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Announced or found to be over the limit; reading stopped there.
    TooLarge { content_length: Option<u64> },
    /// The connection failed (or timed out) while reading.
    Http(reqwest::Error),
}

/// Reads the whole body, streaming it chunk by chunk and stopping as soon
/// as it passes `limit` bytes, so a huge (or endless) body costs at most
/// `limit` bytes of memory.
pub(crate) async fn read_capped(
    mut response: Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let content_length = response.content_length();
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { content_length });
    }
    // A small announced length is trusted only for the initial capacity.
    let capacity = content_length
        .map_or(8 * 1024, |len| usize::try_from(len).unwrap_or(limit))
        .min(limit);
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Http)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { content_length });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
