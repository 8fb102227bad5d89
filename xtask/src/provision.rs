//! Installs what the tests talk to: a Python virtualenv (the FastAPI
//! backend, the OTLP receiver), Debian packages (Prometheus) and npm
//! packages (the StatsD daemon). Each step is skipped when already done, so
//! a second `cargo xtask test` starts at once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::step;

/// Where provisioned things live, exported to the tests as environment
/// variables.
#[derive(Debug)]
pub(crate) struct Provisioned {
    pub(crate) env: Vec<(String, String)>,
}

pub(crate) fn all(root: &Path) -> Result<Provisioned, String> {
    let state = root.join("target/xtask");
    fs::create_dir_all(&state).map_err(|e| format!("cannot create {}: {e}", state.display()))?;
    let mut env = vec![("KOL_WORKSPACE_ROOT".to_owned(), root.display().to_string())];
    apt(root)?;
    if let Some(python) = python(root, &state)? {
        env.push(("KOL_TEST_PYTHON".to_owned(), python.display().to_string()));
    }
    if let Some(modules) = npm(root, &state)? {
        env.push((
            "KOL_TEST_NODE_MODULES".to_owned(),
            modules.display().to_string(),
        ));
    }
    Ok(Provisioned { env })
}

/// Every `requirements*.txt` under `tests/`, sorted.
fn requirement_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.join("tests")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir()
                && !name.starts_with('.')
                && name != "node_modules"
                && name != "__pycache__"
            {
                dirs.push(path);
            } else if name.starts_with("requirements") && name.ends_with(".txt") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn python(root: &Path, state: &Path) -> Result<Option<PathBuf>, String> {
    let files = requirement_files(root);
    if files.is_empty() {
        return Ok(None);
    }
    let venv = state.join("venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        step(
            "create Python virtualenv",
            root,
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
        )?;
    }
    // Reinstall only when the requirement files change.
    let wanted: String = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap_or_default())
        .collect();
    let stamp = venv.join(".xtask-requirements");
    if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
        ]);
        for file in &files {
            pip.arg("-r").arg(file);
        }
        step("install Python test requirements", root, &mut pip)?;
        fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    Ok(Some(python))
}

fn apt(root: &Path) -> Result<(), String> {
    let list = root.join("tests/peers/apt-packages.txt");
    let Ok(text) = fs::read_to_string(&list) else {
        return Ok(());
    };
    let missing: Vec<&str> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|p| !p.is_empty())
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(
        "apt-get update",
        root,
        Command::new("apt-get").args(["update", "-qq"]),
    )?;
    step(
        &format!("install Debian packages {}", missing.join(" ")),
        root,
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    // The downloaded .deb files (Chromium alone is over 100 MB) are not
    // needed once installed; CI disks are small.
    step("apt-get clean", root, Command::new("apt-get").arg("clean"))
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn npm(root: &Path, state: &Path) -> Result<Option<PathBuf>, String> {
    let manifest = root.join("tests/peers/package.json");
    if !manifest.exists() {
        return Ok(None);
    }
    let prefix = state.join("node");
    fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let wanted = fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let copy = prefix.join("package.json");
    let modules = prefix.join("node_modules");
    if fs::read_to_string(&copy).ok().as_deref() != Some(wanted.as_str()) || !modules.exists() {
        fs::write(&copy, &wanted).map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
        let lock = root.join("tests/peers/package-lock.json");
        if lock.exists() {
            fs::copy(&lock, prefix.join("package-lock.json"))
                .map_err(|e| format!("cannot copy lock file: {e}"))?;
        }
        step(
            "install npm test peers",
            &prefix,
            Command::new("npm").args([
                "install",
                "--no-audit",
                "--no-fund",
                "--omit=optional",
                "--loglevel=error",
            ]),
        )?;
    }
    Ok(Some(modules))
}
