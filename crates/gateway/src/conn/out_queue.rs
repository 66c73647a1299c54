//! The connection's bounded outbound path, shared by every writer.
//!
//! Whoever has something for the client writes it straight to the socket
//! when nothing is queued ahead of it: a room's fan-out puts the one shared
//! frame into each member's socket without waking the member's task. Only
//! what the socket cannot take at once is queued, and the connection's own
//! task writes the queue out as the socket drains (see `writer`).

use crate::ws::frame;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::pin::Pin;
use tokio::io::AsyncWrite;
use tokio::sync::Notify;

/// The socket's sending side.
pub type SocketWriter = Pin<Box<dyn AsyncWrite + Send>>;

/// Something for the client.
pub enum Out {
    /// One or more complete WebSocket frames, often shared by many members.
    Wire(Bytes),
    /// The unwritten end of a frame a direct write began: it must go out
    /// before anything else, and is never dropped.
    Rest(Bytes),
    /// A text frame's payload (a reply or a push).
    Frame(String),
    /// A WebSocket ping (keepalive).
    Ping,
    /// The answer to a client's ping.
    Pong(Bytes),
    /// Close with this code and reason after everything before it.
    Close(u16, &'static str),
}

impl Out {
    fn weight(&self) -> usize {
        match self {
            Out::Wire(b) | Out::Rest(b) | Out::Pong(b) => b.len(),
            Out::Frame(s) => s.len(),
            Out::Ping | Out::Close(..) => 0,
        }
    }

    /// The bytes on the wire; `None` for a close (the writer ends with it).
    pub fn encode(self) -> Option<Bytes> {
        match self {
            Out::Wire(b) | Out::Rest(b) => Some(b),
            Out::Frame(s) => Some(frame::encode(frame::OP_TEXT, s.as_bytes())),
            Out::Ping => Some(frame::encode(frame::OP_PING, b"")),
            Out::Pong(p) => Some(frame::encode(frame::OP_PONG, &p)),
            Out::Close(..) => None,
        }
    }
}

struct QueueState {
    items: VecDeque<Out>,
    bytes: usize,
    /// Set once the connection must end; nothing more is accepted.
    closing: bool,
    /// The socket, while nobody is writing to it. The connection's task
    /// takes it to write the queue, so a direct write can never interleave
    /// with a frame already in progress.
    writer: Option<SocketWriter>,
    /// A direct write failed: the connection is gone.
    failed: bool,
}

/// Bounded in bytes. Overflow never blocks or grows: the queue is emptied and
/// replaced by a close, so a client that stops reading cannot slow its room
/// or grow server memory.
pub struct OutQueue {
    state: Mutex<QueueState>,
    notify: Notify,
    max_bytes: usize,
}

#[derive(Debug, PartialEq)]
pub enum Pushed {
    /// Handed to the socket.
    Written,
    /// Queued behind earlier data; the connection's task writes it.
    Queued,
    /// The connection is closing or gone; the item was discarded.
    Closed,
    /// This push overflowed the queue; the connection now closes as slow.
    Overflow,
}

/// What the connection's task should write next.
pub enum Turn {
    /// Everything queued, and the socket to write it to.
    Write(SocketWriter, VecDeque<Out>),
    /// Nothing to write.
    Idle,
    /// The socket failed under a direct write.
    Failed,
}

/// Writes as much of `buf` as the socket takes without waiting (outside
/// tokio's budget: a round writes to thousands of sockets in one poll).
fn write_now(w: &mut SocketWriter, buf: &[u8]) -> std::io::Result<usize> {
    roomcast_core::poll::now(std::future::poll_fn(|cx| w.as_mut().poll_write(cx, buf))).unwrap_or(Ok(0))
}

impl OutQueue {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            state: Mutex::new(QueueState {
                items: VecDeque::new(),
                bytes: 0,
                closing: false,
                writer: None,
                failed: false,
            }),
            notify: Notify::new(),
            max_bytes,
        }
    }

    /// Hands the socket to the queue: from now on pushes may write directly.
    pub fn attach(&self, writer: SocketWriter) {
        let mut s = self.state.lock();
        s.writer = Some(writer);
        let pending = !s.items.is_empty();
        drop(s);
        if pending {
            self.notify.notify_one();
        }
    }

    pub fn push(&self, item: Out) -> Pushed {
        let mut s = self.state.lock();
        if s.closing || s.failed {
            return Pushed::Closed;
        }
        if let Out::Close(..) = item {
            s.closing = true;
            s.items.push_back(item);
            drop(s);
            self.notify.notify_one();
            return Pushed::Queued;
        }
        let s = &mut *s;
        if s.items.is_empty()
            && let Some(w) = s.writer.as_mut()
        {
            let Some(bytes) = item.encode() else {
                return Pushed::Closed;
            };
            return match write_now(w, &bytes) {
                Ok(n) if n == bytes.len() => Pushed::Written,
                Ok(n) => {
                    // The socket is full: the rest waits for the connection's
                    // task, which is woken to write it when the socket drains.
                    let rest = bytes.slice(n..);
                    s.bytes += rest.len();
                    s.items
                        .push_back(if n == 0 { Out::Wire(rest) } else { Out::Rest(rest) });
                    self.notify.notify_one();
                    Pushed::Queued
                }
                Err(_) => {
                    s.failed = true;
                    s.items.clear();
                    self.notify.notify_one();
                    Pushed::Closed
                }
            };
        }
        let w = item.weight();
        if s.bytes + w > self.max_bytes {
            // A frame already half on the wire must be finished, or the
            // close that follows would be garbled.
            s.items.retain(|i| matches!(i, Out::Rest(_)));
            s.bytes = s.items.iter().map(Out::weight).sum();
            s.closing = true;
            s.items
                .push_back(Out::Close(crate::protocol::close::SLOW_CONSUMER, "slow consumer"));
            self.notify.notify_one();
            return Pushed::Overflow;
        }
        let was_empty = s.items.is_empty();
        s.bytes += w;
        s.items.push_back(item);
        // One wake-up per batch: the writer drains everything queued.
        if was_empty {
            self.notify.notify_one();
        }
        Pushed::Queued
    }

    /// Takes the socket and everything queued, if there is anything to write.
    pub fn take_turn(&self) -> Turn {
        let mut s = self.state.lock();
        if s.failed {
            return Turn::Failed;
        }
        if s.items.is_empty() {
            return Turn::Idle;
        }
        let Some(w) = s.writer.take() else { return Turn::Idle };
        s.bytes = 0;
        Turn::Write(w, std::mem::take(&mut s.items))
    }

    /// Gives the socket back after a turn; true if more was queued meanwhile.
    pub fn end_turn(&self, writer: SocketWriter) -> bool {
        let mut s = self.state.lock();
        s.writer = Some(writer);
        !s.items.is_empty()
    }

    /// The connection ended: nothing more is accepted, and the socket is let go.
    pub fn shut(&self) {
        let mut s = self.state.lock();
        s.closing = true;
        s.items.clear();
        s.bytes = 0;
        s.writer = None;
    }

    pub async fn ready(&self) {
        self.notify.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn wire(s: &'static [u8]) -> Out {
        Out::Wire(Bytes::from_static(s))
    }

    #[test]
    fn overflow_replaces_queue_with_close() {
        let q = OutQueue::new(10);
        assert_eq!(q.push(wire(b"12345")), Pushed::Queued);
        assert_eq!(q.push(wire(b"12345")), Pushed::Queued);
        assert_eq!(q.push(wire(b"1")), Pushed::Overflow);
        assert_eq!(q.push(wire(b"1")), Pushed::Closed);
        let Turn::Idle = q.take_turn() else {
            panic!("no socket attached yet")
        };
        let (w, _r) = tokio::io::duplex(64);
        q.attach(Box::pin(w));
        let Turn::Write(_, items) = q.take_turn() else {
            panic!("queued close")
        };
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Out::Close(4008, _)));
    }

    #[tokio::test]
    async fn writes_directly_when_idle_and_queues_what_the_socket_cannot_take() {
        let q = OutQueue::new(1 << 20);
        let (w, mut r) = tokio::io::duplex(8);
        q.attach(Box::pin(w));
        assert_eq!(q.push(wire(b"abcd")), Pushed::Written);
        // Only 4 more bytes fit: the rest of this frame is queued, and so is
        // everything after it, in order.
        assert_eq!(q.push(wire(b"efghij")), Pushed::Queued);
        assert_eq!(q.push(wire(b"kl")), Pushed::Queued);
        let mut got = [0u8; 8];
        r.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"abcdefgh");
        let Turn::Write(w, items) = q.take_turn() else {
            panic!("expected queued data")
        };
        assert!(matches!(&items[0], Out::Rest(b) if &b[..] == b"ij"));
        assert!(matches!(&items[1], Out::Wire(b) if &b[..] == b"kl"));
        // While the task holds the socket, pushes queue.
        assert_eq!(q.push(wire(b"mn")), Pushed::Queued);
        assert!(q.end_turn(w));
    }

    #[tokio::test]
    async fn one_fan_out_writes_to_many_sockets_in_a_single_poll() {
        // Far more sockets than tokio's per-poll cooperative budget (128):
        // every one must still take its frame directly.
        let mut readers = Vec::new();
        let queues: Vec<OutQueue> = (0..1000)
            .map(|_| {
                let q = OutQueue::new(1 << 20);
                let (w, r) = tokio::io::duplex(64);
                q.attach(Box::pin(w));
                readers.push(r);
                q
            })
            .collect();
        for q in &queues {
            assert_eq!(q.push(wire(b"frame")), Pushed::Written);
        }
    }

    #[tokio::test]
    async fn overflow_keeps_a_half_written_frame_so_the_close_stays_readable() {
        let q = OutQueue::new(8);
        let (w, _r) = tokio::io::duplex(4);
        q.attach(Box::pin(w));
        assert_eq!(q.push(wire(b"123456")), Pushed::Queued);
        assert_eq!(q.push(wire(b"abcdefgh")), Pushed::Overflow);
        let Turn::Write(_, items) = q.take_turn() else {
            panic!("expected queued data")
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0], Out::Rest(b) if &b[..] == b"56"));
        assert!(matches!(items[1], Out::Close(4008, _)));
    }

    #[tokio::test]
    async fn a_failed_socket_refuses_further_pushes() {
        let q = OutQueue::new(1 << 20);
        let (w, r) = tokio::io::duplex(8);
        drop(r);
        q.attach(Box::pin(w));
        assert_eq!(q.push(wire(b"abc")), Pushed::Closed);
        assert!(matches!(q.take_turn(), Turn::Failed));
        assert_eq!(q.push(wire(b"abc")), Pushed::Closed);
    }
}
