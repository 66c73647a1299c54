//! Messages: `send_group_msg`, `send_group_system_notification`,
//! `send_broadcast_msg`. Messages take the same path as every other
//! message (screening, before-send hook, frequency control, sequencing).

use crate::Ctx;
use crate::error::{RestError, Result, invalid};
use crate::types::{fields, parse};
use roomcast_core::CoreError;
use roomcast_core::ids::validate_user_id;
use roomcast_core::model::{Priority, ValidBody};
use roomcast_core::ports::idempotency::SendOutcome;
use roomcast_core::rooms::{CallbackControl, SendRequest, Sender};
use serde::Deserialize;
use serde_json::Value;
use std::hash::{Hash, Hasher};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendGroupMsg {
    group_id: String,
    random: u32,
    msg_body: Value,
    #[serde(rename = "From_Account")]
    from_account: Option<String>,
    msg_priority: Option<String>,
    #[serde(default)]
    forbid_callback_control: Vec<String>,
    #[serde(default)]
    send_msg_control: Vec<String>,
    cloud_custom_data: Option<String>,
    online_only_flag: Option<u8>,
    #[serde(rename = "To_Account")]
    to_account: Option<Value>,
}

/// What the send path needs from a Tencent message request.
struct Outgoing {
    sender: Sender,
    priority: Priority,
    body: ValidBody,
    msg_key: String,
    skip_moderation: bool,
    callbacks: CallbackControl,
}

/// A message's fields as Tencent names them, before they are checked.
struct MsgFields {
    from: Option<String>,
    random: u32,
    msg_body: Value,
    priority: Option<String>,
    forbid: Vec<String>,
    control: Vec<String>,
    cloud_custom_data: Option<String>,
}

/// The sender, body and controls of a message, checked once.
async fn outgoing(ctx: &Ctx<'_>, m: MsgFields) -> Result<Outgoing> {
    let MsgFields {
        from,
        random,
        msg_body,
        priority,
        forbid,
        control,
        cloud_custom_data,
    } = m;
    if cloud_custom_data.is_some_and(|d| !d.is_empty()) {
        return Err(invalid(
            "CloudCustomData is not supported; put the data in a TIMCustomElem",
        ));
    }
    let body = ValidBody::parse(msg_body)?;
    let sender = match from.filter(|f| !f.is_empty()) {
        None => Sender::AppAdmin,
        Some(id) if id == ctx.rooms.apps().get(ctx.app)?.admin_identifier => Sender::AppAdmin,
        Some(id) => {
            validate_user_id(&id)?;
            let profile = ctx.rooms.profile(ctx.app, &id).await?;
            Sender::User { id, profile }
        }
    };
    let priority = match priority.as_deref() {
        None | Some("") => Priority::Normal,
        Some(p) => p
            .parse()
            .map_err(|_| invalid("MsgPriority must be High, Normal, Low or Lowest"))?,
    };
    let mut callbacks = CallbackControl::default();
    for f in &forbid {
        match f.as_str() {
            "ForbidBeforeSendMsgCallback" => callbacks.forbid_before_send = true,
            "ForbidAfterSendMsgCallback" => callbacks.forbid_after_send = true,
            other => return Err(invalid(format!("unknown ForbidCallbackControl value {other}"))),
        }
    }
    let mut skip_moderation = false;
    for c in &control {
        match c.as_str() {
            "NoMsgCheck" => skip_moderation = true,
            // Conversation controls: an AVChatRoom keeps no conversations.
            "NoLastMsg" | "NoUnread" => {}
            other => return Err(invalid(format!("unknown SendMsgControl value {other}"))),
        }
    }
    // Tencent drops the same Random and content sent again within five
    // minutes; the message key makes a resend answer the first outcome.
    let mut h = std::hash::DefaultHasher::new();
    body.canonical_json().hash(&mut h);
    let msg_key = format!("rest:{random:08x}:{:016x}", h.finish());
    Ok(Outgoing {
        sender,
        priority,
        body,
        msg_key,
        skip_moderation,
        callbacks,
    })
}

fn request(room_id: String, out: &Outgoing) -> SendRequest {
    SendRequest {
        room_id,
        sender: out.sender.clone(),
        priority: out.priority,
        body: out.body.clone(),
        msg_key: Some(out.msg_key.clone()),
        skip_moderation: out.skip_moderation,
        callbacks: out.callbacks,
    }
}

pub async fn send_group_msg(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: SendGroupMsg = parse(body)?;
    if r.online_only_flag.is_some_and(|f| f != 0) || r.to_account.is_some() {
        return Err(RestError::NotForAvChatRoom {
            code: 10007,
            what: "OnlineOnlyFlag or To_Account",
        });
    }
    let fields_in = MsgFields {
        from: r.from_account,
        random: r.random,
        msg_body: r.msg_body,
        priority: r.msg_priority,
        forbid: r.forbid_callback_control,
        control: r.send_msg_control,
        cloud_custom_data: r.cloud_custom_data,
    };
    let out = outgoing(ctx, fields_in).await?;
    let reply = match ctx.submitter.submit(ctx.app, request(r.group_id, &out)).await? {
        SendOutcome::Delivered { seq, time_ms } => serde_json::json!({
            "MsgTime": time_ms / 1000,
            "MsgSeq": seq,
        }),
        SendOutcome::Dropped { time_ms } => {
            roomcast_core::metrics::count_rejection(roomcast_core::error::CODE_FREQUENCY_CONTROLLED);
            serde_json::json!({
                "MsgTime": time_ms / 1000,
                "MsgSeq": 0,
                "MsgDropReason": "MsgFreqCtrl",
            })
        }
    };
    fields(reply)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SystemNotification {
    group_id: String,
    content: String,
    #[serde(rename = "ToMembers_Account", default)]
    to_members_account: Vec<String>,
}

pub async fn send_group_system_notification(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: SystemNotification = parse(body)?;
    if !r.to_members_account.is_empty() {
        return Err(RestError::NotForAvChatRoom {
            code: 10007,
            what: "ToMembers_Account (notifications go to every member)",
        });
    }
    ctx.rooms.send_notice(ctx.app, &r.group_id, &r.content).await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BroadcastMsg {
    random: u32,
    msg_body: Value,
    #[serde(rename = "From_Account")]
    from_account: Option<String>,
    cloud_custom_data: Option<String>,
}

/// The message in every room of the app, at High priority (as a broadcast
/// must not yield to a room's ordinary traffic). Rooms dismissed meanwhile
/// are skipped; any other failure stops the broadcast and is answered.
pub async fn send_broadcast_msg(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: BroadcastMsg = parse(body)?;
    let fields_in = MsgFields {
        from: r.from_account,
        random: r.random,
        msg_body: r.msg_body,
        priority: Some(Priority::High.as_str().to_string()),
        forbid: Vec::new(),
        control: Vec::new(),
        cloud_custom_data: r.cloud_custom_data,
    };
    let out = outgoing(ctx, fields_in).await?;
    for room in crate::groups::all_room_ids(ctx).await? {
        match ctx.submitter.submit(ctx.app, request(room, &out)).await {
            Ok(_) => {}
            // Dismissed since it was listed (in cluster mode the
            // moderator's answer arrives coded).
            Err(e) if e.code() == CoreError::RoomNotFound(String::new()).code() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Value::Null)
}
