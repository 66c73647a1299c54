//! The client WebSocket gateway: sessions, room subscriptions and fan-out.
//!
//! `Gateway` is the handle the server holds; everything behind it shares a
//! `GatewayCtx` (see `ctx`). Jobs by module: `upgrade` (the `/ws` endpoint),
//! `session` (one task per connection, its requests and their replies),
//! `conn` (a connection's state and outbound path), `connections` (the
//! registry of connections and users), `fanout` (room subscriptions and
//! delivery), `sweeper` (pings, idle close, draining).

mod autobahn_echo;
mod conn;
mod connections;
mod ctx;
mod error;
mod fanout;
#[doc(hidden)]
pub mod fuzz_api;
mod limits;
pub mod metrics;
mod options;
pub mod protocol;
mod session;
mod sweeper;
mod upgrade;
mod ws;

pub use error::GatewayError;
pub use limits::client_ip::{CidrSet, client_ip};
pub use limits::{LimitOptions, Lockout};
pub use options::GatewayOptions;

use axum::Router;
use axum::routing::get;
use connections::Connections;
use ctx::GatewayCtx;
use fanout::{FanoutOptions, LocalRooms};
use roomcast_core::ports::control::RoomControl;
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::ratelimit::KeyedRateLimiter;
use roomcast_core::rooms::Rooms;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Cheap-to-clone handle to a gateway.
#[derive(Clone)]
pub struct Gateway {
    ctx: Arc<GatewayCtx>,
}

impl Gateway {
    /// `opts` must have passed `GatewayOptions::validate` (the server's
    /// config validation does it once). `rooms` serves reads and membership; `submitter` takes user messages
    /// and `control` room-state changes — the room service itself in
    /// standalone mode, the moderator pool and room control in cluster mode.
    pub fn build(
        opts: GatewayOptions,
        rooms: Rooms,
        submitter: Arc<dyn MessageSubmitter>,
        control: Arc<dyn RoomControl>,
    ) -> Self {
        let limiter = KeyedRateLimiter::new(opts.user_send_rate);
        let evictor = Arc::new(session::SessionEvictor::new(rooms.clone()));
        let local = Arc::new(LocalRooms::new(FanoutOptions::from(&opts), evictor));
        Self {
            ctx: Arc::new(GatewayCtx {
                conns: Connections::new(&opts),
                limits: limits::Limits::new(&opts.limits),
                opts,
                rooms,
                submitter,
                control,
                local,
                limiter,
            }),
        }
    }

    /// Routes served by the gateway (`/ws`; `/autobahn-echo` too when
    /// `autobahn_echo` is set, for conformance testing only).
    pub fn router(&self) -> Router {
        let mut router = Router::new().route("/ws", get(upgrade::ws_upgrade));
        if self.ctx.opts.autobahn_echo {
            router = router.route("/autobahn-echo", get(autobahn_echo::upgrade));
        }
        router.with_state(self.ctx.clone())
    }

    /// Background chores until `shutdown`; then drains the connections.
    /// One sweep per ping interval pings every connection and closes idle
    /// ones: a single timer for the whole gateway instead of one per client.
    pub async fn run(&self, shutdown: CancellationToken) {
        sweeper::run(&self.ctx, shutdown).await;
    }

    /// Tells every client to reconnect elsewhere and closes it, waiting up to
    /// the grace period for them to go.
    pub async fn drain(&self) {
        sweeper::drain(&self.ctx).await;
    }

    /// Records every local connection's room membership again. Used when
    /// this gateway's presence was reaped while it was alive (its heartbeat
    /// could not reach the shared store for longer than the TTL).
    pub async fn restore_presence(&self) {
        let rows = self.ctx.conns.memberships();
        tracing::warn!(rows = rows.len(), "restoring this gateway's presence");
        for (app, room, member, conn) in rows {
            if let Err(e) = self.ctx.rooms.restore_presence(app, &room, &member, conn).await {
                tracing::warn!(app, room = %room, error = %e, "presence not restored");
            }
        }
    }

    pub fn is_draining(&self) -> bool {
        self.ctx.conns.is_draining()
    }

    pub fn connection_count(&self) -> usize {
        self.ctx.conns.count()
    }

    /// How many more connections this gateway takes
    /// (`max_connections` minus those it holds): the listener counts
    /// connections that have not upgraded yet against it.
    pub fn capacity(&self) -> std::sync::Arc<dyn Fn() -> usize + Send + Sync> {
        let ctx = self.ctx.clone();
        std::sync::Arc::new(move || ctx.opts.max_connections.saturating_sub(ctx.conns.count()))
    }

    pub fn local_room_count(&self) -> usize {
        self.ctx.local.room_count()
    }
}
