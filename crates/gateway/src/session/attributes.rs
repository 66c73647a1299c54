//! Group-attribute ops: initAttributes, setAttributes, deleteAttributes,
//! getAttributes. Attributes are room state: writes go to room control
//! through the `RoomControl` port (in cluster mode the internal API), which
//! applies the limits, the write rate and the compare-and-set on `version`.

use super::auth::member_actor;
use super::membership::bind_app;
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::Result;
use crate::protocol;
use roomcast_core::ports::attributes::AttributeSnapshot;
use roomcast_core::rooms::AttributeChange;
use serde_json::{Value, json};
use std::sync::Arc;

fn reply(room_id: &str, s: &AttributeSnapshot) -> Value {
    json!({ "roomId": room_id, "version": s.version, "attributes": s.values })
}

async fn write(
    ctx: &GatewayCtx,
    conn: &Arc<Conn>,
    room_id: &str,
    change: AttributeChange,
    version: Option<u64>,
) -> Result<Value> {
    let (app, actor) = member_actor(conn, room_id)?;
    let snap = ctx
        .control
        .write_attributes(app, &actor, room_id, change, version)
        .await?;
    Ok(reply(room_id, &snap))
}

pub(super) async fn init(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::AttributesData) -> Result<Value> {
    write(ctx, conn, &d.room_id, AttributeChange::Init(d.attributes), d.version).await
}

pub(super) async fn set(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::AttributesData) -> Result<Value> {
    write(ctx, conn, &d.room_id, AttributeChange::Set(d.attributes), d.version).await
}

pub(super) async fn delete(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::AttributeKeysData) -> Result<Value> {
    write(ctx, conn, &d.room_id, AttributeChange::Delete(d.keys), d.version).await
}

/// Any connection bound to the room's app may read.
pub(super) async fn get(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    let snap = ctx.rooms.attributes(app, &d.room_id).await?;
    Ok(reply(&d.room_id, &snap))
}
