//! WebSocket session behaviour: login, profiles, guests, frame handling,
//! multiple connections per user, slow consumers and idle timeouts.

mod common;
use common::*;

use roomcast_core::apps::now_secs;
use roomcast_core::freq::FrequencyOptions;
use roomcast_core::ratelimit::RateOptions;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Quiet period for "this should not happen" checks.
const QUIET: Duration = Duration::from_millis(300);

async fn login(c: &mut Client, app: u64, user: &str, sig: &str) -> Value {
    c.request("login", json!({ "sdkAppId": app, "userId": user, "userSig": sig }))
        .await
}

async fn assert_ping_ok(c: &mut Client) {
    let r = c.request("ping", json!({})).await;
    assert_eq!(r["code"], 0, "ping after the error failed: {r}");
}

/// A minimal hand-rolled WebSocket client over a plain TCP stream. Unlike
/// tungstenite it never answers server pings by itself (so it looks exactly
/// like a client that went silent), and it can write frames the server is
/// expected to refuse without caring whether the write completes.
struct RawWs {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl RawWs {
    async fn connect(addr: SocketAddr, path: &str) -> Self {
        let mut tcp = TcpStream::connect(addr).await.expect("tcp connects");
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await.expect("handshake written");
        let mut buf = Vec::new();
        loop {
            let mut chunk = [0u8; 1024];
            let n = tokio::time::timeout(WAIT, tcp.read(&mut chunk))
                .await
                .expect("timed out waiting for the handshake")
                .expect("handshake read");
            assert!(n > 0, "connection closed during the handshake");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
                buf.drain(..end + 4);
                return Self { tcp, buf };
            }
        }
    }

    /// Writes one masked, final frame. The server may hang up mid-write, so
    /// the result is returned rather than unwrapped.
    async fn write_frame(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let mut f = Vec::with_capacity(payload.len() + 14);
        f.push(0x80 | opcode);
        let len = payload.len();
        if len < 126 {
            f.push(0x80 | len as u8);
        } else if len <= 0xffff {
            f.push(0x80 | 126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            f.push(0x80 | 127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
        let mask = [0x37u8, 0xfa, 0x21, 0x3d];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&f).await?;
        self.tcp.flush().await
    }

    /// The next frame as (opcode, payload); `None` once the stream ended.
    async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some((op, payload, used)) = parse_frame(&self.buf) {
                self.buf.drain(..used);
                return Some((op, payload));
            }
            let mut chunk = vec![0u8; 64 * 1024];
            let n = tokio::time::timeout(WAIT, self.tcp.read(&mut chunk))
                .await
                .expect("timed out waiting for a frame");
            match n {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads (never answering anything) until a close frame arrives and
    /// returns its code and how many pings came before it; code 1006 if the
    /// connection ended without a close frame.
    async fn wait_close(&mut self) -> (u16, usize) {
        let mut pings = 0;
        while let Some((op, payload)) = self.read_frame().await {
            match op {
                0x8 if payload.len() >= 2 => return (u16::from_be_bytes([payload[0], payload[1]]), pings),
                0x8 => return (1005, pings),
                0x9 => pings += 1,
                _ => {}
            }
        }
        (1006, pings)
    }
}

/// Parses one complete frame from the start of `b`: (opcode, payload, bytes used).
fn parse_frame(b: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if b.len() < 2 {
        return None;
    }
    let op = b[0] & 0x0f;
    let masked = b[1] & 0x80 != 0;
    let mut len = (b[1] & 0x7f) as usize;
    let mut pos = 2;
    if len == 126 {
        if b.len() < 4 {
            return None;
        }
        len = u16::from_be_bytes([b[2], b[3]]) as usize;
        pos = 4;
    } else if len == 127 {
        if b.len() < 10 {
            return None;
        }
        len = u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize;
        pos = 10;
    }
    let mask = if masked {
        if b.len() < pos + 4 {
            return None;
        }
        let m = [b[pos], b[pos + 1], b[pos + 2], b[pos + 3]];
        pos += 4;
        Some(m)
    } else {
        None
    };
    if b.len() < pos + len {
        return None;
    }
    let mut payload = b[pos..pos + len].to_vec();
    if let Some(m) = mask {
        for (i, x) in payload.iter_mut().enumerate() {
            *x ^= m[i % 4];
        }
    }
    Some((op, payload, pos + len))
}

// ---- login -----------------------------------------------------------------

#[tokio::test]
async fn login_succeeds_and_returns_identity() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = login(&mut c, APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["id"], 1);
    assert_eq!(r["message"], "ok");
    assert_eq!(r["data"]["sdkAppId"], APP);
    assert_eq!(r["data"]["userId"], "alice");
    assert_eq!(r["data"]["nick"], "");
    assert_eq!(r["data"]["avatar"], "");
    server.stop().await;
}

#[tokio::test]
async fn login_returns_the_stored_profile() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let r = a
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["nick"], "Alice");
    assert_eq!(r["data"]["avatar"], "https://a/x.png");

    let mut again = server.raw_client().await;
    let r = login(&mut again, APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["nick"], "Alice");
    assert_eq!(r["data"]["avatar"], "https://a/x.png");
    server.stop().await;
}

#[tokio::test]
async fn login_with_garbage_sig_is_70003() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = login(&mut c, APP, "alice", "this-is-not-a-usersig").await;
    assert_eq!(r["code"], 70003, "{r}");
    assert_ne!(r["message"], "ok");
    // Still not logged in, and the connection still works.
    let r = c.request("updateProfile", json!({ "nick": "x" })).await;
    assert_eq!(r["code"], 6014, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn login_with_sig_for_another_user_is_70013() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = login(&mut c, APP, "alice", &usersig("bob")).await;
    assert_eq!(r["code"], 70013, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn login_with_expired_sig_is_70001() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let sig = roomcast_auth::gen_usersig(APP, SECRET, "alice", 10, now_secs() - 100);
    let r = login(&mut c, APP, "alice", &sig).await;
    assert_eq!(r["code"], 70001, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn login_with_sig_from_wrong_secret_is_70003() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let sig = roomcast_auth::gen_usersig(APP, "some-other-secret-0123456789abcdef", "alice", 86_400, now_secs());
    let r = login(&mut c, APP, "alice", &sig).await;
    assert_eq!(r["code"], 70003, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn login_to_unknown_app_is_60006() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let other_app = 1_400_000_999;
    let sig = roomcast_auth::gen_usersig(other_app, SECRET, "alice", 86_400, now_secs());
    let r = login(&mut c, other_app, "alice", &sig).await;
    assert_eq!(r["code"], 60006, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn login_with_invalid_user_id_is_10004() {
    let server = TestServer::start().await;
    let too_long = "a".repeat(33);
    for bad in ["has space", "", "@guest#1", too_long.as_str()] {
        let mut c = server.raw_client().await;
        let r = login(&mut c, APP, bad, &usersig(bad)).await;
        assert_eq!(r["code"], 10004, "user id {bad:?}: {r}");
    }
    server.stop().await;
}

#[tokio::test]
async fn double_login_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let r = login(&mut c, APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 10004, "{r}");
    let r = login(&mut c, APP, "bob", &usersig("bob")).await;
    assert_eq!(r["code"], 10004, "{r}");
    // The first login is intact.
    let r = c.request("updateProfile", json!({ "nick": "A" })).await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn logout_then_send_is_6014() {
    let server = TestServer::start().await;
    let room = server.create_room("logout-room", None).await;
    let mut c = server.user("alice").await;
    assert_eq!(c.join(&room).await["code"], 0);
    assert_eq!(c.send_msg(&room, "before").await["code"], 0);
    let r = c.request("logout", json!({})).await;
    assert_eq!(r["code"], 0, "{r}");
    let r = c.send_msg(&room, "after").await;
    assert_eq!(r["code"], 6014, "{r}");
    // Logging out twice: not logged in.
    let r = c.request("logout", json!({})).await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn logout_leaves_rooms() {
    let server = TestServer::start().await;
    let room = server.create_room("logout-leaves", None).await;
    let mut a = server.user("alice").await;
    let mut b = server.user("bob").await;
    assert_eq!(a.join(&room).await["code"], 0);
    assert_eq!(b.join(&room).await["code"], 0);
    let r = b.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 2, "{r}");
    assert_eq!(a.request("logout", json!({})).await["code"], 0);
    let r = b.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 1, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn logout_then_login_as_another_user() {
    let server = TestServer::start().await;
    let room = server.create_room("relogin", None).await;
    let mut c = server.user("alice").await;
    assert_eq!(c.join(&room).await["code"], 0);
    assert_eq!(c.request("logout", json!({})).await["code"], 0);
    let r = login(&mut c, APP, "bob", &usersig("bob")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["userId"], "bob");
    assert_eq!(c.join(&room).await["data"]["status"], "success");
    let r = c.send_msg(&room, "bob now").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = c.next_event_of("message").await;
    assert_eq!(m["from"], "bob", "{m}");
    let r = c.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 1, "{r}");
    server.stop().await;
}

// ---- profile -----------------------------------------------------------------

#[tokio::test]
async fn update_profile_requires_login() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = c.request("updateProfile", json!({ "nick": "x" })).await;
    assert_eq!(r["code"], 6014, "{r}");
    let mut g = server.guest().await;
    let r = g.request("updateProfile", json!({ "nick": "x" })).await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn update_profile_rejects_too_long_fields() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let r = c.request("updateProfile", json!({ "nick": "n".repeat(64) })).await;
    assert_eq!(r["code"], 0, "a 64-byte nick is allowed: {r}");
    let r = c.request("updateProfile", json!({ "nick": "n".repeat(65) })).await;
    assert_eq!(r["code"], 10004, "{r}");
    let r = c.request("updateProfile", json!({ "avatar": "a".repeat(501) })).await;
    assert_eq!(r["code"], 10004, "{r}");
    // The rejected updates changed nothing.
    let r = c.request("updateProfile", json!({})).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["nick"], "n".repeat(64));
    assert_eq!(r["data"]["avatar"], "");
    server.stop().await;
}

// ---- guests ------------------------------------------------------------------

#[tokio::test]
async fn guest_joins_and_receives_messages() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-room", None).await;
    let mut g = server.guest().await;
    let r = g.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    assert_eq!(r["data"]["roomId"], room);

    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    let r = a.send_msg(&room, "hello guests").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = g.next_event_of("message").await;
    assert_eq!(m["from"], "alice");
    assert_eq!(m["roomId"], room);
    assert_eq!(m["seq"], r["data"]["seq"]);
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "hello guests");
    server.stop().await;
}

#[tokio::test]
async fn guest_send_is_6014() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-send", None).await;
    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    let r = g.send_msg(&room, "hi").await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn guest_without_app_cannot_join() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-noapp", None).await;
    let mut c = server.raw_client().await;
    let r = c.join(&room).await;
    assert_eq!(r["code"], 10004, "{r}");
    // Naming the app in the join itself works.
    let r = c.request("join", json!({ "roomId": room, "sdkAppId": APP })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    server.stop().await;
}

#[tokio::test]
async fn login_after_joining_as_guest_is_10004() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-then-login", None).await;
    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    let r = login(&mut g, APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 10004, "{r}");
    // Still a guest.
    assert_eq!(g.send_msg(&room, "hi").await["code"], 6014);
    server.stop().await;
}

#[tokio::test]
async fn guests_count_one_each() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-count", None).await;
    let mut g1 = server.guest().await;
    let mut g2 = server.guest().await;
    assert_eq!(g1.join(&room).await["code"], 0);
    assert_eq!(g2.join(&room).await["code"], 0);
    let r = g1.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 2, "{r}");
    server.stop().await;
}

// ---- frame handling ----------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_60003_with_null_id_and_connection_survives() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    c.send_text("{this is not json").await;
    let r = c.reply_for(Value::Null).await;
    assert_eq!(r["code"], 60003, "{r}");
    assert!(r.get("id").is_some(), "error reply carries an id field: {r}");
    assert_eq!(r["id"], Value::Null);
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn missing_op_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    c.send_text(r#"{"id":"no-op","data":{}}"#).await;
    let r = c.reply_for(json!("no-op")).await;
    assert_eq!(r["code"], 10004, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_op_is_10003() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = c.request("fly", json!({})).await;
    assert_eq!(r["code"], 10003, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn join_without_room_id_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let r = c.request("join", json!({})).await;
    assert_eq!(r["code"], 10004, "{r}");
    let r = c.request("join", Value::Null).await;
    assert_eq!(r["code"], 10004, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn wrong_field_type_is_10004() {
    let server = TestServer::start().await;
    server.create_room("typed", None).await;
    let mut c = server.user("alice").await;
    let r = c.request("join", json!({ "roomId": 123 })).await;
    assert_eq!(r["code"], 10004, "{r}");
    let r = c.request("updateProfile", json!({ "nick": 5 })).await;
    assert_eq!(r["code"], 10004, "{r}");
    let mut l = server.raw_client().await;
    let r = l
        .request(
            "login",
            json!({ "sdkAppId": "not-a-number", "userId": "x", "userSig": "y" }),
        )
        .await;
    assert_eq!(r["code"], 10004, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn oversized_frame_below_hard_limit_is_10004_and_connection_survives() {
    let server = TestServer::start().await; // max 64 KiB, hard 1 MiB
    let mut c = server.user("alice").await;
    let pad = "p".repeat(100 * 1024);
    let frame = json!({ "id": 42, "op": "ping", "data": { "pad": pad } }).to_string();
    c.send_text(&frame).await;
    let r = c.reply_for(Value::Null).await;
    assert_eq!(r["code"], 10004, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn frame_over_hard_limit_closes_with_1009() {
    let mut config = base_config();
    config.gateway.max_frame_bytes = 16 * 1024;
    config.gateway.hard_frame_limit_bytes = 64 * 1024;
    let server = TestServer::start_with(config).await;
    let mut raw = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    // Sanity: the raw client speaks the protocol.
    raw.write_frame(0x1, br#"{"id":1,"op":"ping","data":{}}"#)
        .await
        .unwrap();
    let (op, payload) = raw.read_frame().await.expect("ping reply");
    assert_eq!(op, 0x1);
    let v: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(v["code"], 0, "{v}");

    let big = vec![b'x'; 64 * 1024 + 1];
    // The server may hang up before reading all of it.
    let _ = raw.write_frame(0x1, &big).await;
    let (code, _) = raw.wait_close().await;
    assert_eq!(code, 1009, "expected close 1009 (frame too large)");
    server.stop().await;
}

#[tokio::test]
async fn frame_over_default_hard_limit_closes_with_1009() {
    let server = TestServer::start().await; // hard limit 1 MiB
    let mut raw = RawWs::connect(server.http, "/ws").await;
    let big = vec![b'x'; 1024 * 1024 + 1];
    let _ = raw.write_frame(0x1, &big).await;
    let (code, _) = raw.wait_close().await;
    assert_eq!(code, 1009, "expected close 1009 (frame too large)");
    server.stop().await;
}

#[tokio::test]
async fn binary_frame_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    c.send_binary(br#"{"id":1,"op":"ping","data":{}}"#.to_vec()).await;
    let r = c.reply_for(Value::Null).await;
    assert_eq!(r["code"], 10004, "{r}");
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn ping_returns_time() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let r = c.request("ping", json!({})).await;
    assert_eq!(r["code"], 0, "{r}");
    let t = r["data"]["time"].as_i64().expect("time is an integer");
    // Milliseconds since the epoch (same clock, loopback): not before the request.
    assert!(t >= before - 1000, "time {t} is not in milliseconds near {before}");
    server.stop().await;
}

#[tokio::test]
async fn request_ids_of_any_json_type_are_echoed() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    for id in [json!("abc"), json!(7), json!({ "k": [1, 2] })] {
        c.send_text(&json!({ "id": id, "op": "ping", "data": {} }).to_string())
            .await;
        let r = c.reply_for(id.clone()).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    server.stop().await;
}

// ---- several connections per user ---------------------------------------------------

#[tokio::test]
async fn user_with_two_connections_is_one_member() {
    let server = TestServer::start().await;
    let room = server.create_room("two-conns", None).await;
    let mut a1 = server.user("alice").await;
    let mut a2 = server.user("alice").await;
    let mut b = server.user("bob").await;
    assert_eq!(a1.join(&room).await["code"], 0);
    assert_eq!(a2.join(&room).await["code"], 0);
    let r = a1.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 1, "{r}");
    assert_eq!(b.join(&room).await["code"], 0);
    let r = b.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 2, "{r}");

    let r = b.send_msg(&room, "to both").await;
    assert_eq!(r["code"], 0, "{r}");
    for c in [&mut a1, &mut a2] {
        let m = c.next_event_of("message").await;
        assert_eq!(m["from"], "bob");
        assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "to both");
    }

    // One connection leaving keeps alice in the room; the second removes her.
    assert_eq!(a1.request("quit", json!({ "roomId": room })).await["code"], 0);
    let r = b.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 2, "{r}");
    assert_eq!(a2.request("quit", json!({ "roomId": room })).await["code"], 0);
    let r = b.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 1, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn past_max_connections_per_user_the_oldest_is_kicked() {
    let mut config = base_config();
    config.gateway.max_connections_per_user = 2;
    let server = TestServer::start_with(config).await;
    let mut c1 = server.user("carol").await;
    let mut c2 = server.user("carol").await;
    assert_ping_ok(&mut c1).await;
    let mut c3 = server.user("carol").await;

    let p = c1.next_push().await;
    assert_eq!(p["type"], "kicked", "{p}");
    assert_eq!(p["reason"], "logged_in_elsewhere", "{p}");
    assert!(p.get("roomId").is_some(), "{p}");
    assert_eq!(p["roomId"], Value::Null, "{p}");
    let (code, _) = c1.wait_closed().await;
    assert_eq!(code, 4009);

    // The two newest stay logged in.
    for c in [&mut c2, &mut c3] {
        let r = c.request("updateProfile", json!({ "nick": "C" })).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    server.stop().await;
}

#[tokio::test]
async fn connection_kicked_as_logged_in_elsewhere_leaves_its_rooms() {
    let mut config = base_config();
    config.gateway.max_connections_per_user = 2;
    let server = TestServer::start_with(config).await;
    let room = server.create_room("kicked-leaves", None).await;
    let mut obs = server.user("observer").await;
    assert_eq!(obs.join(&room).await["code"], 0);
    let mut c1 = server.user("carol").await;
    assert_eq!(c1.join(&room).await["code"], 0);
    let r = obs.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["data"]["count"], 2, "{r}");

    // Two newer logins push c1 out; neither joins the room.
    let _c2 = server.user("carol").await;
    let _c3 = server.user("carol").await;
    let p = c1.next_push().await;
    assert_eq!(p["reason"], "logged_in_elsewhere", "{p}");
    assert_eq!(c1.wait_closed().await.0, 4009);

    // carol has no connection in the room any more: she is no longer online
    // there, and members are told she left.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = obs.request("onlineCount", json!({ "roomId": room })).await;
        if r["data"]["count"] == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "carol's closed connection is still counted online: {r}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        let e = obs.next_event_of("tip").await;
        if e["tip"]["type"] == "memberQuit" {
            assert_eq!(e["tip"]["users"], json!(["carol"]), "{e}");
            break;
        }
    }
    server.stop().await;
}

// ---- slow consumers and idle connections ------------------------------------------

#[tokio::test]
async fn slow_consumer_is_closed_with_4008() {
    let mut config = base_config();
    // Far below the default (1 MiB) and the traffic sent below, but not so
    // small that the sender (which reads everything) is cut off too: the
    // room's fan-out may push a burst of events into a connection's queue
    // before that connection's writer runs (with a 4 KiB queue and 1 KB
    // messages a burst of four is enough, which pipelining makes likely).
    config.gateway.send_queue_max_bytes = 256 * 1024;
    config.gateway.user_send_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    // A writer blocked on a full socket must not time out before the test
    // starts reading, or the connection would end without a close frame.
    config.gateway.write_timeout_ms = 120_000;
    // The slow client never sends anything; it must not be closed as idle.
    config.gateway.idle_timeout_ms = 600_000;
    config.rooms.frequency = FrequencyOptions {
        room_cap_per_sec: 1_000_000,
        normal_cap_per_sec: 1_000_000,
        low_cap_per_sec: 1_000_000,
        lowest_cap_per_sec: 1_000_000,
    };
    let server = TestServer::start_with(config).await;
    let room = server.create_room("slow", None).await;

    let mut slow = server.user("slow").await;
    assert_eq!(slow.join(&room).await["code"], 0);
    let mut fast = server.user("fast").await;
    assert_eq!(fast.join(&room).await["code"], 0);

    // Far more than the socket buffers between the server and the slow
    // client can hold (a few MiB on loopback), so its queue must overflow.
    // Requests are pipelined in small batches (one round trip per request
    // would make this slow); a batch's replies and events stay well under the
    // sender's queue cap, so the sender itself never falls behind.
    let body = text_body(&"x".repeat(1000));
    const BATCH: usize = 64;
    for batch in 0..190 {
        for i in 0..BATCH {
            let frame =
                json!({ "id": format!("s{batch}-{i}"), "op": "send", "data": { "roomId": room, "msgBody": body } });
            fast.send_text(&frame.to_string()).await;
        }
        for i in 0..BATCH {
            let r = fast.reply_for(json!(format!("s{batch}-{i}"))).await;
            assert_eq!(r["code"], 0, "send {batch}-{i}: {r}");
        }
    }
    // The sender, which reads everything, was not disconnected.
    assert_ping_ok(&mut fast).await;

    let (code, _) = slow.wait_closed().await;
    assert_eq!(code, 4008, "slow consumer must be closed with 4008");
    server.stop().await;
}

#[tokio::test]
async fn idle_connection_is_closed_with_4003() {
    // tungstenite answers server pings only while its stream is polled, and
    // once the server hangs up a queued pong write can turn the buffered close
    // frame into a connection-reset error. A hand-rolled client that reads
    // but never writes anything (no pongs) is deterministic instead.
    let mut config = base_config();
    config.gateway.ping_interval_ms = 100;
    config.gateway.idle_timeout_ms = 300;
    let server = TestServer::start_with(config).await;
    let mut raw = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    let (code, pings) = raw.wait_close().await;
    assert_eq!(
        code, 4003,
        "idle connection must be closed with 4003 (after {pings} pings)"
    );
    server.stop().await;
}

#[tokio::test]
async fn client_answering_pings_is_not_idle() {
    let mut config = base_config();
    config.gateway.ping_interval_ms = 100;
    config.gateway.idle_timeout_ms = 1_000;
    let server = TestServer::start_with(config).await;
    let mut c = server.raw_client().await;
    // Keep polling the socket (tungstenite answers each ping with a pong)
    // for well over the idle timeout, without sending any request.
    let until = tokio::time::Instant::now() + Duration::from_millis(2_500);
    while tokio::time::Instant::now() < until {
        c.assert_no_event(Duration::from_millis(50)).await;
    }
    assert_ping_ok(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn guest_join_produces_no_event_for_members() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-quiet", None).await;
    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    let _own_join = a.next_event_of("tip").await;
    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    a.assert_no_event(QUIET).await;
    server.stop().await;
}
