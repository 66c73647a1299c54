//! One connection's task: reads requests, has them answered, and takes
//! turns with the direct writers to write out what the socket could not
//! take at once.
//!
//! Only the connection's lifecycle lives here. What a request means is in
//! `dispatch` (envelope, op, reply) and in one module per op family:
//! `auth`, `membership`, `send`, `manage`, `counters` and `attributes`.

mod attributes;
mod auth;
mod counters;
mod dispatch;
mod manage;
mod membership;
mod send;

pub(crate) use membership::SessionEvictor;

use crate::conn::{Conn, Out, Wrote, write_queued};
use crate::ctx::GatewayCtx;
use crate::limits::{IpSlot, RequestVerdict};
use crate::metrics as m;
use crate::protocol::close as close_code;
use crate::ws::reader::{FrameReader, Incoming, ReadError, ReadGuard};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use roomcast_core::ids::AppId;
use roomcast_core::model::now_ms;
use std::sync::Arc;

/// Ends a connection's bookkeeping (connection count, rooms, presence) even
/// when its task panics, so a crashed session cannot hold a slot forever.
struct CloseOnDrop {
    ctx: Arc<GatewayCtx>,
    conn: Arc<Conn>,
    armed: bool,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        self.conn.out.shut();
        tracing::error!(conn = self.conn.id, "connection task ended abnormally; cleaning up");
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (ctx, conn) = (self.ctx.clone(), self.conn.clone());
            rt.spawn(async move { close(&ctx, &conn).await });
        }
    }
}

/// What the loop does with a request frame or a ping, by the connection's
/// request rate.
fn admit_request(conn: &Conn) -> RequestVerdict {
    conn.limits.lock().request(now_ms())
}

pub(crate) async fn run(
    ctx: Arc<GatewayCtx>,
    upgraded: Upgraded,
    query_app: Option<AppId>,
    ip: Option<std::net::IpAddr>,
    ip_slot: IpSlot,
) {
    // Counted against the client's IP until the session ends.
    let _ip_slot = ip_slot;
    let conn = ctx.conns.open(query_app, ip);
    let mut cleanup = CloseOnDrop {
        ctx: ctx.clone(),
        conn: conn.clone(),
        armed: true,
    };
    let opts = ctx.opts.clone();
    let (read_half, write_half) = tokio::io::split(TokioIo::new(upgraded));
    conn.out.attach(Box::pin(write_half));
    let guard = ReadGuard {
        budget: ctx.limits.budget.clone(),
        incomplete_since_ms: conn.incomplete_since_ms.clone(),
        message_timeout_ms: opts.limits.message_timeout_ms.min(i64::MAX as u64) as i64,
    };
    let mut reader = FrameReader::with_guard(read_half, opts.read_buffer_bytes, opts.hard_frame_limit_bytes, guard);
    // Most writes happen in whoever produced the data (see `conn`); this
    // task only writes what the socket could not take at once. Pings, idle
    // checks and draining come from the gateway's sweeper through the queue,
    // so the loop waits on two things only and no per-connection timer is
    // touched per message.
    let close_with: Option<(u16, &'static str)> = loop {
        // Unbiased: a client whose queue refills during every write must
        // still have its requests (and pongs) read.
        tokio::select! {
            _ = conn.out.ready() => match write_queued(&conn, &opts).await {
                Wrote::Done => {}
                Wrote::Closed(code, reason) => {
                    tracing::debug!(conn = conn.id, code, reason, "connection closed by server");
                    break None;
                }
                Wrote::Dead => break None,
            },
            // `next` is cancel-safe: losing this branch drops no data.
            msg = reader.next() => {
                conn.last_seen_ms.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
                let verdict = match &msg {
                    Ok(Incoming::Text(_) | Incoming::Binary(_) | Incoming::Ping(_)) => admit_request(&conn),
                    _ => RequestVerdict::Serve,
                };
                match (msg, verdict) {
                    (Err(e), _) => {
                        let reason = match e {
                            ReadError::Timeout => Some("message_timeout"),
                            ReadError::OverBudget => Some("incoming_budget"),
                            _ => None,
                        };
                        if let Some(reason) = reason {
                            metrics::counter!(m::LIMIT_DISCONNECTS, "reason" => reason).increment(1);
                            tracing::debug!(conn = conn.id, reason, "connection closed by a limit");
                        }
                        break e.close();
                    }
                    (Ok(_), RequestVerdict::Disconnect) => {
                        metrics::counter!(m::LIMIT_DISCONNECTS, "reason" => "request_abuse").increment(1);
                        tracing::debug!(conn = conn.id, "connection closed for sending past its request rate");
                        break Some((close_code::TOO_MANY_REQUESTS, "too many requests"));
                    }
                    // The reader has checked the code: echo it (RFC 6455 §5.5.1).
                    (Ok(Incoming::Close(code)), _) => break Some((code.unwrap_or(1000), "")),
                    (Ok(Incoming::Text(text)), RequestVerdict::Refuse) => {
                        conn.out.push(Out::Frame(dispatch::rate_limited_reply(&text)));
                    }
                    (Ok(Incoming::Text(text)), RequestVerdict::Serve) => {
                        let reply = dispatch::handle_text(&ctx, &conn, &text).await;
                        conn.out.push(Out::Frame(reply));
                    }
                    (Ok(Incoming::Binary(_)), RequestVerdict::Refuse) => {
                        conn.out.push(Out::Frame(dispatch::rate_limited_reply("")));
                    }
                    (Ok(Incoming::Binary(_)), RequestVerdict::Serve) => {
                        conn.out.push(Out::Frame(dispatch::binary_reply()));
                    }
                    // Pings past the rate go unanswered.
                    (Ok(Incoming::Ping(_)), RequestVerdict::Refuse) => {}
                    (Ok(Incoming::Ping(payload)), RequestVerdict::Serve) => {
                        conn.out.push(Out::Pong(payload));
                    }
                    (Ok(Incoming::Pong), _) => {}
                }
            }
        }
    };
    if let Some((code, reason)) = close_with {
        conn.out.push(Out::Close(code, reason));
        write_queued(&conn, &opts).await;
    }
    conn.out.shut();
    close(&ctx, &conn).await;
    cleanup.armed = false;
}

/// Ends the connection's bookkeeping: registry, rooms, presence.
async fn close(ctx: &GatewayCtx, conn: &Arc<Conn>) {
    ctx.conns
        .close(conn, membership::leave_all_rooms(ctx, conn, true))
        .await;
}
