//! The report: gathered results, the summary verdicts, and the three
//! files plus the terminal tables.

pub(crate) mod adaptive;
mod chart;
pub(crate) mod format;
pub(crate) mod integrations;
pub(crate) mod machine;
mod sections;
pub(crate) use sections::client_section;
pub(crate) mod share;
mod summary;
pub(crate) mod table;
pub(crate) mod verdict;

use std::path::Path;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::cli::Mode;
use crate::error::Error;
use crate::scenarios::BreakerResults;
use crate::scenarios::adaptive::AdaptiveResults;
use crate::scenarios::client::ClientResults;
use crate::scenarios::fallback::FallbackRow;
use crate::scenarios::integrations::IntegrationResults;
use crate::scenarios::share::ShareResults;
use machine::Machine;
use verdict::Verdict;

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) mode: Mode,
    pub(crate) machine: Machine,
    /// Unix time the run started.
    pub(crate) started_unix: u64,
    pub(crate) seconds: f64,
    pub(crate) reps: usize,
    pub(crate) rep_ms: u64,
    /// ns for one 8-byte allocation and free under the counting allocator.
    pub(crate) alloc_tax_ns: f64,
    pub(crate) breakers: BreakerResults,
    #[serde(serialize_with = "measured")]
    pub(crate) fallback: Result<Vec<FallbackRow>, String>,
    #[serde(serialize_with = "measured")]
    pub(crate) client: Result<ClientResults, String>,
    pub(crate) integrations: IntegrationResults,
    #[serde(serialize_with = "measured")]
    pub(crate) adaptive: Result<AdaptiveResults, String>,
    #[serde(serialize_with = "measured")]
    pub(crate) share: Result<ShareResults, String>,
    pub(crate) summary: Vec<Verdict>,
}

/// A section as its value, or `{"not_measured": why}`.
pub(crate) fn measured<T: Serialize, S: Serializer>(
    section: &Result<T, String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match section {
        Ok(value) => value.serialize(serializer),
        Err(why) => {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("not_measured", why)?;
            map.end()
        }
    }
}

impl Report {
    /// Fills in the summary from the results.
    pub(crate) fn summarize(&mut self) {
        self.summary = summary::verdicts(self);
    }

    /// Writes report.md, report.json and overhead.svg into `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), Error> {
        let write = |name: &str, contents: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, contents).map_err(|source| Error::Write { path, source })
        };
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_owned(),
            source,
        })?;
        write("report.json", &serde_json::to_vec_pretty(self)?)?;
        write("report.md", self.markdown().as_bytes())?;
        chart::draw(self, &dir.join("overhead.svg"))
    }

    /// The tables as plain text.
    pub(crate) fn text(&self) -> String {
        let mut out = format!("{}\n\n", sections::heading(self));
        for table in sections::tables(self) {
            out += &table.to_text();
            out.push('\n');
        }
        out
    }

    /// The tables as markdown.
    pub(crate) fn markdown(&self) -> String {
        let mut out = format!("# Benchmark report\n\n{}\n\n", sections::heading(self));
        for table in sections::tables(self) {
            out += &table.to_markdown();
            out.push('\n');
        }
        out += "![ns per call](overhead.svg)\n";
        out
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    #[test]
    fn an_empty_run_still_writes_all_three_files() {
        let mut report = Report {
            mode: Mode::Quick,
            machine: Machine::detect(),
            started_unix: 0,
            seconds: 0.0,
            reps: 1,
            rep_ms: 1,
            alloc_tax_ns: 10.0,
            breakers: BreakerResults::default(),
            fallback: Err("skipped".into()),
            client: Err("no server".into()),
            integrations: IntegrationResults::not_run(),
            adaptive: Err("skipped".into()),
            share: Err("skipped".into()),
            summary: Vec::new(),
        };
        report.summarize();
        let dir = std::env::temp_dir().join(format!("bench-report-test-{}", std::process::id()));
        report.write(&dir).unwrap();
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("not measured: no server"));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(json["client"]["not_measured"], "no server");
        assert!(
            std::fs::read_to_string(dir.join("overhead.svg"))
                .unwrap()
                .starts_with("<svg")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[derive(Serialize)]
    struct Doc {
        #[serde(serialize_with = "super::measured")]
        section: Result<u32, String>,
    }

    #[test]
    fn a_section_is_its_value_or_says_why_it_is_missing() {
        let json = |section| serde_json::to_string(&Doc { section }).unwrap();
        assert_eq!(json(Ok(3)), r#"{"section":3}"#);
        assert_eq!(
            json(Err("no server".into())),
            r#"{"section":{"not_measured":"no server"}}"#
        );
    }
}
