//! One connection's task: reads requests, answers them, and writes queued
//! pushes, coalescing room events into one frame per write.

use crate::Gateway;
use crate::conn::{Conn, Out};
use crate::error::{GatewayError, Result};
use crate::protocol::{self, Envelope, close, error_reply, ok_reply};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures_util::SinkExt;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, MsgBody, UserProfile, now_ms};
use roomcast_core::presence::MemberInfo;
use roomcast_core::rooms::{SendRequest, Sender};
use roomcast_core::{CoreError, idempotency::SendOutcome};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

type Sink = WebSocket;

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

pub(crate) async fn run(gw: Gateway, socket: WebSocket, query_app: Option<AppId>) {
    let conn = gw.open_conn(query_app);
    let opts = gw.options().clone();
    // One task owns the socket: reads and writes never contend on a lock.
    let mut sink = socket;
    let mut pending = VecDeque::new();
    // Pings, idle checks and draining are driven by the gateway's sweeper
    // through the queue, so this loop waits on two things only and no
    // per-connection timer or shared waiter list is touched per message.
    let close_with: Option<(u16, &'static str)> = loop {
        // Unbiased: a client whose queue refills during every write must
        // still have its requests (and pongs) read.
        tokio::select! {
            _ = conn.out.ready() => {
                conn.out.drain(&mut pending);
                let write = write_all(&mut sink, &mut pending, opts.max_messages_per_frame);
                match with_write_timeout(Duration::from_millis(opts.write_timeout_ms), write).await {
                    Some(Ok(None)) => {}
                    Some(Ok(Some(closed))) => {
                        tracing::debug!(conn = conn.id, code = closed.0, reason = closed.1, "connection closed by server");
                        break None;
                    }
                    Some(Err(_)) => break None,
                    None => {
                        tracing::info!(conn = conn.id, "write timed out; disconnecting");
                        break None;
                    }
                }
            }
            // `recv` is cancel-safe: losing this branch drops no data.
            msg = sink.recv() => {
                conn.last_seen_ms.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
                match msg {
                    None | Some(Ok(Message::Close(_))) => break None,
                    Some(Err(e)) => {
                        // tungstenite reports an over-limit frame as a capacity error.
                        let text = e.to_string().to_ascii_lowercase();
                        let too_big = text.contains("too long") || text.contains("space limit");
                        break too_big.then_some((close::TOO_BIG, "frame too large"));
                    }
                    Some(Ok(Message::Text(text))) => {
                        let reply = handle_text(&gw, &conn, text.as_str()).await;
                        conn.out.push(Out::Frame(reply));
                    }
                    Some(Ok(Message::Binary(_))) => {
                        conn.out.push(Out::Frame(error_reply(&Value::Null, &GatewayError::BinaryFrame, Value::Null)));
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                }
            }
        }
    };
    if let Some((code, reason)) = close_with {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let _ = tokio::time::timeout(Duration::from_millis(opts.write_timeout_ms), sink.send(frame)).await;
    }
    gw.close_conn(&conn).await;
}

/// Writes everything pending. Returns the close it sent, if any.
async fn write_all(
    sink: &mut Sink,
    pending: &mut VecDeque<Out>,
    max_per_frame: usize,
) -> Result<Option<(u16, &'static str)>, axum::Error> {
    let mut events: Vec<Bytes> = Vec::new();
    while let Some(item) = pending.pop_front() {
        match item {
            Out::Event(b) => {
                events.push(b);
                if events.len() >= max_per_frame {
                    sink.feed(batch_frame(&mut events)).await?;
                }
            }
            Out::Frame(s) => {
                if !events.is_empty() {
                    sink.feed(batch_frame(&mut events)).await?;
                }
                sink.feed(Message::Text(s.into())).await?;
            }
            Out::Ping => {
                if !events.is_empty() {
                    sink.feed(batch_frame(&mut events)).await?;
                }
                sink.feed(Message::Ping(Bytes::new())).await?;
            }
            Out::Close(code, reason) => {
                if !events.is_empty() {
                    sink.feed(batch_frame(&mut events)).await?;
                }
                pending.clear();
                sink.send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await?;
                return Ok(Some((code, reason)));
            }
        }
    }
    if !events.is_empty() {
        sink.feed(batch_frame(&mut events)).await?;
    }
    sink.flush().await?;
    Ok(None)
}

/// `{"type":"messages","messages":[e1,e2,...]}` from pre-encoded events.
fn batch_frame(events: &mut Vec<Bytes>) -> Message {
    const HEAD: &str = r#"{"type":"messages","messages":["#;
    let len = HEAD.len() + 2 + events.iter().map(|e| e.len() + 1).sum::<usize>();
    let mut s = String::with_capacity(len);
    s.push_str(HEAD);
    for (i, e) in events.drain(..).enumerate() {
        if i > 0 {
            s.push(',');
        }
        // Events are produced by serde_json, so they are valid UTF-8.
        s.push_str(std::str::from_utf8(&e).unwrap_or("null"));
    }
    s.push_str("]}");
    Message::Text(s.into())
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
