//! The one error type of the domain, and the one place where it maps to the
//! numeric codes clients see (Tencent IM's codes where one exists).

use roomcast_auth::AuthError;
use roomcast_moderation::ModerationError;

/// Roomcast-specific codes live at 200000 and above, clear of every range
/// Tencent IM uses (its webhook-defined codes end at 130000).
pub const CODE_FREQUENCY_CONTROLLED: u32 = 200_001;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("invalid room id: {0}")]
    InvalidRoomId(String),
    #[error("room {0} does not exist or was dismissed")]
    RoomNotFound(String),
    #[error("room id {0} is already in use")]
    RoomExists(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("the owner cannot quit the room; dismiss it instead")]
    OwnerCannotQuit,
    #[error("muted until {until} (unix seconds)")]
    Muted { until: i64 },
    #[error("the room is muted for everyone but the owner and admins")]
    RoomMuted,
    #[error("banned from this room until {until} (unix seconds)")]
    Banned { until: i64 },
    #[error("not a member of room {0}; join it first")]
    NotMember(String),
    #[error("too many accounts in one request (at most {max})")]
    TooManyAccounts { max: usize },
    #[error("sending too fast; slow down")]
    RateLimited,
    #[error("message body too long ({size} bytes, at most {max})")]
    BodyTooLong { size: usize, max: usize },
    #[error("blocked by content moderation ({category})")]
    Blocked { category: String },
    #[error("content moderation is unavailable; retry")]
    ModerationUnavailable,
    #[error("dropped by room frequency control")]
    FrequencyControlled,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("unknown sdkappid {0}")]
    UnknownApp(u64),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("storage unavailable: {0}")]
    Storage(String),
    #[error("bus unavailable: {0}")]
    Bus(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The app's before-send hook rejected the message (10016, or the app's
    /// own code in 120001..=130000).
    #[error("rejected by the app: {message}")]
    RejectedByHook { code: u32, message: String },
    #[error("the app's before-send hook did not answer; retry")]
    HookUnavailable,
    /// An error reported by another cluster process, already coded.
    #[error("{message}")]
    Remote {
        code: u32,
        message: String,
        retryable: bool,
    },
}

impl CoreError {
    /// The numeric code sent to clients and admin callers.
    pub fn code(&self) -> u32 {
        match self {
            CoreError::InvalidParameter(_) => 10004,
            CoreError::InvalidRoomId(_) => 10015,
            CoreError::RoomNotFound(_) => 10010,
            CoreError::RoomExists(_) => 10025,
            CoreError::PermissionDenied(_) | CoreError::Banned { .. } | CoreError::NotMember(_) => 10007,
            CoreError::OwnerCannotQuit => 10009,
            CoreError::Muted { .. } | CoreError::RoomMuted => 10017,
            CoreError::TooManyAccounts { .. } => 10005,
            CoreError::RateLimited => 10023,
            CoreError::BodyTooLong { .. } => 80002,
            CoreError::Blocked { .. } => 80001,
            CoreError::FrequencyControlled => CODE_FREQUENCY_CONTROLLED,
            CoreError::NotLoggedIn => 6014,
            CoreError::UnknownApp(_) => 60006,
            CoreError::Auth(e) => e.code(),
            CoreError::Remote { code, .. } | CoreError::RejectedByHook { code, .. } => *code,
            CoreError::HookUnavailable => 10002,
            CoreError::ModerationUnavailable | CoreError::Storage(_) | CoreError::Bus(_) | CoreError::Internal(_) => {
                10002
            }
        }
    }

    /// Whether the same request may succeed if simply sent again later.
    pub fn retryable(&self) -> bool {
        if let CoreError::Remote { retryable, .. } = self {
            return *retryable;
        }
        matches!(
            self,
            CoreError::ModerationUnavailable
                | CoreError::HookUnavailable
                | CoreError::Storage(_)
                | CoreError::Bus(_)
                | CoreError::Internal(_)
                | CoreError::RateLimited
        )
    }
}

impl From<ModerationError> for CoreError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::Overloaded | ModerationError::Unavailable => CoreError::ModerationUnavailable,
            other => CoreError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
