//! Each room's recent events, the port: what a late joiner sees of the chat
//! so far, and what a client or gateway that missed events (a reconnect, a
//! NATS outage) recovers them from. In memory in standalone mode, in Redis
//! Streams in cluster mode.
//!
//! A room's history has an **epoch**: an opaque token that changes whenever
//! the history is lost (the room re-created, the store emptied, the process
//! restarted for the in-memory store). A client that saw events of one epoch
//! can only recover from the same epoch.

use crate::error::Result;
use crate::ids::AppId;
use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryOptions {
    /// Events kept per room (0 turns history off).
    pub max_events: usize,
    /// Events older than this are not served (ms).
    pub max_age_ms: u64,
    /// In-memory store: bytes of event JSON kept in total, across rooms;
    /// past it the rooms appended to least recently lose their history
    /// (their epoch changes).
    pub max_total_bytes: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        Self {
            max_events: 100,
            max_age_ms: 24 * 3600 * 1000,
            max_total_bytes: 256 * 1024 * 1024,
        }
    }
}

impl HistoryOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.max_events > 10_000 {
            return Err("rooms.history.max_events must be at most 10000".into());
        }
        if self.max_age_ms == 0 {
            return Err("rooms.history.max_age_ms must be positive".into());
        }
        if self.max_total_bytes < 1024 * 1024 {
            return Err("rooms.history.max_total_bytes must be at least 1 MiB".into());
        }
        Ok(())
    }

    pub fn enabled(&self) -> bool {
        self.max_events > 0
    }
}

/// One kept event: its room sequence number and its client JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEvent {
    pub seq: u64,
    pub json: Bytes,
}

/// A slice of a room's history, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryPage {
    /// The history's current epoch (empty when the room has none yet).
    pub epoch: String,
    pub events: Vec<HistoryEvent>,
    /// For `since`: whether every event after the given seq is still kept
    /// (nothing in between was evicted or expired).
    pub complete: bool,
}

#[async_trait]
pub trait History: Send + Sync + 'static {
    /// Keeps a delivered event. Called in `seq` order, under the room's
    /// publication order.
    async fn append(&self, app: AppId, room: &str, seq: u64, time_ms: i64, json: Bytes) -> Result<()>;
    /// Events with `seq > after`, at most `limit`, oldest first.
    async fn since(&self, app: AppId, room: &str, after: u64, limit: usize, now_ms: i64) -> Result<HistoryPage>;
    /// The newest `limit` events with `seq < before` (`None`: the newest),
    /// oldest first.
    async fn before(
        &self,
        app: AppId,
        room: &str,
        before: Option<u64>,
        limit: usize,
        now_ms: i64,
    ) -> Result<HistoryPage>;
    /// Drops the room's history (dismissal); the next one has a new epoch.
    async fn forget(&self, app: AppId, room: &str) -> Result<()>;
}

/// A fresh epoch token.
pub fn new_epoch() -> String {
    format!("{:016x}", rand::random::<u64>())
}
