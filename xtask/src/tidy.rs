//! Checks that keep the architecture true: dependencies point one way,
//! the tower layer needs no runtime, a library user compiles one `syn`, and
//! every library crate forbids unsafe code.

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
        &["tokio", "reqwest", "circuit-metrics", "fastapi-client"],
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

/// Library builds that must compile one major version of `syn` (a second
/// one doubles the slowest proc-macro dependency of a clean build): each
/// crate with its default features, and with every feature but
/// circuit-metrics' `otlp` and `otlp-grpc`, where `prost-derive` (inside
/// opentelemetry-otlp) still uses syn 2, and the `native-tls` features,
/// where `openssl-macros` does: nothing of ours can change those
/// (docs/integrations.md).
const ONE_SYN: &[(&str, Features)] = &[
    ("circuit-core", Features::Default),
    ("circuit-core", Features::All),
    ("circuit-http", Features::Default),
    ("circuit-http", Features::All),
    ("circuit-metrics", Features::Default),
    (
        "circuit-metrics",
        Features::Only("tracing,tokio,prometheus,dashboard,http,statsd,rustls-aws-lc,rustls-ring"),
    ),
    ("fallback-cache", Features::Default),
    ("fallback-cache", Features::All),
    ("fastapi-client", Features::Default),
    (
        "fastapi-client",
        Features::Only("persist,rustls-aws-lc,rustls-ring"),
    ),
];

/// Which features a tidy `cargo tree` turns on.
#[derive(Clone, Copy)]
enum Features {
    Default,
    All,
    /// These, without the default ones.
    Only(&'static str),
}

pub(crate) fn check(root: &Path) -> Result<(), String> {
    println!("\n==> tidy: dependency direction, one syn, unsafe code");
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
    for (krate, features) in ONE_SYN {
        problems.extend(one_syn(root, krate, *features)?);
    }
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
fn runtime_free(root: &Path, krate: &str, feature: &'static str) -> Result<Vec<String>, String> {
    let tree = normal_tree(root, krate, Features::Only(feature))?;
    Ok(tree
        .lines()
        .filter(|line| line.starts_with("tokio "))
        .map(|line| {
            format!("{krate} with only `{feature}` depends on {line} (see ARCHITECTURE.md)")
        })
        .take(1)
        .collect())
}

/// `krate` built with `features` must compile one major version of `syn`.
fn one_syn(root: &Path, krate: &str, features: Features) -> Result<Vec<String>, String> {
    let tree = normal_tree(root, krate, features)?;
    let mut majors: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.strip_prefix("syn v"))
        .filter_map(|version| version.split('.').next())
        .collect();
    majors.sort_unstable();
    majors.dedup();
    if majors.len() <= 1 {
        return Ok(Vec::new());
    }
    let with = match features {
        Features::Default => "default features".to_owned(),
        Features::All => "all features".to_owned(),
        Features::Only(list) => format!("features {list}"),
    };
    Ok(vec![format!(
        "{krate} with {with} compiles syn {} (see `cargo tree -d -e normal -p {krate}`; \
         a `tracing` with default features brings syn 2 through tracing-attributes)",
        majors.join(" and ")
    )])
}

/// `cargo tree -p krate -e normal --prefix none` with `features`.
fn normal_tree(root: &Path, krate: &str, features: Features) -> Result<String, String> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(["tree", "-p", krate, "--edges", "normal", "--prefix", "none"]);
    match features {
        Features::Default => {}
        Features::All => {
            command.arg("--all-features");
        }
        Features::Only(list) => {
            command.args(["--no-default-features", "--features", list]);
        }
    }
    let output = command
        .current_dir(root)
        .output()
        .map_err(|e| format!("tidy: cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tidy: cargo tree -p {krate} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
