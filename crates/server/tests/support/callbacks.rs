//! A real HTTP app server receiving Roomcast's after-event callbacks: it
//! records each request (query and JSON body) and answers as told — 200,
//! 500, or not at all in time — so tests can fail an endpoint and let it
//! recover.

use super::WAIT;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

pub use roomcast_core::callbacks::{CallbackCommand, CallbackSettings};

/// One request as the app server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub query: HashMap<String, String>,
    pub body: Value,
}

impl Received {
    pub fn command(&self) -> &str {
        self.query.get("CallbackCommand").map_or("", String::as_str)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Answer {
    Ok = 0,
    /// HTTP 500.
    Fail = 1,
    /// Waits 5 s before answering: longer than any test's timeout.
    Hang = 2,
}

#[derive(Default)]
struct Shared {
    answer: AtomicU8,
    received: std::sync::Mutex<Vec<Received>>,
    /// Requests answered with anything but 200 (or not answered).
    refused: AtomicUsize,
}

/// Cheap to clone; the server runs until the test's runtime ends.
#[derive(Clone)]
pub struct CallbackServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> (StatusCode, String) {
    match shared.answer.load(Ordering::SeqCst) {
        1 => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::INTERNAL_SERVER_ERROR, "down".into());
        }
        2 => {
            shared.refused.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(5)).await;
            return (StatusCode::SERVICE_UNAVAILABLE, "late".into());
        }
        _ => {}
    }
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.received.lock().unwrap().push(Received { query, body });
    (
        StatusCode::OK,
        r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#.into(),
    )
}

impl CallbackServer {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .route("/cb", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, shared }
    }

    pub fn url(&self) -> String {
        format!("http://{}/cb", self.addr)
    }

    /// Settings for this server with `commands` on, quick retries (so
    /// tests do not wait) and no signing.
    pub fn settings(&self, commands: &[CallbackCommand]) -> CallbackSettings {
        CallbackSettings {
            url: self.url(),
            commands: commands.to_vec(),
            timeout_ms: 300,
            retry_initial_ms: 50,
            retry_max_ms: 200,
            max_attempts: 1000,
            ..Default::default()
        }
    }

    pub fn answer(&self, a: Answer) {
        self.shared.answer.store(a as u8, Ordering::SeqCst);
    }

    /// Requests refused (500, or held past the caller's timeout) so far.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The received callbacks of `command`, in arrival order.
    pub fn of(&self, command: CallbackCommand) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.command() == command.as_str())
            .collect()
    }

    /// Waits until `n` callbacks of `command` arrived; returns them.
    pub async fn wait_for(&self, command: CallbackCommand, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + WAIT * 3;
        loop {
            let got = self.of(command);
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {n} {} callbacks, got {}: {:#?}",
                command.as_str(),
                got.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until at least `n` requests were refused.
    pub async fn wait_refused(&self, n: usize) {
        let deadline = Instant::now() + WAIT * 3;
        while self.refused() < n {
            assert!(Instant::now() < deadline, "waited for {n} refused callbacks");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The value of a counter series in a Prometheus text page, e.g.
/// `metric(&page, "roomcast_callbacks_retried_total", "Group.CallbackAfterSendMsg")`.
pub fn callback_metric(page: &str, name: &str, command: &str) -> u64 {
    let series = format!("{name}{{command=\"{command}\"}}");
    page.lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or_else(|| panic!("{series} missing from /metrics"), |v| v as u64)
}

/// Adds `settings` as the test app's `callbacks` to a cluster config file
/// (the app's table is the file's last, so a sub-table can follow it).
pub fn append_callbacks_toml(config: &std::path::Path, settings: &CallbackSettings) {
    use std::io::Write;
    let table = toml::to_string(settings).expect("callback settings as TOML");
    let mut f = std::fs::OpenOptions::new().append(true).open(config).unwrap();
    write!(f, "\n[apps.callbacks]\n{table}").unwrap();
}

/// Tencent's callback signature, computed independently of the server:
/// hex(sha256(token + RequestTime)).
pub fn expected_sign(token: &str, request_time: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("{token}{request_time}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
