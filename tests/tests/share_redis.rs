//! Sharing through a real redis-server (Debian's, started on a free
//! loopback port by each test): trips reach peers, Redis outages leave
//! calls alone, starting replicas read open states, garbage is ignored,
//! AUTH/ACL and TLS work.

use std::time::Duration;

use circuit_core::State;
use circuit_share::RedisConfig;
use circuit_share::test_util::{RedisOptions, RedisServer, TlsFiles};
use tests::share::{BACKEND, Replica, eventually, last_reason, opened_at};

fn server(options: RedisOptions) -> RedisServer {
    RedisServer::start_with(options).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_a_trip() {
    let redis = server(RedisOptions::default());
    let mut replicas = Vec::new();
    for id in ["api-1", "api-2", "api-3"] {
        replicas.push(Replica::at(&redis.url(), "kol-prod", id).await);
    }
    assert!(replicas.iter().all(|r| r.running.stats().connected));
    replicas[0].trip(BACKEND);
    let peers = &replicas[1..];
    eventually("both peers open", || {
        peers
            .iter()
            .all(|r| r.breaker(BACKEND).state() == State::Open)
    })
    .await;
    let tripped = opened_at(&replicas[0].breaker(BACKEND)).expect("tripped");
    for peer in peers {
        let breaker = peer.breaker(BACKEND);
        assert!(
            last_reason(&breaker)
                .starts_with("opened by peer api-1: tripped: 3 consecutive failures"),
            "{}",
            last_reason(&breaker)
        );
        let delay = opened_at(&breaker)
            .expect("opened")
            .duration_since(tripped)
            .unwrap_or_default();
        // Recorded, not asserted: bench section 8 measures p50/p99.
        println!("propagation delay to a peer: {delay:?}");
        assert_eq!(peer.running.stats().applied, 1);
        assert_eq!(
            peer.running.stats().published,
            0,
            "a peer-opened breaker never re-publishes"
        );
    }
    // The echo of its own message never reopens the tripper.
    eventually("own echo", || replicas[0].running.stats().ignored_own == 1).await;
    assert_eq!(replicas[0].running.stats().published, 1);
    assert_eq!(replicas[0].breaker(BACKEND).transitions().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_started_during_a_backend_outage_starts_open() {
    let redis = server(RedisOptions::default());
    let first = Replica::at(&redis.url(), "kol-prod", "api-1").await;
    first.trip(BACKEND);
    eventually("published", || first.running.stats().published == 1).await;
    // start() returns after the stored open states were applied.
    let late = Replica::at(&redis.url(), "kol-prod", "api-9").await;
    let breaker = late.breaker(BACKEND);
    assert_eq!(breaker.state(), State::Open);
    assert!(last_reason(&breaker).starts_with("opened by peer api-1"));
    assert!(
        breaker.try_acquire().is_err(),
        "not a single call to the dead backend"
    );
    // Another namespace knows nothing of it.
    let other = Replica::at(&redis.url(), "kol-staging", "api-9").await;
    assert_eq!(other.breaker(BACKEND).state(), State::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_redis_leaves_calls_alone_and_sharing_resumes() {
    let mut redis = server(RedisOptions::default());
    let a = Replica::at(&redis.url(), "kol-prod", "api-1").await;
    let b = Replica::at(&redis.url(), "kol-prod", "api-2").await;
    redis.kill();
    eventually("outage noticed", || {
        a.running.stats().outages == 1 && b.running.stats().outages == 1
    })
    .await;
    // Calls go on, judged locally: admitted, counted, tripping as alone.
    let calls = b.breaker("kol-budget");
    for _ in 0..1000 {
        calls
            .try_acquire()
            .expect("closed, Redis or not")
            .record_success();
    }
    a.trip(BACKEND);
    assert_eq!(a.breaker(BACKEND).state(), State::Open);
    assert_eq!(
        b.breaker(BACKEND).state(),
        State::Closed,
        "nothing shared while down"
    );
    assert!(!b.running.stats().connected);

    redis.restart().unwrap_or_else(|e| panic!("{e}"));
    // The trip made during the outage is sent once Redis is back…
    eventually("the pending trip reaches b", || {
        b.breaker(BACKEND).state() == State::Open
    })
    .await;
    // …and new trips are shared again, both ways.
    b.trip("kol-budget");
    eventually("b's trip reaches a", || {
        a.breaker("kol-budget").state() == State::Open
    })
    .await;
    for replica in [&a, &b] {
        let stats = replica.running.stats();
        assert_eq!((stats.outages, stats.reconnects), (1, 1), "{stats:?}");
        assert!(stats.connected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_ignored_and_counted() {
    let redis = server(RedisOptions::default());
    let b = Replica::at(&redis.url(), "kol-prod", "api-2").await;
    let client = redis::Client::open(redis.url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let channel = "kol-circuit:kol-prod:news";
    let forged = [
        "garbage".to_owned(),
        "{}".to_owned(),
        // Another namespace's otherwise valid message.
        r#"{"v":1,"ns":"kol-staging","replica":"x","instance":1,"seq":1,"breaker":"kol-backend","epoch":1,"state":"open","open_for_ms":60000,"reason":"r"}"#.to_owned(),
        // An open period above the 1 h maximum.
        r#"{"v":1,"ns":"kol-prod","replica":"x","instance":1,"seq":1,"breaker":"kol-backend","epoch":1,"state":"open","open_for_ms":99999999,"reason":"r"}"#.to_owned(),
        "x".repeat(10_000),
    ];
    for payload in &forged {
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<()>(&mut raw)
            .await
            .unwrap();
    }
    eventually("all counted", || b.running.stats().ignored_forged == 5).await;
    assert_eq!(b.breaker(BACKEND).state(), State::Closed);
    assert_eq!(b.running.stats().applied, 0);

    // A forged stored state is refused by a starting replica too.
    redis::cmd("SET")
        .arg("kol-circuit:kol-prod:open:x:kol-backend")
        .arg("garbage")
        .arg("PX")
        .arg(60_000)
        .query_async::<()>(&mut raw)
        .await
        .unwrap();
    let late = Replica::at(&redis.url(), "kol-prod", "api-3").await;
    assert_eq!(late.running.stats().ignored_forged, 1);
    assert_eq!(late.breaker(BACKEND).state(), State::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_and_acl_users_are_supported() {
    let redis = server(RedisOptions {
        password: Some("default-secret".to_owned()),
        users: vec!["kol on >kol-secret ~kol-circuit:* &kol-circuit:* +@all".to_owned()],
        tls: None,
    });
    let port = redis.port();
    let by_password = Replica::at(
        &format!("redis://:default-secret@127.0.0.1:{port}"),
        "kol-prod",
        "api-1",
    )
    .await;
    let config = RedisConfig::new(&redis.url())
        .unwrap()
        .username("kol")
        .password("kol-secret");
    let by_acl_user = Replica::start(config, "kol-prod", "api-2").await;
    let wrong = Replica::at(
        &format!("redis://kol:nope@127.0.0.1:{port}"),
        "kol-prod",
        "api-3",
    )
    .await;
    assert!(by_password.running.stats().connected);
    assert!(by_acl_user.running.stats().connected);
    let refused = wrong.running.stats();
    assert!(!refused.connected && refused.outages == 1, "{refused:?}");

    by_password.trip(BACKEND);
    eventually("the ACL user's replica opens", || {
        by_acl_user.breaker(BACKEND).state() == State::Open
    })
    .await;
    assert_eq!(wrong.breaker(BACKEND).state(), State::Closed);
}

/// A CA and a `localhost` certificate it signed, written as PEM files.
fn test_certificates(dir: &std::path::Path) -> (TlsFiles, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let files = TlsFiles {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        ca: dir.join("ca.pem"),
    };
    std::fs::write(&files.cert, cert.pem()).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    std::fs::write(&files.ca, ca.pem()).unwrap();
    (files, ca.pem().into_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_urls_share_over_tls() {
    let certs = tempdir();
    let (files, ca) = test_certificates(&certs);
    let redis = server(RedisOptions {
        tls: Some(files),
        ..RedisOptions::default()
    });
    assert!(redis.url().starts_with("rediss://"));
    let config = || {
        RedisConfig::new(&redis.url())
            .unwrap()
            .root_certificate_pem(ca.clone())
            .unwrap()
    };
    let a = Replica::start(config(), "kol-prod", "api-1").await;
    let b = Replica::start(config(), "kol-prod", "api-2").await;
    // Without our CA the server's certificate is not trusted.
    let untrusting = Replica::at(&redis.url(), "kol-prod", "api-3").await;
    assert!(a.running.stats().connected && b.running.stats().connected);
    assert!(!untrusting.running.stats().connected);
    a.trip(BACKEND);
    eventually("b opens over TLS", || {
        b.breaker(BACKEND).state() == State::Open
    })
    .await;
    assert_eq!(untrusting.breaker(BACKEND).state(), State::Closed);
    let _ = std::fs::remove_dir_all(&certs);
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kol-share-certs-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn durations_never_absolute_times_cross_the_wire() {
    // The wire carries the remaining period; a trip's message names no
    // clock time at all.
    let text = String::from_utf8(
        circuit_share::Message {
            namespace: circuit_share::Namespace::new("n").unwrap(),
            replica: circuit_share::ReplicaId::new("r").unwrap(),
            instance: 1,
            seq: 1,
            breaker: "b".to_owned(),
            epoch: 1,
            change: circuit_share::Change::Opened {
                remaining: Duration::from_millis(1500),
                reason: "r".to_owned(),
            },
        }
        .encode(),
    )
    .unwrap();
    assert!(
        text.contains(r#""open_for_ms":1500"#) && !text.contains("time"),
        "{text}"
    );
}
