//! The command line: `bench [--quick] [--adaptive] [--share] [--registry] [--client] [--client-count NAME] [--out DIR]`.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// What to run and where to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    pub(crate) mode: Mode,
    pub(crate) out: PathBuf,
    /// Only section 7 (replayed incidents, a few seconds): prints its table
    /// and writes it to `adaptive.md`, as docs/adaptive.md quotes it.
    pub(crate) only_adaptive: bool,
    /// Only section 8 (sharing through a real redis-server, a few
    /// seconds): prints its table and writes it to `share.md`.
    pub(crate) only_share: bool,
    /// Only the registry's part of section 6 (6b lookups, 6d registries of
    /// 10 000 and 100 000 breakers): prints its tables and writes them to
    /// `registry.md`.
    pub(crate) only_registry: bool,
    /// Only section 4 (the client against raw reqwest over loopback, a
    /// few seconds in quick mode): prints its table and writes it to
    /// `client.md`, for comparing runs while working on the client.
    pub(crate) only_client: bool,
    /// Only requests sent one way (`reqwest`, `reqwest-timeout`,
    /// `fastapi-client`), for instruction counts under callgrind; prints
    /// no table.
    pub(crate) client_count: Option<String>,
}

/// How long the run may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mode {
    /// Under 2 minutes on a 2-core machine: fewer, shorter repetitions.
    Quick,
    /// Under 10 minutes: the figures docs/benchmarks.md quotes.
    Full,
}

/// How much work each measurement does in a mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Budget {
    /// Timed repetitions per measurement; the median is reported.
    pub(crate) reps: usize,
    /// Target wall time of one repetition.
    pub(crate) rep_time: Duration,
    /// Requests per HTTP client.
    pub(crate) requests: usize,
    /// Full state cycles run for the retained-memory check (issue 6: 100k).
    pub(crate) leak_cycles: u64,
    /// Breakers built for the memory check.
    pub(crate) fleet: usize,
}

impl Budget {
    /// How a timed measurement runs under this budget.
    pub(crate) fn plan(&self) -> crate::timing::Plan {
        crate::timing::Plan {
            reps: self.reps,
            rep_time: self.rep_time,
            max_batch: u64::MAX,
        }
    }
}

impl Mode {
    pub(crate) fn budget(self) -> Budget {
        match self {
            Self::Quick => Budget {
                reps: 7,
                rep_time: Duration::from_millis(25),
                requests: 1_000,
                leak_cycles: 100_000,
                fleet: 10_000,
            },
            Self::Full => Budget {
                reps: 21,
                rep_time: Duration::from_millis(120),
                requests: 10_000,
                leak_cycles: 100_000,
                fleet: 10_000,
            },
        }
    }
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, Error> {
    let mut options = Options {
        mode: Mode::Full,
        out: PathBuf::from("target/bench"),
        only_adaptive: false,
        only_share: false,
        only_registry: false,
        only_client: false,
        client_count: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.mode = Mode::Quick,
            "--adaptive" => options.only_adaptive = true,
            "--share" => options.only_share = true,
            "--registry" => options.only_registry = true,
            "--client" => options.only_client = true,
            "--client-count" => {
                let name = args
                    .next()
                    .ok_or_else(|| Error::Usage("--client-count needs a client name".into()))?;
                options.client_count = Some(name);
            }
            "--out" => {
                let dir = args
                    .next()
                    .ok_or_else(|| Error::Usage("--out needs a directory".into()))?;
                options.out = PathBuf::from(dir);
            }
            "-h" | "--help" => return Err(Error::Usage("side-by-side breaker benchmarks".into())),
            other => return Err(Error::Usage(format!("unknown argument `{other}`"))),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn quick_and_out_are_read_in_any_order() {
        let options = parse(args(&["--out", "x/y", "--quick"])).unwrap();
        assert_eq!(options.mode, Mode::Quick);
        assert!(!options.only_adaptive);
        assert!(parse(args(&["--adaptive"])).unwrap().only_adaptive);
        assert!(parse(args(&["--share"])).unwrap().only_share);
        assert!(parse(args(&["--registry"])).unwrap().only_registry);
        assert!(!options.only_registry);
        assert!(parse(args(&["--client"])).unwrap().only_client);
        let count = parse(args(&["--client-count", "reqwest"])).unwrap();
        assert_eq!(count.client_count.as_deref(), Some("reqwest"));
        assert_eq!(options.out, PathBuf::from("x/y"));
        assert_eq!(parse(args(&[])).unwrap().mode, Mode::Full);
    }

    #[test]
    fn unknown_or_incomplete_arguments_are_usage_errors() {
        assert!(matches!(parse(args(&["--fast"])), Err(Error::Usage(_))));
        assert!(matches!(parse(args(&["--out"])), Err(Error::Usage(_))));
        assert!(matches!(
            parse(args(&["--client-count"])),
            Err(Error::Usage(_))
        ));
    }
}
