//! `opentelemetry-otlp/reqwest-client` silently replaces the blocking
//! client that the OTLP periodic reader needs: no manifest in the
//! workspace may enable it.

use std::path::{Path, PathBuf};

fn manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != ".git" && name != "node_modules" {
                manifests(&path, out);
            }
        } else if name == "Cargo.toml" {
            out.push(path);
        }
    }
}

#[test]
fn no_manifest_enables_the_async_reqwest_client() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    manifests(&root, &mut found);
    assert!(
        found.len() >= 2,
        "the workspace manifests were not found under {}",
        root.display()
    );
    for manifest in found {
        let text = std::fs::read_to_string(&manifest).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or_default();
            assert!(
                !code
                    .replace("reqwest-blocking-client", "")
                    .contains("reqwest-client"),
                "{}:{}: enables opentelemetry-otlp/reqwest-client; use reqwest-blocking-client",
                manifest.display(),
                n + 1
            );
        }
    }
}
