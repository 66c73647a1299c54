//! In-process bus for standalone mode, with a bounded queue per
//! subscription. A subscriber that falls a full queue behind loses items
//! (counted), never the publisher's time. Room events pass as values: nothing
//! is encoded or decoded in one process.

use crate::error::{CoreError, Result};
use crate::event::RoomEvent;
use crate::ids::AppId;
use crate::metrics as m;
use crate::ports::bus::{Bus, Subscription, SubscriptionSource};
use crate::subject;
use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::mpsc;

#[derive(Clone)]
pub struct MemoryBus {
    events: Arc<Topics<RoomEvent>>,
    signals: Arc<Topics<Bytes>>,
}

impl MemoryBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            events: Topics::new(capacity),
            signals: Topics::new(capacity),
        }
    }

    /// Subscriptions to a room's events (for tests and diagnostics).
    pub fn room_subscribers(&self, app: AppId, room: &str) -> usize {
        self.events.count(&subject::room(app, room))
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish_event(&self, app: AppId, room: &str, event: RoomEvent) -> Result<()> {
        self.events.publish(&subject::room(app, room), event);
        Ok(())
    }

    async fn subscribe_room(&self, app: AppId, room: &str) -> Result<Subscription<RoomEvent>> {
        Topics::subscribe(&self.events, &subject::room(app, room))
    }

    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()> {
        self.signals.publish(subject, payload);
        Ok(())
    }

    async fn subscribe(&self, subject: &str) -> Result<Subscription<Bytes>> {
        Topics::subscribe(&self.signals, subject)
    }
}

type Subscribers<T> = HashMap<String, Vec<(u64, mpsc::Sender<T>)>>;

/// Subscribers by subject, for one kind of item.
struct Topics<T> {
    subs: RwLock<Subscribers<T>>,
    next_id: AtomicU64,
    capacity: usize,
}

impl<T: Clone + Send + Sync + 'static> Topics<T> {
    fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            subs: RwLock::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            capacity: capacity.max(1),
        })
    }

    fn count(&self, subject: &str) -> usize {
        self.subs.read().get(subject).map_or(0, Vec::len)
    }

    fn publish(&self, subject: &str, item: T) {
        let subs = self.subs.read();
        if let Some(list) = subs.get(subject) {
            for (_, tx) in list {
                if tx.try_send(item.clone()).is_err() {
                    metrics::counter!(m::BUS_DROPPED).increment(1);
                }
            }
        }
    }

    fn subscribe(this: &Arc<Self>, subject: &str) -> Result<Subscription<T>> {
        if subject.is_empty() {
            return Err(CoreError::Bus("empty subject".into()));
        }
        let (tx, rx) = mpsc::channel(this.capacity);
        let id = this.next_id.fetch_add(1, Ordering::Relaxed);
        this.subs.write().entry(subject.to_string()).or_default().push((id, tx));
        Ok(Subscription::new(MemorySubscription {
            rx,
            id,
            subject: subject.to_string(),
            topics: Arc::downgrade(this),
        }))
    }
}

impl<T> Topics<T> {
    fn unsubscribe(&self, subject: &str, id: u64) {
        let mut subs = self.subs.write();
        if let Some(list) = subs.get_mut(subject) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                subs.remove(subject);
            }
        }
    }
}

struct MemorySubscription<T> {
    rx: mpsc::Receiver<T>,
    id: u64,
    subject: String,
    topics: Weak<Topics<T>>,
}

#[async_trait]
impl<T: Clone + Send + Sync + 'static> SubscriptionSource<T> for MemorySubscription<T> {
    async fn next(&mut self) -> Option<T> {
        self.rx.recv().await
    }
}

impl<T> Drop for MemorySubscription<T> {
    fn drop(&mut self) {
        if let Some(topics) = self.topics.upgrade() {
            topics.unsubscribe(&self.subject, self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64) -> RoomEvent {
        RoomEvent::Deliver {
            seq,
            json: Bytes::from(vec![seq as u8]),
        }
    }

    #[tokio::test]
    async fn delivers_in_order_and_unsubscribes_on_drop() {
        let bus = MemoryBus::new(16);
        let mut a = bus.subscribe_room(1, "r").await.unwrap();
        let mut b = bus.subscribe_room(1, "r").await.unwrap();
        for i in 0..3 {
            bus.publish_event(1, "r", ev(i)).await.unwrap();
        }
        for i in 0..3 {
            assert_eq!(a.next().await.unwrap(), ev(i));
            assert_eq!(b.next().await.unwrap(), ev(i));
        }
        drop(a);
        assert_eq!(bus.room_subscribers(1, "r"), 1);
        drop(b);
        assert_eq!(bus.room_subscribers(1, "r"), 0);
    }

    #[tokio::test]
    async fn ready_takes_only_what_is_already_waiting() {
        let bus = MemoryBus::new(512);
        let mut a = bus.subscribe_room(1, "r").await.unwrap();
        assert_eq!(a.ready(), None);
        for i in 0..2 {
            bus.publish_event(1, "r", ev(i)).await.unwrap();
        }
        assert_eq!(a.ready(), Some(ev(0)));
        assert_eq!(a.ready(), Some(ev(1)));
        assert_eq!(a.ready(), None);
        bus.publish_event(1, "r", ev(2)).await.unwrap();
        assert_eq!(a.next().await, Some(ev(2)), "nothing was lost by the empty polls");
        // More than tokio's per-poll cooperative budget, taken in one poll.
        for i in 0..200 {
            bus.publish_event(1, "r", ev(i)).await.unwrap();
        }
        for i in 0..200 {
            assert_eq!(a.ready(), Some(ev(i)));
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

    #[tokio::test]
    async fn rooms_and_signals_do_not_mix() {
        let bus = MemoryBus::new(4);
        let mut room = bus.subscribe_room(1, "r").await.unwrap();
        let mut signal = bus.subscribe(&subject::room(1, "r")).await.unwrap();
        bus.publish_event(1, "r", ev(1)).await.unwrap();
        assert_eq!(room.next().await, Some(ev(1)));
        assert!(signal.ready().is_none());
    }
}
