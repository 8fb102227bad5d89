//! The README's dashboard picture, taken the way the browser test takes
//! its own: headless Chromium through WebDriver, here during the demo's
//! outage.
//!
//! ```text
//! cargo run -p tests --example dashboard_screenshot -- docs/dashboard.png
//! ```

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use tests::browser::{Browser, until};

#[tokio::main]
async fn main() {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/dashboard/demo.png"), PathBuf::from);
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let options = demo::Options {
        duration: Duration::from_secs(60),
        view: demo::ViewMode::Plain,
        metrics_addr: format!("127.0.0.1:{port}"),
        out: Some(PathBuf::from("target/dashboard/demo")),
        ..demo::Options::default()
    };
    let run = tokio::spawn(demo::run(options));
    let browser = Browser::start().await;
    let client = browser.client();
    let url = format!("http://127.0.0.1:{port}/");
    until("the dashboard", Duration::from_secs(30), || async {
        client.goto(&url).await.ok()
    })
    .await;
    // Both breakers open (the outage), a few seconds in, each with a
    // backoff and a probe to count down to.
    let both_open = "return [...document.querySelectorAll('article.card')]\
        .filter(c => c.dataset.state === 'open' \
            && c.querySelector('.recovery').textContent.includes('next probe in')).length;";
    tokio::time::sleep(Duration::from_secs(20)).await;
    until("the outage", Duration::from_secs(60), || async {
        let open = client.execute(both_open, vec![]).await.ok()?;
        (open == 2).then_some(())
    })
    .await;
    client
        .set_window_size(1100, 760)
        .await
        .expect("window size");
    let png = client.screenshot().await.expect("a screenshot");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).expect("the output folder");
    }
    std::fs::write(&out, png).expect("the screenshot written");
    println!("wrote {}", out.display());
    browser.close().await;
    run.abort();
}
