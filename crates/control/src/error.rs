//! The one mapping from room-service errors to gRPC statuses.
//!
//! A failed call carries its numeric (Tencent-compatible) code twice: in the
//! `x-roomcast-code` metadata (the contract every client can read) and in a
//! `google.rpc.Status` with one `google.rpc.ErrorInfo` detail in
//! `grpc-status-details-bin` (the gRPC richer error model, which tools such
//! as grpcurl display). See docs/admin-api.md, "Errors".

use roomcast_core::CoreError;
use std::collections::HashMap;
use tonic::{Code, Status};

/// Response metadata key carrying the numeric (Tencent-compatible) code.
pub const CODE_METADATA: &str = "x-roomcast-code";

/// `google.rpc.ErrorInfo.domain` of Roomcast's errors.
pub const ERROR_DOMAIN: &str = "roomcast";

/// `google.rpc.Status` (google/rpc/status.proto): the payload of
/// `grpc-status-details-bin`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
struct Any {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// `google.rpc.ErrorInfo` (google/rpc/error_details.proto).
#[derive(Clone, PartialEq, prost::Message)]
struct ErrorInfo {
    #[prost(string, tag = "1")]
    reason: String,
    #[prost(string, tag = "2")]
    domain: String,
    #[prost(map = "string, string", tag = "3")]
    metadata: HashMap<String, String>,
}

const ERROR_INFO_TYPE: &str = "type.googleapis.com/google.rpc.ErrorInfo";

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("missing metadata {0}")]
    MissingMetadata(&'static str),
    #[error("invalid metadata {0}")]
    BadMetadata(&'static str),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The gRPC port serves `server.grpc.max_concurrent_calls` already.
    #[error("server busy: too many calls in progress; retry later")]
    Busy,
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl ControlError {
    pub fn code(&self) -> u32 {
        match self {
            ControlError::MissingMetadata(_) | ControlError::BadMetadata(_) => 70002,
            ControlError::InvalidArgument(_) => 10004,
            ControlError::Busy => 10002,
            ControlError::Core(e) => e.code(),
        }
    }

    /// `google.rpc.ErrorInfo.reason`: what went wrong, as an UPPER_SNAKE_CASE
    /// constant. Informative; the numeric code is the contract.
    fn reason(&self) -> &'static str {
        match self {
            ControlError::MissingMetadata(_) => "MISSING_METADATA",
            ControlError::BadMetadata(_) => "INVALID_METADATA",
            ControlError::InvalidArgument(_) => "INVALID_ARGUMENT",
            ControlError::Busy => "SERVER_BUSY",
            ControlError::Core(e) => match e {
                CoreError::InvalidParameter(_) => "INVALID_PARAMETER",
                CoreError::InvalidRoomId(_) => "INVALID_ROOM_ID",
                CoreError::RoomNotFound(_) => "ROOM_NOT_FOUND",
                CoreError::RoomExists(_) => "ROOM_EXISTS",
                CoreError::PermissionDenied(_) => "PERMISSION_DENIED",
                CoreError::OwnerCannotQuit => "OWNER_CANNOT_QUIT",
                CoreError::Muted { .. } => "MUTED",
                CoreError::RoomMuted => "ROOM_MUTED",
                CoreError::Banned { .. } => "BANNED",
                CoreError::NotMember(_) => "NOT_MEMBER",
                CoreError::TooManyAccounts { .. } => "TOO_MANY_ACCOUNTS",
                CoreError::RateLimited => "RATE_LIMITED",
                CoreError::AttributesConflict { .. } => "ATTRIBUTES_CONFLICT",
                CoreError::AttributesRateLimited => "ATTRIBUTES_RATE_LIMITED",
                CoreError::BodyTooLong { .. } => "BODY_TOO_LONG",
                CoreError::Blocked { .. } => "BLOCKED_BY_MODERATION",
                CoreError::ModerationUnavailable => "MODERATION_UNAVAILABLE",
                CoreError::FrequencyControlled => "FREQUENCY_CONTROLLED",
                CoreError::NotLoggedIn => "NOT_LOGGED_IN",
                CoreError::UnknownApp(_) => "UNKNOWN_APP",
                CoreError::Auth(_) => "INVALID_USERSIG",
                CoreError::Storage(_) => "STORAGE_UNAVAILABLE",
                CoreError::Bus(_) => "BUS_UNAVAILABLE",
                CoreError::ControlUnavailable(_) => "CONTROL_UNAVAILABLE",
                CoreError::Internal(_) => "INTERNAL",
                CoreError::RejectedByHook { .. } => "REJECTED_BY_HOOK",
                CoreError::HookUnavailable => "HOOK_UNAVAILABLE",
                CoreError::Remote { .. } => "REMOTE_ERROR",
            },
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, ControlError::Busy) || matches!(self, ControlError::Core(e) if e.retryable())
    }

    /// The encoded `google.rpc.Status` of this error.
    fn details(&self, code: Code, message: &str) -> Vec<u8> {
        let mut metadata = HashMap::from([
            ("code".to_string(), self.code().to_string()),
            ("retryable".to_string(), self.retryable().to_string()),
        ]);
        if let ControlError::Core(e) = self
            && let Some(serde_json::Value::Object(data)) = e.data()
        {
            for (k, v) in data {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                metadata.insert(k, v);
            }
        }
        let info = ErrorInfo {
            reason: self.reason().to_string(),
            domain: ERROR_DOMAIN.to_string(),
            metadata,
        };
        let status = RpcStatus {
            code: code as i32,
            message: message.to_string(),
            details: vec![Any {
                type_url: ERROR_INFO_TYPE.to_string(),
                value: prost::Message::encode_to_vec(&info),
            }],
        };
        prost::Message::encode_to_vec(&status)
    }

    fn grpc_code(&self) -> Code {
        match self {
            ControlError::MissingMetadata(_) | ControlError::BadMetadata(_) => Code::Unauthenticated,
            ControlError::InvalidArgument(_) => Code::InvalidArgument,
            ControlError::Busy => Code::ResourceExhausted,
            ControlError::Core(e) => match e {
                CoreError::InvalidParameter(_)
                | CoreError::InvalidRoomId(_)
                | CoreError::TooManyAccounts { .. }
                | CoreError::BodyTooLong { .. } => Code::InvalidArgument,
                CoreError::RoomNotFound(_) => Code::NotFound,
                CoreError::RoomExists(_) => Code::AlreadyExists,
                CoreError::PermissionDenied(_)
                | CoreError::Blocked { .. }
                | CoreError::Muted { .. }
                | CoreError::RoomMuted
                | CoreError::Banned { .. }
                | CoreError::NotMember(_) => Code::PermissionDenied,
                CoreError::OwnerCannotQuit => Code::FailedPrecondition,
                CoreError::RateLimited | CoreError::FrequencyControlled | CoreError::AttributesRateLimited => {
                    Code::ResourceExhausted
                }
                CoreError::AttributesConflict { .. } => Code::Aborted,
                CoreError::NotLoggedIn | CoreError::Auth(_) | CoreError::UnknownApp(_) => Code::Unauthenticated,
                CoreError::ModerationUnavailable
                | CoreError::HookUnavailable
                | CoreError::Storage(_)
                | CoreError::Bus(_)
                | CoreError::ControlUnavailable(_) => Code::Unavailable,
                CoreError::RejectedByHook { .. } => Code::PermissionDenied,
                CoreError::Internal(_) => Code::Internal,
                CoreError::Remote { retryable: true, .. } => Code::Unavailable,
                CoreError::Remote { .. } => Code::FailedPrecondition,
            },
        }
    }
}

impl From<ControlError> for Status {
    fn from(e: ControlError) -> Self {
        let (code, message) = (e.grpc_code(), e.to_string());
        let details = e.details(code, &message);
        let mut status = Status::with_details(code, message, details.into());
        if let Ok(v) = e.code().to_string().parse() {
            status.metadata_mut().insert(CODE_METADATA, v);
        }
        status
    }
}
