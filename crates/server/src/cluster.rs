//! Cluster mode: the same components as standalone, as separate processes
//! over NATS and Redis. Each process is one `Role`.

use crate::config::Config;
use crate::error::ServerError;
use crate::http::{Readiness, ops_router};
use crate::serve::{ServerTask, bind, spawn_grpc, spawn_http, wait_stopped};
use crate::telemetry;
use roomcast_cluster::{
    CachedStore, Moderator, NatsBus, NatsSubmitter, RedisIdempotency, RedisModerationStore, RedisPresence,
    RedisSequencer, RedisStore, connect_nats, connect_redis,
};
use roomcast_core::apps::Apps;
use roomcast_core::bus::Bus;
use roomcast_core::lists::{Lists, ModerationStore};
use roomcast_core::rooms::{MessageSubmitter, Rooms, RoomsDeps};
use roomcast_gateway::Gateway;
use roomcast_moderation::{ModerationOptions, Screener};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Client WebSockets and fan-out.
    Gateway,
    /// The admin API and presence reaping.
    Control,
    /// A member of the moderator queue group.
    Moderator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Gateway => "gateway",
            Role::Control => "control",
            Role::Moderator => "moderator",
        }
    }
}

/// One built cluster process: connected and bound, idle until `run`.
pub struct ClusterNode {
    role: Role,
    id: String,
    config: Config,
    rooms: Rooms,
    store: Arc<CachedStore>,
    lists: Lists,
    nats: async_nats::Client,
    redis: redis::aio::ConnectionManager,
    screener: Screener,
    http: TcpListener,
    grpc: Option<TcpListener>,
}

impl ClusterNode {
    pub async fn build(role: Role, config: Config) -> Result<Self, ServerError> {
        config.validate()?;
        config.cluster.validate().map_err(ServerError::Config)?;
        let id = format!("{}-{:012x}", role.as_str(), rand::random::<u64>() & 0xffff_ffff_ffff);
        let cluster = &config.cluster;
        let cfg_err = |e: roomcast_core::CoreError| ServerError::Config(e.to_string());
        let nats = connect_nats(cluster, &id).await.map_err(cfg_err)?;
        let redis = connect_redis(&cluster.redis_url).await.map_err(cfg_err)?;
        let bus: Arc<dyn Bus> = Arc::new(NatsBus::new(nats.clone()));
        let store = Arc::new(CachedStore::new(
            Arc::new(RedisStore::new(redis.clone())),
            bus.clone(),
            Duration::from_millis(cluster.cache_ttl_ms),
            cluster.cache_max_entries,
        ));
        // Moderators screen messages; gateways screen nicknames and room
        // profile text set by owners and admins over WebSocket. Control only
        // acts for the operator, whose text is not screened.
        let screens = role != Role::Control;
        let screener = if screens {
            Screener::build(&config.moderation)?
        } else {
            Screener::build(&ModerationOptions {
                enabled: false,
                ..Default::default()
            })?
        };
        // An attempt can take up to the slowest before-send hook; its claim
        // must outlive that, or a slow first attempt could run twice.
        let submit_timeout = Duration::from_millis(cluster.submit_timeout_ms);
        let slowest_hook = config
            .apps
            .iter()
            .filter_map(|a| a.before_send_hook.as_ref())
            .map(|h| h.timeout_ms)
            .max();
        let claim_ttl = submit_timeout + Duration::from_millis(slowest_hook.unwrap_or(0) + 1_000);
        let moderation_store: Arc<dyn ModerationStore> = Arc::new(RedisModerationStore::new(redis.clone()));
        let lists = Lists::new(moderation_store.clone(), bus.clone(), screens.then(|| screener.clone()));
        let rooms = Rooms::new(
            config.rooms.clone(),
            RoomsDeps {
                apps: Apps::new(config.apps.clone()),
                store: store.clone(),
                presence: Arc::new(RedisPresence::new(redis.clone(), id.clone())),
                sequencer: Arc::new(RedisSequencer::new(redis.clone(), config.rooms.frequency)),
                bus: bus.clone(),
                idempotency: Arc::new(RedisIdempotency::new(redis.clone(), submit_timeout, claim_ttl)),
                screener: screener.clone(),
                hook: Some(Arc::new(roomcast_hooks::HttpHook::new())),
                moderation_store,
            },
        );
        let http = bind(config.server.http_addr).await?;
        let grpc = match role {
            Role::Control => Some(bind(config.server.grpc_addr).await?),
            _ => None,
        };
        Ok(Self {
            role,
            id,
            config,
            rooms,
            store,
            lists,
            nats,
            redis,
            screener,
            http,
            grpc,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http.local_addr().expect("bound listener has an address")
    }

    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc
            .as_ref()
            .map(|g| g.local_addr().expect("bound listener has an address"))
    }

    fn submitter(&self) -> Arc<dyn MessageSubmitter> {
        Arc::new(NatsSubmitter::new(
            self.nats.clone(),
            Duration::from_millis(self.config.cluster.submit_timeout_ms),
        ))
    }

    /// Serves until `shutdown`, then drains and stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let stop = CancellationToken::new();
        let background = CancellationToken::new();
        let apps = Apps::new(self.config.apps.clone()).ids();
        let invalidation = tokio::spawn(self.store.clone().run_invalidation(apps, background.clone()));
        let prometheus = telemetry::prometheus();
        let submitter = self.submitter();
        let mut servers: Vec<ServerTask> = Vec::new();
        let gw_ttl = Duration::from_millis(self.config.cluster.gateway_ttl_ms);
        tracing::info!(role = self.role.as_str(), id = %self.id, "cluster node running");
        match self.role {
            Role::Gateway => {
                let gateway = Gateway::build(self.config.gateway.clone(), self.rooms.clone(), submitter)
                    .map_err(ServerError::Config)?;
                let ready: Readiness = {
                    let gw = gateway.clone();
                    Arc::new(move || !gw.is_draining())
                };
                let router = gateway.router().merge(ops_router(ready, prometheus));
                servers.push(spawn_http(self.http, router, stop.clone()));
                let on_lost = {
                    let gw = gateway.clone();
                    move || {
                        let gw = gw.clone();
                        tokio::spawn(async move { gw.restore_presence().await });
                    }
                };
                let heartbeat = tokio::spawn(roomcast_cluster::heartbeat(
                    self.redis.clone(),
                    self.id.clone(),
                    gw_ttl,
                    background.clone(),
                    on_lost,
                ));
                let sync = tokio::spawn({
                    let (lists, apps, stop) = (
                        self.lists.clone(),
                        Apps::new(self.config.apps.clone()).ids(),
                        background.clone(),
                    );
                    async move { lists.run_sync(apps, stop).await }
                });
                gateway.run(shutdown).await;
                background.cancel();
                let _ = heartbeat.await;
                let _ = sync.await;
            }
            Role::Control => {
                let ready: Readiness = {
                    let s = shutdown.clone();
                    Arc::new(move || !s.is_cancelled())
                };
                servers.push(spawn_http(self.http, ops_router(ready, prometheus), stop.clone()));
                let grpc = self.grpc.expect("control binds grpc");
                servers.push(
                    spawn_grpc(
                        grpc,
                        self.rooms.clone(),
                        submitter,
                        self.lists.clone(),
                        shutdown.clone(),
                        stop.clone(),
                    )
                    .await?,
                );
                let reaper = tokio::spawn(roomcast_cluster::reaper(
                    self.redis.clone(),
                    gw_ttl / 3,
                    background.clone(),
                ));
                shutdown.cancelled().await;
                background.cancel();
                let _ = reaper.await;
            }
            Role::Moderator => {
                let ready: Readiness = {
                    let s = shutdown.clone();
                    Arc::new(move || !s.is_cancelled())
                };
                servers.push(spawn_http(self.http, ops_router(ready, prometheus), stop.clone()));
                // Word lists changed through the admin API reach this screener live.
                let lists = self.lists.clone();
                let apps = Apps::new(self.config.apps.clone()).ids();
                let sync = tokio::spawn({
                    let stop = background.clone();
                    async move { lists.run_sync(apps, stop).await }
                });
                let moderator = Moderator::new(
                    self.nats.clone(),
                    self.rooms.clone(),
                    self.config.cluster.moderator_concurrency,
                );
                if let Err(e) = moderator.run(shutdown).await {
                    tracing::error!(error = %e, "moderator failed");
                }
                background.cancel();
                let _ = sync.await;
            }
        }
        stop.cancel();
        wait_stopped(servers).await;
        let _ = invalidation.await;
        let _ = self.nats.flush().await;
        let screener = self.screener;
        let _ = tokio::task::spawn_blocking(move || screener.shutdown()).await;
        tracing::info!(role = self.role.as_str(), "cluster node stopped");
        Ok(())
    }
}
