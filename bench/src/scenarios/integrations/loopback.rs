//! The layer and the middleware on real HTTP: the loopback backend's match
//! endpoint through a hyper-util client and a reqwest-middleware client,
//! each bare and with its breaker.

use std::sync::Arc;

use circuit_core::{Config, Registry};
use circuit_http::HttpClassifier;
use circuit_http::reqwest::CircuitBreakerMiddleware;
use circuit_http::tower::{CircuitBreakerLayer, CircuitBreakerService, PerOrigin};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use tower::{Layer, Service, ServiceExt};

use crate::error::Error;
use crate::scenarios::server::{self, MATCH_PATH};
use crate::scenarios::turns::{self, LatencyRow, Variants};

type Hyper = Client<HttpConnector, Empty<Bytes>>;

struct Stacks {
    uri: Uri,
    url: String,
    hyper: Hyper,
    layered: CircuitBreakerService<Hyper, PerOrigin, HttpClassifier>,
    reqwest: ClientWithMiddleware,
    middleware: ClientWithMiddleware,
}

/// Name and description of each variant, in `Stacks::send` order.
const ROWS: [(&str, &str); 4] = [
    ("hyper-util 0.1 client", "bare"),
    (
        "hyper-util + CircuitBreakerLayer",
        "per origin, HTTP classifier",
    ),
    ("reqwest-middleware 0.5", "no middleware"),
    (
        "reqwest-middleware + CircuitBreakerMiddleware",
        "per origin, HTTP classifier",
    ),
];

fn failed(what: &'static str) -> impl Fn(&dyn std::fmt::Display) -> Error {
    move |e| Error::setup(what, e)
}

impl Stacks {
    async fn tower<S>(&self, mut service: S) -> Result<(), Error>
    where
        S: Service<Request<Empty<Bytes>>, Response = hyper::Response<hyper::body::Incoming>>,
        S::Error: std::fmt::Display,
    {
        let fail = failed("hyper-util request");
        let request = Request::builder()
            .method(Method::POST)
            .uri(self.uri.clone())
            .body(Empty::new())
            .map_err(|e| fail(&e))?;
        let response = service
            .ready()
            .await
            .map_err(|e| fail(&e))?
            .call(request)
            .await
            .map_err(|e| fail(&e))?;
        if !response.status().is_success() {
            return Err(fail(&response.status()));
        }
        response.into_body().collect().await.map_err(|e| fail(&e))?;
        Ok(())
    }

    async fn reqwest(&self, client: &ClientWithMiddleware) -> Result<(), Error> {
        let fail = failed("reqwest-middleware request");
        let response = client.post(&self.url).send().await.map_err(|e| fail(&e))?;
        response.bytes().await.map_err(|e| fail(&e))?;
        Ok(())
    }
}

impl Variants for Stacks {
    fn count(&self) -> usize {
        ROWS.len()
    }

    async fn send(&self, variant: usize) -> Result<(), Error> {
        match variant {
            0 => self.tower(self.hyper.clone()).await,
            1 => self.tower(self.layered.clone()).await,
            2 => self.reqwest(&self.reqwest).await,
            _ => self.reqwest(&self.middleware).await,
        }
    }
}

pub(super) fn run(requests: usize) -> Result<Vec<LatencyRow>, Error> {
    let server = server::start()?;
    let url = format!("http://{}{MATCH_PATH}", server.addr);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed("loopback runtime")(&e))?;
    let registry = || {
        Registry::new(Config::default())
            .map(Arc::new)
            .map_err(|e| failed("registry")(&e))
    };
    let tallies = runtime.block_on(async {
        let hyper: Hyper = Client::builder(TokioExecutor::new()).build_http();
        let reqwest = reqwest::Client::builder()
            .build()
            .map_err(|e| failed("reqwest")(&e))?;
        let stacks = Stacks {
            uri: url.parse().map_err(|e| failed("loopback URI")(&e))?,
            url: url.clone(),
            layered: CircuitBreakerLayer::per_origin(registry()?).layer(hyper.clone()),
            hyper,
            middleware: ClientBuilder::new(reqwest.clone())
                .with(CircuitBreakerMiddleware::new(registry()?))
                .build(),
            reqwest: ClientBuilder::new(reqwest).build(),
        };
        turns::compare(&stacks, requests).await
    })?;
    drop(server);
    Ok(tallies
        .into_iter()
        .zip(ROWS)
        .map(|(tally, (name, what))| tally.row(name, what))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_stack_gets_its_answers() {
        // Requests go in blocks of 50.
        let rows = super::run(50).unwrap();
        let names: Vec<_> = rows.iter().map(|r| r.name).collect();
        assert_eq!(names, super::ROWS.map(|(name, _)| name));
        assert!(rows.iter().all(|r| r.requests == 50 && r.p50_us > 0.0));
    }
}
