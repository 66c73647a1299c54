//! The before-send webhook over HTTP/1.1 (plain HTTP: webhooks run next to
//! the app server, on the operator's network).
//!
//! Request, Tencent-style: `POST <url>?SdkAppid=<app>&CallbackCommand=Group.CallbackBeforeSendMsg&contenttype=json`
//! with `{"CallbackCommand","GroupId","Type":"AVChatRoom","From_Account","Operator_Account","MsgPriority","MsgBody"}`.
//! Reply: `{"ActionStatus","ErrorCode","ErrorInfo","MsgBody"?}` — `ErrorCode` 0
//! allows (a `MsgBody` replaces the message), 1 rejects with 10016, a code in
//! 120001..=130000 rejects with that code and `ErrorInfo`.
//!
//! The after-event callbacks (`Group.CallbackAfter…`) are in [`callbacks`].

pub mod callbacks;

pub use callbacks::HttpCallbacks;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use roomcast_core::model::ValidBody;
use roomcast_core::ports::hook::{BeforeSendHook, HookRequest, HookSettings, HookVerdict};
use roomcast_core::{CoreError, Result};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

const REPLY_MAX: usize = 64 * 1024;
pub const COMMAND: &str = "Group.CallbackBeforeSendMsg";

pub struct HttpHook {
    client: Client<HttpConnector, Full<Bytes>>,
    /// Calls in flight per app.
    limits: Mutex<HashMap<AppId, Arc<Semaphore>>>,
}

impl Default for HttpHook {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reply {
    #[serde(default)]
    error_code: i64,
    #[serde(default)]
    error_info: String,
    #[serde(default)]
    msg_body: Option<serde_json::Value>,
}

fn unavailable(why: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("before-send hook: {why}"))
}

impl HttpHook {
    pub fn new() -> Self {
        Self {
            client: http_client(),
            limits: Mutex::new(HashMap::new()),
        }
    }

    fn limit(&self, app: AppId, max: usize) -> Arc<Semaphore> {
        self.limits
            .lock()
            .entry(app)
            .or_insert_with(|| Arc::new(Semaphore::new(max)))
            .clone()
    }

    async fn call(&self, settings: &HookSettings, req: &HookRequest<'_>) -> Result<HookVerdict> {
        let sep = if settings.url.contains('?') { '&' } else { '?' };
        let uri = format!(
            "{}{sep}SdkAppid={}&CallbackCommand={COMMAND}&contenttype=json",
            settings.url, req.app
        );
        let body = serde_json::json!({
            "CallbackCommand": COMMAND,
            "GroupId": req.room_id,
            "Type": "AVChatRoom",
            "From_Account": req.sender,
            "Operator_Account": req.sender,
            "MsgPriority": req.priority.as_str(),
            "MsgBody": req.body,
        });
        let request = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(unavailable)?;
        let response = self.client.request(request).await.map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(unavailable(format!("http status {}", response.status())));
        }
        let bytes = Limited::new(response.into_body(), REPLY_MAX)
            .collect()
            .await
            .map_err(unavailable)?
            .to_bytes();
        let reply: Reply = serde_json::from_slice(&bytes).map_err(|e| unavailable(format!("bad reply: {e}")))?;
        Ok(match reply.error_code {
            0 => match reply.msg_body {
                Some(v) => HookVerdict::Replace(
                    ValidBody::parse(v)
                        .map_err(|e| unavailable(format!("bad MsgBody: {e}")))?
                        .into_body(),
                ),
                None => HookVerdict::Allow,
            },
            code @ 120_001..=130_000 => HookVerdict::Reject {
                code: code as u32,
                message: if reply.error_info.is_empty() {
                    "rejected by the app".into()
                } else {
                    reply.error_info
                },
            },
            _ => HookVerdict::Reject {
                code: 10016,
                message: if reply.error_info.is_empty() {
                    "rejected by the app".into()
                } else {
                    reply.error_info
                },
            },
        })
    }
}

/// Plain HTTP/1.1 with pooled connections, for both kinds of webhook.
pub(crate) fn http_client() -> Client<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new()).build(connector)
}

#[async_trait]
impl BeforeSendHook for HttpHook {
    async fn check(&self, settings: &HookSettings, req: HookRequest<'_>) -> Result<HookVerdict> {
        // Saturated: don't queue behind a slow app server; apply the policy now.
        let _permit = self
            .limit(req.app, settings.max_concurrency)
            .try_acquire_owned()
            .map_err(|_| unavailable("too many calls in flight"))?;
        match tokio::time::timeout(Duration::from_millis(settings.timeout_ms), self.call(settings, &req)).await {
            Ok(r) => r,
            Err(_) => Err(unavailable(format!("no answer within {} ms", settings.timeout_ms))),
        }
    }
}
