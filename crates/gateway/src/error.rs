//! Gateway errors and their one mapping to protocol codes.

use roomcast_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("malformed JSON frame: {0}")]
    BadJson(String),
    #[error("unknown op {0:?}")]
    UnknownOp(String),
    #[error("invalid {op} request: {reason}")]
    BadRequest { op: &'static str, reason: String },
    #[error("frame of {size} bytes exceeds the {max}-byte limit")]
    FrameTooLarge { size: usize, max: usize },
    #[error("binary frames are not supported; send JSON text frames")]
    BinaryFrame,
    #[error("already logged in; log out first")]
    AlreadyLoggedIn,
    #[error("log in before joining rooms, or log out and rejoin")]
    LoginAfterJoin,
    #[error("sdkAppId is required (login, or pass it on join or in the /ws?sdkAppId= query)")]
    NoApp,
    #[error("this connection is bound to sdkAppId {0}")]
    AppMismatch(u64),
    #[error("too many rooms on one connection (at most {0})")]
    TooManyRooms(usize),
    #[error("{0}")]
    RateLimited(&'static str),
    #[error("too many failed logins; retry in {retry_after_secs} s")]
    LoginLocked { retry_after_secs: u64 },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl GatewayError {
    pub fn code(&self) -> u32 {
        match self {
            GatewayError::BadJson(_) => 60003,
            GatewayError::UnknownOp(_) => 10003,
            GatewayError::BadRequest { .. }
            | GatewayError::FrameTooLarge { .. }
            | GatewayError::BinaryFrame
            | GatewayError::AlreadyLoggedIn
            | GatewayError::LoginAfterJoin
            | GatewayError::NoApp
            | GatewayError::AppMismatch(_) => 10004,
            GatewayError::TooManyRooms(_) => 10037,
            // Tencent's "operation frequency limit".
            GatewayError::RateLimited(_) => 10006,
            // Tencent's "locked after too many failures".
            GatewayError::LoginLocked { .. } => 70050,
            GatewayError::Core(e) => e.code(),
        }
    }

    pub fn retryable(&self) -> bool {
        match self {
            GatewayError::RateLimited(_) | GatewayError::LoginLocked { .. } => true,
            GatewayError::Core(e) => e.retryable(),
            _ => false,
        }
    }

    /// Details some errors carry in the reply's `data`.
    pub fn data(&self) -> Option<serde_json::Value> {
        match self {
            GatewayError::LoginLocked { retry_after_secs } => {
                Some(serde_json::json!({ "retryAfter": retry_after_secs }))
            }
            GatewayError::Core(c) => c.data(),
            _ => None,
        }
    }
}

pub type Result<T, E = GatewayError> = std::result::Result<T, E>;
