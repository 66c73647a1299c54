//! The one error type of the domain, and the one place where it maps to the
//! numeric codes clients see (Tencent IM's codes where one exists).

use roomcast_auth::AuthError;

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
    /// Room control (the writer of room state) could not be reached.
    #[error("room control unavailable: {0}")]
    ControlUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The app's before-send hook rejected the message (10016, or the app's
    /// own code in 120001..=130000).
    #[error("rejected by the app: {message}")]
    RejectedByHook { code: u32, message: String },
    /// Group attributes changed since the version the writer expected.
    #[error("the room's attributes changed (now at version {version}); read them and retry")]
    AttributesConflict { version: u64 },
    #[error("the room's attributes are written too often; retry shortly")]
    AttributesRateLimited,
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
            CoreError::AttributesConflict { .. } => 10056,
            CoreError::AttributesRateLimited => 10049,
            CoreError::BodyTooLong { .. } => 80002,
            CoreError::Blocked { .. } => 80001,
            CoreError::FrequencyControlled => CODE_FREQUENCY_CONTROLLED,
            CoreError::NotLoggedIn => 6014,
            CoreError::UnknownApp(_) => 60006,
            CoreError::Auth(e) => e.code(),
            CoreError::Remote { code, .. } | CoreError::RejectedByHook { code, .. } => *code,
            CoreError::HookUnavailable => 10002,
            CoreError::ModerationUnavailable
            | CoreError::Storage(_)
            | CoreError::Bus(_)
            | CoreError::ControlUnavailable(_)
            | CoreError::Internal(_) => 10002,
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
                | CoreError::ControlUnavailable(_)
                | CoreError::Internal(_)
                | CoreError::RateLimited
                | CoreError::Auth(AuthError::Locked { .. })
                | CoreError::AttributesRateLimited
        )
    }
}

impl CoreError {
    /// What a client acts on besides the code, as the `data` of an error
    /// reply: until when it is muted or banned, or why it was dropped.
    pub fn data(&self) -> Option<serde_json::Value> {
        match self {
            CoreError::FrequencyControlled => Some(serde_json::json!({ "dropReason": "MsgFreqCtrl" })),
            CoreError::Muted { until } => Some(serde_json::json!({ "mutedUntil": until })),
            CoreError::Banned { until } => Some(serde_json::json!({ "bannedUntil": until })),
            _ => None,
        }
    }
}

/// An error as it crosses a process boundary (moderator replies, internal
/// room-control calls): the code, message and retry hint, and the details
/// that `CoreError::data` shows clients. Converting there and back gives the
/// same code, message, retry hint and data, so cluster mode answers clients
/// exactly as standalone does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireError {
    pub code: u32,
    pub message: String,
    pub retryable: bool,
    /// Unix seconds; for muted senders (10017).
    pub muted_until: Option<i64>,
    /// Unix seconds; for banned users (10007).
    pub banned_until: Option<i64>,
}

impl From<&CoreError> for WireError {
    fn from(e: &CoreError) -> Self {
        WireError {
            code: e.code(),
            message: e.to_string(),
            retryable: e.retryable(),
            muted_until: match e {
                CoreError::Muted { until } => Some(*until),
                _ => None,
            },
            banned_until: match e {
                CoreError::Banned { until } => Some(*until),
                _ => None,
            },
        }
    }
}

impl From<WireError> for CoreError {
    fn from(w: WireError) -> Self {
        match (w.code, w.muted_until, w.banned_until) {
            (10017, Some(until), _) => CoreError::Muted { until },
            (10007, _, Some(until)) => CoreError::Banned { until },
            (CODE_FREQUENCY_CONTROLLED, _, _) => CoreError::FrequencyControlled,
            _ => CoreError::Remote {
                code: w.code,
                message: w.message,
                retryable: w.retryable,
            },
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client sees of an error: code, message, retry hint, data.
    fn seen(e: &CoreError) -> (u32, String, bool, Option<serde_json::Value>) {
        (e.code(), e.to_string(), e.retryable(), e.data())
    }

    #[test]
    fn errors_look_the_same_after_crossing_a_process_boundary() {
        for e in [
            CoreError::Muted { until: 1_700_000_000 },
            CoreError::Banned { until: 1_700_000_001 },
            CoreError::FrequencyControlled,
            CoreError::RoomMuted,
            CoreError::RoomNotFound("r".into()),
            CoreError::PermissionDenied("no".into()),
            CoreError::Blocked {
                category: "porn".into(),
            },
            CoreError::ModerationUnavailable,
            CoreError::RejectedByHook {
                code: 120_001,
                message: "app says no".into(),
            },
        ] {
            let back = CoreError::from(WireError::from(&e));
            assert_eq!(seen(&back), seen(&e), "{e:?}");
        }
    }
}
