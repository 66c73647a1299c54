//! A WebSocket client speaking the Roomcast JSON protocol.

use super::WAIT;
use super::server::{APP, usersig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A `msgBody` with one text element.
pub fn text_body(text: &str) -> Value {
    json!([{ "MsgType": "TIMTextElem", "MsgContent": { "Text": text } }])
}

/// The text of the first element of a message event.
pub fn text_of(m: &Value) -> &str {
    m["msgBody"][0]["MsgContent"]["Text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {m}"))
}

/// The user IDs of `onlineMembers` entries.
pub fn member_ids(members: &[Value]) -> Vec<&str> {
    members.iter().map(|m| m["userId"].as_str().unwrap()).collect()
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

    /// A connection to `url` through a proxy that says the client is
    /// `forwarded_for` (`X-Forwarded-For`), for servers that trust loopback
    /// as a proxy (see `abuse_config`).
    pub async fn connect_from(url: &str, forwarded_for: &str) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = url.into_client_request().expect("valid url");
        req.headers_mut()
            .insert("x-forwarded-for", forwarded_for.parse().expect("header value"));
        let (ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true)
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

    /// A connection to the server at `http`, not logged in, no app named.
    pub async fn raw_at(http: SocketAddr) -> Self {
        Self::connect(&format!("ws://{http}/ws")).await
    }

    /// A guest of the test app on the server at `http`.
    pub async fn guest_at(http: SocketAddr) -> Self {
        Self::connect(&format!("ws://{http}/ws?sdkAppId={APP}")).await
    }

    /// A client of the server at `http` logged in as `user` of the test app.
    pub async fn user_at(http: SocketAddr, user: &str) -> Self {
        let mut c = Self::raw_at(http).await;
        let r = c.login(APP, user, &usersig(user)).await;
        assert_eq!(r["code"], 0, "login of {user} failed: {r}");
        c
    }

    /// Sends a `login` request and returns the reply.
    pub async fn login(&mut self, app: u64, user: &str, sig: &str) -> Value {
        self.request("login", json!({ "sdkAppId": app, "userId": user, "userSig": sig }))
            .await
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

    fn record_close(&mut self, frame: Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>) {
        self.closed = Some(
            frame
                .map(|f| (u16::from(f.code), f.reason.to_string()))
                .unwrap_or((1005, String::new())),
        );
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
                    self.record_close(f);
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

    /// The next tip of type `ty` (e.g. "roomProfileUpdated"), skipping every
    /// other event.
    pub async fn next_tip(&mut self, ty: &str) -> Value {
        loop {
            let e = self.next_event_of("tip").await;
            if e["tip"]["type"] == ty {
                return e;
            }
        }
    }

    /// The next `n` message events, skipping other events.
    pub async fn next_messages(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next_event_of("message").await);
        }
        out
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

    /// Asserts that no room event arrives for the whole of `quiet`, and that
    /// the connection stays open meanwhile: a close, an error or the end of
    /// the stream fails the assertion. Other pushes are kept for later, and
    /// the socket is polled throughout (so pings are answered).
    pub async fn assert_no_event(&mut self, quiet: Duration) {
        if let Some(e) = self.events.pop_front() {
            panic!("unexpected event {e}");
        }
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("server sends JSON");
                    assert!(v["type"] != "messages", "unexpected event push {v}");
                    self.stash_push(v);
                }
                Ok(Some(Ok(Message::Close(f)))) => {
                    self.record_close(f);
                    panic!("connection closed {:?} while no event was expected", self.closed);
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => panic!("connection failed while no event was expected: {e}"),
                Ok(None) => panic!("connection ended while no event was expected"),
            }
        }
    }

    pub async fn join(&mut self, room: &str) -> Value {
        self.request("join", json!({ "roomId": room })).await
    }

    pub async fn quit(&mut self, room: &str) -> Value {
        self.request("quit", json!({ "roomId": room })).await
    }

    pub async fn send_msg(&mut self, room: &str, text: &str) -> Value {
        self.request("send", json!({ "roomId": room, "msgBody": text_body(text) }))
            .await
    }

    /// `mute` as a room manager: `users` for `secs` (0 unmutes).
    pub async fn mute(&mut self, room: &str, users: &[&str], secs: u32) -> Value {
        self.request(
            "mute",
            json!({ "roomId": room, "userIds": users, "durationSecs": secs }),
        )
        .await
    }

    /// `ban` as a room manager: `users` for `secs`.
    pub async fn ban(&mut self, room: &str, users: &[&str], secs: u32) -> Value {
        self.request("ban", json!({ "roomId": room, "userIds": users, "durationSecs": secs }))
            .await
    }

    /// `setAdmin` as the owner.
    pub async fn set_admin(&mut self, room: &str, user: &str, admin: bool) -> Value {
        self.request("setAdmin", json!({ "roomId": room, "userId": user, "admin": admin }))
            .await
    }

    /// `modifyRoom` with the fields of `changes` (an object).
    pub async fn modify_room(&mut self, room: &str, changes: Value) -> Value {
        let mut data = changes;
        data["roomId"] = json!(room);
        self.request("modifyRoom", data).await
    }

    pub async fn dismiss(&mut self, room: &str) -> Value {
        self.request("dismiss", json!({ "roomId": room })).await
    }

    /// A `ping` that must succeed.
    pub async fn assert_ping_ok(&mut self) {
        let r = self.request("ping", json!({})).await;
        assert_eq!(r["code"], 0, "ping failed: {r}");
    }

    /// The online count of `room` as this client sees it.
    pub async fn online_count(&mut self, room: &str) -> Value {
        let r = self.request("onlineCount", json!({ "roomId": room })).await;
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(r["data"]["roomId"], room);
        r["data"]["count"].clone()
    }

    /// Polls the online count until it equals `want` (leaving after a
    /// disconnect or a kick is asynchronous), failing after [`WAIT`].
    pub async fn wait_online_count(&mut self, room: &str, want: u64) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let n = self.online_count(room).await;
            if n == want {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "online count of {room} stayed {n}, expected {want}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// One page of `onlineMembers`: the members and the next cursor.
    /// `limit`: `None` leaves it out (the server's default page size).
    pub async fn online_members(
        &mut self,
        room: &str,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> (Vec<Value>, Value) {
        let mut data = json!({ "roomId": room });
        if let Some(limit) = limit {
            data["limit"] = json!(limit);
        }
        if let Some(cur) = cursor {
            data["cursor"] = json!(cur);
        }
        let r = self.request("onlineMembers", data).await;
        assert_eq!(r["code"], 0, "{r}");
        let members = r["data"]["members"].as_array().cloned().unwrap_or_default();
        (members, r["data"]["nextCursor"].clone())
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
