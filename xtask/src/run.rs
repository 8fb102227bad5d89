//! Running commands with visible, checked steps.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs `cmd` in `dir`, echoing it; an unsuccessful exit is an error.
pub(crate) fn step(title: &str, dir: &Path, cmd: &mut Command) -> Result<(), String> {
    println!("\n==> {title}\n    $ {}", describe(cmd));
    let started = Instant::now();
    let status = cmd
        .current_dir(dir)
        .status()
        .map_err(|e| format!("{title}: cannot start {}: {e}", describe(cmd)))?;
    println!("    ({title}: {:.0?})", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{title} failed ({status})"))
    }
}

/// Whether `program args…` runs and exits successfully (output discarded).
pub(crate) fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn describe(cmd: &Command) -> String {
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_string_lossy(), v?.to_string_lossy())))
        .filter(|kv| !kv.starts_with("KOL_"))
        .collect();
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut parts = envs;
    parts.push(cmd.get_program().to_string_lossy().into_owned());
    parts.extend(args);
    parts.join(" ")
}
