//! The client protocol's frames (normative description: docs/protocol.md).

use crate::error::{GatewayError, Result};
use roomcast_core::model::{Priority, RoomPatch};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every request: `{"id": <any JSON>, "op": "<name>", "data": {...}}`.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub id: Value,
    pub op: Option<String>,
    #[serde(default)]
    pub data: Value,
}

pub fn parse_envelope(text: &str) -> Result<Envelope> {
    let env: Envelope = serde_json::from_str(text).map_err(|e| GatewayError::BadJson(e.to_string()))?;
    Ok(env)
}

/// Deserializes an op's `data`, turning serde's message into a 10004 answer.
pub fn data<T: DeserializeOwned>(op: &'static str, data: Value) -> Result<T> {
    let data = if data.is_null() {
        Value::Object(Default::default())
    } else {
        data
    };
    serde_json::from_value(data).map_err(|e| GatewayError::BadRequest {
        op,
        reason: e.to_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginData {
    pub sdk_app_id: u64,
    pub user_id: String,
    pub user_sig: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileData {
    pub nick: Option<String>,
    pub avatar: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoomData {
    pub room_id: String,
    /// Lets a guest name its app without a `?sdkAppId=` query.
    pub sdk_app_id: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendData {
    pub room_id: String,
    pub msg_body: Value,
    #[serde(default)]
    pub priority: Priority,
    pub msg_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembersData {
    pub room_id: String,
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: usize,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MuteData {
    pub room_id: String,
    pub user_ids: Vec<String>,
    pub duration_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BanData {
    pub room_id: String,
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub duration_secs: u64,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetAdminData {
    pub room_id: String,
    pub user_id: String,
    pub admin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModifyRoomData {
    pub room_id: String,
    #[serde(flatten)]
    pub patch: RoomPatch,
}

#[derive(Serialize)]
struct Reply<'a> {
    id: &'a Value,
    code: u32,
    message: &'a str,
    #[serde(skip_serializing_if = "Value::is_null")]
    data: Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    retryable: bool,
}

pub fn ok_reply(id: &Value, data: Value) -> String {
    serde_json::to_string(&Reply {
        id,
        code: 0,
        message: "ok",
        data,
        retryable: false,
    })
    .expect("reply serializes")
}

pub fn error_reply(id: &Value, err: &GatewayError, data: Value) -> String {
    let message = err.to_string();
    serde_json::to_string(&Reply {
        id,
        code: err.code(),
        message: &message,
        data,
        retryable: err.retryable(),
    })
    .expect("reply serializes")
}

/// Why the server removed a connection from a room, or closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KickReason {
    Banned,
    Dismissed,
    LoggedInElsewhere,
}

impl KickReason {
    pub fn as_str(self) -> &'static str {
        match self {
            KickReason::Banned => "banned",
            KickReason::Dismissed => "dismissed",
            KickReason::LoggedInElsewhere => "logged_in_elsewhere",
        }
    }
}

pub fn kicked_push(room_id: Option<&str>, reason: &str) -> String {
    serde_json::json!({ "type": "kicked", "roomId": room_id, "reason": reason }).to_string()
}

pub fn reconnect_push(reason: &str) -> String {
    serde_json::json!({ "type": "reconnect", "reason": reason }).to_string()
}

/// WebSocket close codes Roomcast uses (docs/protocol.md).
pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const TOO_BIG: u16 = 1009;
    pub const IDLE: u16 = 4003;
    pub const SLOW_CONSUMER: u16 = 4008;
    pub const LOGGED_IN_ELSEWHERE: u16 = 4009;
    pub const SERVER_FULL: u16 = 4010;
}
