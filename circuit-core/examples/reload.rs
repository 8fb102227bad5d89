//! Retunes a running breaker from a config file, as an operator would during
//! an incident.
//!
//! ```text
//! cargo run -p circuit-core --example reload -- [breaker.json] [--for SECONDS]
//! ```
//!
//! The example writes `breaker.json` (in the temp directory unless a path is
//! given) with the current config, then keeps a breaker busy with simulated
//! calls to a flaky KOL backend. Edit the file while it runs, e.g. change
//! `"max_failures": 5` to `3` or `"recovery_timeout": "30s"` to `"10s"`: the
//! breaker picks the change up within half a second, keeping its state, its
//! history and its backoff step. A bad edit is reported with the field it
//! broke, and the breaker keeps the config it had.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use circuit_core::{CircuitBreaker, Config, EventListener};

/// Prints what the breaker reports: its transitions and reconfigurations.
#[derive(Debug)]
struct Console;

impl EventListener for Console {
    fn on_state_change(&self, breaker: &str, change: &circuit_core::StateChange) {
        println!(
            "{breaker}: {} -> {} ({})",
            change.from, change.to, change.reason
        );
    }

    fn on_reconfigured(&self, breaker: &str, old: &Config, new: &Config) {
        println!(
            "{breaker}: reconfigured ({})",
            old.changed_fields(new).join(", ")
        );
    }
}

/// Reads the file if it changed since `seen`; `None` if it did not.
fn changed(path: &PathBuf, seen: &mut Option<SystemTime>) -> Option<std::io::Result<String>> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    if *seen == Some(modified) {
        return None;
    }
    *seen = Some(modified);
    Some(std::fs::read_to_string(path))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = std::env::temp_dir().join("breaker.json");
    let mut run_for = Duration::from_secs(60);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--for" => {
                let secs = args.next().ok_or("--for needs a number of seconds")?;
                run_for = Duration::from_secs(secs.parse()?);
            }
            other => path = PathBuf::from(other),
        }
    }

    let breaker = CircuitBreaker::builder("kol-matcher")
        .listener(Console)
        .build()?;
    std::fs::write(&path, serde_json::to_string_pretty(&*breaker.config())?)?;
    println!(
        "edit {} to retune the breaker; running for {run_for:?}",
        path.display()
    );
    let mut seen = None;
    changed(&path, &mut seen);

    let started = Instant::now();
    let mut call = 0u64;
    while started.elapsed() < run_for {
        if let Some(text) = changed(&path, &mut seen) {
            // A bad file names the field it broke; nothing changes.
            match text
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Config>(&t).map_err(|e| e.to_string()))
                .and_then(|config| breaker.reconfigure(config).map_err(|e| e.to_string()))
            {
                Ok(()) => {}
                Err(error) => println!("kept the old config: {error}"),
            }
        }
        // A flaky backend: one call in three fails.
        call += 1;
        if let Ok(permit) = breaker.try_acquire() {
            if call % 3 == 0 {
                permit.record_failure();
            } else {
                permit.record_success();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let m = breaker.metrics();
    println!(
        "done: {} calls, {} rejected, state {}",
        m.total_requests, m.total_rejected, m.state
    );
    Ok(())
}
