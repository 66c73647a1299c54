//! The send op: a user's message to a room, through the rate limit and the
//! submitter (the room service, or the moderator pool in cluster mode).

use super::auth::logged_in;
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::Result;
use crate::protocol;
use roomcast_core::CoreError;
use roomcast_core::model::{ValidBody, now_ms};
use roomcast_core::ports::idempotency::SendOutcome;
use roomcast_core::rooms::{SendRequest, Sender};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn send(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::SendData) -> Result<Value> {
    let result = try_send(ctx, conn, d).await;
    if let Err(e) = &result {
        roomcast_core::metrics::count_rejection(e.code());
    }
    result
}

async fn try_send(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::SendData) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    let profile = {
        let s = conn.session.lock();
        if !s.rooms.contains(&d.room_id) {
            return Err(CoreError::NotMember(d.room_id).into());
        }
        s.profile.clone()
    };
    if !ctx.limiter.try_acquire(&(app, user.to_string()), now_ms()) {
        return Err(CoreError::RateLimited.into());
    }
    // Parsed, validated and serialized once; the canonical form travels on.
    let body = ValidBody::parse(d.msg_body)?;
    let req = SendRequest {
        room_id: d.room_id.clone(),
        sender: Sender::User { id: user, profile },
        priority: d.priority,
        body,
        msg_key: d.msg_key,
        skip_moderation: false,
        callbacks: Default::default(),
    };
    match ctx.submitter.submit(app, req).await? {
        SendOutcome::Delivered { seq, time_ms } => Ok(json!({ "roomId": d.room_id, "seq": seq, "time": time_ms })),
        SendOutcome::Dropped { .. } => Err(CoreError::FrequencyControlled.into()),
    }
}
