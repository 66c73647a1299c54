//! Cluster mode's adapters: the NATS bus and Redis-backed room state,
//! presence, sequencing, idempotency and moderation lists, plus gateway
//! liveness (heartbeat and reaper) in Redis.

mod cached_store;
mod error;
mod health;
pub mod keys;
pub mod metrics;
mod nats_bus;
mod options;
mod redis_attributes;
mod redis_callbacks;
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
pub use health::DependencyHealth;
pub use nats_bus::{NatsBus, connect as connect_nats};
pub use options::ClusterOptions;
pub use redis_attributes::RedisAttributes;
pub use redis_callbacks::{RedisCallbackQueue, RedisCallbackSink};
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
    manage_redis(client).await
}

/// A Redis connection that reconnects by itself, to `opts.redis_url` with
/// `opts.redis_username` / `opts.redis_password` when they are set.
pub async fn connect_redis_with(opts: &ClusterOptions) -> roomcast_core::Result<redis::aio::ConnectionManager> {
    use redis::IntoConnectionInfo;
    let bad = |e: redis::RedisError| roomcast_core::CoreError::Storage(format!("cluster.redis_url: {e}"));
    let mut info = opts.redis_url.as_str().into_connection_info().map_err(bad)?;
    if let Some(password) = &opts.redis_password {
        let mut settings = info.redis_settings().clone().set_password(password);
        if let Some(user) = &opts.redis_username {
            settings = settings.set_username(user);
        }
        info = info.set_redis_settings(settings);
    }
    let client = redis::Client::open(info).map_err(|e| roomcast_core::CoreError::Storage(e.to_string()))?;
    manage_redis(client).await
}

async fn manage_redis(client: redis::Client) -> roomcast_core::Result<redis::aio::ConnectionManager> {
    redis::aio::ConnectionManager::new(client)
        .await
        .map_err(|e| roomcast_core::CoreError::Storage(format!("connecting to redis: {e}")))
}
