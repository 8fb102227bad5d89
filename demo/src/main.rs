//! `cargo xtask demo`: runs the demo and prints its summary.

#![forbid(unsafe_code)]

use std::fs::File;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use demo::{Options, ViewMode};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What the log file records unless `RUST_LOG` says otherwise.
const FILE_FILTER: &str = "info";
/// What reaches stderr when there is no live board to protect: the
/// breakers' transitions (warn), the demo's phases and fallbacks, not the
/// per-request noise of a degraded backend.
const STDERR_FILTER: &str = "warn,demo=info,fastapi_client=error";

fn main() -> ExitCode {
    let mut options = Options::parse();
    let view = options.view.resolve();
    options.view = view;
    let out = options.out_dir();
    if let Err(error) = std::fs::create_dir_all(&out) {
        eprintln!("demo: cannot create {}: {error}", out.display());
        return ExitCode::FAILURE;
    }
    let log_path = out.join("demo.log");
    match init_tracing(view, &log_path) {
        Ok(()) => options.log_file = Some(log_path),
        Err(error) => eprintln!("demo: no log file ({error}); logging to stderr only"),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("demo: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match runtime.block_on(demo::run_until(options, ctrl_c)) {
        Ok(report) => {
            println!("\n{}", report.summary());
            ExitCode::SUCCESS
        }
        Err(error) => {
            let mut message = format!("demo failed: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Everything to `log_path`; on a terminal nothing else (the board owns
/// the screen), otherwise the important lines to stderr too.
fn init_tracing(view: ViewMode, log_path: &Path) -> std::io::Result<()> {
    let file = File::create(log_path)?;
    let file_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(FILE_FILTER));
    let file_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .with_filter(file_filter);
    let stderr_layer = (view != ViewMode::Tty).then(|| {
        let filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(STDERR_FILTER));
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .with_filter(filter)
    });
    tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .init();
    Ok(())
}
