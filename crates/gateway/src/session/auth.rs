//! Identity ops: login, logout, updateProfile, and the logged-in check the
//! other families use.

use super::membership::leave_all_rooms;
use crate::conn::Conn;
use crate::ctx::GatewayCtx;
use crate::error::{GatewayError, Result};
use crate::protocol;
use roomcast_core::CoreError;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, UserProfile, now_ms};
use serde_json::{Value, json};
use std::sync::Arc;

/// Who acts, for ops that change something: the app admin, or the
/// logged-in user.
pub(super) fn actor(conn: &Conn) -> Result<(AppId, Actor)> {
    let (app, user) = logged_in(conn)?;
    let admin = conn.session.lock().is_app_admin;
    Ok((app, if admin { Actor::AppAdmin } else { Actor::User(user) }))
}

/// `actor`, for ops open only to members of the room (counters, attributes).
pub(super) fn member_actor(conn: &Conn, room_id: &str) -> Result<(AppId, Actor)> {
    let acting = actor(conn)?;
    if !conn.session.lock().rooms.contains(room_id) {
        return Err(CoreError::NotMember(room_id.to_string()).into());
    }
    Ok(acting)
}

pub(super) fn logged_in(conn: &Conn) -> Result<(AppId, String)> {
    let s = conn.session.lock();
    match (s.app, &s.user) {
        (Some(app), Some(user)) => Ok((app, user.clone())),
        _ => Err(CoreError::NotLoggedIn.into()),
    }
}

pub(super) async fn login(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::LoginData) -> Result<Value> {
    {
        let s = conn.session.lock();
        if s.user.is_some() {
            return Err(GatewayError::AlreadyLoggedIn);
        }
        if s.room_count() > 0 {
            return Err(GatewayError::LoginAfterJoin);
        }
        if let Some(a) = s.app
            && a != d.sdk_app_id
        {
            return Err(GatewayError::AppMismatch(a));
        }
    }
    let now = now_ms();
    let guard = &ctx.limits.logins;
    if let Err(retry_after_secs) = guard.check(conn.ip, d.sdk_app_id, &d.user_id, now) {
        return Err(GatewayError::LoginLocked { retry_after_secs });
    }
    let identity = match ctx
        .rooms
        .apps()
        .login(d.sdk_app_id, &d.user_id, &d.user_sig, roomcast_core::apps::now_secs())
    {
        Ok(identity) => {
            guard.succeeded(d.sdk_app_id, &d.user_id);
            identity
        }
        Err(e) => {
            // Only a refused userSig counts (not an unknown app or a bad ID).
            if matches!(e, CoreError::Auth(_)) {
                guard.failed(conn.ip, d.sdk_app_id, &d.user_id, now);
            }
            return Err(e.into());
        }
    };
    let profile = ctx.rooms.profile(d.sdk_app_id, &d.user_id).await?;
    {
        let mut s = conn.session.lock();
        s.app = Some(identity.app);
        s.user = Some(identity.user_id.clone());
        s.is_app_admin = identity.is_app_admin;
        s.profile = profile.clone();
    }
    ctx.conns.register_user(conn, identity.app, &identity.user_id);
    tracing::debug!(conn = conn.id, app = identity.app, user = %identity.user_id, "logged in");
    Ok(json!({ "sdkAppId": identity.app, "userId": identity.user_id, "nick": profile.nick, "avatar": profile.avatar }))
}

pub(super) async fn logout(ctx: &GatewayCtx, conn: &Arc<Conn>) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    leave_all_rooms(ctx, conn, true).await;
    ctx.conns.unregister_user(conn, app, &user);
    let mut s = conn.session.lock();
    s.user = None;
    s.is_app_admin = false;
    s.profile = UserProfile::default();
    Ok(Value::Null)
}

pub(super) async fn update_profile(ctx: &GatewayCtx, conn: &Arc<Conn>, d: protocol::ProfileData) -> Result<Value> {
    let (app, user) = logged_in(conn)?;
    let mut profile = conn.session.lock().profile.clone();
    if let Some(n) = d.nick {
        profile.nick = n;
    }
    if let Some(a) = d.avatar {
        profile.avatar = a;
    }
    // Room control screens the nickname and stores the profile.
    let profile = ctx.control.update_profile(app, &user, &profile).await?;
    ctx.conns.set_local_profile(app, &user, &profile);
    Ok(json!({ "nick": profile.nick, "avatar": profile.avatar }))
}
