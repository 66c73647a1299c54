//! Tencent's JSON shapes shared by several commands, and request parsing.

use crate::error::{RestError, invalid};
use roomcast_core::CoreError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A request body as the command's type. A missing or mistyped field is
/// Tencent's invalid-parameter error (10004), naming the field.
pub fn parse<T: DeserializeOwned>(body: Value) -> Result<T, RestError> {
    serde_json::from_value(body).map_err(|e| invalid(e.to_string()))
}

/// The reply fields of a command.
pub fn fields<T: Serialize>(reply: T) -> Result<Value, RestError> {
    serde_json::to_value(reply).map_err(|e| RestError::Core(CoreError::Internal(e.to_string())))
}

/// `{"Key": …, "Value": …}`: `AppDefinedData` entries, group counters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyValue<V> {
    pub key: String,
    pub value: V,
}

/// A request that names only the group.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupOnly {
    pub group_id: String,
}

/// The `On`/`Off` switches (`ShutUpAllMember`).
pub fn on_off(v: &str, field: &str) -> Result<bool, RestError> {
    match v {
        "On" => Ok(true),
        "Off" => Ok(false),
        _ => Err(invalid(format!("{field} must be On or Off"))),
    }
}

pub fn on_off_str(v: bool) -> &'static str {
    if v { "On" } else { "Off" }
}
