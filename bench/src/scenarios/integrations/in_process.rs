//! The tower layer's own cost: a service that answers at once, bare and
//! behind `CircuitBreakerLayer`, polled in place (no runtime).

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;

use circuit_core::{CircuitBreaker, Config, Registry};
use circuit_http::tower::CircuitBreakerLayer;
use http::{Request, Response, Uri};
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

use crate::error::Error;
use crate::poll::block_on;
use crate::scenarios::hot_path::{Pending, of_call};
use crate::subjects::{Id, Role};
use crate::timing::Plan;

const URI: &str = "http://kol-backend.example:8080/api/v1/kols/match";

fn answer(_: Request<()>) -> Ready<Result<Response<()>, Infallible>> {
    ready(Ok(Response::new(())))
}

/// One request through `service`: ready, call, wait. Clones share what
/// the service shares (the breaker).
fn caller<S>(mut service: S) -> impl FnMut() -> bool + Clone + Send + 'static
where
    S: Service<Request<()>, Response = Response<()>> + Clone + Send + 'static,
{
    let uri = Uri::from_static(URI);
    move || {
        let mut request = Request::new(());
        *request.uri_mut() = uri.clone();
        block_on(async {
            let ready = service.ready().await.ok()?;
            ready.call(request).await.ok()
        })
        .is_some()
    }
}

pub(super) fn prepare(plan: &Plan) -> Result<Vec<Pending>, Error> {
    let setup = |e: &dyn std::fmt::Display| Error::setup("circuit-http layer", e);
    let breaker =
        Arc::new(CircuitBreaker::new("kol-backend", Config::default()).map_err(|e| setup(&e))?);
    let hosts = Arc::new(Registry::new(Config::default()).map_err(|e| setup(&e))?);
    let bare = ServiceBuilder::new().service_fn(answer);
    let one = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(breaker))
        .service_fn(answer);
    let per_origin = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::per_origin(hosts))
        .service(service_fn(answer));
    Ok(vec![
        of_call(
            Id::new(
                "tower 0.5 service_fn",
                "bare: answers at once",
                Role::Baseline,
            ),
            plan,
            caller(bare),
        ),
        of_call(
            Id::new(
                "circuit-http CircuitBreakerLayer",
                "one breaker",
                Role::Ours,
            ),
            plan,
            caller(one),
        ),
        of_call(
            Id::new(
                "circuit-http CircuitBreakerLayer",
                "per origin (registry)",
                Role::Baseline,
            ),
            plan,
            caller(per_origin),
        ),
    ])
}
