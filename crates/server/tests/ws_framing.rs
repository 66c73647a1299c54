//! The WebSocket layer itself (RFC 6455), spoken byte by byte over a real
//! TCP connection to a real server: the upgrade, masking, fragmentation,
//! control frames and the close codes for broken frames.

mod common;
use common::*;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Sends a raw HTTP request and returns the response head.
async fn http_head(server: &TestServer, request: &str) -> (TcpStream, String) {
    let mut tcp = TcpStream::connect(server.http).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, tcp.read(&mut byte)).await.unwrap().unwrap();
        assert_eq!(
            n,
            1,
            "connection ended inside the response head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    (tcp, String::from_utf8(head).unwrap())
}

fn upgrade_request(server: &TestServer, version: &str) -> String {
    format!(
        "GET /ws?sdkAppId={APP} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: {version}\r\n\r\n",
        server.http
    )
}

/// A WebSocket connection driven frame by frame.
async fn raw_ws(server: &TestServer) -> TcpStream {
    let (tcp, head) = http_head(server, &upgrade_request(server, "13")).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );
    tcp
}

fn masked(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0xA1, 0xB2, 0xC3, 0xD4];
    let mut f = vec![if fin { 0x80 | opcode } else { opcode }];
    match payload.len() {
        n @ 0..=125 => f.push(0x80 | n as u8),
        n => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Reads one server frame: (opcode, payload). Server frames are unmasked.
async fn read_frame(tcp: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    tokio::time::timeout(WAIT, tcp.read_exact(&mut h)).await.unwrap().ok()?;
    assert_eq!(h[0] & 0x80, 0x80, "server frames are never fragmented");
    assert_eq!(h[1] & 0x80, 0, "server frames are never masked");
    let len = match h[1] & 0x7F {
        126 => tcp.read_u16().await.ok()? as usize,
        127 => tcp.read_u64().await.ok()? as usize,
        n => n as usize,
    };
    let mut payload = vec![0; len];
    tcp.read_exact(&mut payload).await.ok()?;
    Some((h[0] & 0x0F, payload))
}

/// Reads frames until a close; returns its code.
async fn close_code(tcp: &mut TcpStream) -> u16 {
    loop {
        let (op, payload) = read_frame(tcp).await.expect("a close frame before the end");
        if op == 0x8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

#[tokio::test]
async fn requests_that_are_not_upgrades_are_refused() {
    let server = TestServer::start().await;
    let plain = format!("GET /ws HTTP/1.1\r\nHost: {}\r\n\r\n", server.http);
    let (_, head) = http_head(&server, &plain).await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    let (_, head) = http_head(&server, &upgrade_request(&server, "8")).await;
    assert!(head.starts_with("HTTP/1.1 426"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("sec-websocket-version: 13"),
        "{head}"
    );
}

#[tokio::test]
async fn fragmented_requests_and_interleaved_pings_are_understood() {
    let server = TestServer::start().await;
    let mut tcp = raw_ws(&server).await;
    let request = json!({ "id": 7, "op": "ping" }).to_string();
    let (a, b) = request.as_bytes().split_at(5);
    let mut bytes = masked(false, 0x1, a);
    bytes.extend(masked(true, 0x9, b"are you there"));
    bytes.extend(masked(true, 0x0, b));
    tcp.write_all(&bytes).await.unwrap();
    let (op, payload) = read_frame(&mut tcp).await.unwrap();
    assert_eq!(
        (op, payload.as_slice()),
        (0xA, &b"are you there"[..]),
        "pong echoes the ping"
    );
    let (op, payload) = read_frame(&mut tcp).await.unwrap();
    assert_eq!(op, 0x1);
    let reply: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        (reply["id"].clone(), reply["code"].clone()),
        (json!(7), json!(0)),
        "{reply}"
    );
}

#[tokio::test]
async fn unmasked_client_frames_close_with_1002() {
    let server = TestServer::start().await;
    let mut tcp = raw_ws(&server).await;
    tcp.write_all(&[0x81, 0x02, b'{', b'}']).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1002);
}

#[tokio::test]
async fn invalid_utf8_text_closes_with_1007() {
    let server = TestServer::start().await;
    let mut tcp = raw_ws(&server).await;
    tcp.write_all(&masked(true, 0x1, &[b'"', 0xFF, b'"'])).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1007);
}

#[tokio::test]
async fn a_client_close_is_answered_and_the_connection_ends() {
    let server = TestServer::start().await;
    let mut tcp = raw_ws(&server).await;
    tcp.write_all(&masked(true, 0x8, &4321u16.to_be_bytes())).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 4321, "the close code is echoed");
    let mut rest = Vec::new();
    let n = tokio::time::timeout(WAIT, tcp.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 0, "nothing after the close");
}

#[tokio::test]
async fn library_clients_get_pongs_and_room_pushes() {
    let server = TestServer::start().await;
    let room = server.create_room("framing", None).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws?sdkAppId={APP}", server.http))
        .await
        .unwrap();
    ws.send(Message::Ping(b"p1".to_vec().into())).await.unwrap();
    let join = json!({ "id": 1, "op": "join", "data": { "roomId": room } }).to_string();
    ws.send(Message::text(join)).await.unwrap();
    let mut sender = server.user("framer").await;
    assert_eq!(sender.join(&room).await["code"], 0);
    let (mut pong, mut joined, mut event) = (false, false, false);
    while !(pong && joined && event) {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
        match msg {
            Message::Pong(p) => pong = &p[..] == b"p1",
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["id"] == 1 {
                    assert_eq!(v["code"], 0, "{v}");
                    joined = true;
                    let r = sender
                        .request("send", json!({ "roomId": room, "msgBody": text_body("hi") }))
                        .await;
                    assert_eq!(r["code"], 0, "{r}");
                } else if v["type"] == "messages" {
                    event |= v["messages"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m["msgBody"][0]["MsgContent"]["Text"] == "hi");
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_length_that_would_wrap_the_size_check_closes_with_1002() {
    let server = TestServer::start().await;
    let mut tcp = raw_ws(&server).await;
    let mut bytes = masked(false, 0x1, b"{");
    bytes.extend([0x80, 0x80 | 127]);
    bytes.extend(u64::MAX.to_be_bytes());
    bytes.extend([1, 2, 3, 4]);
    tcp.write_all(&bytes).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1002);
}
