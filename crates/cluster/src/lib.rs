//! Cluster mode's adapters: the NATS bus and Redis-backed room state,
//! presence, sequencing, idempotency and moderation lists, plus gateway
//! liveness (heartbeat and reaper) in Redis.

mod cached_store;
mod error;
pub mod keys;
mod nats_bus;
mod options;
mod redis_attributes;
mod redis_counters;
mod redis_history;
mod redis_idempotency;
mod redis_lists;
mod redis_presence;
mod redis_sequencer;
mod redis_store;
mod registry;

pub use cached_store::CachedStore;
pub use error::ClusterError;
pub use nats_bus::{NatsBus, connect as connect_nats};
pub use options::ClusterOptions;
pub use redis_attributes::RedisAttributes;
pub use redis_counters::RedisCounters;
pub use redis_history::RedisHistory;
pub use redis_idempotency::RedisIdempotency;
pub use redis_lists::RedisModerationStore;
pub use redis_presence::RedisPresence;
pub use redis_sequencer::RedisSequencer;
pub use redis_store::RedisStore;
pub use registry::{RedisReaper, heartbeat, reap_once};

/// A Redis connection that reconnects by itself.
pub async fn connect_redis(url: &str) -> roomcast_core::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url).map_err(|e| roomcast_core::CoreError::Storage(e.to_string()))?;
    redis::aio::ConnectionManager::new(client)
        .await
        .map_err(|e| roomcast_core::CoreError::Storage(format!("connecting to redis: {e}")))
}
