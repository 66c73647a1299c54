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
    nats: Mutex<State>,
    redis: Mutex<State>,
}

/// One dependency as the checks saw it.
#[derive(Default)]
struct State {
    /// Reached at least once.
    reached: bool,
    /// The first failed check of the current outage (None while up).
    down_since: Option<Instant>,
}

impl State {
    fn record(&mut self, up: bool) {
        if up {
            self.reached = true;
            self.down_since = None;
        } else {
            self.down_since.get_or_insert_with(Instant::now);
        }
    }

    /// Up, or down for less than `grace`.
    fn ready(&self, grace: Duration) -> bool {
        self.reached && self.down_since.is_none_or(|t| t.elapsed() < grace)
    }
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
                nats: Mutex::new(State::default()),
                redis: Mutex::new(State::default()),
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
        self.inner.nats.lock().record(crate::metrics::nats_state(nats));
        let ping = tokio::time::timeout(timeout, redis::cmd("PING").query_async::<String>(redis)).await;
        let up = matches!(ping, Ok(Ok(_)));
        crate::metrics::redis_state(up);
        if !up {
            tracing::debug!(?ping, "redis health check failed");
        }
        self.inner.redis.lock().record(up);
    }

    /// `Err` names the dependency that has failed every check for the
    /// grace period (counted from its first failed check), or was never
    /// reached.
    pub fn ready(&self) -> Result<(), &'static str> {
        let grace = self.inner.grace;
        if !self.inner.nats.lock().ready(grace) {
            return Err("nats unreachable");
        }
        if !self.inner.redis.lock().ready(grace) {
            return Err("redis unreachable");
        }
        Ok(())
    }
}
