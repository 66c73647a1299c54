//! The one mapping from room-service errors to gRPC statuses.

use roomcast_core::CoreError;
use tonic::{Code, Status};

/// Response metadata key carrying the numeric (Tencent-compatible) code.
pub const CODE_METADATA: &str = "x-roomcast-code";

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("missing metadata {0}")]
    MissingMetadata(&'static str),
    #[error("invalid metadata {0}")]
    BadMetadata(&'static str),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl ControlError {
    pub fn code(&self) -> u32 {
        match self {
            ControlError::MissingMetadata(_) | ControlError::BadMetadata(_) => 70002,
            ControlError::InvalidArgument(_) => 10004,
            ControlError::Core(e) => e.code(),
        }
    }

    fn grpc_code(&self) -> Code {
        match self {
            ControlError::MissingMetadata(_) | ControlError::BadMetadata(_) => Code::Unauthenticated,
            ControlError::InvalidArgument(_) => Code::InvalidArgument,
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
                CoreError::RateLimited | CoreError::FrequencyControlled => Code::ResourceExhausted,
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
        let mut status = Status::new(e.grpc_code(), e.to_string());
        if let Ok(v) = e.code().to_string().parse() {
            status.metadata_mut().insert(CODE_METADATA, v);
        }
        status
    }
}
