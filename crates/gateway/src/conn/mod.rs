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

use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use roomcast_core::model::UserProfile;
use std::collections::HashSet;
use std::sync::Arc;

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
    pub rooms: HashSet<String>,
}

impl SessionState {
    /// The member ID this connection joins rooms as.
    pub fn member_id(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.guest_id)
    }
}

pub struct Conn {
    pub id: ConnId,
    pub out: OutQueue,
    pub session: Mutex<SessionState>,
    /// When the client last sent anything (ms), for the idle sweep.
    pub last_seen_ms: std::sync::atomic::AtomicI64,
}

impl Conn {
    pub fn new(id: ConnId, max_queue_bytes: usize, guest_id: String) -> Arc<Self> {
        Arc::new(Self {
            id,
            out: OutQueue::new(max_queue_bytes),
            session: Mutex::new(SessionState {
                guest_id,
                ..Default::default()
            }),
            last_seen_ms: std::sync::atomic::AtomicI64::new(roomcast_core::model::now_ms()),
        })
    }
}
