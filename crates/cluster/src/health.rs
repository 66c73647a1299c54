//! Whether this process can reach NATS and Redis, for its readiness probe:
//! a background check every few hundred milliseconds (the NATS client's
//! connection state, a Redis `PING`), and a grace period so that a blip
//! shorter than it does not take the process out of its Service.

use parking_lot::Mutex;
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Cheap-to-clone view of the last successful checks.
#[derive(Clone)]
pub struct DependencyHealth {
    inner: Arc<Inner>,
}

struct Inner {
    grace: Duration,
    nats_ok_at: Mutex<Option<Instant>>,
    redis_ok_at: Mutex<Option<Instant>>,
}

impl DependencyHealth {
    /// Checks until `stop`. Not ready until both have been reached once.
    pub fn spawn(
        nats: async_nats::Client,
        redis: ConnectionManager,
        grace: Duration,
        stop: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let health = Self {
            inner: Arc::new(Inner {
                grace,
                nats_ok_at: Mutex::new(None),
                redis_ok_at: Mutex::new(None),
            }),
        };
        let period = (grace / 4).clamp(Duration::from_millis(50), Duration::from_millis(500));
        let h = health.clone();
        let task = tokio::spawn(async move {
            let mut redis = redis;
            loop {
                h.check(&nats, &mut redis, period.max(Duration::from_millis(500))).await;
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(period) => {}
                }
            }
        });
        (health, task)
    }

    async fn check(&self, nats: &async_nats::Client, redis: &mut ConnectionManager, timeout: Duration) {
        if crate::metrics::nats_state(nats) {
            *self.inner.nats_ok_at.lock() = Some(Instant::now());
        }
        let ping = tokio::time::timeout(timeout, redis::cmd("PING").query_async::<String>(redis)).await;
        let up = matches!(ping, Ok(Ok(_)));
        crate::metrics::redis_state(up);
        if up {
            *self.inner.redis_ok_at.lock() = Some(Instant::now());
        } else {
            tracing::debug!(?ping, "redis health check failed");
        }
    }

    /// `Err` names the dependency that has been unreachable for longer
    /// than the grace period (or never reached).
    pub fn ready(&self) -> Result<(), &'static str> {
        let fresh = |at: &Mutex<Option<Instant>>| at.lock().is_some_and(|t| t.elapsed() <= self.inner.grace);
        if !fresh(&self.inner.nats_ok_at) {
            return Err("nats unreachable");
        }
        if !fresh(&self.inner.redis_ok_at) {
            return Err("redis unreachable");
        }
        Ok(())
    }
}
