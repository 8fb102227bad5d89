//! Chains: one call guarded by several breakers at once.

use std::borrow::Borrow;
use std::fmt;
use std::time::Duration;

use crate::{CircuitBreaker, Outcome, Permit, Rejected};

/// Links kept without allocation.
const INLINE: usize = 4;

/// An ordered list of breakers that admit a call together: all of them or
/// none.
///
/// Two uses:
/// * a call to service A whose result feeds a call to service B: chain
///   `[a, b]`, so that A is not called while B's breaker is open;
/// * a host-level breaker above per-endpoint breakers: chain
///   `[host, endpoint]`, so that a dead host fails every endpoint at once
///   while one failing endpoint trips only its own breaker.
///
/// Links are held by reference (`Chain<&CircuitBreaker>`), by `Arc`
/// (`Chain<Arc<CircuitBreaker>>`) or by value. Acquiring allocates nothing
/// for chains of up to 4 links.
///
/// ```
/// use circuit_core::{Chain, CircuitBreaker, Config, Outcome};
///
/// let host = CircuitBreaker::builder("kol-backend").build()?;
/// let budget = CircuitBreaker::builder("kol-backend /budget")
///     .config(Config { max_failures: 2, ..Config::default() })
///     .build()?;
/// let chain = Chain::new([&host, &budget]);
///
/// // A 500 from the budget endpoint: the endpoint failed, the host answered.
/// for _ in 0..2 {
///     let permit = chain.try_acquire().expect("both closed");
///     permit.record_each([Outcome::Success, Outcome::Failure]);
/// }
/// // The endpoint's breaker opened; the host's did not.
/// let rejected = chain.try_acquire().unwrap_err();
/// assert_eq!(rejected.link(), 1);
/// assert!(host.try_acquire().is_ok());
/// # Ok::<(), circuit_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Chain<B> {
    links: Vec<B>,
}

impl<B: Borrow<CircuitBreaker>> Chain<B> {
    /// A chain of these breakers, in the order they are asked.
    pub fn new(links: impl IntoIterator<Item = B>) -> Self {
        Self {
            links: links.into_iter().collect(),
        }
    }

    /// The breakers, in order.
    pub fn links(&self) -> &[B] {
        &self.links
    }

    /// How many breakers the chain holds.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether the chain holds no breaker (it then admits every call).
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Asks every breaker, in order, to admit one call.
    ///
    /// # Errors
    /// The first link that rejects, with its [`Rejected`]. The permits of
    /// the links before it are released as cancelled: a half-open probe
    /// slot taken on the way is freed at once, not wasted.
    #[inline]
    pub fn try_acquire(&self) -> Result<ChainPermit<'_>, ChainRejected> {
        let mut permits = Links::default();
        for (link, breaker) in self.links.iter().enumerate() {
            match breaker.borrow().try_acquire() {
                Ok(permit) => permits.push(permit),
                // Dropping `permits` releases them as cancelled.
                Err(rejected) => return Err(ChainRejected { link, rejected }),
            }
        }
        Ok(ChainPermit { permits })
    }
}

impl<B: Borrow<CircuitBreaker>> fmt::Debug for Chain<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.links.iter().map(|b| b.borrow().name()))
            .finish()
    }
}

/// The permits of up to four links inline, more on the heap.
#[derive(Default)]
struct Links<'a> {
    /// How many of `inline` are filled (always the first ones).
    len: usize,
    inline: [Option<Permit<'a>>; INLINE],
    more: Vec<Permit<'a>>,
}

impl<'a> Links<'a> {
    #[inline]
    fn push(&mut self, permit: Permit<'a>) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = Some(permit);
                self.len += 1;
            }
            None => self.more.push(permit),
        }
    }

    #[inline]
    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Permit<'a>> {
        self.inline[..self.len]
            .iter_mut()
            .flatten()
            .chain(self.more.iter_mut())
    }

    #[inline]
    fn iter(&self) -> impl Iterator<Item = &Permit<'a>> {
        self.inline[..self.len]
            .iter()
            .flatten()
            .chain(self.more.iter())
    }

    /// Hands every permit, in order, to `f`, leaving none behind. Plain
    /// loops, not an iterator chain: this is the call path of every
    /// chained call.
    #[inline]
    fn take_each(&mut self, mut f: impl FnMut(Permit<'a>)) {
        for slot in &mut self.inline[..self.len] {
            if let Some(permit) = slot.take() {
                f(permit);
            }
        }
        self.len = 0;
        if !self.more.is_empty() {
            self.more.drain(..).for_each(f);
        }
    }
}

/// One call admitted by every link of a [`Chain`]. Record one outcome on
/// every link ([`record`](Self::record)) or one per link
/// ([`record_each`](Self::record_each)); dropping it cancels the call on
/// every link.
#[must_use = "dropping a permit without recording counts the call as cancelled"]
pub struct ChainPermit<'a> {
    permits: Links<'a>,
}

impl<'a> ChainPermit<'a> {
    /// The permit of link `index`, to hand it a latency or a Retry-After
    /// of its own.
    pub fn link_mut(&mut self, index: usize) -> Option<&mut Permit<'a>> {
        self.permits.iter_mut().nth(index)
    }

    /// Whether any link admitted this call as a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.permits.iter().any(Permit::is_probe)
    }

    /// Hands the same measured latency to every link.
    pub fn set_latency(&mut self, latency: Duration) {
        self.permits.iter_mut().for_each(|p| p.set_latency(latency));
    }

    /// Hands the same Retry-After hint to every link.
    pub fn set_retry_after(&mut self, retry_after: Duration) {
        self.permits
            .iter_mut()
            .for_each(|p| p.set_retry_after(retry_after));
    }

    /// Records `outcome` on every link.
    #[inline]
    pub fn record(mut self, outcome: Outcome) {
        self.permits.take_each(|p| p.record(outcome));
    }

    /// The call succeeded, for every link.
    #[inline]
    pub fn record_success(self) {
        self.record(Outcome::Success);
    }

    /// The call failed, for every link.
    #[inline]
    pub fn record_failure(self) {
        self.record(Outcome::Failure);
    }

    /// Records one outcome per link, in the chain's order: for a call that
    /// failed at one level but not at another (the host answered, the
    /// endpoint failed). Links without an outcome (a shorter list) count
    /// the call as cancelled; extra outcomes are ignored.
    pub fn record_each(mut self, outcomes: impl IntoIterator<Item = Outcome>) {
        let mut outcomes = outcomes.into_iter();
        self.permits.take_each(|permit| match outcomes.next() {
            Some(outcome) => permit.record(outcome),
            None => drop(permit),
        });
    }
}

impl fmt::Debug for ChainPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.permits.iter()).finish()
    }
}

/// A [`Chain`] rejected a call: which link, and its [`Rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRejected {
    link: usize,
    rejected: Rejected,
}

impl ChainRejected {
    /// The index of the link that rejected the call.
    pub const fn link(&self) -> usize {
        self.link
    }

    /// That link's rejection.
    pub const fn rejected(&self) -> Rejected {
        self.rejected
    }

    /// How long until that link may let a call through.
    pub const fn retry_after(&self) -> Duration {
        self.rejected.retry_after()
    }
}

impl fmt::Display for ChainRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link {} of the chain: {}", self.link, self.rejected)
    }
}

impl std::error::Error for ChainRejected {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.rejected)
    }
}

impl From<ChainRejected> for Rejected {
    fn from(rejected: ChainRejected) -> Self {
        rejected.rejected
    }
}
