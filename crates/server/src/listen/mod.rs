//! Our own accept loop, used by every listener (WebSocket/HTTP, gRPC,
//! operations): per connection an optional PROXY protocol header, an
//! optional TLS handshake and the HTTP request headers (gRPC: the HTTP/2
//! preface), all within `server.header_read_timeout_ms`; and a per-listener
//! cap on connections still in that phase (the oldest is closed at the cap),
//! so half-sent requests (slowloris) can neither pile up nor starve clients.
//!
//! # The client's address
//!
//! Every HTTP request carries the client's address as the request extension
//! `axum::extract::ConnectInfo<std::net::SocketAddr>` (extract it with
//! `ConnectInfo<SocketAddr>`; see [`ClientAddr`]): the source address of the
//! PROXY header when `server.proxy_protocol` is on, the TCP peer otherwise.
//! gRPC requests carry it as `tonic::Request::remote_addr()`. Per-IP limits
//! must use these, never the TCP peer directly.

mod grpc;
mod http;
pub mod metrics;
mod pending;
mod proxy;
mod tls;

pub(crate) use grpc::incoming as grpc_incoming;
pub use http::serve as serve_http;
pub(crate) use tls::Tls;

use pending::Pending;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// The client address of an HTTP request, as the gateway's handlers see it
/// (`ConnectInfo<SocketAddr>` in the request's extensions).
pub type ClientAddr = axum::extract::ConnectInfo<SocketAddr>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsOptions {
    /// PEM certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// How often the two files are checked for changes; a changed pair is
    /// loaded without a restart (a bad one is logged and the old kept).
    #[serde(default = "default_reload_ms")]
    pub reload_interval_ms: u64,
}

fn default_reload_ms() -> u64 {
    10_000
}

impl TlsOptions {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.reload_interval_ms == 0 {
            return Err("reload_interval_ms must be positive".into());
        }
        tls::load(self).map(|_| ())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcLimits {
    /// Largest request message decoded (bytes), except `ImportTerms`.
    pub max_message_bytes: usize,
    /// Largest `ModerationAdminService` request (word-list imports).
    pub max_import_message_bytes: usize,
    /// Calls served at once over all connections; more are refused
    /// (RESOURCE_EXHAUSTED) instead of queued.
    pub max_concurrent_calls: usize,
    /// Concurrent calls (HTTP/2 streams) per connection.
    pub max_concurrent_calls_per_connection: u32,
    /// At most one `Broadcast` per app in this interval (Tencent: 1/s);
    /// more get 10023. Per room-control replica. 0: no limit.
    pub broadcast_interval_ms: u64,
}

impl Default for GrpcLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 256 * 1024,
            max_import_message_bytes: 8 * 1024 * 1024,
            max_concurrent_calls: 1024,
            max_concurrent_calls_per_connection: 64,
            broadcast_interval_ms: 1_000,
        }
    }
}

impl GrpcLimits {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.max_message_bytes == 0
            || self.max_import_message_bytes == 0
            || self.max_concurrent_calls == 0
            || self.max_concurrent_calls_per_connection == 0
        {
            return Err("message sizes and concurrency limits must be positive".into());
        }
        Ok(())
    }
}

/// How one listener treats new connections.
#[derive(Clone)]
pub struct ListenOptions {
    /// Metric label: `http`, `grpc` or `ops`.
    pub name: &'static str,
    pub header_read_timeout: Duration,
    pub max_pending: usize,
    pub proxy_protocol: bool,
    pub tls: Option<TlsAcceptor>,
    /// How many more connections the service behind can take (the gateway:
    /// `max_connections` minus its upgraded connections); pending
    /// connections count against it.
    pub capacity: Option<Arc<dyn Fn() -> usize + Send + Sync>>,
}

impl ListenOptions {
    pub fn new(name: &'static str, server: &crate::config::ServerOptions) -> Self {
        Self {
            name,
            header_read_timeout: Duration::from_millis(server.header_read_timeout_ms),
            max_pending: server.max_pending_connections,
            proxy_protocol: server.proxy_protocol,
            tls: None,
            capacity: None,
        }
    }

    pub fn with_tls(mut self, tls: Option<TlsAcceptor>) -> Self {
        self.tls = tls;
        self
    }

    pub fn with_capacity(mut self, capacity: Arc<dyn Fn() -> usize + Send + Sync>) -> Self {
        self.capacity = Some(capacity);
        self
    }

    fn pending(&self) -> Arc<Pending> {
        Arc::new(Pending::new(self.name, self.max_pending, self.capacity.clone()))
    }
}

/// A connection after its PROXY header and TLS handshake.
pub(crate) enum Io {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// Why a connection was closed before it was served.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refused {
    Timeout,
    Proxy,
    Tls,
}

impl Refused {
    fn label(self) -> &'static str {
        match self {
            Refused::Timeout => "timeout",
            Refused::Proxy => "proxy_header",
            Refused::Tls => "tls_handshake",
        }
    }
}

/// Reads the PROXY header (if configured) and completes the TLS handshake
/// (if configured) before `deadline`. Returns the connection and the
/// client's address.
async fn prepare(
    mut tcp: TcpStream,
    peer: SocketAddr,
    opts: &ListenOptions,
    deadline: tokio::time::Instant,
) -> Result<(Io, SocketAddr), Refused> {
    // Small frames (replies, single events) must not wait for Nagle.
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let mut client = peer;
    if opts.proxy_protocol {
        match tokio::time::timeout_at(deadline, proxy::read_header(&mut tcp)).await {
            Err(_) => return Err(Refused::Timeout),
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "bad PROXY header");
                return Err(Refused::Proxy);
            }
            Ok(Ok(source)) => client = source.unwrap_or(peer),
        }
    }
    let io = match &opts.tls {
        None => Io::Plain(tcp),
        Some(acceptor) => match tokio::time::timeout_at(deadline, acceptor.accept(tcp)).await {
            Err(_) => return Err(Refused::Timeout),
            Ok(Err(e)) => {
                tracing::debug!(%client, error = %e, "TLS handshake failed");
                return Err(Refused::Tls);
            }
            Ok(Ok(tls)) => Io::Tls(Box::new(tls)),
        },
    };
    Ok((io, client))
}

impl AsyncRead for Io {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Io::Plain(s) => s.is_write_vectored(),
            Io::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
