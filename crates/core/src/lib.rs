//! Roomcast's domain: AVChatRoom rules over small storage, presence,
//! sequencing and bus traits, with in-memory implementations for standalone
//! mode.

pub mod apps;
pub mod bus;
pub mod error;
pub mod freq;
pub mod hook;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod lists;
pub mod metrics;
pub mod model;
pub mod poll;
pub mod presence;
pub mod ratelimit;
pub mod rooms;
pub mod shard;
pub mod store;
pub mod wire;

pub use error::{CoreError, Result};
