//! Section 5, breakers: how cheap a rejected call is. In an outage every
//! caller takes this path, so it is what protects the service.

use crate::error::Error;
use crate::scenarios::hot_path::{Expect, Pending, prepare};
use crate::subjects::Subject;
use crate::timing::Plan;

/// Failures a subject may take to trip before it is declared untrippable.
const MAX_FAILURES_TO_TRIP: u32 = 10_000;

/// Fails calls until the breaker rejects one; false if it never does.
pub(crate) fn trip<S: Subject>(breaker: &mut S::Breaker) -> bool {
    (0..MAX_FAILURES_TO_TRIP).any(|_| !S::call(breaker, false))
}

/// Calls rejected by breakers that failures opened.
pub(crate) fn prepare_open<S: Subject>(subject: &S, plan: &Plan) -> Result<Pending, Error> {
    let mut breaker = subject.for_open_state()?;
    let mut shared = subject.for_open_state()?;
    if !(trip::<S>(&mut breaker) && trip::<S>(&mut shared)) {
        return Err(Error::setup(
            subject.id().label(),
            format!("{MAX_FAILURES_TO_TRIP} failures did not open it"),
        ));
    }
    Ok(prepare::<S>(
        subject.id(),
        plan,
        breaker,
        shared,
        true,
        Expect::Rejected,
    ))
}
