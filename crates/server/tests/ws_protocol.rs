//! The request protocol over WebSocket: malformed, unknown and oversized
//! requests, frame kinds, ping, and request IDs.

mod support;

use serde_json::{Value, json};
use support::raw_ws::{OP_TEXT, RawWs};
use support::*;

#[tokio::test]
async fn malformed_json_is_60003_with_null_id_and_connection_survives() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    c.send_text("{this is not json").await;
    let r = c.reply_for(Value::Null).await;
    assert_eq!(r["code"], 60003, "{r}");
    assert!(r.get("id").is_some(), "error reply carries an id field: {r}");
    assert_eq!(r["id"], Value::Null);
    c.assert_ping_ok().await;
    server.stop().await;
}

#[tokio::test]
async fn missing_op_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    c.send_text(r#"{"id":"no-op","data":{}}"#).await;
    let r = c.reply_for(json!("no-op")).await;
    assert_eq!(r["code"], 10004, "{r}");
    c.assert_ping_ok().await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_op_is_10003() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = c.request("fly", json!({})).await;
    assert_eq!(r["code"], 10003, "{r}");
    c.assert_ping_ok().await;
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
    c.assert_ping_ok().await;
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
    c.assert_ping_ok().await;
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
    c.assert_ping_ok().await;
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
    raw.write_frame(OP_TEXT, br#"{"id":1,"op":"ping","data":{}}"#)
        .await
        .unwrap();
    let (op, payload) = raw.read_frame().await.expect("ping reply");
    assert_eq!(op, OP_TEXT);
    let v: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(v["code"], 0, "{v}");

    let big = vec![b'x'; 64 * 1024 + 1];
    // The server may hang up before reading all of it.
    let _ = raw.write_frame(OP_TEXT, &big).await;
    let (code, _) = raw.wait_close().await;
    assert_eq!(code, 1009, "expected close 1009 (frame too large)");
    server.stop().await;
}

#[tokio::test]
async fn frame_over_default_hard_limit_closes_with_1009() {
    let server = TestServer::start().await; // hard limit 1 MiB
    let mut raw = RawWs::connect(server.http, "/ws").await;
    let big = vec![b'x'; 1024 * 1024 + 1];
    let _ = raw.write_frame(OP_TEXT, &big).await;
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
    c.assert_ping_ok().await;
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
