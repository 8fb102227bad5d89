//! The breaker under different executors: it never needs a runtime.

use std::sync::Arc;

use crate::*;

async fn run(cb: &CircuitBreaker) -> u32 {
    let mut ok = 0;
    for i in 0..10u32 {
        if cb
            .call(|| async move { if i % 2 == 0 { Ok(i) } else { Err("odd") } })
            .await
            .is_ok()
        {
            ok += 1;
        }
    }
    ok
}

#[test]
fn futures_executor() {
    let cb = CircuitBreaker::builder("futures")
        .config(Config {
            max_failures: 100,
            min_requests: 100,
            ..Config::default()
        })
        .build()
        .unwrap();
    assert_eq!(futures::executor::block_on(run(&cb)), 5);
    assert_eq!(cb.metrics().total_failures, 5);
}

#[test]
fn pollster() {
    let cb = CircuitBreaker::builder("pollster")
        .config(Config {
            max_failures: 100,
            min_requests: 100,
            ..Config::default()
        })
        .build()
        .unwrap();
    assert_eq!(pollster::block_on(run(&cb)), 5);
}

#[test]
fn tokio_multi_thread_tasks() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let cb = Arc::new(
        CircuitBreaker::builder("tokio")
            .config(Config {
                max_failures: 1000,
                min_requests: 1000,
                ..Config::default()
            })
            .build()
            .unwrap(),
    );
    rt.block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cb = Arc::clone(&cb);
                tokio::spawn(async move { run(&cb).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 5);
        }
    });
    let m = cb.metrics();
    assert_eq!((m.total_successes, m.total_failures), (250, 250));
}
