//! The campaign planners: concurrent tasks that match KOLs for campaigns
//! and spread budgets over the best of them, through fastapi-client.

mod catalog;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fastapi_client::fallback_cache::kind;
use fastapi_client::{Client, OptimizeBudgetRequest};
use tokio::task::JoinSet;

use crate::record::{Answer, Call, Recorder};
use crate::scenario::Timeline;
use crate::seed::Rng;

use self::catalog::Campaign;

/// Index of the matching breaker in [`crate::record::BREAKERS`].
const MATCH: usize = 0;
/// Index of the budget breaker.
const BUDGET: usize = 1;

/// KOLs a planner spreads a budget over: the best few matches.
const SHORTLIST: usize = 5;
/// Share of matched campaigns whose budget is then optimised.
const OPTIMISE_SHARE: f64 = 0.6;
/// A planner's pause between steps, in milliseconds.
const THINK_MS: (f64, f64) = (60.0, 220.0);

/// The planners' shared setup.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub(crate) matcher: Client,
    pub(crate) optimiser: Client,
    pub(crate) recorder: Arc<Recorder>,
    pub(crate) timeline: Arc<Timeline>,
    pub(crate) seed: u64,
    /// Planners start no new call after this point of the run.
    pub(crate) until: Duration,
    /// Set to end the run early.
    pub(crate) stopped: Arc<AtomicBool>,
}

impl Workload {
    /// Starts `planners` tasks; each ends at `until`, after its last call.
    pub(crate) fn spawn(&self, planners: usize) -> JoinSet<()> {
        let campaigns = Arc::new(catalog::campaigns(self.seed));
        let mut set = JoinSet::new();
        for id in 0..planners {
            let workload = self.clone();
            let campaigns = Arc::clone(&campaigns);
            set.spawn(async move { workload.plan(id, &campaigns).await });
        }
        set
    }

    async fn plan(&self, id: usize, campaigns: &[Campaign]) {
        let mut rng = Rng::new(self.seed, 0x9_1A00 + id as u64);
        // Planners start a little apart, as people do.
        self.pause(Duration::from_millis(rng.index(200) as u64))
            .await;
        let mut shortlist: Vec<String> = Vec::new();
        while self.running() {
            let campaign = catalog::pick(&mut rng, campaigns);
            let started = self.start_call();
            let result = self.matcher.match_kols(&campaign.brief).await;
            let answer = match &result {
                Ok(response) => answer_of(&response.meta.algorithm_used),
                Err(error) => Answer::of_error(error),
            };
            self.finish_call(started, MATCH, answer);
            if let Ok(response) = &result {
                if !response.matches.is_empty() {
                    shortlist = response
                        .matches
                        .iter()
                        .take(SHORTLIST)
                        .map(|m| m.kol_id.clone())
                        .collect();
                }
            }
            // An empty answer leaves the planner with the shortlist it had.
            if !shortlist.is_empty() && rng.chance(OPTIMISE_SHARE) && self.running() {
                let mut request = OptimizeBudgetRequest::new(
                    campaign.brief.campaign_id.clone(),
                    campaign.brief.budget,
                    shortlist.clone(),
                );
                request.objective = campaign.objective;
                let started = self.start_call();
                let result = self.optimiser.optimize_budget(&request).await;
                let answer = match &result {
                    Ok(response) => answer_of(&response.meta.algorithm_used),
                    Err(error) => Answer::of_error(error),
                };
                self.finish_call(started, BUDGET, answer);
            }
            let think = rng.range(THINK_MS.0, THINK_MS.1);
            self.pause(Duration::from_secs_f64(think / 1000.0)).await;
        }
    }

    fn running(&self) -> bool {
        self.recorder.elapsed() < self.until && !self.stopped.load(Ordering::Relaxed)
    }

    fn start_call(&self) -> (f64, Instant) {
        (self.recorder.now_s(), Instant::now())
    }

    fn finish_call(&self, (started_s, started): (f64, Instant), breaker: usize, answer: Answer) {
        let phase = self.timeline.phase_at(Duration::from_secs_f64(started_s));
        self.recorder.call(Call {
            started_s,
            latency: started.elapsed(),
            breaker,
            answer,
            phase,
        });
    }

    /// Sleeps, but not past the end of the run.
    async fn pause(&self, pause: Duration) {
        let left = self.until.saturating_sub(self.recorder.elapsed());
        tokio::time::sleep(pause.min(left)).await;
    }
}

/// Where an answer came from, by the client's `meta.algorithm_used` mark.
fn answer_of(algorithm: &str) -> Answer {
    match algorithm {
        kind::CACHE => Answer::Cache,
        kind::EMPTY => Answer::Empty,
        kind::CONSERVATIVE => Answer::Conservative,
        _ => Answer::Live,
    }
}

/// Closes a client, logging (not failing on) a flush problem.
pub(crate) async fn close(client: &Client) {
    if let Err(error) = client.close().await {
        tracing::warn!(%error, "Closing a client failed");
    }
}
