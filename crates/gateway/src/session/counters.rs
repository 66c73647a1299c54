//! Group-counter ops: increaseCounter, decreaseCounter, setCounters,
//! deleteCounters, getCounters.
//!
//! Unlike the manage ops these do not go through room control: counters are
//! high-rate data (a like per tap), so the gateway applies them itself
//! through the room rules over the `Counters` port (Redis in cluster mode,
//! one atomic script per change). Rights are the same rules' (the app's
//! counter policy); pushes are coalesced by the one publisher per interval.

use super::auth::member_actor;
use super::membership::bind_app;
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::Result;
use crate::protocol;
use roomcast_core::model::Actor;
use roomcast_core::ports::counters::{CounterMode, CounterValues};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn increase(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::CounterData) -> Result<Value> {
    change(ctx, conn, d, CounterMode::Increase).await
}

pub(super) async fn decrease(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::CounterData) -> Result<Value> {
    change(ctx, conn, d, CounterMode::Decrease).await
}

async fn change(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::CounterData, mode: CounterMode) -> Result<Value> {
    let (app, actor) = member_actor(conn, &d.room_id)?;
    let entries = CounterValues::from([(d.key.clone(), d.value)]);
    let values = ctx
        .rooms
        .update_counters(app, &actor, &d.room_id, mode, &entries)
        .await?;
    let value = values.get(&d.key).copied().unwrap_or_default();
    Ok(json!({ "roomId": d.room_id, "key": d.key, "value": value }))
}

pub(super) async fn set(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::SetCountersData) -> Result<Value> {
    let (app, actor) = member_actor(conn, &d.room_id)?;
    let values = ctx
        .rooms
        .update_counters(app, &actor, &d.room_id, CounterMode::Set, &d.counters)
        .await?;
    Ok(json!({ "roomId": d.room_id, "counters": values }))
}

pub(super) async fn delete(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::CounterKeysData) -> Result<Value> {
    let (app, actor) = member_actor(conn, &d.room_id)?;
    ctx.rooms.delete_counters(app, &actor, &d.room_id, &d.keys).await?;
    Ok(json!({ "roomId": d.room_id }))
}

/// Any connection bound to the room's app may read (guests as the app's
/// policy allows), like `getRoomProfile`.
pub(super) async fn get(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::CounterKeysData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    let reader = {
        let s = conn.session.lock();
        match &s.user {
            Some(_) if s.is_app_admin => Some(Actor::AppAdmin),
            Some(u) => Some(Actor::User(u.clone())),
            None => None,
        }
    };
    let values = ctx
        .rooms
        .get_counters(app, reader.as_ref(), &d.room_id, &d.keys)
        .await?;
    Ok(json!({ "roomId": d.room_id, "counters": values }))
}
