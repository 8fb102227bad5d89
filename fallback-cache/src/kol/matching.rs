//! The last resort for matching: an honest empty answer.

use std::fmt;
use std::marker::PhantomData;

use async_trait::async_trait;

use super::MatchResponse;
use crate::{Declined, Fallback, FallbackReason, Provenance, Served, kind};

/// Always answers with [`MatchResponse::empty_for`], marked
/// [`kind::EMPTY`].
pub struct EmptyMatch<M>(PhantomData<fn() -> M>);

impl<M> EmptyMatch<M> {
    /// The fallback.
    pub fn new() -> Self {
        Self(PhantomData)
    }
}

impl<M> Default for EmptyMatch<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> fmt::Debug for EmptyMatch<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmptyMatch")
    }
}

#[async_trait]
impl<M: MatchResponse> Fallback<M::Request, M> for EmptyMatch<M> {
    async fn fallback(
        &self,
        request: &M::Request,
        _: &FallbackReason,
    ) -> Result<Served<M>, Declined> {
        let provenance = Provenance::fallback(kind::EMPTY);
        let mut response = M::empty_for(request);
        response.mark(&provenance);
        Ok(Served::new(response, provenance))
    }

    fn name(&self) -> &str {
        kind::EMPTY
    }
}
