//! One client connection: the state its session and the fan-out share.
//!
//! Kept apart from the session task so the fan-out, the sweeper and the
//! connection registry can hold and write to a connection without depending
//! on how requests are handled. The outbound path is split by who uses it:
//! `out_queue` is what any producer pushes into (and may write through),
//! `writer` is what the connection's own task runs to empty the queue.

mod out_queue;
mod writer;

pub use out_queue::{Out, OutQueue, Pushed, SocketWriter, Turn};
pub use writer::{Wrote, write_queued};

use crate::limits::{ConnLimits, LimitOptions};
use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use roomcast_core::model::UserProfile;
use roomcast_core::ports::presence::MemberInfo;
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

pub type ConnId = u64;

/// Mutable session state, touched by the connection's own task and by kicks.
#[derive(Default)]
pub struct SessionState {
    pub app: Option<AppId>,
    /// Logged-in user, or `None` for a guest.
    pub user: Option<String>,
    pub is_app_admin: bool,
    pub guest_id: String,
    pub profile: UserProfile,
    /// Rooms the connection is a member of.
    pub rooms: HashSet<String>,
    /// Rooms whose join is in flight: not yet members (the join may still be
    /// refused, e.g. for a ban), so presence repair must not record them, but
    /// leaving everything on disconnect must still clean them up.
    pub joining: HashSet<String>,
}

impl SessionState {
    /// The member ID this connection joins rooms as.
    pub fn member_id(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.guest_id)
    }

    /// Who this connection is in a room, as presence and tips show it.
    pub fn member_info(&self) -> MemberInfo {
        MemberInfo {
            user_id: self.member_id().to_string(),
            nick: self.profile.nick.clone(),
            avatar: self.profile.avatar.clone(),
        }
    }

    /// Rooms joined or being joined (what the per-connection cap counts).
    pub fn room_count(&self) -> usize {
        self.rooms.len() + self.joining.len()
    }

    pub fn is_in_or_joining(&self, room: &str) -> bool {
        self.rooms.contains(room) || self.joining.contains(room)
    }

    /// A join was accepted: the connection is a member now.
    pub fn finish_join(&mut self, room: &str) {
        if let Some(room) = self.joining.take(room) {
            self.rooms.insert(room);
        }
        self.joining_done();
    }

    /// A join was refused (or the room was left mid-join).
    pub fn abort_join(&mut self, room: &str) {
        self.joining.remove(room);
        self.joining_done();
    }

    /// Joins are brief and rare: give the set's table back once it is empty,
    /// so an idle connection keeps no memory for them.
    fn joining_done(&mut self) {
        if self.joining.is_empty() {
            self.joining.shrink_to_fit();
        }
    }

    /// Every room joined or being joined, forgotten (logout, disconnect).
    pub fn take_all_rooms(&mut self) -> Vec<String> {
        self.rooms.drain().chain(self.joining.drain()).collect()
    }
}

pub struct Conn {
    pub id: ConnId,
    pub out: OutQueue,
    pub session: Mutex<SessionState>,
    /// When the client last sent anything (ms), for the idle sweep.
    pub last_seen_ms: AtomicI64,
    /// The client's address (see `limits::client_ip`), when known.
    pub ip: Option<IpAddr>,
    /// The connection's own rate limits.
    pub limits: Mutex<ConnLimits>,
    /// Since when (ms) the reader holds an unfinished message; 0 when it
    /// holds none. Written by the reader, read by the sweeper's deadline.
    pub incomplete_since_ms: Arc<AtomicI64>,
    /// Since when (ms) the connection is neither logged in nor in a room, as
    /// the sweeper last saw it; 0 while it is.
    pub unengaged_since_ms: AtomicI64,
}

impl Conn {
    pub fn new(
        id: ConnId,
        max_queue_bytes: usize,
        guest_id: String,
        ip: Option<IpAddr>,
        limits: &LimitOptions,
    ) -> Arc<Self> {
        let now = roomcast_core::model::now_ms();
        Arc::new(Self {
            id,
            out: OutQueue::new(max_queue_bytes),
            session: Mutex::new(SessionState {
                guest_id,
                ..Default::default()
            }),
            last_seen_ms: AtomicI64::new(now),
            ip,
            limits: Mutex::new(ConnLimits::new(limits, now)),
            incomplete_since_ms: Arc::new(AtomicI64::new(0)),
            unengaged_since_ms: AtomicI64::new(now),
        })
    }

    /// Whether the connection is logged in or in (or joining) a room.
    pub fn is_engaged(&self) -> bool {
        let s = self.session.lock();
        s.user.is_some() || s.room_count() > 0
    }
}
