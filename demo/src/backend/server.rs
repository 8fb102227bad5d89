//! The accept loop: a listener that can really go away.
//!
//! For the outage the loop drops its listener (new connections are
//! refused by the kernel) and aborts every open connection (clients with
//! pooled keep-alive connections see them die), then binds the same port
//! again when the outage's second half begins.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::routes::handle;
use super::{Listening, Order, Shared};

/// How long to keep trying to take the port back after the outage.
const REBIND_DEADLINE: Duration = Duration::from_secs(5);

/// Binds `addr` with `SO_REUSEADDR`, so the port can be bound again right
/// after it was closed.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves, carrying out each [`Order`] and reporting its number on
/// `done`, until told to shut down (or the order sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut orders: watch::Receiver<Order>,
    done: watch::Sender<u64>,
) {
    let addr = listener.local_addr().ok();
    let mut listener = Some(listener);
    let mut connections = JoinSet::new();
    loop {
        let order = match listener.as_ref() {
            None => match orders.changed().await {
                Ok(()) => *orders.borrow_and_update(),
                Err(_) => break,
            },
            Some(active) => tokio::select! {
                accepted = active.accept() => {
                    if let Ok((stream, _)) = accepted {
                        let shared = Arc::clone(&shared);
                        connections.spawn(async move {
                            let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                            // A client going away mid-exchange only ends its connection.
                            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                        });
                    }
                    continue;
                }
                changed = orders.changed() => match changed {
                    Ok(()) => *orders.borrow_and_update(),
                    Err(_) => break,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            },
        };
        match order.listening {
            Listening::On if listener.is_none() => listener = rebind(addr, &shared).await,
            Listening::On => {}
            Listening::Off => {
                if listener.take().is_some() {
                    shared.count_dropped(connections.len());
                    connections.abort_all();
                }
            }
            Listening::Shutdown => {
                connections.abort_all();
                done.send_replace(order.number);
                return;
            }
        }
        done.send_replace(order.number);
    }
    connections.abort_all();
}

async fn rebind(addr: Option<SocketAddr>, shared: &Shared) -> Option<TcpListener> {
    let addr = addr?;
    let deadline = tokio::time::Instant::now() + REBIND_DEADLINE;
    loop {
        match bind(addr) {
            Ok(listener) => return Some(listener),
            Err(error) if tokio::time::Instant::now() >= deadline => {
                tracing::error!(%addr, %error, "The embedded backend could not take its port back");
                shared.rebind_failed();
                return None;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
