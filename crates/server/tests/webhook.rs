//! The before-send webhook: a real HTTP app server decides over real sends.

mod support;

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::*;

/// An app server: decides by the message text.
async fn start_app_server(calls: Arc<AtomicUsize>) -> SocketAddr {
    let app = axum::Router::new().route(
        "/hook",
        post(
            move |axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
                  Json(req): Json<Value>| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(
                        q.get("CallbackCommand").map(String::as_str),
                        Some("Group.CallbackBeforeSendMsg")
                    );
                    assert_eq!(q.get("SdkAppid").map(String::as_str), Some(APP.to_string().as_str()));
                    assert_eq!(req["Type"], "AVChatRoom");
                    let text = req["MsgBody"][0]["MsgContent"]["Text"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    match text.as_str() {
                        "reject" => {
                            Json(json!({"ActionStatus": "FAIL", "ErrorCode": 120005, "ErrorInfo": "not on my stream"}))
                        }
                        "plain-reject" => Json(json!({"ActionStatus": "FAIL", "ErrorCode": 1})),
                        "replace" => Json(json!({"ActionStatus": "OK", "ErrorCode": 0,
                        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "replaced by the app"}}]})),
                        "slow" => {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            Json(json!({"ActionStatus": "OK", "ErrorCode": 0}))
                        }
                        _ => Json(json!({"ActionStatus": "OK", "ErrorCode": 0})),
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn server_with_hook(hook_addr: SocketAddr, fail_open: bool) -> TestServer {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.apps[0].before_send_hook = Some(HookSettings {
        url: format!("http://{hook_addr}/hook"),
        timeout_ms: 300,
        fail_open,
        max_concurrency: 8,
    });
    TestServer::start_with(c).await
}

#[tokio::test]
async fn hook_allows_rejects_and_replaces() {
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = start_app_server(calls.clone()).await;
    let server = server_with_hook(addr, false).await;
    let room = server.create_room("hooked", None).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;

    assert_eq!(alice.send_msg(&room, "hello").await["code"], 0);
    assert_eq!(text_of(&bob.next_event_of("message").await), "hello");

    let r = alice.send_msg(&room, "reject").await;
    assert_eq!(r["code"], 120005, "{r}");
    assert!(r["message"].as_str().unwrap().contains("not on my stream"), "{r}");
    let r = alice.send_msg(&room, "plain-reject").await;
    assert_eq!(r["code"], 10016, "{r}");

    let r = alice.send_msg(&room, "replace").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(text_of(&m), "replaced by the app");
    assert_eq!(m["seq"], r["data"]["seq"]);
    bob.assert_no_event(QUIET).await;
    assert!(calls.load(Ordering::SeqCst) >= 4);

    // Admin-API messages are the operator's own and skip the app's hook.
    let before = calls.load(Ordering::SeqCst);
    let mut admin = server.admin().await;
    admin
        .send_message(pb::SendMessageRequest {
            room_id: room.clone(),
            msg_body_json: text_json("reject"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(text_of(&bob.next_event_of("message").await), "reject");
    assert_eq!(calls.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn hook_timeout_fails_closed_by_default() {
    let addr = start_app_server(Arc::new(AtomicUsize::new(0))).await;
    let server = server_with_hook(addr, false).await;
    let room = server.create_room("closed", None).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;
    let r = alice.send_msg(&room, "slow").await;
    assert_eq!(r["code"], 10002, "{r}");
    assert_eq!(r["retryable"], true, "{r}");
    bob.assert_no_event(QUIET).await;
}

#[tokio::test]
async fn hook_timeout_can_fail_open() {
    let addr = start_app_server(Arc::new(AtomicUsize::new(0))).await;
    let server = server_with_hook(addr, true).await;
    let room = server.create_room("open", None).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;
    let r = alice.send_msg(&room, "slow").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(text_of(&bob.next_event_of("message").await), "slow");
}

#[tokio::test]
async fn unreachable_hook_fails_closed() {
    // Nothing listens on this port.
    let [nothing] = free_addrs();
    let server = server_with_hook(nothing, false).await;
    let room = server.create_room("nohook", None).await;
    let mut alice = server.joined("alice", &room).await;
    let r = alice.send_msg(&room, "hello").await;
    assert_eq!(r["code"], 10002, "{r}");
}
