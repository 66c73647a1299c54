//! Turns one request frame into one reply frame: parses the envelope, routes
//! the op to its family's module, and is the one place where errors become
//! error replies (with the data some errors carry).

use super::{attributes, auth, counters, manage, membership, send};
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::{GatewayError, Result};
use crate::protocol::{self, Envelope, error_reply, ok_reply};
use roomcast_core::model::now_ms;
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn handle_text(ctx: &GatewayCtx, conn: &Arc<Conn>, text: &str) -> String {
    let max = ctx.opts.max_frame_bytes;
    if text.len() > max {
        return error_reply(
            &Value::Null,
            &GatewayError::FrameTooLarge { size: text.len(), max },
            Value::Null,
        );
    }
    let env = match protocol::parse_envelope(text) {
        Ok(env) => env,
        Err(e) => return error_reply(&Value::Null, &e, Value::Null),
    };
    let Envelope { id, op, data } = env;
    let Some(op) = op else {
        let e = GatewayError::BadRequest {
            op: "request",
            reason: "missing field `op`".into(),
        };
        return error_reply(&id, &e, Value::Null);
    };
    match dispatch(ctx, conn, &op, data).await {
        Ok(data) => ok_reply(&id, data),
        Err(e) => {
            let data = e.data().unwrap_or(Value::Null);
            error_reply(&id, &e, data)
        }
    }
}

/// The reply to a request refused by the connection's request rate: its
/// `id` is echoed when the frame has one (the request is parsed no further).
pub(super) fn rate_limited_reply(text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Value,
    }
    // Everything but `id` is skipped without being built.
    let id = serde_json::from_str::<IdOnly>(text)
        .map(|e| e.id)
        .unwrap_or(Value::Null);
    let e = GatewayError::RateLimited("too many requests on this connection; slow down");
    error_reply(&id, &e, Value::Null)
}

/// The reply to a binary frame (the protocol is JSON text only).
pub(super) fn binary_reply() -> String {
    error_reply(&Value::Null, &GatewayError::BinaryFrame, Value::Null)
}

async fn dispatch(ctx: &GatewayCtx, conn: &Arc<Conn>, op: &str, data: Value) -> Result<Value> {
    match op {
        "login" => auth::login(ctx, conn, protocol::data("login", data)?).await,
        "logout" => auth::logout(ctx, conn).await,
        "updateProfile" => auth::update_profile(ctx, conn, protocol::data("updateProfile", data)?).await,
        "join" => membership::join(ctx, conn, protocol::data("join", data)?).await,
        "quit" => membership::quit(ctx, conn, protocol::data("quit", data)?).await,
        "send" => send::send(ctx, conn, protocol::data("send", data)?).await,
        "ping" => Ok(json!({ "time": now_ms() })),
        "history" => membership::history(ctx, conn, protocol::data("history", data)?).await,
        "getRoomProfile" => membership::room_profile(ctx, conn, protocol::data("getRoomProfile", data)?).await,
        "onlineCount" => membership::online_count(ctx, conn, protocol::data("onlineCount", data)?).await,
        "onlineMembers" => membership::online_members(ctx, conn, protocol::data("onlineMembers", data)?).await,
        "mute" => manage::mute(ctx, conn, protocol::data("mute", data)?).await,
        "ban" => manage::ban(ctx, conn, protocol::data("ban", data)?).await,
        "unban" => manage::unban(ctx, conn, protocol::data("unban", data)?).await,
        "setAdmin" => manage::set_admin(ctx, conn, protocol::data("setAdmin", data)?).await,
        "modifyRoom" => manage::modify_room(ctx, conn, protocol::data("modifyRoom", data)?).await,
        "dismiss" => manage::dismiss(ctx, conn, protocol::data("dismiss", data)?).await,
        "increaseCounter" => counters::increase(ctx, conn, protocol::data("increaseCounter", data)?).await,
        "decreaseCounter" => counters::decrease(ctx, conn, protocol::data("decreaseCounter", data)?).await,
        "setCounters" => counters::set(ctx, conn, protocol::data("setCounters", data)?).await,
        "deleteCounters" => counters::delete(ctx, conn, protocol::data("deleteCounters", data)?).await,
        "getCounters" => counters::get(ctx, conn, protocol::data("getCounters", data)?).await,
        "initAttributes" => attributes::init(ctx, conn, protocol::data("initAttributes", data)?).await,
        "setAttributes" => attributes::set(ctx, conn, protocol::data("setAttributes", data)?).await,
        "deleteAttributes" => attributes::delete(ctx, conn, protocol::data("deleteAttributes", data)?).await,
        "getAttributes" => attributes::get(ctx, conn, protocol::data("getAttributes", data)?).await,
        other => Err(GatewayError::UnknownOp(other.chars().take(64).collect())),
    }
}
