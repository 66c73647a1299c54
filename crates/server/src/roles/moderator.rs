//! The moderator role: one member of the queue group that screens,
//! sequences and publishes every user message (fail closed), with word
//! lists kept live by the admin API's announcements.

use super::cluster::ClusterConnections;
use super::screening::Screening;
use crate::config::ValidConfig;
use crate::error::ServerError;
use crate::http::{ops_router, ready_until};
use crate::serve::{addr_of, bind, spawn_ops, wait_stopped};
use crate::telemetry;
use roomcast_cluster::RedisIdempotency;
use roomcast_moderator::Moderator;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct ModeratorNode {
    config: ValidConfig,
    conns: ClusterConnections,
    moderator: Moderator,
    screening: Screening,
    http: TcpListener,
}

impl ModeratorNode {
    pub async fn build(config: ValidConfig) -> Result<Self, ServerError> {
        let conns = ClusterConnections::connect("moderator", &config).await?;
        let screening = conns.screening(&config)?;
        // An attempt can take up to the slowest before-send hook; its claim
        // must outlive that, or a slow first attempt could run twice.
        let submit_timeout = Duration::from_millis(config.cluster.submit_timeout_ms);
        let slowest_hook = config
            .apps
            .iter()
            .filter_map(|a| a.before_send_hook.as_ref())
            .map(|h| h.timeout_ms)
            .max();
        let claim_ttl = submit_timeout + Duration::from_millis(slowest_hook.unwrap_or(0) + 1_000);
        let idempotency = RedisIdempotency::new(conns.redis.clone(), submit_timeout, claim_ttl);
        let rooms = conns.rooms(&config, Some(Arc::new(idempotency)), Some(screening.screen.clone()));
        let moderator = Moderator::new(conns.nats.clone(), rooms, config.cluster.moderator_concurrency);
        // Only the operations endpoints are served over HTTP here.
        let http = bind(config.server.ops_addr.unwrap_or(config.server.http_addr)).await?;
        Ok(Self {
            config,
            conns,
            moderator,
            screening,
            http,
        })
    }

    pub fn id(&self) -> &str {
        &self.conns.id
    }

    pub fn http_addr(&self) -> SocketAddr {
        addr_of(&self.http)
    }

    /// Serves until `shutdown`, then finishes what it holds and stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Self {
            config,
            conns,
            moderator,
            screening,
            http,
        } = self;
        let stop = CancellationToken::new();
        let background = CancellationToken::new();
        let invalidation = conns.spawn_invalidation(&config, background.clone());
        let sync = screening.spawn_sync(&config, background.clone());
        let (health, health_task) = conns.spawn_health(&config, background.clone());
        let ready = ready_until(&shutdown, Some(health));
        let server = spawn_ops(
            http,
            ops_router(ready, telemetry::prometheus()),
            &config.server,
            stop.clone(),
        );
        tracing::info!(id = %conns.id, "moderator running");
        if let Err(e) = moderator.run(shutdown).await {
            tracing::error!(error = %e, "moderator failed");
        }
        background.cancel();
        let _ = health_task.await;
        let _ = sync.await;
        let _ = invalidation.await;
        stop.cancel();
        wait_stopped(vec![server]).await;
        conns.close().await;
        screening.shutdown().await;
        tracing::info!("moderator stopped");
        Ok(())
    }
}
