//! Group counters, the port: per room, named `i64` counters (likes, views,
//! gifts) changed at high rate and pushed to members coalesced. In memory in
//! standalone mode, a Redis hash per room in cluster mode (one Lua script
//! per change, enforcing the key limit atomically).
//!
//! Every change marks the room **dirty**; one publisher per interval takes
//! the dirty rooms (each mark is taken once, whichever process takes it) and
//! pushes one `counters` event per room with the current values.

use crate::error::Result;
use crate::ids::AppId;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counter names and values, ordered by name.
pub type CounterValues = BTreeMap<String, i64>;

/// How an update changes each named counter (Tencent's `Mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CounterMode {
    /// Set to the value (a missing counter is created).
    Set,
    /// Add the value (≥ 0) to the counter (a missing counter starts at 0).
    Increase,
    /// Subtract the value (≥ 0) from the counter (a missing counter starts at 0).
    Decrease,
}

impl CounterMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CounterMode::Set => "set",
            CounterMode::Increase => "increase",
            CounterMode::Decrease => "decrease",
        }
    }
}

#[async_trait]
pub trait Counters: Send + Sync + 'static {
    /// Applies every entry, all or none: refuses (`InvalidParameter`) when
    /// the room would hold more than `max_keys` counters or a value would
    /// leave the `i64` range. `delta` is the signed change for increases and
    /// decreases, the new value for `Set`. Marks the room dirty. Returns the
    /// changed counters' new values.
    async fn update(
        &self,
        app: AppId,
        room: &str,
        set: bool,
        entries: &[(String, i64)],
        max_keys: usize,
    ) -> Result<CounterValues>;
    /// Deletes the named counters (missing ones are ignored); marks the room
    /// dirty if one existed.
    async fn delete(&self, app: AppId, room: &str, keys: &[String]) -> Result<()>;
    /// The named counters that exist, or all of the room's when `keys` is empty.
    async fn get(&self, app: AppId, room: &str, keys: &[String]) -> Result<CounterValues>;
    /// Takes up to `max` dirty rooms, clearing their marks.
    async fn take_dirty(&self, max: usize) -> Result<Vec<(AppId, String)>>;
    /// Drops the room's counters (dismissal, re-creation).
    async fn forget(&self, app: AppId, room: &str) -> Result<()>;
}
