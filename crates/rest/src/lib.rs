//! Tencent IM's REST API for live rooms: `POST /v4/{service}/{command}`
//! with Tencent's query authentication, JSON bodies, field names, replies
//! (`ActionStatus`, `ErrorCode`, `ErrorInfo`, HTTP 200) and error codes,
//! so an app server written for AVChatRoom moves by changing its base URL.
//!
//! Every command runs the same room rules as the gRPC admin API (`Rooms`,
//! and the `MessageSubmitter` for messages), so the behaviour is identical.
//! One module per command family: `groups`, `messages`, `members`,
//! `state` (counters and attributes), `accounts`; `commands` names them.

mod accounts;
mod auth;
mod commands;
mod error;
mod groups;
mod members;
mod messages;
pub mod metrics;
mod options;
mod rate;
mod reply;
mod state;
mod types;

pub use error::RestError;
pub use options::{AppRestLimits, RestOptions};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Method, Request};
use axum::response::Response;
use roomcast_core::ids::AppId;
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::rooms::Rooms;
use std::sync::Arc;

/// The REST API over the room service; cheap to clone.
#[derive(Clone)]
pub struct RestApi {
    inner: Arc<Inner>,
}

struct Inner {
    opts: RestOptions,
    rooms: Rooms,
    submitter: Arc<dyn MessageSubmitter>,
    limits: rate::RateLimits,
}

/// What a command runs with: the room service, the message path and the
/// authenticated app.
pub(crate) struct Ctx<'a> {
    pub rooms: &'a Rooms,
    pub submitter: &'a dyn MessageSubmitter,
    pub app: AppId,
}

impl RestApi {
    /// `submitter` takes `send_group_msg` and `send_broadcast_msg`: the
    /// room service itself in standalone mode, the moderator pool in
    /// cluster mode (as for the gRPC admin API's `SendMessage`).
    pub fn new(opts: RestOptions, rooms: Rooms, submitter: Arc<dyn MessageSubmitter>) -> Self {
        metrics::describe();
        let limits = rate::RateLimits::new(&opts, &rooms.apps().ids());
        Self {
            inner: Arc::new(Inner {
                opts,
                rooms,
                submitter,
                limits,
            }),
        }
    }

    /// `/v4/{service}/{command}`; anything else answers Tencent's error too.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v4/{service}/{command}", axum::routing::any(call))
            .fallback(fallback)
            .with_state(self.clone())
    }

    async fn handle(&self, service: &str, command: &str, req: Request<Body>) -> Result<serde_json::Value, RestError> {
        if req.method() != Method::POST {
            return Err(RestError::Http(format!("{} is not allowed; use POST", req.method())));
        }
        let app = auth::authorize(self.inner.rooms.apps(), req.uri().query())?;
        let cmd = commands::lookup(service, command)?;
        if !self.inner.limits.try_acquire(app, cmd.name()) {
            return Err(RestError::RateLimited(cmd.name()));
        }
        let body = read_body(req.into_body(), self.inner.opts.max_body_bytes).await?;
        let ctx = Ctx {
            rooms: &self.inner.rooms,
            submitter: self.inner.submitter.as_ref(),
            app,
        };
        commands::run(&ctx, cmd, body).await
    }
}

async fn call(
    State(api): State<RestApi>,
    Path((service, command)): Path<(String, String)>,
    req: Request<Body>,
) -> Response {
    let result = api.handle(&service, &command, req).await;
    if let Err(e) = &result {
        tracing::debug!(service, command, code = e.code(), error = %e, "REST call refused");
    }
    reply::respond(result)
}

async fn fallback(req: Request<Body>) -> Response {
    reply::respond(Err(RestError::UnknownCommand(req.uri().path().to_string())))
}

/// The body as a JSON object: Tencent refuses empty bodies; `{}` is the least.
async fn read_body(body: Body, max: usize) -> Result<serde_json::Value, RestError> {
    let bytes = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| RestError::Http(format!("request body larger than {max} bytes")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RestError::Json(
            "the body is empty; send a JSON object ({} at least)".into(),
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| RestError::Json(e.to_string()))?;
    if !value.is_object() {
        return Err(RestError::Json("the body must be a JSON object".into()));
    }
    Ok(value)
}
