//! The shared test harness of the integration tests. Each test file is its
//! own crate and uses a subset of it (`mod support; use support::*;`).
//!
//! Every path into the production crates that a test needs is imported here
//! (re-exported below or wrapped in a helper), so that moving a production
//! item means editing this module only.
#![allow(dead_code, unused_imports)]

pub mod admin;
pub mod callbacks;
pub mod chat;
pub mod client;
pub mod cluster;
pub mod grpc;
pub mod messages;
pub mod process;
pub mod raw_ws;
pub mod rest;
pub mod roomcast;
pub mod server;
pub mod transport;

pub use admin::*;
pub use chat::Chat;
pub use client::*;
pub use messages::*;
pub use process::*;
pub use server::*;

use std::time::Duration;

/// How long a test waits for something that should happen promptly.
pub const WAIT: Duration = Duration::from_secs(5);
/// How long "nothing (else) arrives" is watched for.
pub const QUIET: Duration = Duration::from_millis(400);

// ---- production items ---------------------------------------------------------
//
// The only place where the tests name paths into the production crates.

pub use roomcast_auth::{gen_usersig, verify_usersig};
pub use roomcast_core::apps::{AppConfig, ScreenedCustomFields, now_secs};
pub use roomcast_core::freq::FrequencyOptions;
pub use roomcast_core::model::now_ms;
pub use roomcast_core::ports::hook::HookSettings;
pub use roomcast_core::ratelimit::RateOptions;
pub use roomcast_gateway::{LimitOptions, Lockout};
pub use roomcast_moderation::{Category, ListSource};
pub use roomcast_proto::v1 as pb;
pub use roomcast_proto::v1::moderation_admin_service_client::ModerationAdminServiceClient;
pub use roomcast_proto::v1::room_admin_service_client::RoomAdminServiceClient;
pub use roomcast_server::{Config, Standalone};
