//! Keeping an entry current after a live success without rewriting it.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use super::ResponseCache;

/// What [`ResponseCache::refresh`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refresh {
    /// The cached value equalled the live one: only its time was renewed
    /// (no copy, no cache write).
    Confirmed {
        /// Whether this confirmation was *due*: at least the `every` given
        /// to [`ResponseCache::refresh_keyed`] since the last due one (or
        /// the store). Always true for [`ResponseCache::refresh`] and
        /// [`ResponseCache::refresh_by`]; for work worth doing now and then
        /// rather than on every live success.
        due: bool,
    },
    /// The value was copied in as a new entry: the key was missing, held
    /// a different value, or held one that arrived already old.
    Stored,
}

impl<K, V> ResponseCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// Records a live success that returned `value` for `key`: afterwards
    /// the entry holds a value equal to `value` at age zero, exactly as
    /// after [`insert`](Self::insert).
    ///
    /// When the cached value already equals `value` (by `PartialEq`), the
    /// entry keeps that value and only its time is renewed, atomically:
    /// nothing is cloned, allocated or written to moka, and a concurrent
    /// reader sees either the old time or the new one, always with that
    /// value. Otherwise `value` is cloned and inserted. Entries that
    /// arrived already old (loaded from a file, [`insert_with_age`]) are
    /// replaced rather than renewed. Ages never move backwards when
    /// refreshes race.
    ///
    /// ```
    /// use fallback_cache::{Refresh, ResponseCache};
    ///
    /// let cache = ResponseCache::<String, Vec<u32>>::builder().build().unwrap();
    /// assert_eq!(cache.refresh("k", &vec![1, 2]), Refresh::Stored);
    /// assert_eq!(cache.refresh("k", &vec![1, 2]), Refresh::Confirmed { due: true });
    /// assert_eq!(cache.refresh("k", &vec![3]), Refresh::Stored);
    /// assert_eq!(*cache.fresh("k").unwrap().value, [3]);
    /// ```
    ///
    /// [`insert_with_age`]: Self::insert_with_age
    pub fn refresh<Q>(&self, key: &Q, value: &V) -> Refresh
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
        V: PartialEq + Clone,
    {
        self.refresh_by(key, value, |cached, live| cached == live)
    }

    /// [`refresh`](Self::refresh) with `same(cached, live)` deciding whether
    /// the live value confirms the cached one, for values whose `==` would
    /// see a difference that does not matter (e.g. a per-call processing
    /// time). When `same` holds, the cached value is kept as it is, with
    /// those fields from the earlier call.
    pub fn refresh_by<Q>(&self, key: &Q, value: &V, same: impl FnOnce(&V, &V) -> bool) -> Refresh
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
        V: Clone,
    {
        self.refresh_keyed(key, Q::to_owned, value, same, Duration::ZERO)
    }

    /// [`refresh_by`](Self::refresh_by) for a key looked up by a borrowed
    /// form that is not `ToOwned` into `K` (a [`CanonicalKey`]'s text):
    /// `owned` makes the key, only if the value must be stored. A
    /// confirmation is [due](Refresh::Confirmed) once per `every`.
    ///
    /// [`CanonicalKey`]: crate::CanonicalKey
    pub fn refresh_keyed<Q>(
        &self,
        key: &Q,
        owned: impl FnOnce(&Q) -> K,
        value: &V,
        same: impl FnOnce(&V, &V) -> bool,
        every: Duration,
    ) -> Refresh
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let now = self.clock.now();
        if let Some(slot) = self.inner.get(key) {
            if same(slot.value(), value) {
                if let Some(due) = slot.confirm(now, every) {
                    return Refresh::Confirmed { due };
                }
            }
        }
        self.put(owned(key), Arc::new(value.clone()), Duration::ZERO, now);
        Refresh::Stored
    }
}
