//! The internal publish/subscribe bus. In standalone mode it is in-process;
//! cluster mode puts NATS behind the same trait.

use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::metrics as m;
use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::mpsc;

/// Subject naming, shared by every bus implementation.
/// Room IDs may hold any visible ASCII (including `.`, `*` and `>`, which
/// NATS reserves), so they are hex-encoded into one subject token.
pub mod subject {
    use super::AppId;

    pub fn room(app: AppId, room_id: &str) -> String {
        let mut s = String::with_capacity(24 + room_id.len() * 2);
        s.push_str("roomcast.");
        s.push_str(&app.to_string());
        s.push_str(".room.");
        for b in room_id.bytes() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()>;
    async fn subscribe(&self, subject: &str) -> Result<Subscription>;
}

/// A stream of payloads published on one subject. Dropping it unsubscribes.
pub struct Subscription {
    inner: Box<dyn SubscriptionSource>,
}

impl Subscription {
    pub fn new(inner: impl SubscriptionSource) -> Self {
        Self { inner: Box::new(inner) }
    }

    /// The next payload, or `None` once the bus has closed the subscription.
    pub async fn next(&mut self) -> Option<Bytes> {
        self.inner.next().await
    }

    /// A payload that is already waiting, without waiting for one. `None`
    /// when nothing is waiting (a closed subscription is reported by `next`).
    pub fn ready(&mut self) -> Option<Bytes> {
        // `next` is cancel-safe, so a poll that finds nothing can be dropped.
        crate::poll::now(self.inner.next()).flatten()
    }
}

#[async_trait]
pub trait SubscriptionSource: Send + 'static {
    async fn next(&mut self) -> Option<Bytes>;
}

type Subscribers = HashMap<String, Vec<(u64, mpsc::Sender<Bytes>)>>;

/// In-process bus with a bounded queue per subscription. A subscriber that
/// falls a full queue behind loses messages (counted), never the publisher's time.
#[derive(Clone)]
pub struct MemoryBus {
    inner: Arc<MemoryBusInner>,
}

struct MemoryBusInner {
    subs: RwLock<Subscribers>,
    next_id: AtomicU64,
    capacity: usize,
}

impl MemoryBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(MemoryBusInner {
                subs: RwLock::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                capacity: capacity.max(1),
            }),
        }
    }

    pub fn subscriber_count(&self, subject: &str) -> usize {
        self.inner.subs.read().get(subject).map_or(0, Vec::len)
    }
}

struct MemorySubscription {
    rx: mpsc::Receiver<Bytes>,
    id: u64,
    subject: String,
    bus: Weak<MemoryBusInner>,
}

#[async_trait]
impl SubscriptionSource for MemorySubscription {
    async fn next(&mut self) -> Option<Bytes> {
        self.rx.recv().await
    }
}

impl Drop for MemorySubscription {
    fn drop(&mut self) {
        if let Some(bus) = self.bus.upgrade() {
            let mut subs = bus.subs.write();
            if let Some(list) = subs.get_mut(&self.subject) {
                list.retain(|(id, _)| *id != self.id);
                if list.is_empty() {
                    subs.remove(&self.subject);
                }
            }
        }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()> {
        let subs = self.inner.subs.read();
        if let Some(list) = subs.get(subject) {
            for (_, tx) in list {
                if tx.try_send(payload.clone()).is_err() {
                    metrics::counter!(m::BUS_DROPPED).increment(1);
                }
            }
        }
        Ok(())
    }

    async fn subscribe(&self, subject: &str) -> Result<Subscription> {
        if subject.is_empty() {
            return Err(CoreError::Bus("empty subject".into()));
        }
        let (tx, rx) = mpsc::channel(self.inner.capacity);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner
            .subs
            .write()
            .entry(subject.to_string())
            .or_default()
            .push((id, tx));
        Ok(Subscription::new(MemorySubscription {
            rx,
            id,
            subject: subject.to_string(),
            bus: Arc::downgrade(&self.inner),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn delivers_in_order_and_unsubscribes_on_drop() {
        let bus = MemoryBus::new(16);
        let mut a = bus.subscribe("s").await.unwrap();
        let mut b = bus.subscribe("s").await.unwrap();
        for i in 0..3u8 {
            bus.publish("s", Bytes::from(vec![i])).await.unwrap();
        }
        for i in 0..3u8 {
            assert_eq!(a.next().await.unwrap()[0], i);
            assert_eq!(b.next().await.unwrap()[0], i);
        }
        drop(a);
        assert_eq!(bus.subscriber_count("s"), 1);
        drop(b);
        assert_eq!(bus.subscriber_count("s"), 0);
    }

    #[tokio::test]
    async fn ready_takes_only_what_is_already_waiting() {
        let bus = MemoryBus::new(512);
        let mut a = bus.subscribe("s").await.unwrap();
        assert_eq!(a.ready(), None);
        for i in 0..2u8 {
            bus.publish("s", Bytes::from(vec![i])).await.unwrap();
        }
        assert_eq!(a.ready().unwrap()[0], 0);
        assert_eq!(a.ready().unwrap()[0], 1);
        assert_eq!(a.ready(), None);
        bus.publish("s", Bytes::from(vec![2])).await.unwrap();
        assert_eq!(a.next().await.unwrap()[0], 2, "nothing was lost by the empty polls");
        // More than tokio's per-poll cooperative budget, taken in one poll.
        for i in 0..200u8 {
            bus.publish("s", Bytes::from(vec![i])).await.unwrap();
        }
        for i in 0..200u8 {
            assert_eq!(a.ready().map(|b| b[0]), Some(i));
        }
    }

    #[tokio::test]
    async fn full_subscriber_drops_instead_of_blocking() {
        let bus = MemoryBus::new(2);
        let mut a = bus.subscribe("s").await.unwrap();
        for i in 0..5u8 {
            bus.publish("s", Bytes::from(vec![i])).await.unwrap();
        }
        assert_eq!(a.next().await.unwrap()[0], 0);
        assert_eq!(a.next().await.unwrap()[0], 1);
    }

    #[test]
    fn room_subjects_are_single_safe_tokens() {
        let s = subject::room(1400000000, "a.b*>");
        assert_eq!(s, "roomcast.1400000000.room.612e622a3e");
    }
}
