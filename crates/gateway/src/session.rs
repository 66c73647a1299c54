//! One connection's task: reads requests, answers them, and writes out what
//! the socket could not take at once.

use crate::Gateway;
use crate::conn::{Conn, Out, SocketWriter, Turn};
use crate::error::{GatewayError, Result};
use crate::protocol::{self, Envelope, error_reply, ok_reply};
use crate::ws::frame;
use crate::ws::reader::{FrameReader, Incoming};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, MsgBody, UserProfile, now_ms};
use roomcast_core::presence::MemberInfo;
use roomcast_core::rooms::{SendRequest, Sender};
use roomcast_core::{CoreError, idempotency::SendOutcome};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Runs `fut` under `limit`, but only arms the timer if the first poll does
/// not finish it: almost every write completes at once, and registering a
/// timer per write was a measurable share of fan-out CPU.
async fn with_write_timeout<F: std::future::Future>(limit: Duration, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await;
    match first {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => tokio::time::timeout(limit, fut).await.ok(),
    }
}

/// How a stretch of writing ended.
enum Wrote {
    /// Everything queued is out; the connection carries on.
    Done,
    /// A close frame went out: the connection ends.
    Closed(u16, &'static str),
    /// The socket failed or the client stopped reading for too long.
    Dead,
}

/// Ends a connection's bookkeeping (connection count, rooms, presence) even
/// when its task panics, so a crashed session cannot hold a slot forever.
struct CloseOnDrop {
    gw: Gateway,
    conn: Arc<Conn>,
    armed: bool,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        self.conn.out.shut();
        tracing::error!(conn = self.conn.id, "connection task ended abnormally; cleaning up");
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (gw, conn) = (self.gw.clone(), self.conn.clone());
            rt.spawn(async move { gw.close_conn(&conn).await });
        }
    }
}

pub(crate) async fn run(gw: Gateway, upgraded: Upgraded, query_app: Option<AppId>) {
    let conn = gw.open_conn(query_app);
    let mut cleanup = CloseOnDrop {
        gw: gw.clone(),
        conn: conn.clone(),
        armed: true,
    };
    let opts = gw.options().clone();
    let (read_half, write_half) = tokio::io::split(TokioIo::new(upgraded));
    conn.out.attach(Box::pin(write_half));
    let mut reader = FrameReader::new(read_half, opts.read_buffer_bytes, opts.hard_frame_limit_bytes);
    // Most writes happen in whoever produced the data (see `conn`); this
    // task only writes what the socket could not take at once. Pings, idle
    // checks and draining come from the gateway's sweeper through the queue,
    // so the loop waits on two things only and no per-connection timer is
    // touched per message.
    let close_with: Option<(u16, &'static str)> = loop {
        // Unbiased: a client whose queue refills during every write must
        // still have its requests (and pongs) read.
        tokio::select! {
            _ = conn.out.ready() => match write_queued(&conn, &opts).await {
                Wrote::Done => {}
                Wrote::Closed(code, reason) => {
                    tracing::debug!(conn = conn.id, code, reason, "connection closed by server");
                    break None;
                }
                Wrote::Dead => break None,
            },
            // `next` is cancel-safe: losing this branch drops no data.
            msg = reader.next() => {
                conn.last_seen_ms.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
                match msg {
                    Err(e) => break e.close(),
                    // The reader has checked the code: echo it (RFC 6455 §5.5.1).
                    Ok(Incoming::Close(code)) => break Some((code.unwrap_or(1000), "")),
                    Ok(Incoming::Text(text)) => {
                        let reply = handle_text(&gw, &conn, &text).await;
                        conn.out.push(Out::Frame(reply));
                    }
                    Ok(Incoming::Binary) => {
                        conn.out.push(Out::Frame(error_reply(&Value::Null, &GatewayError::BinaryFrame, Value::Null)));
                    }
                    Ok(Incoming::Ping(payload)) => {
                        conn.out.push(Out::Pong(payload));
                    }
                    Ok(Incoming::Pong) => {}
                }
            }
        }
    };
    if let Some((code, reason)) = close_with {
        conn.out.push(Out::Close(code, reason));
        write_queued(&conn, &opts).await;
    }
    conn.out.shut();
    gw.close_conn(&conn).await;
    cleanup.armed = false;
}

/// Writes whatever is queued until the queue stays empty.
async fn write_queued(conn: &Conn, opts: &crate::GatewayOptions) -> Wrote {
    loop {
        match conn.out.take_turn() {
            Turn::Idle => return Wrote::Done,
            Turn::Failed => return Wrote::Dead,
            Turn::Write(mut writer, items) => {
                let limit = Duration::from_millis(opts.write_timeout_ms);
                match with_write_timeout(limit, write_items(&mut writer, items, opts.write_buffer_bytes)).await {
                    Some(Ok(None)) => {
                        if !conn.out.end_turn(writer) {
                            return Wrote::Done;
                        }
                    }
                    Some(Ok(Some((code, reason)))) => return Wrote::Closed(code, reason),
                    Some(Err(_)) => return Wrote::Dead,
                    None => {
                        tracing::info!(conn = conn.id, "write timed out; disconnecting");
                        return Wrote::Dead;
                    }
                }
            }
        }
    }
}

/// Writes `items` in order, gathering small frames into writes of up to
/// `gather` bytes. Returns the close it sent, if any.
async fn write_items(
    w: &mut SocketWriter,
    items: VecDeque<Out>,
    gather: usize,
) -> std::io::Result<Option<(u16, &'static str)>> {
    let mut buf: Vec<u8> = Vec::new();
    for item in items {
        if let Out::Close(code, reason) = item {
            buf.extend_from_slice(&frame::close(code, reason));
            w.write_all(&buf).await?;
            w.flush().await?;
            return Ok(Some((code, reason)));
        }
        let Some(bytes) = item.encode() else { continue };
        if buf.is_empty() && bytes.len() >= gather {
            w.write_all(&bytes).await?;
            continue;
        }
        buf.extend_from_slice(&bytes);
        if buf.len() >= gather {
            w.write_all(&buf).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        w.write_all(&buf).await?;
    }
    w.flush().await?;
    Ok(None)
}

async fn handle_text(gw: &Gateway, conn: &Arc<Conn>, text: &str) -> String {
    let max = gw.options().max_frame_bytes;
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
    match dispatch(gw, conn, &op, data).await {
        Ok(data) => ok_reply(&id, data),
        Err(e) => {
            let data = match &e {
                GatewayError::Core(CoreError::FrequencyControlled) => json!({ "dropReason": "MsgFreqCtrl" }),
                GatewayError::Core(CoreError::Muted { until }) => json!({ "mutedUntil": until }),
                GatewayError::Core(CoreError::Banned { until }) => json!({ "bannedUntil": until }),
                _ => Value::Null,
            };
            error_reply(&id, &e, data)
        }
    }
}

async fn dispatch(gw: &Gateway, conn: &Arc<Conn>, op: &str, data: Value) -> Result<Value> {
    match op {
        "login" => login(gw, conn, protocol::data("login", data)?).await,
        "logout" => logout(gw, conn).await,
        "updateProfile" => update_profile(gw, conn, protocol::data("updateProfile", data)?).await,
        "join" => join(gw, conn, protocol::data("join", data)?).await,
        "quit" => quit(gw, conn, protocol::data("quit", data)?).await,
        "send" => send(gw, conn, protocol::data("send", data)?).await,
        "ping" => Ok(json!({ "time": now_ms() })),
        "onlineCount" => {
            let d: protocol::RoomData = protocol::data("onlineCount", data)?;
            let app = bind_app(gw, conn, d.sdk_app_id)?;
            let count = gw.rooms().online_count(app, &d.room_id).await?;
            Ok(json!({ "roomId": d.room_id, "count": count }))
        }
        "onlineMembers" => {
            let d: protocol::MembersData = protocol::data("onlineMembers", data)?;
            let app = bind_app(gw, conn, None)?;
            let page = gw
                .rooms()
                .online_members(app, &d.room_id, d.cursor.as_deref(), d.limit)
                .await?;
            Ok(json!({ "members": page.items, "nextCursor": page.next_cursor }))
        }
        "mute" => {
            let d: protocol::MuteData = protocol::data("mute", data)?;
            let (app, actor) = actor(conn)?;
            gw.rooms()
                .mute(app, &actor, &d.room_id, &d.user_ids, d.duration_secs)
                .await?;
            Ok(Value::Null)
        }
        "ban" => {
            let d: protocol::BanData = protocol::data("ban", data)?;
            let (app, actor) = actor(conn)?;
            gw.rooms()
                .ban(app, &actor, &d.room_id, &d.user_ids, d.duration_secs, &d.description)
                .await?;
            Ok(Value::Null)
        }
        "unban" => {
            let d: protocol::BanData = protocol::data("unban", data)?;
            let (app, actor) = actor(conn)?;
            gw.rooms().unban(app, &actor, &d.room_id, &d.user_ids).await?;
            Ok(Value::Null)
        }
        "setAdmin" => {
            let d: protocol::SetAdminData = protocol::data("setAdmin", data)?;
            let (app, actor) = actor(conn)?;
            gw.rooms()
                .set_admin(app, &actor, &d.room_id, &d.user_id, d.admin)
                .await?;
            Ok(Value::Null)
        }
        "modifyRoom" => {
            let d: protocol::ModifyRoomData = protocol::data("modifyRoom", data)?;
            let (app, actor) = actor(conn)?;
            let room = gw.rooms().modify_room(app, &actor, &d.room_id, d.patch).await?;
            Ok(serde_json::to_value(room).unwrap_or(Value::Null))
        }
        "dismiss" => {
            let d: protocol::RoomData = protocol::data("dismiss", data)?;
            let (app, actor) = actor(conn)?;
            gw.rooms().dismiss_room(app, &actor, &d.room_id).await?;
            Ok(Value::Null)
        }
        other => Err(GatewayError::UnknownOp(other.chars().take(64).collect())),
    }
}

/// The connection's app, binding it on first use (only to a configured app).
fn bind_app(gw: &Gateway, conn: &Conn, requested: Option<AppId>) -> Result<AppId> {
    if let Some(r) = requested {
        gw.rooms().apps().get(r)?;
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

fn logged_in(conn: &Conn) -> Result<(AppId, String)> {
    let s = conn.session.lock();
    match (s.app, &s.user) {
        (Some(app), Some(user)) => Ok((app, user.clone())),
        _ => Err(CoreError::NotLoggedIn.into()),
    }
}

fn actor(conn: &Conn) -> Result<(AppId, Actor)> {
    let (app, user) = logged_in(conn)?;
    let admin = conn.session.lock().is_app_admin;
    Ok((app, if admin { Actor::AppAdmin } else { Actor::User(user) }))
}

async fn login(gw: &Gateway, conn: &Arc<Conn>, d: protocol::LoginData) -> Result<Value> {
    {
        let s = conn.session.lock();
        if s.user.is_some() {
            return Err(GatewayError::AlreadyLoggedIn);
        }
        if !s.rooms.is_empty() {
            return Err(GatewayError::LoginAfterJoin);
        }
        if let Some(a) = s.app
            && a != d.sdk_app_id
        {
            return Err(GatewayError::AppMismatch(a));
        }
    }
    let identity = gw
        .rooms()
        .apps()
        .login(d.sdk_app_id, &d.user_id, &d.user_sig, roomcast_core::apps::now_secs())?;
    let profile = gw.rooms().profile(d.sdk_app_id, &d.user_id).await?;
    {
        let mut s = conn.session.lock();
        s.app = Some(identity.app);
        s.user = Some(identity.user_id.clone());
        s.is_app_admin = identity.is_app_admin;
        s.profile = profile.clone();
    }
    gw.register_user(conn, identity.app, &identity.user_id);
    tracing::debug!(conn = conn.id, app = identity.app, user = %identity.user_id, "logged in");
    Ok(json!({ "sdkAppId": identity.app, "userId": identity.user_id, "nick": profile.nick, "avatar": profile.avatar }))
}

async fn logout(gw: &Gateway, conn: &Arc<Conn>) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    gw.leave_all_rooms(conn, true).await;
    gw.unregister_user(conn, app, &user);
    let mut s = conn.session.lock();
    s.user = None;
    s.is_app_admin = false;
    s.profile = UserProfile::default();
    Ok(Value::Null)
}

async fn update_profile(gw: &Gateway, conn: &Arc<Conn>, d: protocol::ProfileData) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    let mut profile = conn.session.lock().profile.clone();
    if let Some(n) = d.nick {
        profile.nick = n;
    }
    if let Some(a) = d.avatar {
        profile.avatar = a;
    }
    let profile = gw.rooms().update_profile(app, &user, &profile).await?;
    gw.set_local_profile(app, &user, &profile);
    Ok(json!({ "nick": profile.nick, "avatar": profile.avatar }))
}

async fn join(gw: &Gateway, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(gw, conn, d.sdk_app_id)?;
    roomcast_core::ids::validate_room_id(&d.room_id).map_err(GatewayError::Core)?;
    let member = {
        let s = conn.session.lock();
        if s.rooms.contains(&d.room_id) {
            return Ok(json!({ "roomId": d.room_id, "status": "already_in_group" }));
        }
        let max = gw.options().max_rooms_per_connection;
        if s.rooms.len() >= max {
            return Err(GatewayError::TooManyRooms(max));
        }
        MemberInfo {
            user_id: s.member_id().to_string(),
            nick: s.profile.nick.clone(),
            avatar: s.profile.avatar.clone(),
        }
    };
    // Subscribe before joining, so nothing published after the join answer is missed.
    gw.local_rooms()
        .add(gw.rooms(), gw.evictor(), app, &d.room_id, conn)
        .await?;
    conn.session.lock().rooms.insert(d.room_id.clone());
    match gw.rooms().join(app, &d.room_id, &member, conn.id).await {
        Ok(status) => Ok(json!({ "roomId": d.room_id, "status": status.as_str() })),
        Err(e) => {
            conn.session.lock().rooms.remove(&d.room_id);
            gw.local_rooms().remove(app, &d.room_id, conn.id);
            Err(e.into())
        }
    }
}

async fn quit(gw: &Gateway, conn: &Arc<Conn>, d: protocol::RoomData) -> Result<Value> {
    let app = bind_app(gw, conn, d.sdk_app_id)?;
    let (member, user) = {
        let s = conn.session.lock();
        if !s.rooms.contains(&d.room_id) {
            return Err(CoreError::NotMember(d.room_id).into());
        }
        (s.member_id().to_string(), s.user.clone())
    };
    if let Some(user) = &user {
        gw.rooms().check_quit(app, &d.room_id, user).await?;
    }
    conn.session.lock().rooms.remove(&d.room_id);
    gw.local_rooms().remove(app, &d.room_id, conn.id);
    gw.rooms().leave(app, &d.room_id, &member, conn.id, true).await?;
    Ok(json!({ "roomId": d.room_id }))
}

async fn send(gw: &Gateway, conn: &Arc<Conn>, d: protocol::SendData) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    let profile = {
        let s = conn.session.lock();
        if !s.rooms.contains(&d.room_id) {
            return Err(CoreError::NotMember(d.room_id).into());
        }
        s.profile.clone()
    };
    if !gw.allow_send(app, &user) {
        return Err(CoreError::RateLimited.into());
    }
    let body = MsgBody::from_json(d.msg_body)?;
    let req = SendRequest {
        room_id: d.room_id.clone(),
        sender: Sender::User { id: user, profile },
        priority: d.priority,
        body,
        msg_key: d.msg_key,
        skip_moderation: false,
    };
    match gw.submitter().submit(app, req).await? {
        SendOutcome::Delivered { seq, time_ms } => Ok(json!({ "roomId": d.room_id, "seq": seq, "time": time_ms })),
        SendOutcome::Dropped { .. } => Err(CoreError::FrequencyControlled.into()),
    }
}
