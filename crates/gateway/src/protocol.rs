//! The server side of the client protocol (normative description:
//! docs/protocol.md): decoding requests into `roomcast_core::client` types
//! and encoding replies. The types themselves live in roomcast-core, shared
//! with clients.

pub use roomcast_core::client::pushes::{KickReason, close, kicked_push, reconnect_push};
pub use roomcast_core::client::requests::*;

use crate::error::{GatewayError, Result};
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
