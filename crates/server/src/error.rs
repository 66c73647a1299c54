use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    /// NATS or Redis could not be reached (not a configuration mistake).
    #[error("cannot connect to {what}: {reason}")]
    Connect { what: &'static str, reason: String },
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("moderation: {0}")]
    Moderation(#[from] roomcast_moderation::ModerationError),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("server failed: {0}")]
    Serve(String),
}
