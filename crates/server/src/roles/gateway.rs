//! The gateway role: client WebSockets and fan-out. It reads room state
//! (cached), records its own connections' presence, hands user messages to
//! the moderator pool and room-state changes to room control; it writes no
//! room state itself.

use super::cluster::{ClusterConnections, internal_token};
use crate::config::ValidConfig;
use crate::demo;
use crate::error::ServerError;
use crate::http::{ops_router, ready_until};
use crate::serve::{addr_of, after_delay, bind, bind_ops, http_options, spawn_http, spawn_ops, tls, wait_stopped};
use crate::telemetry;
use roomcast_control::RemoteControl;
use roomcast_gateway::Gateway;
use roomcast_moderator::NatsSubmitter;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct GatewayNode {
    config: ValidConfig,
    conns: ClusterConnections,
    gateway: Gateway,
    http: TcpListener,
    ops: Option<TcpListener>,
}

impl GatewayNode {
    pub async fn build(config: ValidConfig) -> Result<Self, ServerError> {
        let conns = ClusterConnections::connect("gateway", &config).await?;
        let rooms = conns.rooms(&config, None, None);
        let cluster = &config.cluster;
        let submitter = NatsSubmitter::new(conns.nats.clone(), Duration::from_millis(cluster.submit_timeout_ms));
        let control = RemoteControl::new(
            &cluster.control_url,
            &internal_token(&config),
            Duration::from_millis(cluster.control_timeout_ms),
        )
        .map_err(|e| ServerError::Config(e.to_string()))?;
        let gateway = Gateway::build(config.gateway.clone(), rooms, Arc::new(submitter), Arc::new(control));
        let http = bind(config.server.http_addr).await?;
        let ops = bind_ops(&config.server).await?;
        Ok(Self {
            config,
            conns,
            gateway,
            http,
            ops,
        })
    }

    pub fn id(&self) -> &str {
        &self.conns.id
    }

    pub fn http_addr(&self) -> SocketAddr {
        addr_of(&self.http)
    }

    /// The operations endpoints' own address, if `server.ops_addr` is set.
    pub fn ops_addr(&self) -> Option<SocketAddr> {
        self.ops.as_ref().map(addr_of)
    }

    /// Serves until `shutdown`, then drains the connections and stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Self {
            config,
            conns,
            gateway,
            http,
            ops,
        } = self;
        let stop = CancellationToken::new();
        let background = CancellationToken::new();
        let invalidation = conns.spawn_invalidation(&config, background.clone());
        let (health, health_task) = conns.spawn_health(&config, background.clone());
        let ready = ready_until(&shutdown, Some(health));
        let tls = tls(&config.server, &stop)?;
        let ops_routes = ops_router(ready, telemetry::prometheus());
        let mut router = gateway.router().merge(demo::router(&config, demo::Role::Gateway));
        let mut servers = Vec::new();
        match ops {
            Some(listener) => servers.push(spawn_ops(listener, ops_routes, &config.server, stop.clone())),
            None => router = router.merge(ops_routes),
        }
        demo::announce(&config, demo::Role::Gateway, addr_of(&http));
        let opts = http_options(&config.server, tls.as_ref()).with_capacity(gateway.capacity());
        servers.push(spawn_http(http, router, opts, stop.clone()));
        // A heartbeat that lapsed (Redis outage, stall) lets the reaper drop
        // this gateway's presence: write it again once the heartbeat is back.
        let on_lost = {
            let gw = gateway.clone();
            move || {
                let gw = gw.clone();
                tokio::spawn(async move { gw.restore_presence().await });
            }
        };
        let heartbeat = tokio::spawn(roomcast_cluster::heartbeat(
            conns.redis.clone(),
            conns.id.clone(),
            Duration::from_millis(config.cluster.gateway_ttl_ms),
            background.clone(),
            on_lost,
        ));
        tracing::info!(id = %conns.id, "gateway running");
        // Not ready from the signal on; the drain starts once load
        // balancers have had `server.shutdown_delay_ms` to drop this gateway.
        gateway
            .run(after_delay(&shutdown, config.server.shutdown_delay_ms))
            .await;
        background.cancel();
        let _ = health_task.await;
        let _ = heartbeat.await;
        let _ = invalidation.await;
        stop.cancel();
        wait_stopped(servers).await;
        conns.close().await;
        tracing::info!("gateway stopped");
        Ok(())
    }
}
