//! Frequency control plus sequence assignment for each room: the port.

use crate::error::Result;
use crate::ids::AppId;
use crate::model::Priority;
use async_trait::async_trait;

/// What is asking for a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmitClass {
    /// System notices and server tips that must never be dropped.
    Exempt,
    Message {
        priority: Priority,
        privileged: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Accepted {
        seq: u64,
    },
    Dropped,
    /// The room no longer exists (dismissed meanwhile): nothing is sequenced.
    RoomGone,
}

/// Frequency control plus sequence assignment for each room, atomically.
#[async_trait]
pub trait RoomSequencer: Send + Sync + 'static {
    async fn admit(&self, app: AppId, room: &str, class: AdmitClass, now_ms: i64) -> Result<Admission>;
    async fn forget(&self, app: AppId, room: &str) -> Result<()>;
}
