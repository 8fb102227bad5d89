//! A barrier that can be broken, so that a peer that panics on one thread
//! cannot leave the other threads waiting forever.

use std::sync::{Condvar, Mutex, PoisonError};

pub(super) struct Gate {
    state: Mutex<State>,
    turn: Condvar,
    parties: usize,
}

#[derive(Default)]
struct State {
    arrived: usize,
    generation: u64,
    broken: bool,
}

impl Gate {
    pub(super) fn new(parties: usize) -> Self {
        Self {
            state: Mutex::default(),
            turn: Condvar::new(),
            parties,
        }
    }

    /// Waits until every party arrived; false if the gate is broken.
    pub(super) fn wait(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.broken {
            return false;
        }
        state.arrived += 1;
        if state.arrived == self.parties {
            state.arrived = 0;
            state.generation += 1;
            self.turn.notify_all();
            return true;
        }
        let generation = state.generation;
        while state.generation == generation && !state.broken {
            state = self
                .turn
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !state.broken
    }

    /// Releases every waiter, now and later, with `false`.
    pub(super) fn break_it(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .broken = true;
        self.turn.notify_all();
    }
}
