//! The subjects drive their libraries the way the scenarios assume: closed
//! breakers admit, failures open them, cycles close them again.

use circuit_core::State;

use super::*;
use crate::scenarios::cycles::cycle;
use crate::scenarios::open_state::trip;

struct Check;

impl Visit for Check {
    fn visit<S: Subject>(&mut self, subject: &S) {
        let label = subject.id().label();
        let mut closed = subject.closed().unwrap();
        assert!(
            S::call(&mut closed, true),
            "{label}: a closed breaker refused a call"
        );
        let mut open = subject.for_open_state().unwrap();
        assert!(trip::<S>(&mut open), "{label}: failures never opened it");
        assert!(
            !S::call(&mut open, true),
            "{label}: an open breaker admitted a call"
        );
        let Some(mut cycling) = subject.cycling().unwrap() else {
            assert!(subject.call_variant_only(), "{label}: no cycles");
            return;
        };
        for _ in 0..3 {
            assert!(
                cycle::<S>(&mut cycling),
                "{label}: a cycle did not close it again"
            );
        }
        assert!(
            S::call(&mut cycling.breaker, true),
            "{label}: not closed after cycles"
        );
    }
}

#[test]
fn every_subject_admits_trips_and_cycles() {
    visit_all(&mut Check);
}

#[test]
fn our_cycle_really_opens_and_closes_the_breaker() {
    let mut c = Ours::PLAIN.cycling().unwrap().unwrap();
    for _ in 0..4 {
        assert!(cycle::<Ours>(&mut c));
    }
    let metrics = c.breaker.metrics();
    assert_eq!(metrics.circuit_open_count, 4);
    assert_eq!(metrics.recovery_attempts, 4);
    assert_eq!(c.breaker.state(), State::Closed);
}

#[test]
fn peers_with_a_visible_state_also_cycle_for_real() {
    let mut t = tower::Count.cycling().unwrap().unwrap();
    assert!(cycle::<tower::Count>(&mut t));
    assert_eq!(
        t.breaker.state_sync(),
        tower_resilience_circuitbreaker::CircuitState::Closed
    );
    let mut c = circuitbreaker_rs::Default.cycling().unwrap().unwrap();
    // The trip shows as a rejection when the open period is long; here it
    // is zero, so check the state after the failures instead.
    for _ in 0..c.failures {
        circuitbreaker_rs::Default::call(&mut c.breaker, false);
    }
    assert_eq!(c.breaker.current_state(), ::circuitbreaker_rs::State::Open);
    assert!(cycle::<circuitbreaker_rs::Default>(&mut c));
    assert_eq!(
        c.breaker.current_state(),
        ::circuitbreaker_rs::State::Closed
    );
}
