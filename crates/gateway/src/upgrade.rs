//! The `/ws` endpoint: refuses what it must over plain HTTP (draining, an
//! unknown app, a bad handshake, a full gateway), then hands the upgraded
//! socket to a session task.
//!
//! Refusals happen before the upgrade so a client or load balancer sees an
//! HTTP status it can act on (try another gateway) instead of a close. Too
//! many connections (or connects per second) from one client IP get 429.

use crate::ctx::GatewayCtx;
use crate::limits::client_ip::client_ip;
use crate::session;
use crate::ws;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roomcast_core::ids::AppId;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Deserialize)]
pub(crate) struct WsQuery {
    #[serde(rename = "sdkAppId")]
    sdk_app_id: Option<AppId>,
}

pub(crate) async fn ws_upgrade(
    State(ctx): State<Arc<GatewayCtx>>,
    Query(q): Query<WsQuery>,
    mut req: Request,
) -> Response {
    if ctx.conns.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining; connect to another gateway").into_response();
    }
    if let Some(app) = q.sdk_app_id
        && ctx.rooms.apps().get(app).is_err()
    {
        return (StatusCode::BAD_REQUEST, "unknown sdkAppId").into_response();
    }
    if !origin_allowed(&ctx.opts.allowed_origins, req.headers()) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let switching = match ws::handshake::answer(req.headers()) {
        Ok(r) => r,
        Err(refused) => return refused.into_response(),
    };
    // The peer as the listener accepted it (after the PROXY protocol, where
    // a load balancer speaks it); unknown only when served without
    // connect info, and then no per-IP limit applies.
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_ip(peer.ip(), req.headers(), &ctx.limits.trusted_proxies));
    let ip_slot = match ip {
        Some(ip) => match ctx.limits.per_ip.admit(ip, roomcast_core::model::now_ms()) {
            Ok(slot) => slot,
            Err(refused) => return (StatusCode::TOO_MANY_REQUESTS, refused.message()).into_response(),
        },
        None => crate::limits::IpSlot::untracked(),
    };
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return (StatusCode::BAD_REQUEST, "connection cannot be upgraded").into_response();
    };
    if !ctx.conns.reserve() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "gateway full; connect to another gateway",
        )
            .into_response();
    }
    let app = q.sdk_app_id;
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => session::run(ctx, upgraded, app, ip, ip_slot).await,
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade failed");
                ctx.conns.unreserve();
            }
        }
    });
    switching
}

/// Whether a browser page from the request's `Origin` may open a socket:
/// always when no list is configured or the request carries no `Origin`
/// (not a browser); otherwise only an exact (ASCII case-insensitive) match.
fn origin_allowed(allowed: &[String], headers: &axum::http::HeaderMap) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
}
