//! The dashboard in a real headless Chromium, through WebDriver. One
//! browser and one test for the whole suite (Chromium's start-up is the
//! expensive part): every check runs in order on the same page.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config, State};
use circuit_metrics::dashboard::{ControlToken, Dashboard};
use circuit_metrics::{BreakerSource, Collector, MetricsServer};
use fantoccini::{Client, Locator};
use serde_json::Value;
use tests::backend::workspace_root;
use tests::browser::{Browser, until};

const TOKEN: &str = "dashboard-browser-test-token";
/// Long enough for a cold page load on a busy 2-core machine.
const LOAD: Duration = Duration::from_secs(20);

fn breaker(name: &str) -> Arc<CircuitBreaker> {
    let config = Config {
        max_failures: 2,
        ..Config::default()
    };
    Arc::new(
        CircuitBreaker::builder(name)
            .config(config)
            .build()
            .unwrap(),
    )
}

fn serve(collector: &Arc<Collector>, addr: &str) -> MetricsServer {
    let dashboard =
        Dashboard::new(Arc::clone(collector)).with_control(ControlToken::new(TOKEN).unwrap());
    MetricsServer::builder()
        .bind(addr)
        .dashboard(dashboard)
        .start()
        .unwrap()
}

/// `[name, state, badge text, transitions text]` of every card shown.
async fn cards(client: &Client) -> Vec<Value> {
    let script = "return [...document.querySelectorAll('article.card')].map(c => \
        [c.dataset.name, c.dataset.state, c.querySelector('.state').textContent, \
         c.querySelector('ol.transitions').textContent]);";
    match client.execute(script, vec![]).await.unwrap() {
        Value::Array(cards) => cards,
        other => panic!("not a list of cards: {other}"),
    }
}

async fn card(client: &Client, name: &str) -> Option<Value> {
    cards(client).await.into_iter().find(|c| c[0] == name)
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn click(client: &Client, breaker: &str, action: &str) {
    let css = format!("article.card[data-name=\"{breaker}\"] button[data-action=\"{action}\"]");
    client
        .find(Locator::Css(&css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let matcher = breaker("kol-matcher");
    let optimiser = breaker("budget-optimizer");
    let planner = breaker("campaign-planner");
    let collector = Arc::new(Collector::new());
    for b in [&matcher, &optimiser, &planner] {
        collector.register(BreakerSource::new(Arc::clone(b)));
    }
    let server = serve(&collector, "127.0.0.1:0");
    let addr = server.local_addr().to_string();
    let browser = Browser::start().await;
    let client = browser.client();
    client.goto(&server.url()).await.unwrap();

    // The page lists the breakers.
    let listed = until("three cards", LOAD, || async {
        let cards = cards(client).await;
        (cards.len() == 3).then_some(cards)
    })
    .await;
    let mut names: Vec<&str> = listed.iter().map(|c| c[0].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["budget-optimizer", "campaign-planner", "kol-matcher"]
    );
    assert!(
        listed.iter().all(|c| c[1] == "closed" && c[2] == "CLOSED"),
        "{listed:?}"
    );
    until("the live mark", LOAD, || async {
        (text_of(client, "#conn").await == "live").then_some(())
    })
    .await;

    // A breaker forced open shows as open within 2 s, with no reload.
    matcher.force_open();
    until(
        "kol-matcher shown forced open",
        Duration::from_secs(2),
        || async {
            let card = card(client, "kol-matcher").await?;
            (card[1] == "forced-open" && card[2] == "FORCED OPEN").then_some(())
        },
    )
    .await;

    // A transition appears with its reason.
    for _ in 0..2 {
        optimiser.try_acquire().unwrap().record_failure();
    }
    until(
        "the trip and its reason",
        Duration::from_secs(5),
        || async {
            let card = card(client, "budget-optimizer").await?;
            let transitions = card[3].as_str()?;
            (card[1] == "open"
                && transitions.contains("closed → open")
                && transitions.contains("tripped: 2 consecutive failures (max 2)"))
            .then_some(())
        },
    )
    .await;

    // A control action without the token is refused…
    click(client, "campaign-planner", "force-open").await;
    until("the refusal", Duration::from_secs(5), || async {
        let message = text_of(client, "#message").await;
        message.contains("refused (401)").then_some(())
    })
    .await;
    assert_eq!(planner.state(), State::Closed);
    // …and with it takes effect.
    client
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    click(client, "campaign-planner", "force-open").await;
    until(
        "campaign-planner forced open",
        Duration::from_secs(5),
        || async {
            let card = card(client, "campaign-planner").await?;
            (card[1] == "forced-open").then_some(())
        },
    )
    .await;
    assert_eq!(planner.state(), State::ForcedOpen);

    // After the server restarts, the page reconnects and shows the states
    // of now, including a change made while it was down.
    server.shutdown();
    until("the disconnected mark", Duration::from_secs(10), || async {
        text_of(client, "#conn")
            .await
            .contains("disconnected")
            .then_some(())
    })
    .await;
    matcher.reset();
    let server = serve(&collector, &addr);
    until("reconnected with current states", LOAD, || async {
        let live = text_of(client, "#conn").await == "live";
        let card = card(client, "kol-matcher").await?;
        (live && card[1] == "closed").then_some(())
    })
    .await;

    let png = client.screenshot().await.unwrap();
    let dir = workspace_root().join("target/dashboard");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("browser-test.png"), &png).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");

    browser.close().await;
    server.shutdown();
}
