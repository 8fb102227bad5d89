//! Quick look at what the tower layer adds to a request:
//! `cargo bench -p circuit-http --features tower --bench layer`. The
//! side-by-side figures are in `cargo xtask bench`, section 6.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use circuit_core::{CircuitBreaker, Config, Registry};
use circuit_http::tower::CircuitBreakerLayer;
use http::{Request, Response, Uri};
use tower::{Layer, Service, service_fn};

const URI: &str = "http://kol-backend.example:8080/api/v1/kols/match";

fn main() {
    divan::main();
}

fn answer(_: Request<()>) -> Ready<Result<Response<()>, Infallible>> {
    ready(Ok(Response::new(())))
}

/// Calls `service` once; its future is ready at the first poll.
fn call<S>(service: &mut S, uri: &Uri) -> bool
where
    S: Service<Request<()>, Response = Response<()>>,
{
    let mut request = Request::new(());
    *request.uri_mut() = uri.clone();
    let mut cx = Context::from_waker(Waker::noop());
    if service.poll_ready(&mut cx).is_pending() {
        return false;
    }
    let future = pin!(service.call(request));
    matches!(future.poll(&mut cx), Poll::Ready(Ok(_)))
}

#[divan::bench]
fn bare(bencher: divan::Bencher) {
    let (mut service, uri) = (service_fn(answer), Uri::from_static(URI));
    bencher.bench_local(|| call(black_box(&mut service), &uri));
}

#[divan::bench]
fn one_breaker(bencher: divan::Bencher) {
    let breaker = Arc::new(CircuitBreaker::new("kol-backend", Config::default()).unwrap());
    let mut service = CircuitBreakerLayer::new(breaker).layer(service_fn(answer));
    let uri = Uri::from_static(URI);
    bencher.bench_local(|| call(black_box(&mut service), &uri));
}

#[divan::bench]
fn per_origin(bencher: divan::Bencher) {
    let hosts = Arc::new(Registry::new(Config::default()).unwrap());
    let mut service = CircuitBreakerLayer::per_origin(hosts).layer(service_fn(answer));
    let uri = Uri::from_static(URI);
    bencher.bench_local(|| call(black_box(&mut service), &uri));
}

#[divan::bench]
fn origin_key(bencher: divan::Bencher) {
    let uri = Uri::from_static(URI);
    bencher.bench_local(|| circuit_http::origin(black_box(&uri)));
}
