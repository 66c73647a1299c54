//! The WebSocket layer itself (RFC 6455), spoken byte by byte over a real
//! TCP connection to a real server: the upgrade, masking, fragmentation,
//! control frames and the close codes for broken frames.

mod support;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::raw_ws::*;
use support::*;
use tokio_tungstenite::tungstenite::Message;

async fn raw_ws(server: &TestServer) -> RawWs {
    RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await
}

#[tokio::test]
async fn requests_that_are_not_upgrades_are_refused() {
    let server = TestServer::start().await;
    let plain = format!("GET /ws HTTP/1.1\r\nHost: {}\r\n\r\n", server.http);
    let (_, head) = http_head(server.http, &plain).await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    let path = format!("/ws?sdkAppId={APP}");
    let (_, head) = http_head(server.http, &upgrade_request(server.http, &path, "8")).await;
    assert!(head.starts_with("HTTP/1.1 426"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("sec-websocket-version: 13"),
        "{head}"
    );
}

#[tokio::test]
async fn fragmented_requests_and_interleaved_pings_are_understood() {
    let server = TestServer::start().await;
    let mut ws = raw_ws(&server).await;
    let request = json!({ "id": 7, "op": "ping" }).to_string();
    let (a, b) = request.as_bytes().split_at(5);
    let mut bytes = masked_frame(false, OP_TEXT, a);
    bytes.extend(masked_frame(true, OP_PING, b"are you there"));
    bytes.extend(masked_frame(true, OP_CONTINUATION, b));
    ws.write_raw(&bytes).await.unwrap();
    let (op, payload) = ws.read_frame().await.unwrap();
    assert_eq!(
        (op, payload.as_slice()),
        (OP_PONG, &b"are you there"[..]),
        "pong echoes the ping"
    );
    let (op, payload) = ws.read_frame().await.unwrap();
    assert_eq!(op, OP_TEXT);
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
    let mut ws = raw_ws(&server).await;
    ws.write_raw(&[0x81, 0x02, b'{', b'}']).await.unwrap();
    assert_eq!(ws.close_code().await, 1002);
}

#[tokio::test]
async fn invalid_utf8_text_closes_with_1007() {
    let server = TestServer::start().await;
    let mut ws = raw_ws(&server).await;
    ws.write_frame(OP_TEXT, &[b'"', 0xFF, b'"']).await.unwrap();
    assert_eq!(ws.close_code().await, 1007);
}

#[tokio::test]
async fn a_client_close_is_answered_and_the_connection_ends() {
    let server = TestServer::start().await;
    let mut ws = raw_ws(&server).await;
    ws.write_frame(OP_CLOSE, &4321u16.to_be_bytes()).await.unwrap();
    assert_eq!(ws.close_code().await, 4321, "the close code is echoed");
    assert_eq!(ws.bytes_until_end().await, 0, "nothing after the close");
}

#[tokio::test]
async fn library_clients_get_pongs_and_room_pushes() {
    let (server, room) = TestServer::with_room("framing", None).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws?sdkAppId={APP}", server.http))
        .await
        .unwrap();
    ws.send(Message::Ping(b"p1".to_vec().into())).await.unwrap();
    let join = json!({ "id": 1, "op": "join", "data": { "roomId": room } }).to_string();
    ws.send(Message::text(join)).await.unwrap();
    let mut sender = server.joined("framer", &room).await;
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
                    let r = sender.send_msg(&room, "hi").await;
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
    let mut ws = raw_ws(&server).await;
    let mut bytes = masked_frame(false, OP_TEXT, b"{");
    bytes.extend([0x80, 0x80 | 127]);
    bytes.extend(u64::MAX.to_be_bytes());
    bytes.extend([1, 2, 3, 4]);
    ws.write_raw(&bytes).await.unwrap();
    assert_eq!(ws.close_code().await, 1002);
}
