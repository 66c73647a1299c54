//! Roomcast's domain: the AVChatRoom rules (`rooms`), the ports they run on
//! (`ports`) and in-process implementations of those ports (`memory`) for
//! standalone mode and unit tests. Nothing here knows NATS, Redis, gRPC,
//! protobuf, WebSockets or the moderation engine.

pub mod apps;
pub mod callbacks;
pub mod client;
pub mod error;
pub mod event;
pub mod freq;
pub mod ids;
pub mod limits;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod poll;
pub mod ports;
pub mod ratelimit;
pub mod rooms;
pub mod shard;
pub mod subject;

pub use error::{CoreError, Result};
