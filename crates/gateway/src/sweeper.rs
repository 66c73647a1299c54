//! The gateway's background chores: one sweep per ping interval that pings
//! every connection and closes idle ones, the rate limiter's cleanup, and
//! draining at shutdown.
//!
//! A single timer for the whole gateway instead of one per client: the
//! connection tasks wait on their socket and queue only.

use crate::conn::{Conn, Out};
use crate::connections::tell_to_reconnect;
use crate::ctx::GatewayCtx;
use crate::metrics as m;
use crate::protocol::close;
use roomcast_core::model::now_ms;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Sweeps until `shutdown`; then drains the connections.
pub(crate) async fn run(ctx: &GatewayCtx, shutdown: CancellationToken) {
    let period = Duration::from_millis(ctx.opts.ping_interval_ms);
    let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut last_limiter_sweep = now_ms();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = sweep.tick() => {
                sweep_connections(ctx);
                if now_ms() - last_limiter_sweep > 30_000 {
                    ctx.limiter.sweep(now_ms());
                    ctx.limits.sweep(now_ms());
                    last_limiter_sweep = now_ms();
                }
            }
        }
    }
    drain(ctx).await;
}

/// Pings every connection and closes those past a deadline: idle (sent
/// nothing), a message left unfinished, or neither logged in nor in a room
/// (pings do not keep such a connection: answering them is not using the
/// service).
fn sweep_connections(ctx: &GatewayCtx) {
    let idle_ms = ctx.opts.idle_timeout_ms as i64;
    let message_ms = ctx.opts.limits.message_timeout_ms.min(i64::MAX as u64) as i64;
    let login_ms = ctx.opts.limits.login_timeout_ms.min(i64::MAX as u64) as i64;
    let now = now_ms();
    let limit_close = |c: &Conn, code: u16, why: &'static str, reason: &'static str| {
        metrics::counter!(m::LIMIT_DISCONNECTS, "reason" => reason).increment(1);
        c.out.push(Out::Close(code, why));
    };
    ctx.conns.for_each(|c| {
        let incomplete = c.incomplete_since_ms.load(Ordering::Relaxed);
        let unengaged = if c.is_engaged() {
            c.unengaged_since_ms.store(0, Ordering::Relaxed);
            0
        } else {
            let since = c.unengaged_since_ms.load(Ordering::Relaxed);
            if since == 0 {
                c.unengaged_since_ms.store(now, Ordering::Relaxed);
            }
            since
        };
        if now - c.last_seen_ms.load(Ordering::Relaxed) > idle_ms {
            c.out.push(Out::Close(close::IDLE, "idle timeout"));
        } else if incomplete != 0 && now - incomplete > message_ms {
            limit_close(
                c,
                close::MESSAGE_TIMEOUT,
                "message not completed in time",
                "message_timeout",
            );
        } else if unengaged != 0 && now - unengaged > login_ms {
            limit_close(
                c,
                close::LOGIN_TIMEOUT,
                "neither logged in nor in a room in time",
                "login_timeout",
            );
        } else {
            c.out.push(Out::Ping);
        }
    });
}

/// Tells every client to reconnect elsewhere and closes it, spreading the
/// pushes evenly over `drain_spread_ms` (in random order, so no room or
/// user group goes first), then waits up to the rest of `drain_grace_ms`
/// for them to go.
pub(crate) async fn drain(ctx: &GatewayCtx) {
    let start = tokio::time::Instant::now();
    let mut open = ctx.conns.start_drain();
    let spread = Duration::from_millis(ctx.opts.drain_spread_ms);
    tracing::info!(
        connections = open.len(),
        spread_ms = ctx.opts.drain_spread_ms,
        "draining gateway"
    );
    {
        use rand::seq::SliceRandom;
        open.shuffle(&mut rand::rng());
    }
    let total = open.len();
    let mut told = 0;
    while told < total {
        // Connection i is told at start + spread × i / total.
        let elapsed = start.elapsed();
        let due = if spread.is_zero() || elapsed >= spread {
            total
        } else {
            ((elapsed.as_nanos() * total as u128 / spread.as_nanos()) as usize + 1).min(total)
        };
        for c in &open[told..due] {
            tell_to_reconnect(c);
        }
        told = due;
        if told < total {
            let next = start + spread.mul_f64(told as f64 / total as f64);
            tokio::time::sleep_until(next.max(tokio::time::Instant::now() + Duration::from_millis(1))).await;
        }
    }
    drop(open);
    let deadline = start + Duration::from_millis(ctx.opts.drain_grace_ms);
    while ctx.conns.count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tracing::info!(remaining = ctx.conns.count(), "gateway drained");
}
