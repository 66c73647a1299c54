//! After-event callbacks over HTTP/1.1, Tencent-style:
//! `POST <url>?SdkAppid=<app>&CallbackCommand=<command>&contenttype=json&ClientIP=<ip>&OptPlatform=<platform>`
//! (plus `&RequestTime=<unix s>&Sign=<hex sha256(token + RequestTime)>`
//! when the app set a token), with Tencent's body for the command. Any 2xx
//! answer delivers it; anything else (status, refused, timeout) is retried
//! by the queue (`roomcast_core::callbacks::deliver_with_retries`).

pub mod body;
pub mod sign;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use roomcast_core::callbacks::{Callback, CallbackSettings};
use roomcast_core::ids::AppId;
use roomcast_core::ports::callbacks::CallbackDeliverer;
use std::time::Duration;

const REPLY_MAX: usize = 64 * 1024;

/// Posts callbacks; one connection pool for every app. Cheap to share.
pub struct HttpCallbacks {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HttpCallbacks {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpCallbacks {
    pub fn new() -> Self {
        Self {
            client: crate::http_client(),
        }
    }

    /// The request URI: the app's URL with Tencent's query parameters.
    pub fn uri(app: AppId, settings: &CallbackSettings, callback: &Callback, now_secs: u64) -> String {
        let sep = if settings.url.contains('?') { '&' } else { '?' };
        let mut uri = format!(
            "{}{sep}SdkAppid={app}&CallbackCommand={}&contenttype=json&ClientIP={}&OptPlatform={}",
            settings.url,
            callback.event.command().as_str(),
            callback.client_ip,
            callback.platform.as_str(),
        );
        if let Some(token) = &settings.token {
            uri.push_str(&format!("&RequestTime={now_secs}&Sign={}", sign::sign(token, now_secs)));
        }
        uri
    }

    async fn post(&self, uri: String, body: Vec<u8>) -> Result<(), String> {
        let request = hyper::Request::post(uri)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = self.client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        // Read the (ignored) reply so the connection can be reused.
        let _ = Limited::new(response.into_body(), REPLY_MAX).collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("http status {status}"))
        }
    }
}

#[async_trait]
impl CallbackDeliverer for HttpCallbacks {
    async fn deliver(&self, app: AppId, settings: &CallbackSettings, callback: &Callback) -> Result<(), String> {
        let uri = Self::uri(app, settings, callback, roomcast_core::apps::now_secs());
        let body = serde_json::to_vec(&body::body(&callback.event)).map_err(|e| e.to_string())?;
        match tokio::time::timeout(Duration::from_millis(settings.timeout_ms), self.post(uri, body)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} ms", settings.timeout_ms)),
        }
    }
}
