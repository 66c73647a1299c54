//! The client WebSocket gateway: sessions, room subscriptions and fan-out.

mod conn;
mod error;
mod fanout;
mod options;
pub mod protocol;
mod reorder;
mod session;
mod ws;

pub use error::GatewayError;
pub use options::GatewayOptions;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use conn::{Conn, Out};
use fanout::{Evictor, LocalRooms};
use parking_lot::Mutex;
use protocol::{KickReason, close, kicked_push};
use roomcast_core::ids::{AppId, GUEST_PREFIX};
use roomcast_core::metrics as m;
use roomcast_core::model::{UserProfile, now_ms};
use roomcast_core::ratelimit::KeyedRateLimiter;
use roomcast_core::rooms::{MessageSubmitter, Rooms};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

type UserKey = (AppId, String);

const CONN_SHARDS: usize = 64;

/// Cheap-to-clone handle to a gateway.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    opts: GatewayOptions,
    rooms: Rooms,
    submitter: Arc<dyn MessageSubmitter>,
    local: Arc<LocalRooms>,
    /// Every open connection, sharded, for the sweeper and draining.
    conns: Vec<Mutex<HashMap<conn::ConnId, Arc<Conn>>>>,
    /// Logged-in connections per user, oldest first.
    users: Mutex<HashMap<UserKey, Vec<Arc<Conn>>>>,
    limiter: KeyedRateLimiter<(AppId, String)>,
    next_conn: AtomicU64,
    /// Random per process, so guest IDs from different gateways never collide.
    instance: u64,
    connections: AtomicUsize,
    drain: CancellationToken,
    evictor: Arc<dyn Evictor>,
}

struct GatewayEvictor {
    rooms: Rooms,
}

impl Evictor for GatewayEvictor {
    fn evicted(&self, conn: &Arc<Conn>, app: AppId, room: &str, reason: KickReason) {
        let member = {
            let mut s = conn.session.lock();
            s.rooms.remove(room);
            s.member_id().to_string()
        };
        // Also after a dismissal (presence is already gone): the leave clears
        // this gateway's own bookkeeping of the connection.
        let _ = reason;
        let rooms = self.rooms.clone();
        let (room, id) = (room.to_string(), conn.id);
        tokio::spawn(async move {
            if let Err(e) = rooms.leave(app, &room, &member, id, false).await {
                tracing::warn!(app, room = %room, error = %e, "presence leave after kick failed");
            }
        });
    }
}

#[derive(Deserialize)]
struct WsQuery {
    #[serde(rename = "sdkAppId")]
    sdk_app_id: Option<AppId>,
}

impl Gateway {
    /// `submitter` takes user messages: the room service itself in
    /// standalone mode, the moderator pool in cluster mode.
    pub fn build(opts: GatewayOptions, rooms: Rooms, submitter: Arc<dyn MessageSubmitter>) -> Result<Self, String> {
        opts.validate()?;
        let limiter = KeyedRateLimiter::new(opts.user_send_rate);
        let evictor = Arc::new(GatewayEvictor { rooms: rooms.clone() });
        let local = Arc::new(LocalRooms::new(
            Duration::from_millis(opts.reorder_window_ms),
            Duration::from_millis(opts.fanout_batch_ms),
            opts.fanout_batch_full_members,
            opts.max_messages_per_frame,
        ));
        Ok(Self {
            inner: Arc::new(Inner {
                opts,
                rooms,
                submitter,
                conns: (0..CONN_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
                local,
                users: Mutex::new(HashMap::new()),
                limiter,
                next_conn: AtomicU64::new(1),
                instance: rand::random::<u64>() & 0xffff_ffff,
                connections: AtomicUsize::new(0),
                drain: CancellationToken::new(),
                evictor,
            }),
        })
    }

    /// Routes served by the gateway (`/ws`).
    pub fn router(&self) -> Router {
        Router::new().route("/ws", get(ws_upgrade)).with_state(self.clone())
    }

    /// Background chores until `shutdown`; then drains the connections.
    /// One sweep per ping interval pings every connection and closes idle
    /// ones: a single timer for the whole gateway instead of one per client.
    pub async fn run(&self, shutdown: CancellationToken) {
        let period = Duration::from_millis(self.inner.opts.ping_interval_ms);
        let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let mut last_limiter_sweep = now_ms();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = sweep.tick() => {
                    self.sweep_connections();
                    if now_ms() - last_limiter_sweep > 30_000 {
                        self.inner.limiter.sweep(now_ms());
                        last_limiter_sweep = now_ms();
                    }
                }
            }
        }
        self.drain().await;
    }

    fn sweep_connections(&self) {
        let idle_ms = self.inner.opts.idle_timeout_ms as i64;
        let now = now_ms();
        for shard in &self.inner.conns {
            for c in shard.lock().values() {
                if now - c.last_seen_ms.load(Ordering::Relaxed) > idle_ms {
                    c.out.push(Out::Close(close::IDLE, "idle timeout"));
                } else {
                    c.out.push(Out::Ping);
                }
            }
        }
    }

    fn tell_to_reconnect(c: &Conn) {
        c.out.push(Out::Frame(protocol::reconnect_push("draining")));
        c.out.push(Out::Close(close::GOING_AWAY, "server draining"));
    }

    /// Tells every client to reconnect elsewhere and closes it, waiting up to
    /// the grace period for them to go.
    pub async fn drain(&self) {
        let n = self.connection_count();
        tracing::info!(connections = n, "draining gateway");
        self.inner.drain.cancel();
        for shard in &self.inner.conns {
            for c in shard.lock().values() {
                Self::tell_to_reconnect(c);
            }
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(self.inner.opts.drain_grace_ms);
        while self.connection_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!(remaining = self.connection_count(), "gateway drained");
    }

    /// Records every local connection's room membership again. Used when
    /// this gateway's presence was reaped while it was alive (its heartbeat
    /// could not reach the shared store for longer than the TTL).
    pub async fn restore_presence(&self) {
        let mut rows = Vec::new();
        for shard in &self.inner.conns {
            for c in shard.lock().values() {
                let s = c.session.lock();
                let Some(app) = s.app else { continue };
                let member = roomcast_core::presence::MemberInfo {
                    user_id: s.member_id().to_string(),
                    nick: s.profile.nick.clone(),
                    avatar: s.profile.avatar.clone(),
                };
                for room in &s.rooms {
                    rows.push((app, room.clone(), member.clone(), c.id));
                }
            }
        }
        tracing::warn!(rows = rows.len(), "restoring this gateway's presence");
        for (app, room, member, conn) in rows {
            if let Err(e) = self.inner.rooms.restore_presence(app, &room, &member, conn).await {
                tracing::warn!(app, room = %room, error = %e, "presence not restored");
            }
        }
    }

    pub fn is_draining(&self) -> bool {
        self.inner.drain.is_cancelled()
    }

    pub fn connection_count(&self) -> usize {
        self.inner.connections.load(Ordering::Relaxed)
    }

    pub fn local_room_count(&self) -> usize {
        self.inner.local.room_count()
    }

    pub(crate) fn options(&self) -> &GatewayOptions {
        &self.inner.opts
    }

    pub(crate) fn rooms(&self) -> &Rooms {
        &self.inner.rooms
    }

    pub(crate) fn submitter(&self) -> &dyn MessageSubmitter {
        self.inner.submitter.as_ref()
    }

    pub(crate) fn local_rooms(&self) -> &Arc<LocalRooms> {
        &self.inner.local
    }

    pub(crate) fn evictor(&self) -> Arc<dyn Evictor> {
        self.inner.evictor.clone()
    }

    pub(crate) fn allow_send(&self, app: AppId, user: &str) -> bool {
        self.inner.limiter.try_acquire(&(app, user.to_string()), now_ms())
    }

    pub(crate) fn open_conn(&self, app: Option<AppId>) -> Arc<Conn> {
        let id = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let guest_id = format!("{GUEST_PREFIX}{:08x}{id:x}", self.inner.instance);
        let conn = Conn::new(id, self.inner.opts.send_queue_max_bytes, guest_id);
        conn.session.lock().app = app;
        self.inner.conns[(id as usize) % CONN_SHARDS]
            .lock()
            .insert(id, conn.clone());
        // Upgraded while the drain was starting: send it away too.
        if self.is_draining() {
            Self::tell_to_reconnect(&conn);
        }
        metrics::gauge!(m::CONNECTIONS).increment(1.0);
        metrics::counter!(m::CONNECTIONS_TOTAL).increment(1);
        conn
    }

    pub(crate) async fn close_conn(&self, conn: &Arc<Conn>) {
        self.inner.conns[(conn.id as usize) % CONN_SHARDS]
            .lock()
            .remove(&conn.id);
        self.leave_all_rooms(conn, true).await;
        let (app, user) = {
            let s = conn.session.lock();
            (s.app, s.user.clone())
        };
        if let (Some(app), Some(user)) = (app, user) {
            self.unregister_user(conn, app, &user);
        }
        metrics::gauge!(m::CONNECTIONS).decrement(1.0);
        self.inner.connections.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) async fn leave_all_rooms(&self, conn: &Arc<Conn>, announce: bool) {
        let (app, member, rooms) = {
            let mut s = conn.session.lock();
            let rooms: Vec<String> = s.rooms.drain().collect();
            (s.app, s.member_id().to_string(), rooms)
        };
        let Some(app) = app else { return };
        // Local delivery stops for every room before the first await, so an
        // interrupted leave cannot leave the connection in a room's list.
        for room in &rooms {
            self.inner.local.remove(app, room, conn.id);
        }
        for room in rooms {
            if let Err(e) = self.inner.rooms.leave(app, &room, &member, conn.id, announce).await {
                tracing::warn!(app, room = %room, error = %e, "presence leave failed");
            }
        }
    }

    /// Records a login; past the per-user cap the oldest connection is kicked.
    pub(crate) fn register_user(&self, conn: &Arc<Conn>, app: AppId, user: &str) {
        let evicted = {
            let mut users = self.inner.users.lock();
            let list = users.entry((app, user.to_string())).or_default();
            list.push(conn.clone());
            let excess = list.len().saturating_sub(self.inner.opts.max_connections_per_user);
            list.drain(..excess).collect::<Vec<_>>()
        };
        for old in evicted {
            tracing::info!(conn = old.id, app, user, "connection replaced by a newer login");
            old.out
                .push(Out::Frame(kicked_push(None, KickReason::LoggedInElsewhere.as_str())));
            old.out
                .push(Out::Close(close::LOGGED_IN_ELSEWHERE, "logged in elsewhere"));
            // Closing leaves its rooms as this user (quit tips, presence).
        }
    }

    pub(crate) fn unregister_user(&self, conn: &Arc<Conn>, app: AppId, user: &str) {
        let mut users = self.inner.users.lock();
        let key = (app, user.to_string());
        if let Some(list) = users.get_mut(&key) {
            list.retain(|c| c.id != conn.id);
            if list.is_empty() {
                users.remove(&key);
            }
        }
    }

    pub(crate) fn set_local_profile(&self, app: AppId, user: &str, profile: &UserProfile) {
        let users = self.inner.users.lock();
        if let Some(list) = users.get(&(app, user.to_string())) {
            for c in list {
                c.session.lock().profile = profile.clone();
            }
        }
    }
}

async fn ws_upgrade(State(gw): State<Gateway>, Query(q): Query<WsQuery>, mut req: Request) -> Response {
    if gw.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining; connect to another gateway").into_response();
    }
    if let Some(app) = q.sdk_app_id
        && gw.rooms().apps().get(app).is_err()
    {
        return (StatusCode::BAD_REQUEST, "unknown sdkAppId").into_response();
    }
    let switching = match ws::handshake::answer(req.headers()) {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::BAD_REQUEST, "connection cannot be upgraded").into_response();
    };
    let prev = gw.inner.connections.fetch_add(1, Ordering::Relaxed);
    if prev >= gw.inner.opts.max_connections {
        gw.inner.connections.fetch_sub(1, Ordering::Relaxed);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "gateway full; connect to another gateway",
        )
            .into_response();
    }
    let app = q.sdk_app_id;
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => session::run(gw, upgraded, app).await,
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade failed");
                gw.inner.connections.fetch_sub(1, Ordering::Relaxed);
            }
        }
    });
    switching
}
