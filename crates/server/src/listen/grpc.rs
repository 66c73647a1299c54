//! The gRPC listener's connections for tonic: prepared by our accept loop
//! (PROXY header, TLS), and pending until the client has sent the HTTP/2
//! preface, which must arrive before the header-read deadline.

use super::pending::{Pending, Slot};
use super::{Io, ListenOptions, Refused, metrics, prepare};
use futures_util::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
const PREFACE_LEN: usize = 24;

/// Accepts on `listener` until `stop`, yielding connections ready for
/// tonic. At most a few prepared connections wait for tonic to take them.
pub(crate) fn incoming(
    listener: TcpListener,
    opts: ListenOptions,
    stop: CancellationToken,
) -> impl Stream<Item = Result<GrpcIo, std::io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<GrpcIo>(64);
    let pending = opts.pending();
    tokio::spawn(accept_loop(listener, opts, pending, tx, stop));
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|io| (Ok(io), rx)) })
}

async fn accept_loop(
    listener: TcpListener,
    opts: ListenOptions,
    pending: Arc<Pending>,
    tx: mpsc::Sender<GrpcIo>,
    stop: CancellationToken,
) {
    let local = listener.local_addr().ok();
    loop {
        let (tcp, peer) = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        ::metrics::counter!(metrics::ACCEPTED, "listener" => opts.name).increment(1);
        let slot = pending.admit();
        let (opts, tx) = (opts.clone(), tx.clone());
        tokio::spawn(async move {
            let evicted = slot.evicted();
            let deadline = Instant::now() + opts.header_read_timeout;
            let prepared = tokio::select! {
                p = prepare(tcp, peer, &opts, deadline) => p,
                _ = evicted.cancelled() => return,
            };
            match prepared {
                Ok((io, client)) => {
                    let io = GrpcIo {
                        io,
                        info: TcpConnectInfo {
                            local_addr: local,
                            remote_addr: Some(client),
                        },
                        preface: Some(Preface {
                            read: 0,
                            deadline: Box::pin(tokio::time::sleep_until(deadline)),
                            evicted: Box::pin(evicted.cancelled_owned()),
                            _slot: slot,
                            listener: opts.name,
                        }),
                    };
                    let _ = tx.send(io).await;
                }
                Err(why) => metrics::refused(opts.name, why.label()),
            }
        });
    }
}

/// The pending phase of a gRPC connection.
struct Preface {
    read: usize,
    deadline: Pin<Box<Sleep>>,
    evicted: Pin<Box<WaitForCancellationFutureOwned>>,
    /// Held until the preface is in.
    _slot: Slot,
    listener: &'static str,
}

/// A gRPC connection: reads fail (and hyper closes it) when the preface
/// misses its deadline or the connection is evicted.
pub(crate) struct GrpcIo {
    io: Io,
    info: TcpConnectInfo,
    preface: Option<Preface>,
}

impl Connected for GrpcIo {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.info.clone()
    }
}

impl AsyncRead for GrpcIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if let Some(p) = &mut this.preface {
            if p.evicted.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(std::io::ErrorKind::ConnectionAborted.into()));
            }
            if p.deadline.as_mut().poll(cx).is_ready() {
                metrics::refused(p.listener, Refused::Timeout.label());
                return Poll::Ready(Err(std::io::ErrorKind::TimedOut.into()));
            }
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut this.io).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(p)) = (&r, &mut this.preface) {
            p.read += buf.filled().len() - before;
            if p.read >= PREFACE_LEN {
                this.preface = None;
            }
        }
        r
    }
}

impl AsyncWrite for GrpcIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
