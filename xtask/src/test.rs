//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use std::path::Path;
use std::process::Command;

use crate::provision;
use crate::run::{step, succeeds};
use crate::tidy;

const LIB_CRATES: [&str; 6] = [
    "circuit-core",
    "circuit-http",
    "circuit-metrics",
    "circuit-share",
    "fallback-cache",
    "fastapi-client",
];

/// Names a running backend for the contract and round-trip suites.
const BACKEND_URL_ENV: &str = "KOL_BACKEND_URL";

/// The suites that can run against a backend someone else started.
const BACKEND_SUITES: [&str; 2] = ["client_contract", "client_roundtrip"];

pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let backend_url = match args {
        [] => std::env::var(BACKEND_URL_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty()),
        [flag, url] if flag == "--backend-url" => Some(url.clone()),
        [flag] if flag == "--backend-url" => {
            return Err("`--backend-url` needs a URL, e.g. http://127.0.0.1:8000".to_owned());
        }
        [unknown, ..] => {
            return Err(format!(
                "`cargo xtask test` takes only `--backend-url URL` (got `{unknown}`)"
            ));
        }
    };
    if let Some(url) = backend_url {
        return against_backend(root, url.trim());
    }
    let provisioned = provision::all(root)?;
    let cargo = || {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
        cmd.envs(provisioned.env.iter().map(|(k, v)| (k, v)));
        // A CI run starts from a fresh clone: incremental caches would only
        // take disk (gigabytes across the workspace's test binaries).
        cmd.env("CARGO_INCREMENTAL", "0");
        cmd
    };

    step(
        "rustfmt",
        root,
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    tidy::check(root)?;
    step(
        "clippy",
        root,
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    for krate in LIB_CRATES {
        step(
            &format!("check {krate} without default features"),
            root,
            cargo().args(["check", "--quiet", "-p", krate, "--no-default-features"]),
        )?;
    }
    if succeeds("cargo", &["nextest", "--version"]) {
        step(
            "tests (nextest)",
            root,
            cargo().args([
                "nextest",
                "run",
                "--workspace",
                "--all-features",
                "--no-fail-fast",
            ]),
        )?;
    } else {
        step(
            "tests",
            root,
            cargo().args(["test", "--workspace", "--all-features", "--no-fail-fast"]),
        )?;
    }
    // Alone, so that no other crate's reqwest features reach it: the TLS a
    // user with only circuit-metrics gets (the workspace run above unifies
    // fastapi-client's TLS into it).
    step(
        "OTLP over https with only circuit-metrics",
        root,
        cargo().args([
            "test",
            "-p",
            "circuit-metrics",
            "--features",
            "otlp",
            "--test",
            "otlp_https",
        ]),
    )?;
    if let Some((_, python)) = provisioned.env.iter().find(|(k, _)| k == "KOL_TEST_PYTHON") {
        step(
            "reference backend tests (pytest)",
            root,
            Command::new(python).args(["-m", "pytest", "-q", "tests/fastapi_backend"]),
        )?;
    }
    step(
        "doctests",
        root,
        cargo().args(["test", "--workspace", "--all-features", "--doc"]),
    )?;
    step(
        "loom model checks",
        root,
        cargo()
            .args([
                "test",
                "-p",
                "circuit-core",
                "--features",
                "test-util",
                "--test",
                "loom",
                "--release",
            ])
            .env("RUSTFLAGS", "--cfg loom")
            .env("CARGO_TARGET_DIR", root.join("target/loom")),
    )?;
    step(
        "docs",
        root,
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    println!("\nxtask test: all checks passed");
    Ok(())
}

/// `cargo xtask test --backend-url URL` (or `KOL_BACKEND_URL`): the
/// contract and round-trip suites against a backend that is already
/// running, with read-only calls; nothing to provision.
fn against_backend(root: &Path, url: &str) -> Result<(), String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "--backend-url {url}: expected an http:// or https:// URL"
        ));
    }
    println!(
        "xtask test: the {} suites against the running backend at {url} (read-only; parts that inject faults, or need a fault API it lacks, are skipped and say so)",
        BACKEND_SUITES.join(" and ")
    );
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cargo.args(["test", "-p", "tests"]);
    for suite in BACKEND_SUITES {
        cargo.args(["--test", suite]);
    }
    // The skip messages are the point of this run: show them.
    cargo.args(["--", "--nocapture"]).env(BACKEND_URL_ENV, url);
    step(&format!("client suites against {url}"), root, &mut cargo)?;
    println!("\nxtask test: the backend at {url} passed the contract and round-trip suites");
    Ok(())
}
