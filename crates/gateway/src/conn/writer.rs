//! The connection task's side of the outbound path: it takes its turn with
//! the socket and writes out everything that producers had to queue.
//!
//! Lives with the queue rather than the session: it is about the socket, not
//! about requests, and its timing (one timer only when a write stalls) is
//! part of the fan-out's cost.

use super::{Conn, Out, SocketWriter, Turn};
use crate::GatewayOptions;
use crate::ws::frame;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Runs `fut` under `limit`, but only arms the timer if the first poll does
/// not finish it: almost every write completes at once, and registering a
/// timer per write was a measurable share of fan-out CPU.
async fn with_write_timeout<F: std::future::Future>(limit: Duration, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await;
    match first {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => tokio::time::timeout(limit, fut).await.ok(),
    }
}

/// How a stretch of writing ended.
pub enum Wrote {
    /// Everything queued is out; the connection carries on.
    Done,
    /// A close frame went out: the connection ends.
    Closed(u16, &'static str),
    /// The socket failed or the client stopped reading for too long.
    Dead,
}

/// Writes whatever is queued until the queue stays empty.
pub async fn write_queued(conn: &Conn, opts: &GatewayOptions) -> Wrote {
    loop {
        match conn.out.take_turn() {
            Turn::Idle => return Wrote::Done,
            Turn::Failed => return Wrote::Dead,
            Turn::Write(mut writer, items) => {
                let limit = Duration::from_millis(opts.write_timeout_ms);
                match with_write_timeout(limit, write_items(&mut writer, items, opts.write_buffer_bytes)).await {
                    Some(Ok(None)) => {
                        if !conn.out.end_turn(writer) {
                            return Wrote::Done;
                        }
                    }
                    Some(Ok(Some((code, reason)))) => return Wrote::Closed(code, reason),
                    Some(Err(_)) => return Wrote::Dead,
                    None => {
                        tracing::info!(conn = conn.id, "write timed out; disconnecting");
                        return Wrote::Dead;
                    }
                }
            }
        }
    }
}

/// Writes `items` in order, gathering small frames into writes of up to
/// `gather` bytes. Returns the close it sent, if any.
async fn write_items(
    w: &mut SocketWriter,
    items: VecDeque<Out>,
    gather: usize,
) -> std::io::Result<Option<(u16, &'static str)>> {
    let mut buf: Vec<u8> = Vec::new();
    for item in items {
        if let Out::Close(code, reason) = item {
            buf.extend_from_slice(&frame::close(code, reason));
            w.write_all(&buf).await?;
            w.flush().await?;
            return Ok(Some((code, reason)));
        }
        let Some(bytes) = item.encode() else { continue };
        if buf.is_empty() && bytes.len() >= gather {
            w.write_all(&bytes).await?;
            continue;
        }
        buf.extend_from_slice(&bytes);
        if buf.len() >= gather {
            w.write_all(&buf).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        w.write_all(&buf).await?;
    }
    w.flush().await?;
    Ok(None)
}
