//! The internal publish/subscribe bus: the port. In standalone mode it is
//! in-process (`memory::MemoryBus`); cluster mode puts NATS behind it.
//!
//! Two kinds of traffic: room events, typed (each adapter encodes them as
//! it must, so nothing above the bus sees an envelope), and signals between
//! processes (cache invalidation, list changes) as opaque bytes.

use crate::error::Result;
use crate::event::RoomEvent;
use crate::ids::AppId;
use async_trait::async_trait;
use bytes::Bytes;

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Publishes one room event; subscribers see a room's events in the
    /// order they were published.
    async fn publish_event(&self, app: AppId, room: &str, event: RoomEvent) -> Result<()>;
    /// Resolves once events published afterwards will be received.
    async fn subscribe_room(&self, app: AppId, room: &str) -> Result<Subscription<RoomEvent>>;
    /// Publishes a signal on a subject from `crate::subject`.
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()>;
    async fn subscribe(&self, subject: &str) -> Result<Subscription<Bytes>>;
}

/// A stream of items published on one subject. Dropping it unsubscribes.
pub struct Subscription<T> {
    inner: Box<dyn SubscriptionSource<T>>,
}

impl<T: Send + 'static> Subscription<T> {
    pub fn new(inner: impl SubscriptionSource<T>) -> Self {
        Self { inner: Box::new(inner) }
    }

    /// The next item, or `None` once the bus has closed the subscription.
    pub async fn next(&mut self) -> Option<T> {
        self.inner.next().await
    }

    /// An item that is already waiting, without waiting for one. `None`
    /// when nothing is waiting (a closed subscription is reported by `next`).
    pub fn ready(&mut self) -> Option<T> {
        // `next` is cancel-safe, so a poll that finds nothing can be dropped.
        crate::poll::now(self.inner.next()).flatten()
    }
}

#[async_trait]
pub trait SubscriptionSource<T>: Send + 'static {
    /// Must be cancel-safe: a dropped call loses nothing.
    async fn next(&mut self) -> Option<T>;
}
