//! `cargo xtask`: the project's automation, as a tiny dispatcher.
//!
//! * `cargo xtask demo`: the main job, an outage survived on an embedded
//!   backend (the `demo` crate).
//! * `cargo xtask test`: provision what the tests need, then run every
//!   check, test, loom model and doc build (what `.ci/run` runs).
//! * `cargo xtask bench`: side-by-side numbers against peer crates (the
//!   `bench` crate).
//! * `cargo xtask fuzz`: the client's fuzz harness, for longer than
//!   `test` runs it.

mod fuzz;
mod provision;
mod run;
mod test;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo [--duration SECS] [--seed N] [--backend-url URL] [--no-faults] [--policy adaptive]
          an outage, survived, on an embedded KOL backend
  test    provision test peers, then fmt, clippy, tidy, tests, doctests, loom, docs
  test --backend-url URL   (or KOL_BACKEND_URL=URL)
          only the client's contract and round-trip suites, against a running backend
  tidy    only the tidy checks: dependency direction, one syn, unsafe code
  fuzz [--minutes N]
          the client's response decoding and request validation, fuzzed N minutes (default 5)
  bench [--quick] [--adaptive] [--share] [--registry] [--client]
          breaker, client and fallback overhead side by side with peer crates;
          adaptive thresholds on replayed incidents (--adaptive: that alone);
          replicas sharing breaker state through Redis (--share: that alone);
          registry lookups and registries of 10 000 and 100 000 breakers
          (--registry: that alone); the client against raw reqwest (--client: that alone)
  help    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(&workspace_root(), &args[1..]),
        Some("fuzz") => fuzz::run(&workspace_root(), &args[1..]),
        Some("tidy") => tidy::check(&workspace_root()),
        // The demo runs well unoptimised, and a dev build of a fresh clone
        // takes less than half as long as a release one.
        Some("demo") => forward(&workspace_root(), "demo", Profile::Dev, &[], &args[1..]),
        Some("bench") => {
            let out = workspace_root().join("target/bench");
            let fixed = ["--out".to_owned(), out.display().to_string()];
            forward(
                &workspace_root(),
                "bench",
                Profile::Release,
                &fixed,
                &args[1..],
            )
        }
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// How to build a forwarded binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Dev,
    Release,
}

/// Runs one of the workspace's binaries with `fixed` then `args`.
fn forward(
    root: &Path,
    package: &str,
    profile: Profile,
    fixed: &[String],
    args: &[String],
) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = std::process::Command::new(cargo);
    command.args(["run", "--quiet", "-p", package]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command
        .arg("--")
        .args(fixed)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{package} failed ({status})"))
    }
}

/// The workspace root: xtask's own manifest sits one level below it.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}
