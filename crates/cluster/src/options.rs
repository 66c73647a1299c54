use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterOptions {
    /// NATS server URL(s), comma-separated.
    pub nats_url: String,
    /// Redis URL (`redis://host:port/db`).
    pub redis_url: String,
    /// How long a gateway waits for the moderator pool before answering a
    /// retryable error.
    pub submit_timeout_ms: u64,
    /// Upper bound on how long a cached room, mute or ban may be stale if a
    /// control event is missed (normally invalidation takes milliseconds).
    pub cache_ttl_ms: u64,
    /// Entries per cache before it is cleared.
    pub cache_max_entries: usize,
    /// Messages a moderator screens concurrently.
    pub moderator_concurrency: usize,
    /// A gateway's presence is reaped this long after its last heartbeat.
    pub gateway_ttl_ms: u64,
    /// Per-subscription NATS client buffer (messages).
    pub subscription_capacity: usize,
    /// Where gateways reach room control's internal gRPC service (a
    /// control replica, or a Service in front of several).
    pub control_url: String,
    /// How long a gateway waits for room control before answering a
    /// retryable error.
    pub control_timeout_ms: u64,
    /// The shared secret cluster processes present to each other (at least
    /// 16 bytes). Unset: derived from the apps' secrets, which every
    /// process of a cluster shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_token: Option<String>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            nats_url: "nats://127.0.0.1:4222".into(),
            redis_url: "redis://127.0.0.1:6379/0".into(),
            submit_timeout_ms: 5_000,
            cache_ttl_ms: 5_000,
            cache_max_entries: 100_000,
            moderator_concurrency: 256,
            gateway_ttl_ms: 3_000,
            subscription_capacity: 16_384,
            control_url: "http://127.0.0.1:50051".into(),
            control_timeout_ms: 5_000,
            internal_token: None,
        }
    }
}

impl ClusterOptions {
    pub fn validate(&self) -> Result<(), String> {
        if self.nats_url.trim().is_empty() {
            return Err("cluster.nats_url is required".into());
        }
        if !self.redis_url.starts_with("redis://") && !self.redis_url.starts_with("rediss://") {
            return Err("cluster.redis_url must be a redis:// URL".into());
        }
        for (name, v) in [
            ("submit_timeout_ms", self.submit_timeout_ms),
            ("cache_ttl_ms", self.cache_ttl_ms),
            ("gateway_ttl_ms", self.gateway_ttl_ms),
            ("control_timeout_ms", self.control_timeout_ms),
        ] {
            if v == 0 {
                return Err(format!("cluster.{name} must be positive"));
            }
        }
        if !self.control_url.starts_with("http://") && !self.control_url.starts_with("https://") {
            return Err("cluster.control_url must be an http:// or https:// URL".into());
        }
        if self.internal_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err("cluster.internal_token must be at least 16 bytes".into());
        }
        if self.cache_max_entries == 0 || self.moderator_concurrency == 0 || self.subscription_capacity == 0 {
            return Err(
                "cluster.cache_max_entries, moderator_concurrency and subscription_capacity must be positive".into(),
            );
        }
        Ok(())
    }
}

impl std::fmt::Debug for ClusterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterOptions")
            .field("nats_url", &self.nats_url)
            .field("redis_url", &self.redis_url)
            .field("control_url", &self.control_url)
            .field("internal_token", &self.internal_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
