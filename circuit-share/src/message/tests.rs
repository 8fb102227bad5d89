use super::*;

const HOUR: Duration = Duration::from_secs(3600);

fn ns() -> Namespace {
    Namespace::new("kol-prod").unwrap()
}

fn opened() -> Message {
    Message {
        namespace: ns(),
        replica: ReplicaId::new("api-1").unwrap(),
        instance: 42,
        seq: 3,
        breaker: "kol-match".to_owned(),
        epoch: 7,
        change: Change::Opened {
            remaining: Duration::from_millis(30_000),
            reason: "tripped: 5 consecutive failures (max 5)".to_owned(),
        },
    }
}

#[test]
fn messages_round_trip() {
    let open = opened();
    assert_eq!(Message::decode(&open.encode(), &ns(), HOUR).unwrap(), open);
    let closed = Message {
        change: Change::Closed,
        ..opened()
    };
    assert_eq!(
        Message::decode(&closed.encode(), &ns(), HOUR).unwrap(),
        closed
    );
    let text = String::from_utf8(open.encode()).unwrap();
    assert!(text.contains(r#""open_for_ms":30000"#), "{text}");
    assert!(text.contains(r#""v":1"#), "{text}");
}

fn refused(bytes: &[u8]) -> MessageError {
    Message::decode(bytes, &ns(), HOUR).unwrap_err()
}

fn patched(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(&opened().encode()).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn malformed_messages_are_refused() {
    assert!(matches!(refused(b"garbage"), MessageError::Malformed(_)));
    assert!(matches!(refused(b"{}"), MessageError::Malformed(_)));
    assert!(matches!(
        refused(&vec![b' '; 5000]),
        MessageError::TooLarge(5000)
    ));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (patched(|v| v["v"] = 2.into()), "version"),
        (patched(|v| v["ns"] = "other".into()), "namespace"),
        (patched(|v| v["replica"] = "a b".into()), "replica"),
        (patched(|v| v["breaker"] = "".into()), "breaker"),
        (patched(|v| v["breaker"] = "a\nb".into()), "breaker"),
        (
            patched(|v| v["breaker"] = "x".repeat(257).into()),
            "breaker",
        ),
        (patched(|v| v["open_for_ms"] = 0.into()), "open_for_ms"),
        (
            patched(|v| v["open_for_ms"] = 3_600_001.into()),
            "open_for_ms",
        ),
        (patched(|v| v["open_for_ms"] = (-5).into()), "malformed"),
        (patched(|v| v["reason"] = serde_json::Value::Null), "open"),
        (patched(|v| v["state"] = "closed".into()), "closed"),
        (patched(|v| v["state"] = "forced_open".into()), "malformed"),
        (patched(|v| v["extra"] = 1.into()), "malformed"),
    ];
    for (bytes, want) in cases {
        let err = refused(&bytes);
        let text = err.to_string();
        assert!(
            text.contains(want)
                || (want == "malformed" && matches!(err, MessageError::Malformed(_))),
            "{want}: {text}"
        );
    }
}

#[test]
fn long_reasons_are_cut_on_a_character_boundary() {
    let long = "é".repeat(400);
    let cut = wire_reason(&long);
    assert!(
        cut.len() <= MAX_REASON_BYTES && cut.ends_with('…'),
        "{}",
        cut.len()
    );
    assert_eq!(wire_reason("a\tb"), "a b");
    assert_eq!(wire_reason("short"), "short");
}
