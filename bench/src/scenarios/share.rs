//! Section 8: breakers sharing state through a real redis-server (started
//! here on a free loopback port; the section says "not measured" when
//! `redis-server` is not installed).
//!
//! * Calls a dead backend receives from a fleet of 3 and of 10 replicas,
//!   alone and sharing: the fleet sends it 1 000 calls per second, each to
//!   a replica drawn at random (seeded), for 3 s, with the default config
//!   at time scale 1:100 (a 300 ms recovery timeout), so that the run holds
//!   the first trips and several rounds of probes.
//! * Propagation: from a trip to each peer's opening, by the transitions'
//!   wall-clock times (one machine, one clock), over many trips.
//! * The call path with sharing on and off, taking turns, and how many
//!   Redis commands a burst of calls caused (from the server's own count).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use circuit_core::{CircuitBreaker, Config, Registry, State};
use circuit_share::test_util::{RedisServer, opened_at, redis_server_binary};
use circuit_share::{Namespace, RedisBackend, ReplicaId, Running, ShareSettings, Sharing};
use serde::Serialize;

use crate::cli::Budget;
use crate::timing::{self, Repeat, Sample, Solo};

/// The fleet's call rate to the backend (all replicas together).
const FLEET_RATE: u32 = 1_000;
/// How long the dead backend is called.
const OUTAGE: Duration = Duration::from_secs(3);

/// `Config::default()` at time scale 1:100: 300 ms recovery, 10 ms to
/// 300 ms backoff, a 600 ms window.
fn scaled_config() -> Config {
    let scale = |d: Duration| d / 100;
    let d = Config::default();
    Config {
        recovery_timeout: scale(d.recovery_timeout),
        base_backoff: scale(d.base_backoff),
        max_backoff: scale(d.max_backoff),
        monitor_window: scale(d.monitor_window),
        half_open_probe_timeout: scale(d.half_open_probe_timeout),
        ..d
    }
}
/// Trips timed for the propagation delay (each reaches two peers).
const TRIPS: usize = 100;
/// Calls whose Redis commands are counted.
const COUNTED_CALLS: u64 = 100_000;

/// Calls that reached the dead backend from one fleet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FleetRow {
    pub(crate) replicas: usize,
    pub(crate) alone: u64,
    pub(crate) sharing: u64,
}

/// Section 8's figures.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ShareResults {
    pub(crate) fleets: Vec<FleetRow>,
    /// Propagation delays, in microseconds.
    pub(crate) delay_p50_us: f64,
    pub(crate) delay_p99_us: f64,
    pub(crate) delay_max_us: f64,
    pub(crate) delays: usize,
    /// ns per closed call (acquire + success).
    pub(crate) call_off: Sample,
    pub(crate) call_on: Sample,
    /// Redis commands processed while `COUNTED_CALLS` calls ran (the
    /// `INFO` that reads the count included).
    pub(crate) commands_during_calls: u64,
    pub(crate) counted_calls: u64,
    pub(crate) seconds: f64,
}

struct Replica {
    registry: Arc<Registry<String>>,
    _running: Option<Running>,
}

fn settings(id: usize) -> Result<ShareSettings, String> {
    let ns = Namespace::new("bench").map_err(|e| e.to_string())?;
    let replica = ReplicaId::new(format!("r{id}")).map_err(|e| e.to_string())?;
    Ok(ShareSettings::new(ns, replica))
}

async fn replica(url: Option<&str>, id: usize) -> Result<Replica, String> {
    let sharing = Sharing::new(settings(id)?).map_err(|e| e.to_string())?;
    let mut builder = Registry::builder().config(scaled_config());
    if url.is_some() {
        builder = builder.listener(sharing.listener());
    }
    let registry = Arc::new(builder.build().map_err(|e| e.to_string())?);
    let running = match url {
        Some(url) => {
            let backend = RedisBackend::from_url(url).map_err(|e| e.to_string())?;
            let running = sharing.start(backend, Arc::clone(&registry)).await;
            if !running.stats().connected {
                return Err("a replica could not reach redis-server".into());
            }
            Some(running)
        }
        None => None,
    };
    Ok(Replica {
        registry,
        _running: running,
    })
}

/// Calls the dead backend at `FLEET_RATE` for `OUTAGE`, each call to a
/// replica drawn by a seeded xorshift (the same draws with and without
/// sharing); returns how many were admitted (i.e. sent to it).
async fn dead_backend_calls(replicas: &[Replica], name: &str) -> u64 {
    let gap = Duration::from_secs(1) / FLEET_RATE;
    let start = tokio::time::Instant::now();
    let mut sent = 0;
    let mut i = 0u32;
    let mut draw = 0x9E37_79B9_7F4A_7C15_u64;
    while start.elapsed() < OUTAGE {
        draw ^= draw << 13;
        draw ^= draw >> 7;
        draw ^= draw << 17;
        let pick = usize::try_from(draw % replicas.len() as u64).unwrap_or(0);
        let breaker = replicas[pick].registry.get(name);
        if let Ok(permit) = breaker.try_acquire() {
            sent += 1;
            permit.record_failure();
        }
        i += 1;
        tokio::time::sleep_until(start + gap * i).await;
    }
    sent
}

async fn fleets(url: &str) -> Result<Vec<FleetRow>, String> {
    let mut rows = Vec::new();
    for (round, n) in [3usize, 10].into_iter().enumerate() {
        let mut alone = Vec::new();
        let mut sharing = Vec::new();
        for id in 0..n {
            alone.push(replica(None, id).await?);
            sharing.push(replica(Some(url), id).await?);
        }
        let name = format!("kol-backend-{round}");
        rows.push(FleetRow {
            replicas: n,
            alone: dead_backend_calls(&alone, &name).await,
            sharing: dead_backend_calls(&sharing, &name).await,
        });
    }
    Ok(rows)
}

/// Microseconds from each trip to each peer's opening.
async fn propagation(url: &str) -> Result<Vec<f64>, String> {
    let mut replicas = Vec::new();
    for id in 0..3 {
        replicas.push(replica(Some(url), id).await?);
    }
    let mut delays = Vec::with_capacity(TRIPS * 2);
    for trip in 0..TRIPS {
        let name = format!("kol-trip-{trip}");
        let breaker = replicas[0].registry.get(&name);
        while breaker.state() == State::Closed {
            if let Ok(permit) = breaker.try_acquire() {
                permit.record_failure();
            }
        }
        let tripped = opened_at(&breaker).ok_or("the trip left no transition")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        for peer in &replicas[1..] {
            let opened = loop {
                if let Some(b) = peer.registry.lookup(&name)
                    && let Some(at) = opened_at(&b)
                {
                    break at;
                }
                if Instant::now() > deadline {
                    return Err(format!("trip {trip} never reached a peer"));
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            };
            let delay = opened.duration_since(tripped).unwrap_or_default();
            delays.push(delay.as_secs_f64() * 1e6);
        }
    }
    Ok(delays)
}

fn call(breaker: &CircuitBreaker) -> bool {
    match breaker.try_acquire() {
        Ok(permit) => {
            permit.record_success();
            true
        }
        Err(_) => false,
    }
}

/// The closed call path with sharing off and on (two registries built
/// alike, one with the sharing listener), taking turns.
fn call_path(budget: &Budget, off: &Replica, on: &Replica) -> Result<(Sample, Sample), String> {
    let plan = budget.plan();
    let off = off.registry.get("kol-off");
    let shared = on.registry.get("kol-on");
    let mut a = Solo::new(&plan, || call(&off));
    let mut b = Solo::new(&plan, || call(&shared));
    let mut results = timing::interleave(plan.reps, &mut [&mut a as &mut dyn Repeat, &mut b]);
    let on_reps = results.pop().ok_or("no result")??;
    let off_reps = results.pop().ok_or("no result")??;
    let sample =
        |reps: Vec<timing::Rep>| Sample::of(reps.into_iter().map(|r| r.per_call).collect());
    Ok((sample(off_reps), sample(on_reps)))
}

async fn commands_processed(url: &str) -> Result<u64, String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| e.to_string())?;
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut connection)
        .await
        .map_err(|e| e.to_string())?;
    info.lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| "INFO stats has no total_commands_processed".to_owned())
}

/// Runs section 8, or says why not.
pub(crate) fn run(budget: &Budget) -> Result<ShareResults, String> {
    if redis_server_binary().is_none() {
        return Err(
            "redis-server is not installed (Debian package `redis-server`; \
                    `cargo xtask test` installs it)"
                .into(),
        );
    }
    let started = Instant::now();
    let redis = RedisServer::start()?;
    let url = redis.url();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let fleets = fleets(&url).await?;
        let mut delays = propagation(&url).await?;
        delays.sort_by(f64::total_cmp);
        let off = replica(None, 98).await?;
        let on = replica(Some(&url), 99).await?;
        let (call_off, call_on) = call_path(budget, &off, &on)?;
        let shared = on.registry.get("kol-counted");
        let before = commands_processed(&url).await?;
        for _ in 0..COUNTED_CALLS {
            black_box(call(&shared));
        }
        let after = commands_processed(&url).await?;
        Ok(ShareResults {
            fleets,
            delay_p50_us: timing::quantile_sorted(&delays, 0.5),
            delay_p99_us: timing::quantile_sorted(&delays, 0.99),
            delay_max_us: delays.last().copied().unwrap_or(f64::NAN),
            delays: delays.len(),
            call_off,
            call_on,
            commands_during_calls: after.saturating_sub(before),
            counted_calls: COUNTED_CALLS,
            seconds: started.elapsed().as_secs_f64(),
        })
    })
}
