//! The room-control role: the only writer of room state. It serves the
//! operator's admin API and the internal `RoomControlService` gateways call
//! for their users' mutes, bans, admins, room edits, dismissals and
//! profiles; it screens the user text those carry, and reaps the presence
//! of gateways that stopped heartbeating.

use super::cluster::{ClusterConnections, internal_token};
use super::screening::Screening;
use crate::config::ValidConfig;
use crate::error::ServerError;
use crate::http::{ops_router, ready_until};
use crate::serve::{
    AdminApi, addr_of, after_delay, bind, bind_rest, spawn_grpc, spawn_ops, spawn_rest, tls, wait_stopped,
};
use crate::telemetry;
use roomcast_cluster::{RedisCallbackQueue, RedisReaper};
use roomcast_control::{InternalService, run_reaper};
use roomcast_core::apps::Apps;
use roomcast_core::rooms::Rooms;
use roomcast_moderator::NatsSubmitter;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct ControlNode {
    config: ValidConfig,
    conns: ClusterConnections,
    rooms: Rooms,
    screening: Screening,
    http: TcpListener,
    grpc: TcpListener,
    rest: Option<TcpListener>,
}

impl ControlNode {
    pub async fn build(config: ValidConfig) -> Result<Self, ServerError> {
        let conns = ClusterConnections::connect("control", &config).await?;
        let screening = conns.screening(&config)?;
        let rooms = conns.rooms(&config, None, Some(screening.screen.clone()));
        // Only the operations endpoints are served over HTTP here.
        let http = bind(config.server.ops_addr.unwrap_or(config.server.http_addr)).await?;
        let grpc = bind(config.server.grpc_addr).await?;
        let rest = bind_rest(&config.rest).await?;
        Ok(Self {
            config,
            conns,
            rooms,
            screening,
            http,
            grpc,
            rest,
        })
    }

    pub fn id(&self) -> &str {
        &self.conns.id
    }

    pub fn http_addr(&self) -> SocketAddr {
        addr_of(&self.http)
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        addr_of(&self.grpc)
    }

    /// The REST API's address, if it is served.
    pub fn rest_addr(&self) -> Option<SocketAddr> {
        self.rest.as_ref().map(addr_of)
    }

    /// Serves until `shutdown`, then stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Self {
            config,
            conns,
            rooms,
            screening,
            http,
            grpc,
            rest,
        } = self;
        let stop = CancellationToken::new();
        let background = CancellationToken::new();
        let invalidation = conns.spawn_invalidation(&config, background.clone());
        let sync = screening.spawn_sync(&config, background.clone());
        let (health, health_task) = conns.spawn_health(&config, background.clone());
        let ready = ready_until(&shutdown, Some(health));
        let tls = tls(&config.server, &stop)?;
        let mut servers = vec![spawn_ops(
            http,
            ops_router(ready, telemetry::prometheus()),
            &config.server,
            stop.clone(),
        )];
        let submitter = NatsSubmitter::new(
            conns.nats.clone(),
            Duration::from_millis(config.cluster.submit_timeout_ms),
        );
        let submitter: Arc<dyn roomcast_core::ports::submit::MessageSubmitter> = Arc::new(submitter);
        if let Some(listener) = rest {
            servers.push(spawn_rest(
                listener,
                &config.rest,
                &config.server,
                tls.as_ref(),
                rooms.clone(),
                submitter.clone(),
                stop.clone(),
            ));
        }
        let api = AdminApi {
            rooms: rooms.clone(),
            submitter,
            lists: screening.lists.clone(),
            internal: Some(InternalService::new(Arc::new(rooms.clone()), internal_token(&config))),
        };
        servers.push(spawn_grpc(grpc, api, &config.server, tls.as_ref(), shutdown.clone(), stop.clone()).await?);
        let gateway_ttl = Duration::from_millis(config.cluster.gateway_ttl_ms);
        let reaper = tokio::spawn(run_reaper(
            Arc::new(RedisReaper::new(conns.redis.clone())),
            gateway_ttl / 3,
            background.clone(),
        ));
        // The cluster's counter publisher: every replica takes dirty rooms
        // from Redis (each mark once), so a room is pushed once per interval.
        let counters = tokio::spawn(rooms.run_counter_publisher());
        // Every replica delivers the apps' queued callbacks (one consumer
        // group: each entry to one replica; a dead replica's are taken over).
        let callbacks = tokio::spawn(
            RedisCallbackQueue::new(conns.redis.clone(), Apps::new(config.apps.clone()), conns.id.clone())
                .run(Arc::new(roomcast_hooks::HttpCallbacks::new()), background.clone()),
        );
        tracing::info!(id = %conns.id, "room control running");
        // From the signal on, gRPC health is NOT_SERVING and /readyz 503,
        // but calls are still served for `server.shutdown_delay_ms`, while
        // load balancers and endpoints drop this replica; then the gRPC
        // server stops accepting and finishes the calls in flight.
        after_delay(&shutdown, config.server.shutdown_delay_ms)
            .cancelled()
            .await;
        counters.abort();
        background.cancel();
        let _ = health_task.await;
        let _ = reaper.await;
        let _ = callbacks.await;
        let _ = sync.await;
        let _ = invalidation.await;
        stop.cancel();
        wait_stopped(servers).await;
        conns.close().await;
        screening.shutdown().await;
        tracing::info!("room control stopped");
        Ok(())
    }
}
