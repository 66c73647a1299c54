//! What clients send: `{"id": …, "op": "<name>", "data": {…}}` and each
//! op's `data`. The gateway decodes requests into these types; clients (the
//! load tool, tests) build requests from the same types.

use crate::model::{Priority, RoomPatch};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request frame, as JSON text.
pub fn request<T: Serialize>(id: u64, op: &str, data: &T) -> String {
    #[derive(Serialize)]
    struct Frame<'a, T> {
        id: u64,
        op: &'a str,
        data: &'a T,
    }
    serde_json::to_string(&Frame { id, op, data }).expect("requests serialize")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginData {
    pub sdk_app_id: u64,
    pub user_id: String,
    pub user_sig: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoomData {
    pub room_id: String,
    /// Lets a guest name its app without a `?sdkAppId=` query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_app_id: Option<u64>,
}

/// `join`: the room, and optionally what the client wants of its history.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JoinData {
    pub room_id: String,
    /// Lets a guest name its app without a `?sdkAppId=` query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_app_id: Option<u64>,
    /// The room's last `history` events (1..=100) in the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<usize>,
    /// Rejoining: every event after the last one this client saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<SinceData>,
}

/// The last event a client saw: its `seq`, and the epoch it belonged to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SinceData {
    pub seq: u64,
    pub epoch: String,
}

/// `history`: older events of a room the connection is in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryData {
    pub room_id: String,
    /// Events before this `seq` (absent: the newest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_seq: Option<u64>,
    /// 1..=100; absent: 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendData {
    pub room_id: String,
    pub msg_body: Value,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembersData {
    pub room_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// 1..=1000; absent: 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MuteData {
    pub room_id: String,
    pub user_ids: Vec<String>,
    pub duration_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BanData {
    pub room_id: String,
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub duration_secs: u64,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetAdminData {
    pub room_id: String,
    pub user_id: String,
    pub admin: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModifyRoomData {
    pub room_id: String,
    #[serde(flatten)]
    pub patch: RoomPatch,
}

/// `increaseCounter`, `decreaseCounter`: one counter by a value ≥ 0.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CounterData {
    pub room_id: String,
    pub key: String,
    pub value: i64,
}

/// `setCounters`: counters to set, name → value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetCountersData {
    pub room_id: String,
    pub counters: std::collections::BTreeMap<String, i64>,
}

/// `getCounters` (no keys: all of the room's), `deleteCounters`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CounterKeysData {
    pub room_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// Lets a guest name its app without a `?sdkAppId=` query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_app_id: Option<u64>,
}

/// `initAttributes` (replace all), `setAttributes` (add or overwrite).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributesData {
    pub room_id: String,
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Apply only if the room's attributes are still at this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

/// `deleteAttributes` (no keys: all of them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeKeysData {
    pub room_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_json() {
        let send = SendData {
            room_id: "live-1".into(),
            msg_body: serde_json::json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]),
            priority: Priority::High,
            msg_key: None,
        };
        let frame: serde_json::Value = serde_json::from_str(&request(7, "send", &send)).unwrap();
        assert_eq!(frame["id"], 7);
        assert_eq!(frame["op"], "send");
        assert_eq!(frame["data"]["priority"], "High");
        assert!(frame["data"].get("msgKey").is_none(), "absent options are left out");
        let back: SendData = serde_json::from_value(frame["data"].clone()).unwrap();
        assert_eq!(back.room_id, "live-1");
        assert_eq!(back.msg_body, send.msg_body);
        let join: RoomData = serde_json::from_str(r#"{"roomId":"r","sdkAppId":9}"#).unwrap();
        assert_eq!(join.sdk_app_id, Some(9));
        assert!(serde_json::from_str::<RoomData>(r#"{"roomId":"r","extra":1}"#).is_err());
    }
}
