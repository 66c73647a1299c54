//! The HTTP/1.1 listener (WebSocket upgrades, the demo page, operations):
//! hyper's connection with a header-read timeout, and the connection
//! pending until it upgrades or closes.

use super::{ListenOptions, Refused, metrics, prepare};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codegen::Service;

/// Serves `router` on `listener` until `stop`. Each request carries the
/// client's address as `ConnectInfo<SocketAddr>`.
pub fn serve(
    listener: TcpListener,
    router: Router,
    opts: ListenOptions,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<Result<(), String>> {
    let pending = opts.pending();
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off briefly.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            ::metrics::counter!(metrics::ACCEPTED, "listener" => opts.name).increment(1);
            let slot = pending.admit();
            let (router, opts, stop) = (router.clone(), opts.clone(), stop.clone());
            tokio::spawn(async move {
                let evicted = slot.evicted();
                let deadline = tokio::time::Instant::now() + opts.header_read_timeout;
                let prepared = tokio::select! {
                    p = prepare(tcp, peer, &opts, deadline) => p,
                    _ = evicted.cancelled() => return,
                };
                let (io, client) = match prepared {
                    Ok(p) => p,
                    Err(why) => {
                        metrics::refused(opts.name, why.label());
                        return;
                    }
                };
                let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(client));
                    // axum's router is always ready.
                    router.clone().call(req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(opts.header_read_timeout)
                    .serve_connection(TokioIo::new(io), service)
                    .with_upgrades();
                tokio::pin!(conn);
                // The connection future ends when the connection closes or
                // is handed over to the WebSocket session: `slot` is held
                // until then.
                let mut stopping = false;
                loop {
                    tokio::select! {
                        r = conn.as_mut() => {
                            if let Err(e) = r {
                                if e.is_timeout() {
                                    metrics::refused(opts.name, Refused::Timeout.label());
                                }
                                tracing::debug!(%client, error = %e, "HTTP connection ended");
                            }
                            break;
                        }
                        _ = evicted.cancelled() => break,
                        _ = stop.cancelled(), if !stopping => {
                            stopping = true;
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
                drop(slot);
            });
        }
    })
}
