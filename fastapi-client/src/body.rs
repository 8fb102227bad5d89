//! Reading a response body without trusting its size.

use bytes::{Bytes, BytesMut};

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Announced or found to be over the limit; reading stopped there.
    TooLarge { content_length: Option<u64> },
    /// The connection failed (or timed out) while reading.
    Http(reqwest::Error),
}

/// Where the chunks of a body come from: a live response, or a scripted
/// stream in tests and the fuzz harness.
pub(crate) trait Chunks {
    /// The announced `Content-Length`, if any.
    fn content_length(&self) -> Option<u64>;

    /// The next chunk, `None` at the end.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, reqwest::Error>> + Send;
}

impl Chunks for reqwest::Response {
    fn content_length(&self) -> Option<u64> {
        reqwest::Response::content_length(self)
    }

    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, reqwest::Error>> + Send {
        self.chunk()
    }
}

impl<T: Chunks + Send> Chunks for &mut T {
    fn content_length(&self) -> Option<u64> {
        (**self).content_length()
    }

    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Bytes>, reqwest::Error>> + Send {
        (**self).next_chunk()
    }
}

/// Reads the whole body, chunk by chunk, stopping as soon as it passes
/// `limit` bytes, so a huge (or endless) body costs at most `limit` bytes
/// of memory (plus the chunk in hand). A body that arrives in one chunk,
/// as a small answer over HTTP/1.1 usually does, is kept as it came:
/// neither copied nor allocated again.
pub(crate) async fn read_capped(mut body: impl Chunks, limit: usize) -> Result<Bytes, BodyError> {
    let content_length = body.content_length();
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { content_length });
    }
    let too_large = || BodyError::TooLarge { content_length };
    let Some(first) = body.next_chunk().await.map_err(BodyError::Http)? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large());
    }
    let Some(second) = body.next_chunk().await.map_err(BodyError::Http)? else {
        return Ok(first);
    };
    if first.len() + second.len() > limit {
        return Err(too_large());
    }
    // A small announced length is trusted only for the initial capacity.
    let capacity = content_length
        .map_or(8 * 1024, |len| usize::try_from(len).unwrap_or(limit))
        .clamp(first.len() + second.len(), limit);
    let mut whole = BytesMut::with_capacity(capacity);
    whole.extend_from_slice(&first);
    whole.extend_from_slice(&second);
    while let Some(chunk) = body.next_chunk().await.map_err(BodyError::Http)? {
        if whole.len() + chunk.len() > limit {
            return Err(too_large());
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(whole.freeze())
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// Scripted chunks; `endless` repeats the last one forever.
    struct Script {
        chunks: VecDeque<Bytes>,
        endless: Option<Bytes>,
        announced: Option<u64>,
        pulled: usize,
    }

    impl Chunks for Script {
        fn content_length(&self) -> Option<u64> {
            self.announced
        }

        async fn next_chunk(&mut self) -> Result<Option<Bytes>, reqwest::Error> {
            let next = self.chunks.pop_front().or_else(|| self.endless.clone());
            self.pulled += next.as_ref().map_or(0, Bytes::len);
            Ok(next)
        }
    }

    fn script(chunks: &[&'static [u8]]) -> Script {
        Script {
            chunks: chunks.iter().map(|c| Bytes::from_static(c)).collect(),
            endless: None,
            announced: None,
            pulled: 0,
        }
    }

    fn read(body: impl Chunks, limit: usize) -> Result<Bytes, BodyError> {
        block_on(read_capped(body, limit))
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn one_chunk_is_kept_as_it_came_and_several_are_joined() {
        let single: &'static [u8] = b"{\"a\": 1}";
        let body = read(script(&[single]), 100).unwrap();
        assert_eq!(body.as_ptr(), single.as_ptr(), "not copied");
        assert_eq!(
            &read(script(&[b"ab", b"cd", b"e"]), 5).unwrap()[..],
            b"abcde"
        );
        assert!(read(script(&[]), 5).unwrap().is_empty());
    }

    #[test]
    fn the_limit_holds_whatever_the_chunking() {
        for chunks in [
            &[&b"abcdef"[..]][..],
            &[b"abc", b"def"],
            &[b"ab", b"cd", b"ef"],
        ] {
            assert!(matches!(
                read(script(chunks), 5),
                Err(BodyError::TooLarge {
                    content_length: None
                })
            ));
        }
        let mut announced = script(&[b"ab"]);
        announced.announced = Some(1_000_000);
        assert!(matches!(
            read(announced, 5),
            Err(BodyError::TooLarge {
                content_length: Some(1_000_000)
            })
        ));
    }

    #[test]
    fn an_endless_body_stops_at_the_limit() {
        let mut endless = script(&[]);
        endless.endless = Some(Bytes::from_static(&[b'x'; 1024]));
        let limit = 64 * 1024;
        let pulled = {
            let mut endless = endless;
            let result = block_on(read_capped(&mut endless, limit));
            assert!(matches!(result, Err(BodyError::TooLarge { .. })));
            endless.pulled
        };
        assert!(pulled <= limit + 1024, "pulled {pulled}");
    }
}
