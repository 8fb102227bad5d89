//! The six incidents of docs/adaptive.md, generated from a seed.
//!
//! Every scenario but (b) starts with 30 minutes of healthy traffic at its
//! rate (so that a learning policy has its default horizon to learn in)
//! and ends with 10 healthy minutes after the incident. Calls arrive as a
//! Poisson process at the stated rate (one every 10 s exactly in (d));
//! each fails with the failure rate of its moment; latencies are
//! log-normal (σ = 0.6) with the stated p99 (200 ms when healthy: a
//! median of 50 ms).

use std::time::Duration;

use super::rng::Rng;
use super::{Trace, TraceCall};
use crate::{Config, Outcome};

/// One of the incidents the adaptive policy is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// (a) 1 % failures at 20 calls/s for 30 min, then 15 % for 3 min.
    Step,
    /// (b) a tolerated noisy dependency, 45–55 % failures for 2 h at 20
    /// calls/s with `failure_threshold` 0.5, then 90 % for 3 min.
    NoisyDependency,
    /// (c) a slow boil at 20 calls/s: 1 % rising to 60 % over 20 min, then
    /// 60 % for 5 min.
    SlowBoil,
    /// (d) low traffic: one call every 10 s, one in three failing for an
    /// hour.
    LowTraffic,
    /// (e) latency: p99 from 200 ms to 2 s for 5 min at 20 calls/s, no
    /// errors.
    LatencyRegression,
    /// (f) a 20 s blip of 100 % failures at 50 calls/s.
    Blip,
}

const MIN: f64 = 60.0;
/// Minutes of healthy traffic before and after the incident.
const LEAD_IN: f64 = 30.0 * MIN;
const TAIL: f64 = 10.0 * MIN;
/// Latency spread: ln of the ratio of p99 to median is 2.326 σ.
const SIGMA: f64 = 0.6;
const Z99: f64 = 2.326;
const HEALTHY_P99: f64 = 0.2;

/// How calls arrive.
#[derive(Debug, Clone, Copy)]
enum Arrivals {
    /// Poisson, calls per second.
    Poisson(f64),
    /// One exactly every so many seconds.
    Every(f64),
}

/// A scenario's shape: arrivals, the incident, and the backend at each
/// moment (failure rate, p99 in seconds).
struct Shape {
    arrivals: Arrivals,
    incident: (f64, f64),
    end: f64,
}

impl Scenario {
    /// All six, in order.
    pub const ALL: [Scenario; 6] = [
        Self::Step,
        Self::NoisyDependency,
        Self::SlowBoil,
        Self::LowTraffic,
        Self::LatencyRegression,
        Self::Blip,
    ];

    /// The letter: `a` to `f`.
    pub const fn letter(self) -> char {
        match self {
            Self::Step => 'a',
            Self::NoisyDependency => 'b',
            Self::SlowBoil => 'c',
            Self::LowTraffic => 'd',
            Self::LatencyRegression => 'e',
            Self::Blip => 'f',
        }
    }

    /// What happens, in a line.
    pub const fn title(self) -> &'static str {
        match self {
            Self::Step => "1 % failures at 20 calls/s, then 15 % for 3 min",
            Self::NoisyDependency => "45-55 % failures for 2 h (failure_threshold 0.5), then 90 %",
            Self::SlowBoil => "a slow boil from 1 % to 60 % failures over 20 min",
            Self::LowTraffic => "one call every 10 s, one in three failing for an hour",
            Self::LatencyRegression => "p99 latency from 200 ms to 2 s for 5 min, no errors",
            Self::Blip => "a 20 s blip of 100 % failures at 50 calls/s",
        }
    }

    /// The config its user runs: the default one, except in (b), where
    /// the user set `failure_threshold` to 0.5.
    pub fn user_config(self) -> Config {
        match self {
            Self::NoisyDependency => Config {
                failure_threshold: 0.5,
                ..Config::default()
            },
            _ => Config::default(),
        }
    }

    /// A static config tuned by hand for this scenario by someone who knows
    /// its healthy traffic (see [`hand_tuning`](Self::hand_tuning)).
    pub fn hand_tuned(self) -> Config {
        let d = Config::default();
        match self {
            Self::Step | Self::SlowBoil | Self::Blip => Config {
                max_failures: 4,
                failure_threshold: 0.05,
                min_requests: 100,
                ..d
            },
            Self::NoisyDependency => Config {
                max_failures: 30,
                failure_threshold: 0.7,
                min_requests: 100,
                max_requests: 2,
                ..d
            },
            Self::LowTraffic => Config {
                max_failures: 4,
                failure_threshold: 0.25,
                monitor_window: Duration::from_secs(180),
                ..d
            },
            Self::LatencyRegression => Config {
                slow_call_threshold: Duration::from_millis(500),
                slow_call_rate_threshold: Some(0.1),
                min_requests: 100,
                ..d
            },
        }
    }

    /// Why [`hand_tuned`](Self::hand_tuned) is what it is.
    pub const fn hand_tuning(self) -> &'static str {
        match self {
            Self::Step | Self::SlowBoil | Self::Blip => {
                "max_failures 4, failure_threshold 0.05, min_requests 100: five times the 1 % normal, \
                 over enough calls that a healthy window almost never reaches it; four failures in a \
                 row happen once in a hundred million calls at 1 %"
            }
            Self::NoisyDependency => {
                "max_failures 30, failure_threshold 0.7, min_requests 100, max_requests 2: above the \
                 noise (a run of 30 is a one-in-ten-million event at 55 %), and two probes in a row \
                 succeed often enough at 50 % to close again"
            }
            Self::LowTraffic => {
                "max_failures 4, failure_threshold 0.25, monitor_window 3 min: a window long enough to \
                 hold min_requests (10) calls at one call every 10 s"
            }
            Self::LatencyRegression => {
                "slow_call_threshold 500 ms, slow_call_rate_threshold 0.1, min_requests 100: 2.5 times \
                 the healthy p99, and a hundred times the share of healthy calls that slow"
            }
        }
    }

    fn shape(self) -> Shape {
        let after = |start: f64, length: f64| Shape {
            arrivals: Arrivals::Poisson(20.0),
            incident: (start, start + length),
            end: start + length + TAIL,
        };
        match self {
            Self::Step => after(LEAD_IN, 3.0 * MIN),
            Self::NoisyDependency => after(120.0 * MIN, 3.0 * MIN),
            Self::SlowBoil => after(LEAD_IN, 25.0 * MIN),
            Self::LowTraffic => Shape {
                arrivals: Arrivals::Every(10.0),
                ..after(LEAD_IN, 60.0 * MIN)
            },
            Self::LatencyRegression => after(LEAD_IN, 5.0 * MIN),
            Self::Blip => Shape {
                arrivals: Arrivals::Poisson(50.0),
                ..after(LEAD_IN, 20.0)
            },
        }
    }

    /// The failure rate and p99 (s) at `t` seconds; `noise` is (b)'s
    /// wander, one value per 10 s.
    fn backend_at(self, t: f64, shape: &Shape, noise: &[f64]) -> (f64, f64) {
        let (start, end) = shape.incident;
        let during = (start..end).contains(&t);
        let failures = match self {
            Self::Step => {
                if during {
                    0.15
                } else {
                    0.01
                }
            }
            Self::NoisyDependency => {
                if during {
                    0.9
                } else {
                    let wave = 0.04 * (std::f64::consts::TAU * t / (13.0 * MIN)).sin();
                    let wander = noise[(t / 10.0) as usize % noise.len()];
                    (0.5 + wave + wander).clamp(0.45, 0.55)
                }
            }
            Self::SlowBoil => {
                let boil = 20.0 * MIN;
                if !during {
                    0.01
                } else if t < start + boil {
                    0.01 + 0.59 * (t - start) / boil
                } else {
                    0.6
                }
            }
            Self::LowTraffic => {
                if during {
                    1.0 / 3.0
                } else {
                    0.01
                }
            }
            Self::LatencyRegression => 0.0,
            Self::Blip => {
                if during {
                    1.0
                } else {
                    0.01
                }
            }
        };
        let p99 = if self == Self::LatencyRegression && during {
            2.0
        } else {
            HEALTHY_P99
        };
        (failures, p99)
    }

    /// The scenario's trace for `seed`: the same seed gives the same trace.
    pub fn trace(self, seed: u64) -> Trace {
        let shape = self.shape();
        let mut rng = Rng::new(
            seed.wrapping_mul(0x100)
                .wrapping_add(u64::from(self.letter())),
        );
        let noise: Vec<f64> = (0..((shape.end / 10.0) as usize + 1))
            .map(|_| 0.01 * (2.0 * rng.unit() - 1.0))
            .collect();
        let mut calls = Vec::new();
        let mut t = 0.0;
        loop {
            t += match shape.arrivals {
                Arrivals::Poisson(rate) => rng.exponential(1.0 / rate),
                Arrivals::Every(gap) => gap,
            };
            if t >= shape.end {
                break;
            }
            let (failures, p99) = self.backend_at(t, &shape, &noise);
            let outcome = if rng.chance(failures) {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            let median = p99 / (Z99 * SIGMA).exp();
            let latency = median * (SIGMA * rng.normal()).exp();
            calls.push(TraceCall {
                at: Duration::from_secs_f64(t),
                outcome,
                latency: Duration::from_secs_f64(latency),
            });
        }
        let (start, end) = shape.incident;
        Trace::new(
            calls,
            vec![Duration::from_secs_f64(start)..Duration::from_secs_f64(end)],
            Duration::from_secs_f64(shape.end),
        )
    }
}
