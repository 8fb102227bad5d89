use std::time::Duration;

use circuit_core::{CircuitBreaker, Config, ManualClock, TransitionReason};

use super::*;

fn breaker(name: &str) -> Arc<CircuitBreaker> {
    breaker_on(name, ManualClock::new())
}

fn breaker_on(name: &str, clock: ManualClock) -> Arc<CircuitBreaker> {
    let config = Config {
        max_failures: 2,
        ..Config::default()
    };
    Arc::new(
        CircuitBreaker::builder(name)
            .config(config)
            .clock(clock)
            .build()
            .unwrap(),
    )
}

fn succeed(cb: &CircuitBreaker, times: usize) {
    for _ in 0..times {
        cb.try_acquire().unwrap().record_success();
    }
}

fn reject(cb: &CircuitBreaker, times: usize) {
    for _ in 0..times {
        assert!(cb.try_acquire().is_err());
    }
}

/// Sweeps until the next tick has been taken (inclusive).
fn to_next_tick(board: &mut Board, set: &dyn BreakerSet) -> Vec<Found> {
    let mut all = Vec::new();
    loop {
        let found = board.sweep(set, SystemTime::now());
        let ticked = found.contains(&Found::Tick);
        all.extend(found);
        if ticked {
            return all;
        }
    }
}

fn transitions(found: &[Found]) -> Vec<&Transition> {
    found
        .iter()
        .filter_map(|f| match f {
            Found::Transition(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn rejections(found: &[Found]) -> Vec<&Rejections> {
    found
        .iter()
        .filter_map(|f| match f {
            Found::Rejections(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn the_first_sweep_lists_every_breaker_and_ticks() {
    let set = vec![breaker("kol-matcher"), breaker("budget-optimizer")];
    let mut board = Board::default();
    let found = board.sweep(&set, SystemTime::now());
    assert_eq!(
        found[0],
        Found::Membership(Membership {
            added: vec!["kol-matcher".into(), "budget-optimizer".into()],
            removed: vec![],
        })
    );
    assert_eq!(found.last(), Some(&Found::Tick));
    let names: Vec<&str> = board.lives().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["kol-matcher", "budget-optimizer"]);
}

#[test]
fn transitions_are_found_once_with_their_reason_and_old_ones_are_not_news() {
    let clock = ManualClock::new();
    let cb = breaker_on("kol-matcher", clock.clone());
    cb.force_open();
    cb.reset();
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    assert!(transitions(&board.sweep(&set, SystemTime::now())).is_empty());

    cb.force_open();
    let found = board.sweep(&set, SystemTime::now());
    let seen = transitions(&found);
    assert_eq!(seen.len(), 1, "{found:?}");
    assert_eq!(
        (seen[0].from, seen[0].to),
        (State::Closed, State::ForcedOpen)
    );
    assert_eq!(seen[0].cause, TransitionReason::ForcedOpen);
    assert_eq!(seen[0].reason, "forced open");
    assert!(transitions(&board.sweep(&set, SystemTime::now())).is_empty());

    // A round trip between two sweeps ends where it started, and is still
    // reported, in order, at the latest on the next tick.
    clock.advance(Duration::from_millis(1));
    cb.reset();
    clock.advance(Duration::from_millis(1));
    cb.force_open();
    let found = to_next_tick(&mut board, &set);
    let seen: Vec<(State, State)> = transitions(&found).iter().map(|t| (t.from, t.to)).collect();
    assert_eq!(
        seen,
        [
            (State::ForcedOpen, State::Closed),
            (State::Closed, State::ForcedOpen)
        ]
    );
}

#[test]
fn a_trip_is_reported_with_its_trigger() {
    let cb = breaker("kol-matcher");
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    board.sweep(&set, SystemTime::now());
    for _ in 0..2 {
        cb.try_acquire().unwrap().record_failure();
    }
    let found = board.sweep(&set, SystemTime::now());
    let seen = transitions(&found);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].to, State::Open);
    assert_eq!(seen[0].reason, "tripped: 2 consecutive failures (max 2)");
}

#[test]
fn ticks_count_calls_per_second_and_keep_five_minutes() {
    let cb = breaker("kol-matcher");
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    to_next_tick(&mut board, &set);
    succeed(&cb, 7);
    to_next_tick(&mut board, &set);
    let live = board.lives().next().unwrap().clone();
    assert_eq!((live.calls_per_s, live.rejections_per_s), (7, 0));
    assert_eq!(live.fallbacks_per_s, None);
    for _ in 0..HISTORY_SECONDS + 5 {
        to_next_tick(&mut board, &set);
    }
    let (_, _, _, history) = board.views().remove(0);
    assert_eq!(history.calls.len(), HISTORY_SECONDS);
    assert_eq!(history.states.len(), HISTORY_SECONDS);
    assert!(
        history.calls.iter().all(|c| *c == 0),
        "the 7 calls aged out"
    );
}

#[test]
fn a_short_open_period_shows_in_the_second_it_happened() {
    let cb = breaker("kol-matcher");
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    to_next_tick(&mut board, &set);
    cb.force_open();
    board.sweep(&set, SystemTime::now());
    cb.reset();
    to_next_tick(&mut board, &set);
    let live = board.lives().next().unwrap();
    assert_eq!((live.state, live.worst), (State::Closed, State::ForcedOpen));
    let (_, _, _, history) = board.views().remove(0);
    assert_eq!(history.states, "3");
}

#[test]
fn rejection_bursts_are_reported_at_once_then_at_most_once_a_second() {
    let cb = breaker("kol-matcher");
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    board.sweep(&set, SystemTime::now());
    cb.force_open();
    reject(&cb, 3);
    let first = board.sweep(&set, SystemTime::now());
    let bursts = rejections(&first);
    assert_eq!(bursts.len(), 1);
    assert_eq!((bursts[0].count, bursts[0].reason), (3, "forced-open"));

    let mut later = Vec::new();
    for _ in 0..SWEEPS_PER_TICK * 2 {
        reject(&cb, 5);
        later.extend(board.sweep(&set, SystemTime::now()));
    }
    let bursts = rejections(&later);
    assert_eq!(bursts.len(), 2, "one a second: {bursts:?}");
    let reported: u64 = bursts.iter().map(|b| b.count).sum();
    let pending = cb.metrics().total_rejected - 3 - reported;
    assert!(
        pending < 5 * SWEEPS_PER_TICK,
        "nothing is lost, only delayed"
    );
}

#[test]
fn breakers_that_leave_the_set_are_reported_and_forgotten() {
    let kept = breaker("kol-matcher");
    let gone = breaker("budget-optimizer");
    let mut board = Board::default();
    board.sweep(
        &vec![Arc::clone(&kept), Arc::clone(&gone)],
        SystemTime::now(),
    );
    let found = board.sweep(&vec![Arc::clone(&kept)], SystemTime::now());
    assert_eq!(
        found,
        [Found::Membership(Membership {
            added: vec![],
            removed: vec!["budget-optimizer".into()],
        })]
    );
    assert_eq!(board.named("budget-optimizer").len(), 0);
    assert_eq!(board.named("kol-matcher").len(), 1);
}

#[test]
fn fallbacks_are_counted_where_registered() {
    let cb = breaker("kol-matcher");
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = Arc::clone(&served);
    let set = vec![
        BreakerSource::new(Arc::clone(&cb))
            .with_fallbacks(move || count.load(std::sync::atomic::Ordering::Relaxed)),
    ];
    let mut board = Board::default();
    to_next_tick(&mut board, &set);
    served.fetch_add(4, std::sync::atomic::Ordering::Relaxed);
    to_next_tick(&mut board, &set);
    assert_eq!(board.lives().next().unwrap().fallbacks_per_s, Some(4));
    let (_, _, _, history) = board.views().remove(0);
    assert_eq!(history.fallbacks, Some(vec![4]));
}

#[test]
fn severity_orders_states_worst_first() {
    let mut states = State::ALL;
    states.sort_by_key(|s| std::cmp::Reverse(severity(*s)));
    assert_eq!(
        states,
        [
            State::ForcedOpen,
            State::Open,
            State::HalfOpen,
            State::ForcedClosed,
            State::Closed
        ]
    );
    assert_eq!(state_digit(State::Closed), '0');
    assert_eq!(state_digit(State::ForcedClosed), '4');
}

#[test]
fn a_reconfiguration_is_reported_with_the_fields_it_changed() {
    let cb = breaker("kol-matcher");
    let set = vec![Arc::clone(&cb)];
    let mut board = Board::default();
    board.sweep(&set, SystemTime::now());
    let mut config = (*cb.config()).clone();
    config.failure_threshold = 0.3;
    config.min_requests = 20;
    cb.reconfigure(config).unwrap();
    let found = board.sweep(&set, SystemTime::now());
    let reconfigured: Vec<&Reconfigured> = found
        .iter()
        .filter_map(|f| match f {
            Found::Reconfigured(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(reconfigured.len(), 1, "{found:?}");
    assert_eq!(
        reconfigured[0].changed,
        ["failure_threshold", "min_requests"]
    );
    assert_eq!(reconfigured[0].thresholds.failure_rate, 0.3);
    assert!(
        board
            .sweep(&set, SystemTime::now())
            .iter()
            .all(|f| !matches!(f, Found::Reconfigured(_)))
    );
}

use crate::registry::tests::registry as hosts;

#[test]
fn the_board_keeps_no_registry_key_alive() {
    let hosts = hosts(2);
    let set = crate::RegistrySource::new("upstreams", Arc::clone(&hosts));
    hosts.get("a");
    hosts.get("b");
    let mut board = Board::default();
    to_next_tick(&mut board, &set);
    assert_eq!(board.lives().count(), 2);
    // Full: a new key needs an idle one to go, which only works if the
    // board holds none between sweeps.
    let c = hosts.try_get("c").expect("room is made by evicting a or b");
    assert_eq!(hosts.len(), 2);
    let found = to_next_tick(&mut board, &set);
    let membership = found
        .iter()
        .find_map(|f| match f {
            Found::Membership(m) => Some(m),
            _ => None,
        })
        .expect("the evicted key left the board");
    assert_eq!(membership.added, ["c"]);
    assert_eq!(membership.removed.len(), 1);
    assert_eq!(board.views().len(), 2);
    assert_eq!(board.named("c").len(), 1);
    drop(c);
}

#[test]
fn a_bounded_registry_lists_the_worst_keys_and_counts_the_rest() {
    let hosts = hosts(100);
    let set = crate::RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(2);
    for key in ["k1", "k2", "k3", "k4"] {
        hosts.get(key);
    }
    let mut board = Board::default();
    to_next_tick(&mut board, &set);
    let names: Vec<&str> = board.lives().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["k1", "k2"]);
    assert_eq!(
        board.hidden(),
        Hidden {
            count: 2,
            not_closed: 0
        }
    );

    let k4 = hosts.get("k4");
    k4.try_acquire().unwrap().record_failure();
    hosts.get("k3").force_open();
    drop(k4);
    to_next_tick(&mut board, &set);
    let names: Vec<&str> = board.lives().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["k3", "k4"], "forced open, then open");
    assert_eq!(
        board.hidden(),
        Hidden {
            count: 2,
            not_closed: 0
        }
    );
    hosts.get("k1").force_open();
    to_next_tick(&mut board, &set);
    assert_eq!(
        board.hidden(),
        Hidden {
            count: 2,
            not_closed: 1
        }
    );
}
