//! What every cluster role shares: its identity, its NATS and Redis
//! connections, the bus, and the read-through room-state cache kept fresh
//! by room control's invalidation events.

use super::screening::Screening;
use crate::config::{Config, ValidConfig};
use crate::error::ServerError;
use roomcast_cluster::{
    CachedStore, DependencyHealth, NatsBus, RedisAttributes, RedisCallbackSink, RedisCounters, RedisHistory,
    RedisModerationStore, RedisPresence, RedisSequencer, RedisStore, connect_nats, connect_redis_with,
};
use roomcast_control::InternalToken;
use roomcast_core::apps::Apps;
use roomcast_core::ports::bus::Bus;
use roomcast_core::ports::callbacks::CallbackSink;
use roomcast_core::ports::idempotency::Idempotency;
use roomcast_core::ports::screen::Screen;
use roomcast_core::rooms::{Rooms, RoomsDeps};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct ClusterConnections {
    /// `<role>-<random>`: names this process in NATS and in presence keys.
    pub id: String,
    pub nats: async_nats::Client,
    pub redis: redis::aio::ConnectionManager,
    pub bus: Arc<dyn Bus>,
    pub store: Arc<CachedStore>,
}

impl ClusterConnections {
    pub async fn connect(role: &str, config: &ValidConfig) -> Result<Self, ServerError> {
        let cluster = &config.cluster;
        let id = format!("{role}-{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
        // The recorder first: series registered before it exists are lost.
        crate::telemetry::prometheus();
        roomcast_cluster::metrics::describe();
        let nats = connect_nats(cluster, &id).await.map_err(|e| ServerError::Connect {
            what: "nats",
            reason: e.to_string(),
        })?;
        let redis = connect_redis_with(cluster).await.map_err(|e| ServerError::Connect {
            what: "redis",
            reason: e.to_string(),
        })?;
        let bus: Arc<dyn Bus> = Arc::new(NatsBus::new(nats.clone()));
        let store = Arc::new(CachedStore::new(
            Arc::new(RedisStore::new(redis.clone())),
            bus.clone(),
            Duration::from_millis(cluster.cache_ttl_ms),
            cluster.cache_max_entries,
        ));
        Ok(Self {
            id,
            nats,
            redis,
            bus,
            store,
        })
    }

    /// The room service over the shared store, presence and sequencer.
    /// `idempotency` and `screen` only for roles that send or screen.
    pub fn rooms(
        &self,
        config: &Config,
        idempotency: Option<Arc<dyn Idempotency>>,
        screen: Option<Arc<dyn Screen>>,
    ) -> Rooms {
        let apps = Apps::new(config.apps.clone()).with_sig_policy(config.auth);
        // Every role queues the callbacks of what it does; control delivers.
        let callbacks = apps
            .ids()
            .iter()
            .any(|&id| apps.get(id).is_ok_and(|a| a.callbacks.is_some()))
            .then(|| Arc::new(RedisCallbackSink::new(self.redis.clone(), &apps)) as Arc<dyn CallbackSink>);
        let hook = screen
            .is_some()
            .then(|| Arc::new(roomcast_hooks::HttpHook::new()) as Arc<dyn roomcast_core::ports::hook::BeforeSendHook>);
        Rooms::new(
            config.rooms.clone(),
            RoomsDeps {
                apps,
                store: self.store.clone(),
                presence: Arc::new(RedisPresence::new(self.redis.clone(), self.id.clone())),
                sequencer: Arc::new(RedisSequencer::new(self.redis.clone(), config.rooms.frequency)),
                bus: self.bus.clone(),
                history: Arc::new(RedisHistory::new(self.redis.clone(), config.rooms.history)),
                counters: Arc::new(RedisCounters::new(self.redis.clone())),
                attributes: Arc::new(RedisAttributes::new(self.redis.clone())),
                idempotency,
                screen,
                hook,
                callbacks,
            },
        )
    }

    /// Screening over the engine, with word lists and the audit log in
    /// Redis (the roles that screen: control and moderators).
    pub(crate) fn screening(&self, config: &Config) -> Result<Screening, ServerError> {
        Screening::build(
            config,
            Arc::new(RedisModerationStore::new(self.redis.clone())),
            self.bus.clone(),
        )
    }

    /// Drops cached room state whenever room control announces a change.
    pub fn spawn_invalidation(&self, config: &Config, stop: CancellationToken) -> JoinHandle<()> {
        let apps = Apps::new(config.apps.clone()).ids();
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.run_invalidation(apps, stop).await {
                tracing::warn!(error = %e, "cache invalidation stopped");
            }
        })
    }

    /// Checks NATS and Redis for the readiness probe until `stop`.
    pub fn spawn_health(&self, config: &Config, stop: CancellationToken) -> (DependencyHealth, JoinHandle<()>) {
        DependencyHealth::spawn(
            self.nats.clone(),
            self.redis.clone(),
            Duration::from_millis(config.cluster.readiness_grace_ms),
            stop,
        )
    }

    /// Flushes what this process published before it exits.
    pub async fn close(&self) {
        let _ = self.nats.flush().await;
    }
}

/// The token cluster processes present to room control.
pub(crate) fn internal_token(config: &Config) -> InternalToken {
    match &config.cluster.internal_token {
        Some(t) => InternalToken::new(t),
        None => InternalToken::derive(&Apps::new(config.apps.clone())),
    }
}
