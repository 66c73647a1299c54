//! Tencent's request bodies for the after-event callbacks, field names as
//! Tencent spells them (`GroupId`, `Operator_Account`, `MsgSeq`, …).

use roomcast_core::callbacks::{AfterEvent, ExitType};
use serde_json::{Map, Value, json};

const GROUP_TYPE: &str = "AVChatRoom";

fn members(user: &str) -> Value {
    json!([{ "Member_Account": user }])
}

/// The JSON body of one callback.
pub fn body(event: &AfterEvent) -> Value {
    let command = event.command().as_str();
    match event {
        AfterEvent::GroupCreated {
            room,
            operator,
            owner,
            name,
        } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "Type": GROUP_TYPE,
            "Operator_Account": operator,
            "Owner_Account": owner,
            "Name": name,
            // An AVChatRoom is created empty: members join later.
            "MemberList": [],
        }),
        AfterEvent::GroupDestroyed { room, owner, name } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "Type": GROUP_TYPE,
            "Owner_Account": owner,
            "Name": name,
            // Online members are not listed: a live room can hold millions.
            "MemberList": [],
        }),
        AfterEvent::GroupInfoChanged { room, operator, patch } => {
            let mut body = Map::new();
            body.insert("CallbackCommand".into(), command.into());
            body.insert("GroupId".into(), room.as_str().into());
            body.insert("Type".into(), GROUP_TYPE.into());
            body.insert("Operator_Account".into(), operator.as_str().into());
            // Only what changed, as Tencent sends it.
            for (key, value) in [
                ("Name", &patch.name),
                ("Introduction", &patch.introduction),
                ("Notification", &patch.notification),
                ("FaceUrl", &patch.face_url),
            ] {
                if let Some(v) = value {
                    body.insert(key.into(), v.as_str().into());
                }
            }
            if let Some(mute_all) = patch.mute_all {
                body.insert("ShutUpAllMember".into(), if mute_all { "On" } else { "Off" }.into());
            }
            if !patch.custom.is_empty() {
                let data: Vec<Value> = patch
                    .custom
                    .iter()
                    .map(|(k, v)| json!({ "Key": k, "Value": v }))
                    .collect();
                body.insert("AppDefinedData".into(), data.into());
            }
            Value::Object(body)
        }
        AfterEvent::MemberJoined { room, user } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "Type": GROUP_TYPE,
            "JoinType": "Apply",
            "Operator_Account": user,
            "NewMemberList": members(user),
        }),
        AfterEvent::MemberExited {
            room,
            user,
            exit,
            operator,
        } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "Type": GROUP_TYPE,
            "ExitType": match exit { ExitType::Quit => "Quit", ExitType::Kicked => "Kicked" },
            "Operator_Account": operator,
            "ExitMemberList": members(user),
        }),
        AfterEvent::MessageSent {
            room,
            from,
            seq,
            time_ms,
            priority,
            body,
        } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "Type": GROUP_TYPE,
            "From_Account": from,
            "Operator_Account": from,
            // Roomcast deduplicates by the client's msgKey, not a random.
            "Random": 0,
            "MsgSeq": seq,
            "MsgTime": time_ms.div_euclid(1000),
            "MsgPriority": priority.as_str(),
            "OnlineOnlyFlag": 0,
            "MsgBody": body,
        }),
        AfterEvent::MemberStateChanged { room, user, online } => json!({
            "CallbackCommand": command,
            "GroupId": room,
            "EventType": if *online { "Online" } else { "Offline" },
            "MemberList": members(user),
        }),
    }
}
