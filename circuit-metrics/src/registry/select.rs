//! Which keys of a registry get series (and cards) of their own under a
//! cardinality bound, as a pure choice over names and states.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashSet;

use circuit_core::State;

/// The `key` label of a registry's overflow breaker.
pub const OVERFLOW_KEY: &str = "__overflow__";
/// The `key` label of a breaker whose name is empty (an empty label value
/// reads as no label at all in Prometheus).
pub const EMPTY_KEY: &str = "__empty__";

/// How bad a state is for callers: forced-open, open, half-open,
/// forced-closed, closed.
pub(crate) fn severity(state: State) -> u8 {
    match state {
        State::ForcedOpen => 4,
        State::Open => 3,
        State::HalfOpen => 2,
        State::ForcedClosed => 1,
        _ => 0,
    }
}

/// The `key` label of a breaker named `name`: the name itself, except that
/// labels starting with `__` are kept for the exporter's own
/// ([`OVERFLOW_KEY`], [`EMPTY_KEY`]): a name that starts with `__` gets
/// one more `_` in front. The rule is one-to-one, so distinct names keep
/// distinct labels, and no name can be mistaken for a reserved label.
pub(crate) fn key_label(name: &str) -> Cow<'_, str> {
    if name.is_empty() {
        Cow::Borrowed(EMPTY_KEY)
    } else if name.starts_with("__") {
        Cow::Owned(format!("_{name}"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The order keys are listed in: worst state first, then by name.
fn order<T>(severity: &impl Fn(&T) -> u8, name: &impl Fn(&T) -> &str, a: &T, b: &T) -> Ordering {
    severity(b)
        .cmp(&severity(a))
        .then_with(|| name(a).cmp(name(b)))
}

/// Splits `items` into the at most `max` to show, in [`order`], and the
/// rest (in no particular order).
///
/// Worst state first means that an OPEN (or HALF_OPEN, or forced) key is
/// never left out while a CLOSED one is shown; among equals the name
/// decides, so the choice is the same from one scrape to the next and
/// series do not flap. A name that an earlier item already has is left
/// out too: two series with the same labels would make the exposition
/// invalid. Costs O(n) plus O(max log max), except with duplicate names,
/// where it sorts everything.
pub(crate) fn select<T>(
    mut items: Vec<T>,
    max: usize,
    severity: impl Fn(&T) -> u8,
    name: impl Fn(&T) -> &str,
) -> (Vec<T>, Vec<T>) {
    let by = |a: &T, b: &T| order(&severity, &name, a, b);
    if items.len() > max && max > 0 {
        items.select_nth_unstable_by(max - 1, by);
    }
    let mut hidden = items.split_off(max.min(items.len()));
    items.sort_unstable_by(by);
    let mut seen = HashSet::with_capacity(items.len());
    if items.iter().all(|item| seen.insert(name(item))) {
        return (items, hidden);
    }
    // Rare: names repeat among those picked. Take the first of each name
    // in the full order instead.
    items.append(&mut hidden);
    items.sort_by(by);
    let mut seen = HashSet::with_capacity(max);
    let mut shown = Vec::with_capacity(max);
    for item in items {
        if shown.len() < max && seen.insert(name(&item).to_owned()) {
            shown.push(item);
        } else {
            hidden.push(item);
        }
    }
    (shown, hidden)
}

/// Counts per state, in [`State::ALL`] order.
pub(crate) fn count_states(states: impl Iterator<Item = State>) -> [usize; 5] {
    let mut counts = [0; 5];
    for state in states {
        if let Some(i) = State::ALL.iter().position(|s| *s == state) {
            counts[i] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(items: &[(&'static str, State)], max: usize) -> (Vec<&'static str>, Vec<&'static str>) {
        let (shown, hidden) = select(items.to_vec(), max, |(_, s)| severity(*s), |(n, _)| n);
        let mut hidden: Vec<_> = hidden.into_iter().map(|(n, _)| n).collect();
        hidden.sort_unstable();
        (shown.into_iter().map(|(n, _)| n).collect(), hidden)
    }

    #[test]
    fn below_the_bound_every_key_is_shown_worst_first_then_by_name() {
        let items = [
            ("c", State::Closed),
            ("b", State::Open),
            ("a", State::Closed),
            ("d", State::HalfOpen),
        ];
        assert_eq!(pick(&items, 10), (vec!["b", "d", "a", "c"], vec![]));
        assert_eq!(pick(&items, 4).0, ["b", "d", "a", "c"]);
    }

    #[test]
    fn past_the_bound_open_keys_push_out_closed_ones() {
        let mut items: Vec<(&'static str, State)> = ["k0", "k1", "k2", "k3", "k4", "k5"]
            .into_iter()
            .map(|n| (n, State::Closed))
            .collect();
        assert_eq!(
            pick(&items, 3),
            (vec!["k0", "k1", "k2"], vec!["k3", "k4", "k5"])
        );
        items[5].1 = State::Open;
        items[4].1 = State::ForcedOpen;
        assert_eq!(
            pick(&items, 3),
            (vec!["k4", "k5", "k0"], vec!["k1", "k2", "k3"]),
            "forced-open, open, then the first closed key by name"
        );
        assert_eq!(
            pick(&items, 0),
            (vec![], vec!["k0", "k1", "k2", "k3", "k4", "k5"])
        );
    }

    #[test]
    fn a_repeated_name_is_shown_once() {
        let items = [
            ("a", State::Closed),
            ("a", State::Open),
            ("b", State::Closed),
            ("c", State::Closed),
        ];
        // The open "a" comes first; the closed one would repeat its labels.
        assert_eq!(pick(&items, 2), (vec!["a", "b"], vec!["a", "c"]));
        assert_eq!(pick(&items, 5), (vec!["a", "b", "c"], vec!["a"]));
    }

    #[test]
    fn reserved_labels_cannot_be_produced_by_a_name() {
        assert_eq!(key_label("api.example.com"), "api.example.com");
        assert_eq!(key_label(""), EMPTY_KEY);
        assert_eq!(key_label(OVERFLOW_KEY), "___overflow__");
        assert_eq!(key_label(EMPTY_KEY), "___empty__");
        assert_eq!(key_label("_x"), "_x");
        // One-to-one: the escaped form of one name is not another's label.
        let names = ["__a", "___a", "____a", "_a", "a", ""];
        let labels: HashSet<_> = names.iter().map(|n| key_label(n)).collect();
        assert_eq!(labels.len(), names.len());
    }

    #[test]
    fn states_are_counted_in_table_order() {
        let counts = count_states(
            [State::Open, State::Closed, State::Open, State::ForcedClosed].into_iter(),
        );
        assert_eq!(counts, [1, 2, 0, 0, 1]);
    }
}
