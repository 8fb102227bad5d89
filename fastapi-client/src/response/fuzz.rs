//! The decode path and request validation, fuzzed.
//!
//! Response side: statuses (1xx to 5xx), `Retry-After` in both forms and
//! absurd values, and bodies (valid answers, truncated, bytes flipped,
//! invalid UTF-8, wrong types, unknown enum values, huge numbers, NaN,
//! nesting 10 000 deep, random bytes), cut into random chunks or followed
//! by a stream that never ends, go through [`finish`] and
//! [`retry_after`](crate::classify::retry_after): nothing panics, every
//! failure is the typed error its input calls for, no more than
//! `max_response_bytes` (plus the chunk in hand) is ever pulled, and
//! every error message stays one bounded line.
//!
//! Request side: arbitrary requests, valid or not, against the contract's
//! rules written out again here: validation agrees with them, an invalid
//! request is refused with a typed error and nothing is sent, and a valid
//! one's body decodes back to the same request.
//!
//! Each target runs for `KOL_FUZZ_SECONDS` (default 4 s; `cargo xtask
//! fuzz --minutes N` sets it), in batches of fresh cases from a seed
//! printed on failure (`KOL_FUZZ_SEED` replays it).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::{Limits, finish};
use crate::body::Chunks;
use crate::classify::retry_after;
use crate::operation::Operation;
use crate::request_id::RequestId;
use crate::{
    ClientError, HealthResponse, KolMatch, MatchKolsRequest, MatchKolsResponse, MatchMeta,
    Objective, OptimizeBudgetRequest, OptimizeBudgetResponse, Platform, SNIPPET_LIMIT,
};

const DEFAULT_SECONDS: f64 = 4.0;
const BATCH: u32 = 64;

/// Runs `test` on fresh cases of `strategy` until the time budget is spent.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let seconds = std::env::var("KOL_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(DEFAULT_SECONDS);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let base_seed = std::env::var("KOL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let mut cases = 0u64;
    for batch in 0u64.. {
        let seed = base_seed.wrapping_add(batch);
        let config = Config {
            cases: BATCH,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            ..Config::default()
        };
        if let Err(failure) = TestRunner::new(config).run(&strategy, &test) {
            panic!("{name}: {failure}\n(replay with KOL_FUZZ_SEED={seed})");
        }
        cases += u64::from(BATCH);
        if Instant::now() >= deadline {
            break;
        }
    }
    eprintln!("fuzz {name}: {cases} cases, no failure");
}

/// Chunks as a test scripts them; `endless` repeats forever after them.
struct Script {
    chunks: VecDeque<Bytes>,
    endless: Option<Bytes>,
    pulled: usize,
}

impl Chunks for Script {
    fn content_length(&self) -> Option<u64> {
        None
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, reqwest::Error> {
        let next = self.chunks.pop_front().or_else(|| self.endless.clone());
        self.pulled += next.as_ref().map_or(0, Bytes::len);
        Ok(next)
    }
}

/// A body and how it arrives.
#[derive(Debug, Clone)]
struct Delivery {
    body: Vec<u8>,
    /// Where the body is cut into chunks.
    cuts: Vec<usize>,
    /// Chunk size of a stream that never ends after the body, if any.
    endless: Option<usize>,
}

impl Delivery {
    fn script(&self) -> Script {
        let mut cuts: Vec<usize> = self
            .cuts
            .iter()
            .map(|c| c % (self.body.len() + 1))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut chunks = VecDeque::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([self.body.len()]) {
            if cut > start {
                chunks.push_back(Bytes::copy_from_slice(&self.body[start..cut]));
                start = cut;
            }
        }
        Script {
            chunks,
            endless: self.endless.map(|n| Bytes::from(vec![b' '; n])),
            pulled: 0,
        }
    }

    fn largest_chunk(&self) -> usize {
        self.endless.unwrap_or(0).max(self.body.len())
    }
}

fn platform() -> impl Strategy<Value = Platform> {
    prop_oneof![
        prop::sample::select(Platform::ALL.to_vec()),
        "[a-z]{1,12}".prop_map(|name| Platform::from_wire(&name)),
    ]
}

fn kol_match() -> impl Strategy<Value = KolMatch> {
    crate::models::strategies::kol_match(platform())
}

fn match_response() -> impl Strategy<Value = MatchKolsResponse> {
    (
        prop::collection::vec(kol_match(), 0..4),
        any::<u64>(),
        0.0..=1.0f64,
    )
        .prop_map(
            |(matches, total_candidates, confidence)| MatchKolsResponse {
                matches,
                total_candidates,
                meta: MatchMeta {
                    algorithm_used: "weighted-match-v1".into(),
                    confidence,
                    processing_time_ms: 0.5,
                    provenance: crate::Provenance::Live,
                },
            },
        )
}

/// Ways to spoil a valid body.
#[derive(Debug, Clone)]
enum Spoil {
    None,
    Truncate(usize),
    Flip(usize, u8),
    InvalidUtf8(usize),
    Replace(&'static str, &'static str),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        3 => Just(Spoil::None),
        1 => any::<usize>().prop_map(Spoil::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Spoil::Flip(at, b)),
        1 => any::<usize>().prop_map(Spoil::InvalidUtf8),
        1 => prop::sample::select(vec![
            ("\"total_candidates\":", "\"total_candidates\":1e999,\"x\":"),
            ("\"total_candidates\":", "\"total_candidates\":123456789012345678901234567890,\"x\":"),
            ("\"total_candidates\":", "\"total_candidates\":-1,\"x\":"),
            ("\"confidence\":", "\"confidence\":NaN,\"x\":"),
            ("\"confidence\":", "\"confidence\":\"high\",\"x\":"),
            ("\"matches\":", "\"matches\":{},\"x\":"),
            ("\"algorithm_used\":", "\"algorithm_used\":7,\"x\":"),
            ("\"meta\":", "\"meta\":null,\"x\":"),
            ("\"platform\":", "\"platform\":\"myspace\",\"x\":"),
            ("\"platform\":", "\"platform\":42,\"x\":"),
        ])
        .prop_map(|(from, to)| Spoil::Replace(from, to)),
    ]
}

fn apply(mut body: Vec<u8>, spoil: &Spoil) -> Vec<u8> {
    match *spoil {
        Spoil::None => {}
        Spoil::Truncate(at) => body.truncate(at % (body.len() + 1)),
        Spoil::Flip(at, byte) if !body.is_empty() => {
            let at = at % body.len();
            body[at] = byte;
        }
        Spoil::Flip(..) => {}
        Spoil::InvalidUtf8(at) => {
            let at = at % (body.len() + 1);
            body.splice(at..at, [0xff, 0xfe, 0xc3]);
        }
        Spoil::Replace(from, to) => {
            let text = String::from_utf8_lossy(&body).replacen(from, to, 1);
            body = text.into_bytes();
        }
    }
    body
}

/// A body: a spoiled (or not) valid answer, deep nesting, or noise.
fn body() -> impl Strategy<Value = (Vec<u8>, Option<MatchKolsResponse>)> {
    prop_oneof![
        4 => (match_response(), spoil()).prop_map(|(response, spoil)| {
            let valid = serde_json::to_vec(&response).unwrap_or_default();
            let spoilt = apply(valid.clone(), &spoil);
            let intact = (spoilt == valid).then_some(response);
            (spoilt, intact)
        }),
        1 => (1usize..12_000).prop_map(|depth| {
            let mut deep = "[".repeat(depth).into_bytes();
            deep.extend(std::iter::repeat_n(b']', depth));
            (deep, None)
        }),
        1 => Just((br#"{"detail": "#.iter().chain(&[b'['; 10_000]).copied().collect(), None)),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(|noise| (noise, None)),
        1 => Just((Vec::new(), None)),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => Just(200),
        1 => prop::sample::select(vec![100, 101, 103, 199, 201, 204, 206, 299]),
        1 => prop::sample::select(vec![301, 302, 303, 304, 307, 308]),
        1 => prop::sample::select(vec![400, 404, 408, 422, 429]),
        1 => prop::sample::select(vec![500, 502, 503, 504, 599]),
        1 => 100u16..600,
    ]
}

fn retry_after_header() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        1 => any::<u64>().prop_map(|s| Some(s.to_string())),
        1 => any::<f64>().prop_map(|s| Some(s.to_string())),
        1 => prop::sample::select(vec!["1e308", "-5", "0.5", "NaN", "inf", "99999999999999999999999", "", "soon"])
            .prop_map(|s| Some(s.to_owned())),
        1 => (0u64..253_402_300_799).prop_map(|secs| Some(httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + Duration::from_secs(secs)
        ))),
    ]
}

fn delivery() -> impl Strategy<Value = (Delivery, Option<MatchKolsResponse>)> {
    (
        body(),
        prop::collection::vec(any::<usize>(), 0..6),
        prop_oneof![4 => Just(None), 1 => (1usize..4096).prop_map(Some)],
    )
        .prop_map(|((body, intact), cuts, endless)| {
            (
                Delivery {
                    body,
                    cuts,
                    endless,
                },
                intact,
            )
        })
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn check_message(error: &ClientError) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(
        !message.contains('\n') && !message.contains('\r'),
        "{message:?}"
    );
    prop_assert!(message.len() <= 4 * 1024, "{} bytes", message.len());
    Ok(())
}

fn run_case<T: DeserializeOwned>(
    status: u16,
    delivery: &Delivery,
    limit: usize,
) -> (Result<T, ClientError>, usize) {
    let status = StatusCode::from_u16(status).expect("100..600");
    let mut script = delivery.script();
    let limits = Limits {
        max_response_bytes: limit,
        timeout: Duration::from_secs(1),
    };
    let id = RequestId::next(Operation::MatchKols);
    let result = block_on(finish::<T>(id, status, None, &mut script, limits));
    (result, script.pulled)
}

#[test]
fn fuzz_the_response_decode_path() {
    let strategy = (status(), retry_after_header(), delivery(), 1usize..70_000);
    fuzz(
        "response",
        strategy,
        |(status, header, (delivery, intact), limit)| {
            // Retry-After: only on 429 and 503, never past the cap.
            let cap = Duration::from_secs(300);
            let mut headers = HeaderMap::new();
            if let Some(value) = header
                .as_deref()
                .and_then(|h| HeaderValue::from_str(h).ok())
            {
                headers.insert(RETRY_AFTER, value);
            }
            let code = StatusCode::from_u16(status).expect("100..600");
            let hint = retry_after(code, &headers, cap);
            prop_assert!(hint.is_none_or(|h| h <= cap));
            if status != 429 && status != 503 {
                prop_assert_eq!(hint, None);
            }

            let (result, pulled) = run_case::<MatchKolsResponse>(status, &delivery, limit);
            prop_assert!(
                pulled <= limit + delivery.largest_chunk(),
                "pulled {} of a {} limit",
                pulled,
                limit
            );
            let fits = delivery.endless.is_none() && delivery.body.len() <= limit;
            match result {
                Ok(answer) => {
                    prop_assert!(fits && code.is_success());
                    prop_assert_eq!(&answer.meta.provenance, &crate::Provenance::Live);
                    if let Some(sent) = intact {
                        prop_assert_eq!(answer, sent);
                    }
                }
                Err(error) => {
                    check_message(&error)?;
                    prop_assert!(error.request_id().is_some());
                    match &error {
                        ClientError::ResponseTooLarge { limit: l, .. } => {
                            prop_assert!(!fits);
                            prop_assert_eq!(*l, limit);
                        }
                        ClientError::Api {
                            status: s, body, ..
                        } => {
                            prop_assert!(fits && !code.is_success());
                            prop_assert_eq!(*s, status);
                            prop_assert!(body.len() <= SNIPPET_LIMIT + '…'.len_utf8());
                            prop_assert_eq!(
                                error.is_backend_failure(),
                                !(400..500).contains(&status) || status == 408 || status == 429
                            );
                        }
                        ClientError::Decode {
                            status: s, snippet, ..
                        } => {
                            prop_assert!(fits && code.is_success());
                            prop_assert_eq!(*s, status);
                            prop_assert!(intact.is_none(), "an intact answer failed to decode");
                            prop_assert!(snippet.len() <= SNIPPET_LIMIT + '…'.len_utf8());
                            prop_assert!(error.is_backend_failure());
                        }
                        other => prop_assert!(false, "unexpected {other:?}"),
                    }
                }
            }
            // The other answer types take the same bodies without trouble.
            let (budget, _) = run_case::<OptimizeBudgetResponse>(status, &delivery, limit);
            let (health, _) = run_case::<HealthResponse>(status, &delivery, limit);
            for error in [budget.err(), health.err()].iter().flatten() {
                check_message(error)?;
            }
            Ok(())
        },
    );
}

/// Any request, mostly near or past the contract's edges.
fn any_match_request() -> impl Strategy<Value = MatchKolsRequest> {
    (
        "\\PC{0,70}",
        prop::collection::vec("\\PC{0,12}", 0..13),
        prop::option::of(prop::collection::vec(platform(), 0..5)),
        any::<u64>(),
        prop::option::of(any::<u64>()),
        amount_like(),
        amount_like(),
        prop_oneof![0u32..=120, any::<u32>()],
    )
        .prop_map(
            |(
                campaign_id,
                categories,
                platforms,
                min_followers,
                max_followers,
                rate,
                budget,
                limit,
            )| {
                MatchKolsRequest {
                    campaign_id,
                    categories,
                    platforms,
                    min_followers,
                    max_followers,
                    min_engagement_rate: rate,
                    budget,
                    limit,
                }
            },
        )
}

fn any_budget_request() -> impl Strategy<Value = OptimizeBudgetRequest> {
    (
        "\\PC{0,70}",
        amount_like(),
        prop_oneof![
            prop::collection::vec("kol-[0-9]{1,2}", 0..110),
            prop::collection::vec("\\PC{0,6}", 0..4),
        ],
        prop::sample::select(Objective::ALL.to_vec()),
        prop::option::of(amount_like()),
    )
        .prop_map(
            |(campaign_id, total_budget, kol_ids, objective, max_per_kol)| OptimizeBudgetRequest {
                campaign_id,
                total_budget,
                kol_ids,
                objective,
                max_per_kol,
            },
        )
}

/// Numbers around every edge an amount or a rate has.
fn amount_like() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..=1.0f64,
        0.01..2e13f64,
        prop::sample::select(vec![
            0.0,
            -0.0,
            -1.0,
            1.0,
            1e-300,
            1e13,
            1e13 + 0.002,
            1e307,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]),
        any::<f64>(),
    ]
}

/// The contract's request rules, written out plainly.
fn contract_allows_match(r: &MatchKolsRequest) -> bool {
    let chars = r.campaign_id.chars().count();
    (1..=64).contains(&chars)
        && (1..=10).contains(&r.categories.len())
        && r.platforms
            .as_ref()
            .is_none_or(|p| p.iter().all(|p| Platform::ALL.contains(p)))
        && (0.0..=1.0).contains(&r.min_engagement_rate)
        && r.budget.is_finite()
        && r.budget > 0.0
        && r.budget <= 1e13
        && (1..=100).contains(&r.limit)
}

fn contract_allows_budget(r: &OptimizeBudgetRequest) -> bool {
    let chars = r.campaign_id.chars().count();
    let mut ids = r.kol_ids.clone();
    ids.sort();
    ids.dedup();
    let amount = |x: f64| x.is_finite() && x > 0.0 && x <= 1e13;
    (1..=64).contains(&chars)
        && amount(r.total_budget)
        && (1..=100).contains(&r.kol_ids.len())
        && ids.len() == r.kol_ids.len()
        && r.max_per_kol.is_none_or(amount)
}

#[test]
fn fuzz_request_validation_refuses_and_sends_nothing() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // A listener that counts connections: an invalid request must make none.
    let (client, connections) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&connections);
        tokio::spawn(async move {
            while listener.accept().await.is_ok() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        (
            crate::Client::new(crate::ClientConfig::new(url)).expect("client"),
            connections,
        )
    });
    let refused = std::cell::Cell::new(0u64);
    let strategy = prop_oneof![
        any_match_request().prop_map(Ok),
        any_budget_request().prop_map(Err),
    ];
    fuzz("request", strategy, |request| {
        let (valid, allowed, body) = match &request {
            Ok(r) => (
                r.validate(),
                contract_allows_match(r),
                serde_json::to_vec(r),
            ),
            Err(r) => (
                r.validate(),
                contract_allows_budget(r),
                serde_json::to_vec(r),
            ),
        };
        prop_assert_eq!(valid.is_ok(), allowed, "{:?}: {:?}", request, valid);
        if valid.is_ok() {
            // What is sent reads back as what was asked.
            let body = body.expect("a valid request encodes");
            match &request {
                Ok(r) => prop_assert_eq!(
                    &serde_json::from_slice::<MatchKolsRequest>(&body).expect("decodes"),
                    r
                ),
                Err(r) => prop_assert_eq!(
                    &serde_json::from_slice::<OptimizeBudgetRequest>(&body).expect("decodes"),
                    r
                ),
            }
            return Ok(());
        }
        let sent = runtime.block_on(async {
            match &request {
                Ok(r) => client.match_kols(r).await.err(),
                Err(r) => client.optimize_budget(r).await.err(),
            }
        });
        prop_assert!(
            matches!(sent, Some(ClientError::InvalidRequest(_))),
            "{sent:?}"
        );
        refused.set(refused.get() + 1);
        Ok(())
    });
    runtime.block_on(tokio::task::yield_now());
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing was sent"
    );
    let stats = client.client_stats();
    assert_eq!(stats.invalid_requests, refused.get());
    assert_eq!(
        (stats.total_requests, stats.circuit_breaker.total_requests),
        (0, 0)
    );
}
