//! Test harness: a real standalone server on free loopback ports, a real
//! WebSocket client and a real gRPC admin client.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use roomcast_core::apps::{AppConfig, now_secs};
use roomcast_proto::v1::room_admin_client::RoomAdminClient;
use roomcast_server::{Config, Standalone};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub const APP: u64 = 1_400_000_001;
pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";
pub const ADMIN: &str = "administrator";
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
/// How long a test waits for something that should happen promptly.
pub const WAIT: Duration = Duration::from_secs(5);

pub fn base_config() -> Config {
    let mut c = Config::default();
    c.server.http_addr = "127.0.0.1:0".parse().unwrap();
    c.server.grpc_addr = "127.0.0.1:0".parse().unwrap();
    c.apps = vec![AppConfig {
        sdkappid: APP,
        secret: SECRET.into(),
        admin_identifier: ADMIN.into(),
        admin_token: Some(ADMIN_TOKEN.into()),
        screen_custom: Default::default(),
        before_send_hook: None,
    }];
    c
}

pub fn usersig(user: &str) -> String {
    roomcast_auth::gen_usersig(APP, SECRET, user, 86_400, now_secs())
}

pub struct TestServer {
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(base_config()).await
    }

    pub async fn start_with(config: Config) -> Self {
        let server = Standalone::build(config).await.expect("server builds");
        let (http, grpc) = (server.http_addr(), server.grpc_addr());
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            server.run(token).await.expect("server runs");
        });
        Self {
            http,
            grpc,
            shutdown,
            task: Some(task),
        }
    }

    /// Cancels and waits for the server to finish draining.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("server stops")
                .unwrap();
        }
    }

    pub async fn guest(&self) -> Client {
        Client::connect(&format!("ws://{}/ws?sdkAppId={APP}", self.http)).await
    }

    pub async fn raw_client(&self) -> Client {
        Client::connect(&format!("ws://{}/ws", self.http)).await
    }

    /// A client logged in as `user`.
    pub async fn user(&self, user: &str) -> Client {
        let mut c = self.raw_client().await;
        let r = c
            .request(
                "login",
                json!({ "sdkAppId": APP, "userId": user, "userSig": usersig(user) }),
            )
            .await;
        assert_eq!(r["code"], 0, "login of {user} failed: {r}");
        c
    }

    pub async fn admin(&self) -> AdminClient {
        admin_client(self.grpc, AdminAuth::Token(ADMIN_TOKEN.into())).await
    }

    /// Creates a room through the admin API and returns its ID.
    pub async fn create_room(&self, id: &str, owner: Option<&str>) -> String {
        let mut admin = self.admin().await;
        let resp = admin
            .create_room(roomcast_proto::v1::CreateRoomRequest {
                room_id: id.into(),
                name: "test room".into(),
                owner: owner.unwrap_or_default().into(),
                ..Default::default()
            })
            .await
            .expect("create room");
        resp.into_inner().room.unwrap().room_id
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[derive(Clone)]
pub enum AdminAuth {
    Token(String),
    Sig { identifier: String, sig: String },
    None,
    App(u64, Box<AdminAuth>),
}

#[derive(Clone)]
pub struct AuthInterceptor(AdminAuth);

impl AuthInterceptor {
    pub fn token(token: &str) -> Self {
        Self(AdminAuth::Token(token.to_string()))
    }
}

impl tonic::service::Interceptor for AuthInterceptor {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let (app, auth) = match &self.0 {
            AdminAuth::App(app, inner) => (*app, inner.as_ref().clone()),
            other => (APP, other.clone()),
        };
        let md = req.metadata_mut();
        md.insert("x-roomcast-sdkappid", app.to_string().parse().unwrap());
        match auth {
            AdminAuth::Token(t) => {
                md.insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            AdminAuth::Sig { identifier, sig } => {
                md.insert("x-roomcast-identifier", identifier.parse().unwrap());
                md.insert("x-roomcast-usersig", sig.parse().unwrap());
            }
            AdminAuth::None | AdminAuth::App(..) => {}
        }
        Ok(req)
    }
}

pub type AdminClient = RoomAdminClient<InterceptedService<Channel, AuthInterceptor>>;

pub async fn admin_client(grpc: SocketAddr, auth: AdminAuth) -> AdminClient {
    let channel = Channel::from_shared(format!("http://{grpc}"))
        .unwrap()
        .connect()
        .await
        .expect("grpc connects");
    RoomAdminClient::with_interceptor(channel, AuthInterceptor(auth))
}

/// The numeric code a failed admin call carries.
pub fn status_code(s: &tonic::Status) -> u32 {
    s.metadata()
        .get("x-roomcast-code")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub fn text_body(text: &str) -> Value {
    json!([{ "MsgType": "TIMTextElem", "MsgContent": { "Text": text } }])
}

/// A WebSocket client speaking the Roomcast protocol.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Pushes seen while waiting for replies.
    pushes: VecDeque<Value>,
    /// Individual room events from `messages` pushes.
    events: VecDeque<Value>,
    pub closed: Option<(u16, String)>,
}

impl Client {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .expect("websocket connects");
        Self {
            ws,
            next_id: 1,
            pushes: VecDeque::new(),
            events: VecDeque::new(),
            closed: None,
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send frame");
    }

    pub async fn send_binary(&mut self, data: Vec<u8>) {
        self.ws.send(Message::binary(data)).await.expect("send frame");
    }

    /// Sends `{"id", "op", "data"}` and returns the matching reply.
    pub async fn request(&mut self, op: &str, data: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let frame = json!({ "id": id, "op": op, "data": data }).to_string();
        self.send_text(&frame).await;
        self.reply_for(json!(id)).await
    }

    /// Waits for the reply whose id is `id`, keeping pushes for later.
    pub async fn reply_for(&mut self, id: Value) -> Value {
        loop {
            let v = self
                .next_frame()
                .await
                .unwrap_or_else(|| panic!("connection ended waiting for reply {id}"));
            if v.get("type").is_some() && v.get("code").is_none() {
                self.stash_push(v);
                continue;
            }
            if v["id"] == id {
                return v;
            }
            panic!("unexpected reply {v} while waiting for {id}");
        }
    }

    fn stash_push(&mut self, v: Value) {
        if v["type"] == "messages" {
            for m in v["messages"].as_array().cloned().unwrap_or_default() {
                self.events.push_back(m);
            }
        } else {
            self.pushes.push_back(v);
        }
    }

    /// The next frame as JSON, or `None` once the connection closed.
    pub async fn next_frame(&mut self) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("timed out waiting for a frame");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    return Some(serde_json::from_str(t.as_str()).expect("server sends JSON"));
                }
                Some(Ok(Message::Close(f))) => {
                    self.closed = Some(
                        f.map(|f| (u16::from(f.code), f.reason.to_string()))
                            .unwrap_or((1005, String::new())),
                    );
                    return None;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next room event (message, tip or notice).
    pub async fn next_event(&mut self) -> Value {
        loop {
            if let Some(e) = self.events.pop_front() {
                return e;
            }
            let v = self.next_frame().await.expect("connection ended waiting for an event");
            self.stash_push(v);
        }
    }

    /// The next room event of `kind` ("message", "tip", "notice"), skipping others.
    pub async fn next_event_of(&mut self, kind: &str) -> Value {
        loop {
            let e = self.next_event().await;
            if e["kind"] == kind {
                return e;
            }
        }
    }

    /// The next non-message push (kicked, reconnect).
    pub async fn next_push(&mut self) -> Value {
        loop {
            if let Some(p) = self.pushes.pop_front() {
                return p;
            }
            let v = self.next_frame().await.expect("connection ended waiting for a push");
            self.stash_push(v);
        }
    }

    /// Reads until the server closes; returns the close code and reason.
    pub async fn wait_closed(&mut self) -> (u16, String) {
        while self.closed.is_none() {
            match self.next_frame().await {
                Some(v) => self.stash_push(v),
                None => break,
            }
        }
        self.closed.clone().unwrap_or((1006, String::new()))
    }

    /// Asserts that no room event arrives within a short quiet period.
    pub async fn assert_no_event(&mut self, quiet: Duration) {
        if let Some(e) = self.events.pop_front() {
            panic!("unexpected event {e}");
        }
        match tokio::time::timeout(quiet, self.ws.next()).await {
            Err(_) => {}
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(v["type"] != "messages", "unexpected event push {v}");
                self.stash_push(v);
            }
            Ok(_) => {}
        }
    }

    pub async fn join(&mut self, room: &str) -> Value {
        self.request("join", json!({ "roomId": room })).await
    }

    pub async fn send_msg(&mut self, room: &str, text: &str) -> Value {
        self.request("send", json!({ "roomId": room, "msgBody": text_body(text) }))
            .await
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
