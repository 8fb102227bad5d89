//! Closures as fallbacks.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

use async_trait::async_trait;

use crate::{Declined, Fallback, FallbackReason, Served};

/// A synchronous closure as a [`Fallback`]; see [`from_fn`].
#[derive(Clone)]
pub struct FnFallback<F> {
    name: Cow<'static, str>,
    f: F,
}

/// An async closure as a [`Fallback`]; see [`from_async_fn`].
#[derive(Clone)]
pub struct AsyncFnFallback<F> {
    name: Cow<'static, str>,
    f: F,
}

/// Wraps `f(request, reason)` as a fallback named `name`.
///
/// ```
/// use fallback_cache::{Declined, FallbackReason, Provenance, Served, from_fn};
///
/// let default_answer = from_fn("default", |q: &String, _: &FallbackReason| {
///     Ok::<_, Declined>(Served::new(format!("no answer for {q}"), Provenance::fallback("default")))
/// });
/// # let _ = default_answer;
/// ```
pub fn from_fn<F>(name: impl Into<Cow<'static, str>>, f: F) -> FnFallback<F> {
    FnFallback {
        name: name.into(),
        f,
    }
}

/// Wraps an async `f(request, reason)` as a fallback named `name`.
///
/// The future must own what it uses (`'static`): copy what you need out of
/// the request before the `async move` block.
///
/// ```
/// use fallback_cache::{Declined, FallbackReason, Provenance, Served, from_async_fn};
///
/// let echo = from_async_fn("echo", |q: &String, _: &FallbackReason| {
///     let q = q.clone();
///     async move { Ok::<_, Declined>(Served::new(q, Provenance::fallback("echo"))) }
/// });
/// # let _ = echo;
/// ```
pub fn from_async_fn<F>(name: impl Into<Cow<'static, str>>, f: F) -> AsyncFnFallback<F> {
    AsyncFnFallback {
        name: name.into(),
        f,
    }
}

#[async_trait]
impl<Req, Resp, F> Fallback<Req, Resp> for FnFallback<F>
where
    Req: ?Sized + Sync,
    Resp: Send,
    F: Fn(&Req, &FallbackReason) -> Result<Served<Resp>, Declined> + Send + Sync,
{
    async fn fallback(
        &self,
        request: &Req,
        reason: &FallbackReason,
    ) -> Result<Served<Resp>, Declined> {
        (self.f)(request, reason)
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait]
impl<Req, Resp, F, Fut> Fallback<Req, Resp> for AsyncFnFallback<F>
where
    Req: ?Sized + Sync,
    Resp: Send,
    F: Fn(&Req, &FallbackReason) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Served<Resp>, Declined>> + Send + 'static,
{
    async fn fallback(
        &self,
        request: &Req,
        reason: &FallbackReason,
    ) -> Result<Served<Resp>, Declined> {
        (self.f)(request, reason).await
    }

    fn name(&self) -> &str {
        &self.name
    }
}

impl<F> fmt::Debug for FnFallback<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnFallback")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for AsyncFnFallback<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFnFallback")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
