//! Room control: the only writer of room state. It serves the operator's
//! gRPC admin API (`roomcast.v1.RoomAdminService`,
//! `roomcast.v1.ModerationAdminService`) and, in cluster mode, the internal
//! `RoomControlService` through which gateways change room state on behalf
//! of their users; `RemoteControl` is the gateways' client of it. It also
//! reaps the presence of gateways that died without cleaning up.

mod admin;
mod auth;
mod convert;
mod error;
mod guard;
mod internal;
mod moderation;
mod reaper;
mod remote;

pub use admin::AdminService;
pub use auth::metadata;
pub use error::{CODE_METADATA, ControlError, ERROR_DOMAIN};
pub use guard::{Guard, Guarded};
pub use internal::{InternalService, InternalToken};
pub use moderation::ModerationService;
pub use reaper::run_reaper;
pub use remote::RemoteControl;
