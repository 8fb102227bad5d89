//! Serving the last-good response from a [`ResponseCache`].

use std::fmt;

use async_trait::async_trait;

use crate::{
    CacheKey, CanonicalKey, Declined, Fallback, FallbackReason, Lookup, Provenance, ResponseCache,
    Served,
};

/// Answers with the cached response for the request's canonical key, fresh
/// or stale within `stale_if_error`; declines with [`Declined::Miss`] or
/// [`Declined::Expired`] otherwise.
pub struct CacheFallback<V> {
    cache: ResponseCache<CanonicalKey, V>,
    mark: Option<fn(&mut V, &Provenance)>,
}

impl<V> CacheFallback<V>
where
    V: Clone + Send + Sync + 'static,
{
    /// Serves from `cache` (a clone shares its entries).
    pub fn new(cache: ResponseCache<CanonicalKey, V>) -> Self {
        Self { cache, mark: None }
    }

    /// Lets served copies record their provenance in themselves, e.g. in
    /// `meta.algorithm_used`.
    #[must_use]
    pub fn marking(mut self, mark: fn(&mut V, &Provenance)) -> Self {
        self.mark = Some(mark);
        self
    }
}

#[async_trait]
impl<Req, V> Fallback<Req, V> for CacheFallback<V>
where
    Req: CacheKey + ?Sized + Sync,
    V: Clone + Send + Sync + 'static,
{
    async fn fallback(&self, request: &Req, _: &FallbackReason) -> Result<Served<V>, Declined> {
        let mut lookup = Lookup::Miss;
        request.with_cache_key(&mut |key| lookup = self.cache.lookup(key));
        let hit = match lookup {
            Lookup::Fresh(hit) | Lookup::Stale(hit) => hit,
            Lookup::Expired { age } => return Err(Declined::Expired { age }),
            Lookup::Miss => return Err(Declined::Miss),
        };
        let provenance = hit.provenance();
        let mut response = V::clone(&hit.value);
        if let Some(mark) = self.mark {
            mark(&mut response, &provenance);
        }
        Ok(Served::new(response, provenance))
    }

    fn name(&self) -> &str {
        crate::kind::CACHE
    }
}

impl<V> fmt::Debug for CacheFallback<V>
where
    V: Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheFallback")
            .field("cache", &self.cache)
            .field("marks", &self.mark.is_some())
            .finish()
    }
}
