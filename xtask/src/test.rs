//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use std::path::Path;
use std::process::Command;

use crate::provision;
use crate::run::{step, succeeds};
use crate::tidy;

const LIB_CRATES: [&str; 5] = [
    "circuit-core",
    "circuit-http",
    "circuit-metrics",
    "fallback-cache",
    "fastapi-client",
];

pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if let Some(unknown) = args.first() {
        return Err(format!(
            "`cargo xtask test` takes no arguments (got `{unknown}`)"
        ));
    }
    let provisioned = provision::all(root)?;
    let cargo = || {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
        cmd.envs(provisioned.env.iter().map(|(k, v)| (k, v)));
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
