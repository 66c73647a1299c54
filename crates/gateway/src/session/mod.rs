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
use crate::ws::reader::{FrameReader, Incoming};
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

pub(crate) async fn run(ctx: Arc<GatewayCtx>, upgraded: Upgraded, query_app: Option<AppId>) {
    let conn = ctx.conns.open(query_app);
    let mut cleanup = CloseOnDrop {
        ctx: ctx.clone(),
        conn: conn.clone(),
        armed: true,
    };
    let opts = ctx.opts.clone();
    let (read_half, write_half) = tokio::io::split(TokioIo::new(upgraded));
    conn.out.attach(Box::pin(write_half));
    let mut reader = FrameReader::new(read_half, opts.read_buffer_bytes, opts.hard_frame_limit_bytes);
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
                match msg {
                    Err(e) => break e.close(),
                    // The reader has checked the code: echo it (RFC 6455 §5.5.1).
                    Ok(Incoming::Close(code)) => break Some((code.unwrap_or(1000), "")),
                    Ok(Incoming::Text(text)) => {
                        let reply = dispatch::handle_text(&ctx, &conn, &text).await;
                        conn.out.push(Out::Frame(reply));
                    }
                    Ok(Incoming::Binary(_)) => {
                        conn.out.push(Out::Frame(dispatch::binary_reply()));
                    }
                    Ok(Incoming::Ping(payload)) => {
                        conn.out.push(Out::Pong(payload));
                    }
                    Ok(Incoming::Pong) => {}
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
