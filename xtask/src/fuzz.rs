//! `cargo xtask fuzz`: the client's fuzz harness, for longer.

use std::path::Path;
use std::process::Command;

use crate::run::step;

/// `cargo xtask fuzz [--minutes N]`: the fuzz harness of the client's
/// decode path and request validation (which `cargo xtask test` runs for a
/// few seconds) for `N` minutes per target, optimised.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let minutes = match args {
        [] => 5.0,
        [flag, n] if flag == "--minutes" => n
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m > 0.0 && *m <= 24.0 * 60.0)
            .ok_or_else(|| format!("--minutes {n}: expected a number of minutes, at most a day"))?,
        [unknown, ..] => {
            return Err(format!(
                "`cargo xtask fuzz` takes only `--minutes N` (got `{unknown}`)"
            ));
        }
    };
    let seconds = (minutes * 60.0).round();
    step(
        &format!("fuzz the client for {minutes} minute(s) per target"),
        root,
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args([
                "test",
                "--release",
                "-p",
                "fastapi-client",
                "--lib",
                "response::fuzz",
                "--",
                "--nocapture",
            ])
            .env("KOL_FUZZ_SECONDS", format!("{seconds}")),
    )
}
