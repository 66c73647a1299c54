//! The REST API's one error type, and the one place it becomes Tencent's
//! `ErrorCode`. Room rules' errors keep the codes core gives them
//! (`CoreError::code`), so REST, gRPC and WebSocket callers see the same.

use roomcast_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The HTTP request itself: method, URL, query, body size.
    #[error("HTTP request error: {0}")]
    Http(String),
    /// The body is empty, not JSON, or not a JSON object.
    #[error("JSON parse error: {0}")]
    Json(String),
    /// `identifier` or `usersig` missing from the URL.
    #[error("account or signature missing from the URL: {0}")]
    Account(&'static str),
    /// A valid userSig, but not the app admin's.
    #[error("{0} is not the app admin; REST calls need the App admin account")]
    NotAdmin(String),
    /// Tencent's per-API call rate for this app was exceeded.
    #[error("REST call rate exceeded for {0}; slow down")]
    RateLimited(&'static str),
    /// No such command (in a known service or not).
    #[error("unknown command {0}")]
    UnknownCommand(String),
    /// A command or field AVChatRoom does not support, with Tencent's code.
    #[error("{what} is not supported for AVChatRoom")]
    NotForAvChatRoom { code: u32, what: &'static str },
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl RestError {
    /// Tencent's `ErrorCode` for this error.
    pub fn code(&self) -> u32 {
        match self {
            RestError::Http(_) => 60002,
            RestError::Json(_) => 60003,
            RestError::Account(_) => 60004,
            RestError::NotAdmin(_) => 60010,
            RestError::RateLimited(_) => 60007,
            RestError::UnknownCommand(_) => 10003,
            RestError::NotForAvChatRoom { code, .. } => *code,
            RestError::Core(e) => e.code(),
        }
    }
}

/// A request field that fails validation (10004), named as Tencent names it.
pub fn invalid(msg: impl Into<String>) -> RestError {
    RestError::Core(CoreError::InvalidParameter(msg.into()))
}

pub type Result<T, E = RestError> = std::result::Result<T, E>;
