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
    /// NATS user and password (`authorization { users = [...] }` in the
    /// server's config); `nats_password_file` reads the password from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_password: Option<String>,
    /// A NATS token (`authorization { token = ... }`), instead of a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_token: Option<String>,
    /// A NATS credentials file (JWT and NKey seed, `.creds`), instead of a
    /// user or token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_credentials_file: Option<String>,
    /// Require TLS to NATS (implied by `tls://` URLs and by the files below).
    pub nats_tls: bool,
    /// PEM CA certificate(s) the NATS servers' certificates are checked against
    /// (default: the system roots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_tls_ca_file: Option<String>,
    /// PEM client certificate and key, for NATS servers that verify clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_tls_cert_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_tls_key_file: Option<String>,
    /// Redis ACL user and password (`AUTH user password`); they override
    /// credentials in `redis_url`. `redis_password_file` reads the password
    /// from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_password: Option<String>,
    /// NATS or Redis unreachable for this long turns `/readyz` to 503 (a
    /// shorter blip keeps the process in its Service).
    pub readiness_grace_ms: u64,
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
            nats_user: None,
            nats_password: None,
            nats_token: None,
            nats_credentials_file: None,
            nats_tls: false,
            nats_tls_ca_file: None,
            nats_tls_cert_file: None,
            nats_tls_key_file: None,
            redis_username: None,
            redis_password: None,
            readiness_grace_ms: 5_000,
        }
    }
}

impl ClusterOptions {
    /// Whether the NATS connection must use TLS.
    pub fn nats_requires_tls(&self) -> bool {
        self.nats_tls
            || self.nats_tls_ca_file.is_some()
            || self.nats_tls_cert_file.is_some()
            || self.nats_url.split(',').any(|u| u.trim().starts_with("tls://"))
    }

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
            ("readiness_grace_ms", self.readiness_grace_ms),
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
        let nats_auth = [
            self.nats_user.is_some(),
            self.nats_token.is_some(),
            self.nats_credentials_file.is_some(),
        ];
        if nats_auth.iter().filter(|set| **set).count() > 1 {
            return Err("cluster: set one of nats_user, nats_token and nats_credentials_file".into());
        }
        if self.nats_password.is_some() != self.nats_user.is_some() {
            return Err("cluster.nats_user and cluster.nats_password go together".into());
        }
        if self.nats_tls_cert_file.is_some() != self.nats_tls_key_file.is_some() {
            return Err("cluster.nats_tls_cert_file and cluster.nats_tls_key_file go together".into());
        }
        if self.redis_username.is_some() && self.redis_password.is_none() {
            return Err("cluster.redis_username needs cluster.redis_password".into());
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
            .field("nats_user", &self.nats_user)
            .field("nats_password", &self.nats_password.as_ref().map(|_| "<redacted>"))
            .field("nats_token", &self.nats_token.as_ref().map(|_| "<redacted>"))
            .field("nats_credentials_file", &self.nats_credentials_file)
            .field("nats_tls", &self.nats_tls)
            .field("redis_username", &self.redis_username)
            .field("redis_password", &self.redis_password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
