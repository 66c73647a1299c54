use roomcast_core::CoreError;

/// Errors of the cluster adapters; they reach callers as `CoreError`.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("nats: {0}")]
    Nats(String),
    #[error("corrupt stored value at {key}: {reason}")]
    Corrupt { key: String, reason: String },
}

impl From<ClusterError> for CoreError {
    fn from(e: ClusterError) -> Self {
        match e {
            ClusterError::Redis(e) => CoreError::Storage(e.to_string()),
            ClusterError::Nats(e) => CoreError::Bus(e),
            ClusterError::Corrupt { .. } => CoreError::Internal(e.to_string()),
        }
    }
}

pub(crate) fn redis_err(e: redis::RedisError) -> CoreError {
    crate::metrics::redis_error();
    ClusterError::Redis(e).into()
}
