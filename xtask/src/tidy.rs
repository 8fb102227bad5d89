//! Checks that keep the architecture true: dependencies point one way,
//! the tower layer needs no runtime, and every library crate forbids unsafe
//! code.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// For each library crate, the dependencies it must never have.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "circuit-core",
        &[
            "tokio",
            "reqwest",
            "hyper",
            "circuit-http",
            "circuit-metrics",
            "circuit-share",
            "fallback-cache",
            "fastapi-client",
            "redis",
        ],
    ),
    (
        "circuit-http",
        &[
            "tokio",
            "hyper",
            "axum",
            "circuit-metrics",
            "fallback-cache",
            "fastapi-client",
        ],
    ),
    (
        "circuit-metrics",
        &["reqwest-middleware", "fallback-cache", "fastapi-client"],
    ),
    (
        "fallback-cache",
        &["reqwest", "circuit-metrics", "fastapi-client"],
    ),
    // Sharing sits beside circuit-metrics: breakers and a store, no HTTP.
    (
        "circuit-share",
        &[
            "reqwest",
            "hyper",
            "circuit-http",
            "circuit-metrics",
            "fallback-cache",
            "fastapi-client",
        ],
    ),
];

pub(crate) fn check(root: &Path) -> Result<(), String> {
    println!("\n==> tidy: dependency direction, unsafe code");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("tidy: cannot run cargo metadata: {e}"))?;
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("tidy: cargo metadata output: {e}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for (krate, forbidden) in FORBIDDEN {
        let Some(package) = packages.iter().find(|p| p["name"] == *krate) else {
            problems.push(format!("{krate} is missing from the workspace"));
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let name = dep["name"].as_str().unwrap_or_default();
            let dev = dep["kind"].as_str() == Some("dev");
            if !dev && forbidden.contains(&name) {
                problems.push(format!(
                    "{krate} must not depend on {name} (see ARCHITECTURE.md)"
                ));
            }
        }
    }
    problems.extend(runtime_free(root, "circuit-http", "tower")?);
    for package in &packages {
        let name = package["name"].as_str().unwrap_or_default();
        for target in package["targets"].as_array().into_iter().flatten() {
            let is_lib = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "lib"));
            let src = target["src_path"].as_str().unwrap_or_default();
            if is_lib {
                let text = std::fs::read_to_string(src).unwrap_or_default();
                if !text.contains("#![forbid(unsafe_code)]") {
                    problems.push(format!("{name}: {src} lacks #![forbid(unsafe_code)]"));
                }
            }
        }
    }
    if problems.is_empty() {
        println!("    ok");
        Ok(())
    } else {
        Err(format!("tidy found problems:\n  {}", problems.join("\n  ")))
    }
}

/// `krate` with only `feature` on must not pull tokio in anywhere in its
/// dependency tree (the tower layer promises to run on any executor).
fn runtime_free(root: &Path, krate: &str, feature: &str) -> Result<Vec<String>, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args([
            "tree",
            "-p",
            krate,
            "--no-default-features",
            "--features",
            feature,
        ])
        .args(["--edges", "normal", "--prefix", "none"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("tidy: cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tidy: cargo tree -p {krate} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    Ok(tree
        .lines()
        .filter(|line| line.starts_with("tokio "))
        .map(|line| {
            format!("{krate} with only `{feature}` depends on {line} (see ARCHITECTURE.md)")
        })
        .take(1)
        .collect())
}
