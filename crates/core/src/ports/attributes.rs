//! Group attributes, the port: per room, a small key/value map (mic seats,
//! a room's live state) with a version that every write increments, so
//! concurrent writers can compare-and-set. Room state: written by room
//! control only. In memory in standalone mode, a Redis hash in cluster mode.

use crate::error::Result;
use crate::ids::AppId;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Attribute names and values, ordered by name.
pub type AttributeValues = BTreeMap<String, String>;

/// A room's attributes and their version (0: never written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeSnapshot {
    pub version: u64,
    pub values: AttributeValues,
}

#[async_trait]
pub trait Attributes: Send + Sync + 'static {
    async fn get(&self, app: AppId, room: &str) -> Result<AttributeSnapshot>;
    /// Stores `next` if the stored version is still `expected`; `false` if
    /// another write came first. Refuses (`RoomNotFound`) a room that no
    /// longer exists, where the store can tell.
    async fn compare_and_set(&self, app: AppId, room: &str, expected: u64, next: &AttributeSnapshot) -> Result<bool>;
    /// Drops the room's attributes (dismissal, re-creation).
    async fn forget(&self, app: AppId, room: &str) -> Result<()>;
}
