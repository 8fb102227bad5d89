//! One run of the demo, start to finish.

mod finish;
mod setup;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fastapi_client::Client;

use self::finish::{Ending, finish};
use crate::director;
use crate::live::{Frame, View};
use crate::record::{BreakerSample, Recorder};
use crate::report::Report;
use crate::scale::Settings;
use crate::scenario::Timeline;
use crate::telemetry::Telemetry;
use crate::workload::Workload;
use crate::{DemoError, Options};

/// How often the view refreshes and the breakers are sampled.
const TICK: Duration = Duration::from_millis(200);

/// Runs the demo with `options` to the end of its timeline.
///
/// # Errors
/// Bad options, a backend that cannot start, or output that cannot be
/// written; faults of the backend are the story, not errors.
pub async fn run(options: Options) -> Result<Report, DemoError> {
    run_until(options, std::future::pending()).await
}

/// As [`run`], but ends early (with a report of what happened so far)
/// when `stop` completes, e.g. on Ctrl-C.
///
/// # Errors
/// As [`run`].
pub async fn run_until(
    options: Options,
    stop: impl Future<Output = ()>,
) -> Result<Report, DemoError> {
    options.validate()?;
    let out_dir = options.out_dir();
    std::fs::create_dir_all(&out_dir).map_err(|source| DemoError::Write {
        path: out_dir.clone(),
        source,
    })?;
    let settings =
        Settings::for_run(options.duration).with_policy(options.policy, options.duration);
    let timeline = Arc::new(if options.no_faults {
        Timeline::calm(options.duration)
    } else {
        Timeline::scripted(options.duration)
    });
    // The dashboard first, so that its URL is the first thing printed.
    let metrics_addr = (!options.no_metrics).then(|| options.metrics_addr.clone());
    let telemetry = tokio::task::spawn_blocking(move || Telemetry::serve(metrics_addr.as_deref()))
        .await
        .map_err(|e| DemoError::Task(e.to_string()))?;
    if let Some(url) = telemetry.dashboard_url() {
        println!("Dashboard: {url}");
        tracing::info!(%url, "Serving the breaker dashboard and Prometheus metrics");
    }
    let http = reqwest::Client::builder()
        .build()
        .map_err(DemoError::Http)?;
    let backend = setup::backend(&options, &settings, &http).await?;
    let recorder = Arc::new(Recorder::new());
    let [(matcher, match_latency), (optimiser, budget_latency)] =
        setup::clients(&backend.url, &settings, &http, &recorder)?;

    let sources = [
        (matcher.clone(), match_latency),
        (optimiser.clone(), budget_latency),
    ];
    let telemetry_recorder = Arc::clone(&recorder);
    // OTLP builds a blocking HTTP client: off the async workers.
    let telemetry =
        tokio::task::spawn_blocking(move || telemetry.watch(sources, telemetry_recorder))
            .await
            .map_err(|e| DemoError::Task(e.to_string()))?;
    let header = setup::header(
        &options,
        &backend,
        telemetry.dashboard_url().as_deref(),
        &settings,
    );

    let director = tokio::spawn(director::direct(
        backend.stage.clone(),
        Arc::clone(&timeline),
        Arc::clone(&recorder),
    ));
    let workload = Workload {
        matcher: matcher.clone(),
        optimiser: optimiser.clone(),
        recorder: Arc::clone(&recorder),
        timeline: Arc::clone(&timeline),
        seed: options.seed,
        until: options.duration,
        stopped: Arc::new(AtomicBool::new(false)),
    };
    let watched = Watch {
        recorder: &recorder,
        clients: [&matcher, &optimiser],
        timeline: &timeline,
        options: &options,
        header: &header,
    };
    let outcome = watched.until_done(&workload, stop).await;
    director.abort();
    outcome?;

    let ending = Ending {
        options: &options,
        settings: &settings,
        timeline: &timeline,
        backend,
        clients: [matcher, optimiser],
        telemetry,
        http,
        elapsed: recorder.elapsed(),
    };
    finish(ending, &recorder.log(), &out_dir).await
}

/// What the live view reads on each tick.
struct Watch<'a> {
    recorder: &'a Recorder,
    clients: [&'a Client; 2],
    timeline: &'a Timeline,
    options: &'a Options,
    header: &'a str,
}

impl Watch<'_> {
    /// Runs the planners to the end, refreshing the view; `stop` makes
    /// them finish early.
    async fn until_done(
        &self,
        workload: &Workload,
        stop: impl Future<Output = ()>,
    ) -> Result<(), DemoError> {
        let mut planners = workload.spawn(usize::from(self.options.planners));
        let mut view = View::new(self.options.view);
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut stop = std::pin::pin!(stop);
        let stopped = &workload.stopped;
        loop {
            tokio::select! {
                _ = ticker.tick() => view.show(&self.frame()),
                joined = planners.join_next() => match joined {
                    None => break,
                    Some(Err(error)) if error.is_panic() => return Err(DemoError::Task(error.to_string())),
                    Some(_) => {}
                },
                () = &mut stop, if !stopped.load(Ordering::Relaxed) => {
                    stopped.store(true, Ordering::Relaxed);
                    tracing::warn!("Stopping early: finishing the calls in flight");
                }
            }
        }
        view.finish(&self.frame());
        Ok(())
    }

    /// Samples the breakers and builds the view's frame.
    fn frame(&self) -> Frame {
        let elapsed = self.recorder.elapsed();
        let at_s = elapsed.as_secs_f64();
        let metrics = self.clients.map(Client::circuit_breaker_metrics);
        for (breaker, m) in metrics.iter().enumerate() {
            self.recorder.sample(BreakerSample {
                at_s,
                breaker,
                state: m.state,
                success_rate: m.success_rate,
                window_failure_rate: m.window.failure_rate,
                backoff: m.current_backoff,
            });
        }
        let phases = self
            .timeline
            .spans()
            .iter()
            .map(|s| (s.phase, s.start_s, s.end_s))
            .collect();
        self.recorder.with_log(|log| {
            Frame::new(
                log,
                &metrics,
                at_s,
                self.options.duration.as_secs_f64(),
                self.timeline.phase_at(elapsed),
                phases,
                self.header.to_owned(),
            )
        })
    }
}
