//! Gateway liveness: each gateway heartbeats in Redis; room control reaps
//! the presence of gateways whose heartbeat expired (e.g. SIGKILL), so the
//! online count drops their clients within a few seconds.

use crate::error::redis_err;
use crate::keys;
use crate::redis_presence::{RedisPresence, parse_gateway_entry};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use roomcast_core::Result;
use roomcast_core::ports::presence::PresenceReaper;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Keeps `gateway` alive until `shutdown`. If a beat finds the alive key
/// already gone (the store was unreachable for longer than `ttl`, so control
/// may have reaped this gateway's presence), `on_lost` is called so the
/// gateway can record its connections again.
pub async fn heartbeat<F>(
    mut conn: ConnectionManager,
    gateway: String,
    ttl: Duration,
    shutdown: CancellationToken,
    on_lost: F,
) where
    F: Fn() + Send + 'static,
{
    let period = ttl / 3;
    let mut beats = 0u64;
    loop {
        let beat: redis::RedisResult<((), Option<String>)> = redis::pipe()
            .sadd(keys::gateways(), &gateway)
            .cmd("SET")
            .arg(keys::gateway_alive(&gateway))
            .arg("1")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .arg("GET")
            .query_async(&mut conn)
            .await;
        match beat {
            Ok((_, previous)) => {
                if beats > 0 && previous.is_none() {
                    tracing::warn!(gateway = %gateway, "heartbeat had lapsed; presence may have been reaped");
                    on_lost();
                }
                beats += 1;
            }
            Err(e) => tracing::warn!(gateway = %gateway, error = %e, "gateway heartbeat failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(period) => {}
        }
    }
}

/// Removes the presence of every gateway without a live heartbeat.
pub async fn reap_once(conn: &mut ConnectionManager) -> Result<usize> {
    let gateways: Vec<String> = conn.smembers(keys::gateways()).await.map_err(redis_err)?;
    let mut reaped = 0;
    for gw in gateways {
        let alive: bool = conn.exists(keys::gateway_alive(&gw)).await.map_err(redis_err)?;
        if alive {
            continue;
        }
        let entries: Vec<String> = conn.smembers(keys::gateway_conns(&gw)).await.map_err(redis_err)?;
        for e in &entries {
            if let Some((app, room, user, conn_key)) = parse_gateway_entry(e) {
                RedisPresence::leave_raw(conn, &gw, app, &room, &user, &conn_key).await?;
            }
        }
        // Only forget the gateway once its list is empty (it may be back).
        let left: usize = conn.scard(keys::gateway_conns(&gw)).await.map_err(redis_err)?;
        if left == 0 {
            conn.srem::<_, _, ()>(keys::gateways(), &gw).await.map_err(redis_err)?;
        }
        tracing::info!(gateway = %gw, connections = entries.len(), "reaped presence of a dead gateway");
        reaped += entries.len();
    }
    Ok(reaped)
}

/// The reaper port over Redis. Safe to run in every control replica.
#[derive(Clone)]
pub struct RedisReaper {
    conn: ConnectionManager,
}

impl RedisReaper {
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn }
    }
}

#[async_trait::async_trait]
impl PresenceReaper for RedisReaper {
    async fn reap_once(&self) -> Result<usize> {
        reap_once(&mut self.conn.clone()).await
    }
}
