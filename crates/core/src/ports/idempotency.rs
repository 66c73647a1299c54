//! Idempotent send, the port: a resend with the same client message key
//! inside the window returns the first result and is never delivered twice.

use crate::error::Result;
use crate::ids::AppId;
use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered {
        seq: u64,
        time_ms: i64,
    },
    /// Dropped by room frequency control.
    Dropped {
        time_ms: i64,
    },
}

/// Identifies one logical message: the same key from the same sender to
/// the same room is the same message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdemKey {
    pub app: AppId,
    pub sender: String,
    pub room: String,
    pub msg_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdemClaim {
    /// First sighting: process it, then `complete` or `release` with this
    /// token (so a late first attempt cannot overwrite a retry's claim).
    New(u64),
    /// Already processed: answer this.
    Done(SendOutcome),
}

/// Where message keys are remembered: in memory for one process, in Redis
/// for a cluster.
#[async_trait]
pub trait Idempotency: Send + Sync + 'static {
    /// Claims the key; if another attempt holds it, waits for that attempt's
    /// outcome (or takes over if it is released).
    async fn claim(&self, key: &IdemKey, now_ms: i64) -> Result<IdemClaim>;
    async fn complete(&self, key: &IdemKey, token: u64, outcome: SendOutcome) -> Result<()>;
    /// The attempt failed: forget the key so a retry is processed anew.
    async fn release(&self, key: &IdemKey, token: u64) -> Result<()>;
}
