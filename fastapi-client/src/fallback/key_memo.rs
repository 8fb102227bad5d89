//! The canonical key of the last match request keyed on this thread,
//! kept with a copy of that request, so that the same request again
//! skips building its key.
//!
//! Every live match success refreshes the last-good cache under the
//! request's canonical key, and building that key (folding, sorting and
//! quoting the categories and platforms, writing the floats in their
//! canonical form) was the largest part of what the client added to a
//! request (about 4 000 instructions, 1.5-2 µs on loopback). A caller
//! that sends the same request again (a dashboard polling a campaign, a
//! retry, a scheduled refresh) now pays a comparison of two requests
//! instead; any other request builds its key as before and becomes the
//! one remembered, reusing the copy's buffers, so that after the first
//! few calls neither path allocates.
//!
//! Why a thread-local and not a field of the client: the key is asked
//! for by the fallback bundle (`CacheKey::with_cache_key`), which sees
//! only the request. Equal requests (`==`) always have equal keys (the
//! key is a function of the fields `==` compares, and the one float
//! difference `==` ignores, `-0.0` against `0.0`, is keyed alike), so a
//! hit can never lend the wrong key.

use std::cell::RefCell;

use crate::MatchKolsRequest;

/// Keys longer than this are not kept: the memo holds one request and
/// one key per thread, and should stay small whatever a caller sends.
const MAX_KEPT_BYTES: usize = 4 * 1024;

#[derive(Default)]
struct Memo {
    /// The request `key` belongs to; `None` until the first one, or after
    /// one whose key was too long to keep.
    request: Option<MatchKolsRequest>,
    key: String,
}

thread_local! {
    static LAST: RefCell<Memo> = RefCell::new(Memo::default());
}

/// Lends `request`'s key to `with`: the remembered one when `request`
/// equals the last request keyed on this thread, else the one `build`
/// makes (which is then remembered).
pub(super) fn with_key(
    request: &MatchKolsRequest,
    build: impl Fn(&MatchKolsRequest, &mut dyn FnMut(&str)),
    with: &mut dyn FnMut(&str),
) {
    let lent = LAST.try_with(|cell| {
        // Busy only if `with` itself asks for a key: build that one.
        let Ok(mut memo) = cell.try_borrow_mut() else {
            return false;
        };
        if memo.request.as_ref() != Some(request) {
            remember(&mut memo, request, &build);
        }
        match memo.request {
            Some(_) => with(&memo.key),
            // Too long to keep (very long categories): built again, rare.
            None => build(request, with),
        }
        true
    });
    // The thread is shutting down and its memo is gone.
    if lent != Ok(true) {
        build(request, with);
    }
}

fn remember(
    memo: &mut Memo,
    request: &MatchKolsRequest,
    build: impl Fn(&MatchKolsRequest, &mut dyn FnMut(&str)),
) {
    let Memo { request: kept, key } = memo;
    key.clear();
    build(request, &mut |built| key.push_str(built));
    if key.len() > MAX_KEPT_BYTES {
        *kept = None;
        *key = String::new();
        return;
    }
    match kept {
        Some(kept) => copy_into(kept, request),
        None => *kept = Some(request.clone()),
    }
}

/// `*to = from.clone()`, reusing `to`'s buffers (a derived `clone_from`
/// would allocate anew). Destructured so that a new field cannot be
/// missed.
fn copy_into(to: &mut MatchKolsRequest, from: &MatchKolsRequest) {
    let MatchKolsRequest {
        campaign_id,
        categories,
        platforms,
        min_followers,
        max_followers,
        min_engagement_rate,
        budget,
        limit,
    } = from;
    to.campaign_id.clone_from(campaign_id);
    to.categories.clone_from(categories);
    to.platforms.clone_from(platforms);
    to.min_followers = *min_followers;
    to.max_followers = *max_followers;
    to.min_engagement_rate = *min_engagement_rate;
    to.budget = *budget;
    to.limit = *limit;
}

#[cfg(test)]
mod tests {
    use fallback_cache::CacheKey;

    use super::*;
    use crate::Platform;

    fn lent(request: &MatchKolsRequest) -> String {
        let mut key = String::new();
        request.with_cache_key(&mut |k| key = k.to_owned());
        key
    }

    #[test]
    fn every_request_gets_its_own_key_whatever_came_before() {
        let a = MatchKolsRequest::new("c-1", ["tech", "beauty"], 1_000.0);
        let mut b = a.clone();
        b.budget = 2_000.0;
        let mut c = a.clone();
        c.platforms = Some(vec![Platform::Tiktok, Platform::Other("mastodon".into())]);
        let mut d = c.clone();
        d.categories.push("travel".into());
        let mut zero = a.clone();
        zero.min_engagement_rate = -0.0;
        for request in [&a, &a, &b, &a, &c, &d, &c, &d, &d, &zero, &a, &zero] {
            assert_eq!(lent(request), request.cache_key().as_str());
        }
        assert_ne!(lent(&a), lent(&b));
    }

    #[test]
    fn a_key_asked_for_while_one_is_lent_is_built_and_right() {
        let a = MatchKolsRequest::new("c-1", ["tech"], 1_000.0);
        let b = MatchKolsRequest::new("c-2", ["beauty"], 1_000.0);
        let mut inner = String::new();
        let mut outer = String::new();
        a.with_cache_key(&mut |k| {
            outer = k.to_owned();
            inner = lent(&b);
        });
        assert_eq!(outer, a.cache_key().as_str());
        assert_eq!(inner, b.cache_key().as_str());
        assert_eq!(lent(&a), a.cache_key().as_str());
    }

    #[test]
    fn a_huge_key_is_lent_but_not_kept() {
        let huge = MatchKolsRequest::new("c".repeat(MAX_KEPT_BYTES), ["tech"], 1_000.0);
        assert_eq!(lent(&huge), huge.cache_key().as_str());
        LAST.with(|memo| assert!(memo.borrow().request.is_none()));
        let small = MatchKolsRequest::new("c-1", ["tech"], 1_000.0);
        assert_eq!(lent(&small), small.cache_key().as_str());
        LAST.with(|memo| assert_eq!(memo.borrow().request.as_ref(), Some(&small)));
    }
}
