//! One client connection's shared state and its bounded outbound queue.

use bytes::Bytes;
use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use roomcast_core::model::UserProfile;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::Notify;

pub type ConnId = u64;

/// Something queued for the client.
pub enum Out {
    /// One room event (a JSON object); consecutive ones are coalesced into a
    /// single `messages` push.
    Event(Bytes),
    /// A complete frame (reply or push).
    Frame(String),
    /// A WebSocket ping (keepalive).
    Ping,
    /// Close with this code and reason after everything before it.
    Close(u16, &'static str),
}

impl Out {
    fn weight(&self) -> usize {
        match self {
            Out::Event(b) => b.len(),
            Out::Frame(s) => s.len(),
            Out::Ping | Out::Close(..) => 0,
        }
    }
}

struct QueueState {
    items: VecDeque<Out>,
    bytes: usize,
    /// Set once the connection must end; nothing more is queued.
    closing: bool,
}

/// Bounded in bytes. Overflow never blocks or grows: the queue is emptied and
/// replaced by a close, so a client that stops reading cannot slow its room
/// or grow server memory.
pub struct OutQueue {
    state: Mutex<QueueState>,
    notify: Notify,
    max_bytes: usize,
}

pub enum Pushed {
    Queued,
    /// The connection is already closing; the item was discarded.
    Closed,
    /// This push overflowed the queue; the connection now closes as slow.
    Overflow,
}

impl OutQueue {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            state: Mutex::new(QueueState {
                items: VecDeque::new(),
                bytes: 0,
                closing: false,
            }),
            notify: Notify::new(),
            max_bytes,
        }
    }

    pub fn push(&self, item: Out) -> Pushed {
        let mut s = self.state.lock();
        if s.closing {
            return Pushed::Closed;
        }
        let w = item.weight();
        if let Out::Close(..) = item {
            s.closing = true;
        } else if s.bytes + w > self.max_bytes {
            s.items.clear();
            s.bytes = 0;
            s.closing = true;
            s.items
                .push_back(Out::Close(crate::protocol::close::SLOW_CONSUMER, "slow consumer"));
            drop(s);
            self.notify.notify_one();
            return Pushed::Overflow;
        }
        let was_empty = s.items.is_empty();
        s.bytes += w;
        s.items.push_back(item);
        drop(s);
        // One wake-up per batch: the writer drains everything queued.
        if was_empty {
            self.notify.notify_one();
        }
        Pushed::Queued
    }

    /// Takes everything queued so far.
    pub fn drain(&self, into: &mut VecDeque<Out>) {
        let mut s = self.state.lock();
        s.bytes = 0;
        std::mem::swap(&mut s.items, into);
    }

    pub async fn ready(&self) {
        self.notify.notified().await;
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_replaces_queue_with_close() {
        let q = OutQueue::new(10);
        assert!(matches!(
            q.push(Out::Event(Bytes::from_static(b"12345"))),
            Pushed::Queued
        ));
        assert!(matches!(
            q.push(Out::Event(Bytes::from_static(b"12345"))),
            Pushed::Queued
        ));
        assert!(matches!(q.push(Out::Event(Bytes::from_static(b"1"))), Pushed::Overflow));
        assert!(matches!(q.push(Out::Event(Bytes::from_static(b"1"))), Pushed::Closed));
        let mut items = VecDeque::new();
        q.drain(&mut items);
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Out::Close(4008, _)));
    }
}
