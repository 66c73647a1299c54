//! Room membership ops: join, quit, onlineCount, onlineMembers; leaving
//! every room (logout, disconnect); and what happens when the fan-out
//! removes a connection from a room (`SessionEvictor`).
//!
//! Join and quit keep the session's room set, the local fan-out registry
//! and presence in step; the order of those steps is what keeps a member
//! from missing or receiving events around the change.

use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::{GatewayError, Result};
use crate::fanout::Evictor;
use crate::metrics as m;
use crate::protocol;
use roomcast_core::CoreError;
use roomcast_core::client::events::RoomView;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Room, checked_page_limit, now_ms};
use roomcast_core::ports::history::HistoryEvent;
use roomcast_core::rooms::{JoinStatus, Rooms};
use serde_json::{Value, json};
use std::sync::Arc;

/// The connection's app, binding it on first use (only to a configured app).
pub(super) fn bind_app(ctx: &GatewayCtx, conn: &Conn, requested: Option<AppId>) -> Result<AppId> {
    if let Some(r) = requested {
        ctx.rooms.apps().get(r)?;
    }
    let mut s = conn.session.lock();
    match (s.app, requested) {
        (Some(a), Some(r)) if a != r => Err(GatewayError::AppMismatch(a)),
        (Some(a), _) => Ok(a),
        (None, Some(r)) => {
            s.app = Some(r);
            Ok(r)
        }
        (None, None) => Err(GatewayError::NoApp),
    }
}

/// The join/quit rates: the connection's, then (for a logged-in user) the
/// user's over all their connections here.
fn admit_join_quit(ctx: &GatewayCtx, conn: &Conn, app: AppId) -> Result<()> {
    let now = now_ms();
    let ok = conn.limits.lock().join_quit(now) && {
        let user = conn.session.lock().user.clone();
        user.is_none_or(|u| ctx.limits.join_quit_users.try_acquire(&(app, u), now))
    };
    if ok {
        return Ok(());
    }
    metrics::counter!(m::LIMIT_REFUSALS, "limit" => "join_quit").increment(1);
    Err(GatewayError::RateLimited("joining and quitting too often; slow down"))
}

pub(super) async fn join(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::JoinData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    admit_join_quit(ctx, conn, app)?;
    roomcast_core::ids::validate_room_id(&d.room_id).map_err(GatewayError::Core)?;
    let member = {
        let s = conn.session.lock();
        if s.is_in_or_joining(&d.room_id) {
            None
        } else if s.room_count() >= ctx.opts.max_rooms_per_connection {
            return Err(GatewayError::TooManyRooms(ctx.opts.max_rooms_per_connection));
        } else {
            Some(s.member_info())
        }
    };
    let Some(member) = member else {
        let (room, online_count) = ctx.rooms.room_with_count(app, &d.room_id).await?;
        let mut reply = joined_reply(JoinStatus::AlreadyInGroup, &room, online_count);
        add_history(ctx, app, &d, &mut reply).await?;
        return Ok(reply);
    };
    // Subscribe before joining, so nothing published after the join answer is missed.
    ctx.local.add(&ctx.rooms, app, &d.room_id, conn).await?;
    // Joining, not yet a member: presence repair skips it until the room
    // service accepted the join (a refused join must leave no presence).
    conn.session.lock().joining.insert(d.room_id.clone());
    match ctx.rooms.join(app, &d.room_id, &member, conn.id).await {
        Ok(joined) => {
            conn.session.lock().finish_join(&d.room_id);
            let mut reply = joined_reply(joined.status, &joined.room, joined.online_count);
            // Read after subscribing and joining: together with the live
            // pushes nothing is missed (duplicates are dropped by seq).
            add_history(ctx, app, &d, &mut reply).await?;
            Ok(reply)
        }
        Err(e) => {
            conn.session.lock().abort_join(&d.room_id);
            ctx.local.remove(app, &d.room_id, conn.id);
            Err(e.into())
        }
    }
}

/// The join reply: the status and the room's profile with its online
/// count (what TIM's `joinGroup` resolves with).
fn joined_reply(status: JoinStatus, room: &Room, online_count: u64) -> Value {
    json!({
        "roomId": room.id,
        "status": status.as_str(),
        "room": RoomView { room, online_count },
    })
}

/// The history part of a join reply: the room's epoch, the last events if
/// asked for, and what was missed since the client's last event if it is
/// rejoining.
async fn add_history(ctx: &GatewayCtx, app: AppId, d: &protocol::JoinData, reply: &mut Value) -> Result<()> {
    // Without `history`, one event is read only for the epoch.
    let wanted = d.history.unwrap_or(1);
    let page = ctx.rooms.history(app, &d.room_id, None, wanted).await?;
    reply["epoch"] = json!(page.epoch);
    if d.history.is_some() {
        reply["history"] = events_json(&page.events);
    }
    if let Some(since) = &d.since {
        let r = ctx.rooms.recover(app, &d.room_id, since.seq, &since.epoch).await?;
        reply["epoch"] = json!(r.epoch);
        reply["recovered"] = json!(r.recovered);
        reply["missed"] = events_json(&r.events);
    }
    Ok(())
}

/// Kept events as the JSON array clients receive them in.
fn events_json(events: &[HistoryEvent]) -> Value {
    Value::Array(
        events
            .iter()
            .filter_map(|e| serde_json::from_slice(&e.json).ok())
            .collect(),
    )
}

/// `history`: older events of a room this connection is in.
pub(super) async fn history(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::HistoryData) -> Result<Value> {
    let app = bind_app(ctx, conn, None)?;
    if !conn.session.lock().rooms.contains(&d.room_id) {
        return Err(CoreError::NotMember(d.room_id).into());
    }
    let page = ctx
        .rooms
        .history(app, &d.room_id, d.before_seq, d.limit.unwrap_or(20))
        .await?;
    Ok(json!({ "roomId": d.room_id, "epoch": page.epoch, "events": events_json(&page.events) }))
}

/// `getRoomProfile`: a room's profile and online count, for any connection
/// bound to the room's app (TIM's `getGroupProfile`).
pub(super) async fn room_profile(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    let (room, online_count) = ctx.rooms.room_with_count(app, &d.room_id).await?;
    Ok(json!({ "room": RoomView { room: &room, online_count } }))
}

pub(super) async fn quit(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    admit_join_quit(ctx, conn, app)?;
    let (member, user) = {
        let s = conn.session.lock();
        if !s.rooms.contains(&d.room_id) {
            return Err(CoreError::NotMember(d.room_id).into());
        }
        (s.member_info(), s.user.clone())
    };
    if let Some(user) = &user {
        ctx.rooms.check_quit(app, &d.room_id, user).await?;
    }
    conn.session.lock().rooms.remove(&d.room_id);
    ctx.local.remove(app, &d.room_id, conn.id);
    ctx.rooms.leave(app, &d.room_id, &member, conn.id, true).await?;
    Ok(json!({ "roomId": d.room_id }))
}

pub(super) async fn online_count(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(ctx, conn, d.sdk_app_id)?;
    let count = ctx.rooms.online_count(app, &d.room_id).await?;
    Ok(json!({ "roomId": d.room_id, "count": count }))
}

/// `onlineMembers`: a page of who is in the room, with IDs and nicks — for
/// members of the room and the app admin only (anyone else could harvest
/// any room's audience), at `gateway.limits.online_members_rate`.
pub(super) async fn online_members(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::MembersData) -> Result<Value> {
    let app = bind_app(ctx, conn, None)?;
    {
        let s = conn.session.lock();
        if !s.is_app_admin && !s.rooms.contains(&d.room_id) {
            return Err(CoreError::NotMember(d.room_id).into());
        }
    }
    if !conn.limits.lock().online_members(now_ms()) {
        metrics::counter!(m::LIMIT_REFUSALS, "limit" => "online_members").increment(1);
        return Err(GatewayError::RateLimited(
            "onlineMembers requested too often; slow down",
        ));
    }
    let limit = checked_page_limit(d.limit)?;
    let page = ctx
        .rooms
        .online_members(app, &d.room_id, d.cursor.as_deref(), limit)
        .await?;
    Ok(json!({ "members": page.items, "nextCursor": page.next_cursor }))
}

/// Leaves every room the connection is in (logout, disconnect).
pub(super) async fn leave_all_rooms(ctx: &GatewayCtx, conn: &Arc<Conn>, announce: bool) {
    let (app, member, rooms) = {
        let mut s = conn.session.lock();
        let rooms = s.take_all_rooms();
        (s.app, s.member_info(), rooms)
    };
    let Some(app) = app else { return };
    // Local delivery stops for every room before the first await, so an
    // interrupted leave cannot leave the connection in a room's list.
    for room in &rooms {
        ctx.local.remove(app, room, conn.id);
    }
    for room in rooms {
        if let Err(e) = ctx.rooms.leave(app, &room, &member, conn.id, announce).await {
            tracing::warn!(app, room = %room, error = %e, "presence leave failed");
        }
    }
}

/// What the session layer does when the fan-out removes a connection from a
/// room (a ban's kick, a dismissal): the session forgets the room and the
/// presence store is told.
pub(crate) struct SessionEvictor {
    rooms: Rooms,
}

impl SessionEvictor {
    pub(crate) fn new(rooms: Rooms) -> Self {
        Self { rooms }
    }
}

impl Evictor for SessionEvictor {
    fn evicted(&self, conn: &Arc<Conn>, app: AppId, room: &str) {
        let member = {
            let mut s = conn.session.lock();
            s.rooms.remove(room);
            s.abort_join(room);
            s.member_info()
        };
        // Also after a dismissal (presence is already gone): the leave clears
        // this gateway's own bookkeeping of the connection.
        let rooms = self.rooms.clone();
        let (room, id) = (room.to_string(), conn.id);
        tokio::spawn(async move {
            if let Err(e) = rooms.leave(app, &room, &member, id, false).await {
                tracing::warn!(app, room = %room, error = %e, "presence leave after kick failed");
            }
        });
    }
}
