//! Room management ops: mute, ban, unban, setAdmin, modifyRoom, dismiss.
//!
//! The gateway writes no room state: every call goes to room control
//! through the `RoomControl` port. Its errors are the room rules' own
//! (`CoreError`, details included), so replies are the same in standalone
//! and cluster mode.

use super::auth::actor;
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::Result;
use crate::protocol;
use roomcast_core::ports::control::RoomControl;
use serde_json::Value;
use std::sync::Arc;

/// The one value the manage ops talk to: room control (in this process
/// in standalone mode, over the internal API in cluster mode).
fn admin(ctx: &GatewayCtx) -> &dyn RoomControl {
    ctx.control.as_ref()
}

pub(super) async fn mute(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::MuteData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    admin(ctx)
        .mute(app, &actor, &d.room_id, &d.user_ids, d.duration_secs)
        .await?;
    Ok(Value::Null)
}

pub(super) async fn ban(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::BanData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    admin(ctx)
        .ban(app, &actor, &d.room_id, &d.user_ids, d.duration_secs, &d.description)
        .await?;
    Ok(Value::Null)
}

pub(super) async fn unban(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::BanData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    admin(ctx).unban(app, &actor, &d.room_id, &d.user_ids).await?;
    Ok(Value::Null)
}

pub(super) async fn set_admin(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::SetAdminData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    admin(ctx)
        .set_admin(app, &actor, &d.room_id, &d.user_id, d.admin)
        .await?;
    Ok(Value::Null)
}

pub(super) async fn modify_room(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::ModifyRoomData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    let room = admin(ctx).modify_room(app, &actor, &d.room_id, d.patch).await?;
    Ok(serde_json::to_value(room).unwrap_or(Value::Null))
}

pub(super) async fn dismiss(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let (app, actor) = actor(conn)?;
    admin(ctx).dismiss_room(app, &actor, &d.room_id).await?;
    Ok(Value::Null)
}
