//! The engine in service: it implements roomcast-core's `Screen` port
//! (`ScreenService`: screening with hit metrics and the audit log) and keeps
//! each app's word list persisted and live on every screener (`Lists`).

mod lists;
mod metrics;
mod screen_port;

pub use lists::{AUDIT_CAPACITY, Lists, MAX_TERMS_PER_APP, MemoryModerationStore, ModerationStore};
pub use metrics::{MODERATION_HITS, MODERATION_QUEUE_DEPTH, describe_metrics};
pub use screen_port::ScreenService;

use crate::ModerationError;
use roomcast_core::CoreError;

impl From<ModerationError> for CoreError {
    fn from(e: ModerationError) -> Self {
        match e {
            // Fail closed: nothing unscreened is published; the client retries.
            ModerationError::Overloaded | ModerationError::Unavailable => CoreError::ModerationUnavailable,
            other => CoreError::Internal(other.to_string()),
        }
    }
}

/// A list or option the caller got wrong is the caller's error (10004).
fn invalid(e: ModerationError) -> CoreError {
    match e {
        ModerationError::InvalidList(m) | ModerationError::InvalidOptions(m) => CoreError::InvalidParameter(m),
        other => CoreError::from(other),
    }
}
