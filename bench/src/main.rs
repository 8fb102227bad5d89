//! `cargo xtask bench`: this workspace's breaker and client against their
//! Rust peers, in one process and one run, reported as ratios.
//!
//! ```text
//! bench [--quick] [--adaptive] [--share] [--registry] [--client] [--client-count NAME] [--out DIR]
//! ```
//!
//! Writes `DIR/report.md`, `DIR/report.json` and `DIR/overhead.svg`
//! (default `target/bench`) and prints the tables. docs/benchmarks.md
//! explains the method. `--adaptive` runs section 7 alone (adaptive
//! thresholds on replayed incidents, a few seconds) and writes its table to
//! `DIR/adaptive.md`, which docs/adaptive.md quotes. `--share` runs
//! section 8 alone (sharing through a real redis-server, a few seconds)
//! and writes `DIR/share.md`, which docs/sharing.md quotes. `--registry`
//! runs the registry's part of section 6 alone (lookups, registries of
//! 10 000 and 100 000 breakers, under a minute) and writes
//! `DIR/registry.md`. `--client`
//! runs section 4 alone (the client against raw reqwest over loopback)
//! and writes `DIR/client.md`. `--client-count NAME` sends requests one
//! way only, for callgrind (docs/benchmarks.md, "Client: instructions per
//! request").

#![forbid(unsafe_code)]

mod alloc;
mod cli;
mod error;
mod poll;
mod report;
mod scenarios;
mod subjects;
mod timing;

use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cli::{Budget, Options};
use error::Error;
use report::Report;
use report::machine::Machine;

fn main() {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("bench: {error}");
            std::process::exit(2);
        }
    };
    if let Err(error) = run(&options) {
        eprintln!("bench: {error}");
        std::process::exit(1);
    }
}

fn run(options: &Options) -> Result<(), Error> {
    if options.only_adaptive {
        return adaptive_only(options);
    }
    if options.only_share {
        return share_only(options);
    }
    if options.only_registry {
        return registry_only(options);
    }
    if let Some(name) = &options.client_count {
        return scenarios::client::count(name, options.mode.budget().requests);
    }
    if options.only_client {
        return client_only(options);
    }
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let budget = options.mode.budget();
    let plan = budget.plan();
    eprintln!(
        "bench: {:?} run, writing to {}",
        options.mode,
        options.out.display()
    );
    let alloc_tax_ns = timing::single(&plan, || {
        black_box(Box::new(black_box(0u64))).is_power_of_two()
    })
    .median;
    eprintln!("bench: breakers (sections 1, 2, 3, 5)");
    let breakers = scenarios::breakers(&budget);
    eprintln!("bench: fallback cache");
    let fallback = scenarios::fallback::run(&plan).map_err(|e| e.to_string());
    eprintln!("bench: client over loopback HTTP");
    let client = scenarios::client::run(budget.requests).map_err(|e| e.to_string());
    eprintln!("bench: integrations (section 6)");
    let integrations = scenarios::integrations::run(&budget);
    eprintln!("bench: adaptive thresholds on replayed incidents (section 7)");
    let adaptive = scenarios::adaptive::run().map_err(|e| e.to_string());
    eprintln!("bench: sharing breaker state through Redis (section 8)");
    let share = scenarios::share::run(&budget);
    let mut report = new_report(options, &budget, alloc_tax_ns, breakers, fallback, client);
    report.integrations = integrations;
    report.adaptive = adaptive;
    report.share = share;
    report.started_unix = started_unix;
    report.seconds = started.elapsed().as_secs_f64();
    report.summarize();
    report.write(&options.out)?;
    println!("{}", report.text());
    eprintln!(
        "bench: wrote report.md, report.json and overhead.svg to {}",
        options.out.display()
    );
    Ok(())
}

fn new_report(
    options: &Options,
    budget: &Budget,
    alloc_tax_ns: f64,
    breakers: scenarios::BreakerResults,
    fallback: Result<Vec<scenarios::fallback::FallbackRow>, String>,
    client: Result<scenarios::client::ClientResults, String>,
) -> Report {
    Report {
        mode: options.mode,
        machine: Machine::detect(),
        started_unix: 0,
        seconds: 0.0,
        reps: budget.reps,
        rep_ms: u64::try_from(budget.rep_time.as_millis()).unwrap_or(u64::MAX),
        alloc_tax_ns,
        breakers,
        fallback,
        client,
        integrations: scenarios::integrations::IntegrationResults::not_run(),
        adaptive: Err("not run".into()),
        share: Err("not run".into()),
        summary: Vec::new(),
    }
}

/// `--adaptive`: section 7 alone, its table printed and written to
/// `adaptive.md`.
fn adaptive_only(options: &Options) -> Result<(), Error> {
    eprintln!("bench: adaptive thresholds on replayed incidents (section 7)");
    let started = Instant::now();
    let table = report::adaptive::table(&scenarios::adaptive::run()?);
    one_section(options, "adaptive.md", &[table], started)
}

/// `--share`: section 8 alone, its table printed and written to
/// `share.md`.
fn share_only(options: &Options) -> Result<(), Error> {
    eprintln!("bench: sharing breaker state through Redis (section 8)");
    let started = Instant::now();
    let table = report::share::table(&scenarios::share::run(&options.mode.budget()));
    one_section(options, "share.md", &[table], started)
}

/// `--registry`: 6b and 6d alone, printed and written to `registry.md`.
fn registry_only(options: &Options) -> Result<(), Error> {
    use report::integrations::{fleet_table, lookup_table, not_measured};
    eprintln!("bench: registry lookups and registries at scale (section 6b, 6d)");
    let started = Instant::now();
    let (lookups, fleet) = scenarios::integrations::registries(&options.mode.budget());
    let tables = [
        lookups.map_or_else(
            |why| not_measured("6b. Registry lookups", &why),
            |rows| lookup_table(&rows),
        ),
        fleet.map_or_else(
            |why| not_measured("6d. Registry at scale", &why),
            |rows| fleet_table(&rows),
        ),
    ];
    one_section(options, "registry.md", &tables, started)
}

/// `--client`: section 4 alone, its table printed and written to
/// `client.md`.
fn client_only(options: &Options) -> Result<(), Error> {
    eprintln!("bench: client over loopback HTTP (section 4)");
    let started = Instant::now();
    let client = scenarios::client::run(options.mode.budget().requests).map_err(|e| e.to_string());
    let table = report::client_section(&client, &Err("not run".into()));
    one_section(options, "client.md", &[table], started)
}

/// Prints a section run alone and writes its tables to `file`.
fn one_section(
    options: &Options,
    file: &str,
    tables: &[report::table::Table],
    started: Instant,
) -> Result<(), Error> {
    let path = options.out.join(file);
    let markdown: Vec<String> = tables
        .iter()
        .map(report::table::Table::to_markdown)
        .collect();
    std::fs::create_dir_all(&options.out)
        .and_then(|()| std::fs::write(&path, markdown.join("\n")))
        .map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    for table in tables {
        println!("{}", table.to_text());
    }
    eprintln!(
        "bench: wrote {} in {:.1} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
