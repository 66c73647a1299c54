//! The registry of this gateway's connections: every open one (for the
//! sweeper and draining), the logged-in ones per user (for the per-user cap
//! and profile updates), the connection count and the drain flag.
//!
//! The drain flag lives here because the race it closes is the registry's:
//! a connection registered while draining starts is sent away on the spot.

use crate::GatewayOptions;
use crate::conn::{Conn, ConnId, Out};
use crate::metrics as m;
use crate::protocol::{self, KickReason, close, kicked_push};
use parking_lot::Mutex;
use roomcast_core::ids::{AppId, GUEST_PREFIX};
use roomcast_core::model::UserProfile;
use roomcast_core::ports::presence::MemberInfo;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio_util::sync::CancellationToken;

type UserKey = (AppId, String);

const CONN_SHARDS: usize = 64;

pub(crate) struct Connections {
    /// Every open connection, sharded, for the sweeper and draining.
    conns: Vec<Mutex<HashMap<ConnId, Arc<Conn>>>>,
    /// Logged-in connections per user, oldest first.
    users: Mutex<HashMap<UserKey, Vec<Arc<Conn>>>>,
    next_conn: AtomicU64,
    /// Random per process, so guest IDs from different gateways never collide.
    instance: u64,
    /// Connections counted from their upgrade on (see `reserve`).
    connections: AtomicUsize,
    drain: CancellationToken,
    max_connections: usize,
    max_per_user: usize,
    send_queue_max_bytes: usize,
    limits: crate::limits::LimitOptions,
}

impl Connections {
    pub(crate) fn new(opts: &GatewayOptions) -> Self {
        Self {
            conns: (0..CONN_SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            users: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            instance: rand::random::<u64>() & 0xffff_ffff,
            connections: AtomicUsize::new(0),
            drain: CancellationToken::new(),
            max_connections: opts.max_connections,
            max_per_user: opts.max_connections_per_user,
            send_queue_max_bytes: opts.send_queue_max_bytes,
            limits: opts.limits.clone(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Takes a slot for a connection about to be upgraded; false if full.
    pub(crate) fn reserve(&self) -> bool {
        let prev = self.connections.fetch_add(1, Ordering::Relaxed);
        if prev >= self.max_connections {
            self.connections.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Gives back the slot of an upgrade that failed.
    pub(crate) fn unreserve(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.drain.is_cancelled()
    }

    /// Registers a new connection (its slot was reserved at the upgrade).
    pub(crate) fn open(&self, app: Option<AppId>, ip: Option<std::net::IpAddr>) -> Arc<Conn> {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let guest_id = format!("{GUEST_PREFIX}{:08x}{id:x}", self.instance);
        let conn = Conn::new(id, self.send_queue_max_bytes, guest_id, ip, &self.limits);
        conn.session.lock().app = app;
        self.conns[(id as usize) % CONN_SHARDS].lock().insert(id, conn.clone());
        // Upgraded while the drain was starting: send it away too.
        if self.is_draining() {
            tell_to_reconnect(&conn);
        }
        metrics::gauge!(m::CONNECTIONS).increment(1.0);
        metrics::counter!(m::CONNECTIONS_TOTAL).increment(1);
        conn
    }

    /// Ends a connection: it leaves the sweep at once, `leave_rooms` runs
    /// while it still counts as its user's, and then its user entry and its
    /// slot are freed.
    pub(crate) async fn close(&self, conn: &Arc<Conn>, leave_rooms: impl Future<Output = ()>) {
        self.conns[(conn.id as usize) % CONN_SHARDS].lock().remove(&conn.id);
        leave_rooms.await;
        let (app, user) = {
            let s = conn.session.lock();
            (s.app, s.user.clone())
        };
        if let (Some(app), Some(user)) = (app, user) {
            self.unregister_user(conn, app, &user);
        }
        metrics::gauge!(m::CONNECTIONS).decrement(1.0);
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// Calls `f` on every open connection (under its shard's lock).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Arc<Conn>)) {
        for shard in &self.conns {
            for c in shard.lock().values() {
                f(c);
            }
        }
    }

    /// Marks the gateway as draining: new upgrades are refused, and
    /// connections opened from now on (upgraded while the drain started)
    /// are told to reconnect as they open. Returns every connection open
    /// before, for the caller to tell (see `tell_to_reconnect`).
    pub(crate) fn start_drain(&self) -> Vec<Arc<Conn>> {
        self.drain.cancel();
        let mut open = Vec::with_capacity(self.count());
        self.for_each(|c| open.push(c.clone()));
        open
    }

    /// Every local connection's room membership, for restoring presence.
    pub(crate) fn memberships(&self) -> Vec<(AppId, String, MemberInfo, ConnId)> {
        let mut rows = Vec::new();
        self.for_each(|c| {
            let s = c.session.lock();
            let Some(app) = s.app else { return };
            let member = s.member_info();
            // Members only: a join in flight may still be refused.
            for room in &s.rooms {
                rows.push((app, room.clone(), member.clone(), c.id));
            }
        });
        rows
    }

    /// Records a login; past the per-user cap the oldest connection is kicked.
    pub(crate) fn register_user(&self, conn: &Arc<Conn>, app: AppId, user: &str) {
        let evicted = {
            let mut users = self.users.lock();
            let list = users.entry((app, user.to_string())).or_default();
            list.push(conn.clone());
            let excess = list.len().saturating_sub(self.max_per_user);
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
        let mut users = self.users.lock();
        let key = (app, user.to_string());
        if let Some(list) = users.get_mut(&key) {
            list.retain(|c| c.id != conn.id);
            if list.is_empty() {
                users.remove(&key);
            }
        }
    }

    /// Updates the profile on every local connection of the user.
    pub(crate) fn set_local_profile(&self, app: AppId, user: &str, profile: &UserProfile) {
        let users = self.users.lock();
        if let Some(list) = users.get(&(app, user.to_string())) {
            for c in list {
                c.session.lock().profile = profile.clone();
            }
        }
    }
}

/// Pushes `reconnect` and closes with 1001 (going away).
pub(crate) fn tell_to_reconnect(c: &Conn) {
    c.out.push(Out::Frame(protocol::reconnect_push("draining")));
    c.out.push(Out::Close(close::GOING_AWAY, "server draining"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GatewayOptions;

    #[test]
    fn presence_repair_records_members_but_not_joins_in_flight() {
        let conns = Connections::new(&GatewayOptions::default());
        let conn = conns.open(Some(1), None);
        {
            let mut s = conn.session.lock();
            s.user = Some("alice".into());
            s.joining.insert("pending".into());
            s.joining.insert("accepted".into());
            s.finish_join("accepted");
        }
        let rooms: Vec<String> = conns.memberships().into_iter().map(|(_, room, _, _)| room).collect();
        assert_eq!(rooms, ["accepted"], "a refused join must leave no presence behind");
        let mut s = conn.session.lock();
        assert_eq!(s.room_count(), 2);
        let mut all = s.take_all_rooms();
        all.sort();
        assert_eq!(all, ["accepted", "pending"], "a disconnect cleans up both");
    }
}
