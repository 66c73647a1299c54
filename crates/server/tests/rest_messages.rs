//! Tencent's REST API, messages: `send_group_msg` (senders, priorities,
//! Tencent's dedup by `Random`, frequency-control drops, the app's
//! before-send callback and `ForbidCallbackControl`),
//! `send_group_system_notification` and `send_broadcast_msg`, each
//! received by real WebSocket members.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::rest::{J, Rest, assert_reply};
use support::*;

const G: &str = "group_open_http_svc";

async fn server_with(c: Config) -> (TestServer, Rest) {
    let server = TestServer::start_with(c).await;
    let rest = Rest::admin(server.rest.expect("REST served"));
    rest.ok(
        &format!("{G}/create_group"),
        json!({ "Type": "AVChatRoom", "Name": "live", "GroupId": "live", "Owner_Account": "host" }),
    )
    .await;
    (server, rest)
}

fn msg(from: Option<&str>, random: u32, text: &str) -> Value {
    let mut m = json!({ "GroupId": "live", "Random": random, "MsgBody": text_body(text) });
    if let Some(f) = from {
        m["From_Account"] = json!(f);
    }
    m
}

#[tokio::test]
async fn send_group_msg_delivers_with_tencents_reply() {
    let (server, rest) = server_with(message_config()).await;
    let send = format!("{G}/send_group_msg");
    let mut rx = server.joined("viewer", "live").await;
    rest.ok(
        "im_open_login_svc/account_import",
        json!({ "UserID": "alice", "Nick": "Alice", "FaceUrl": "https://a/x.png" }),
    )
    .await;

    // As the app admin (no From_Account).
    let before = now_secs() as i64;
    let r = rest.ok(&send, msg(None, 1, "from the app")).await;
    assert_reply(&r, &[("MsgTime", J::Int), ("MsgSeq", J::Int)]);
    assert!(r["MsgTime"].as_i64().unwrap() >= before, "MsgTime is unix seconds: {r}");
    let m = rx.next_event_of("message").await;
    assert_eq!(text_of(&m), "from the app");
    assert_eq!(m["from"], ADMIN);
    assert_eq!(seq_of(&m), r["MsgSeq"].as_u64().unwrap());

    // As a user, with their imported profile and a priority.
    let mut req = msg(Some("alice"), 2, "from alice");
    req["MsgPriority"] = json!("Low");
    let r = rest.ok(&send, req.clone()).await;
    let m = rx.next_event_of("message").await;
    assert_eq!(
        (m["from"].as_str(), m["nick"].as_str()),
        (Some("alice"), Some("Alice")),
        "{m}"
    );
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "Low");
    // Tencent drops the same Random and content sent again: the resend
    // answers the first reply and nothing is delivered twice.
    let again = rest.ok(&send, req).await;
    assert_eq!(again["MsgSeq"], r["MsgSeq"]);
    // The same Random with other content is another message.
    let other = rest.ok(&send, msg(Some("alice"), 2, "other")).await;
    assert_eq!(other["MsgSeq"].as_u64(), r["MsgSeq"].as_u64().map(|s| s + 1));
    assert_eq!(text_of(&rx.next_event_of("message").await), "other");
    rx.assert_no_event(QUIET).await;

    // The sender's standing applies: a muted From_Account is refused.
    rest.ok(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": ["alice"], "ShutUpTime": 600 }),
    )
    .await;
    rest.fails(&send, msg(Some("alice"), 3, "muted"), 10017).await;

    // Bad input, each with Tencent's code.
    rest.fails(&send, json!({ "GroupId": "live", "MsgBody": text_body("x") }), 10004)
        .await;
    rest.fails(&send, json!({ "GroupId": "live", "Random": 1, "MsgBody": [] }), 10004)
        .await;
    let mut big = msg(None, 4, &"x".repeat(13 * 1024));
    rest.fails(&send, big.clone(), 80002).await;
    big["MsgBody"] = text_body("x");
    big["MsgPriority"] = json!("Urgent");
    rest.fails(&send, big, 10004).await;
    let mut r = msg(None, 5, "x");
    r["OnlineOnlyFlag"] = json!(1);
    rest.fails(&send, r, 10007).await;
    let mut r = msg(None, 6, "x");
    r["CloudCustomData"] = json!("gift");
    rest.fails(&send, r, 10004).await;
    rest.fails(
        &send,
        json!({ "GroupId": "nope", "Random": 7, "MsgBody": text_body("x") }),
        10010,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_message_over_the_room_cap_is_dropped_with_tencents_reason() {
    let mut c = message_config();
    c.rooms.frequency = uniform_caps(1);
    let (server, rest) = server_with(c).await;
    let send = format!("{G}/send_group_msg");
    // The room cap admits one message per window: a burst of three sends
    // certainly has a drop.
    let mut replies = Vec::new();
    for i in 0..3 {
        replies.push(rest.ok(&send, msg(None, 100 + i, &format!("m{i}"))).await);
    }
    let dropped = replies
        .iter()
        .find(|r| r.get("MsgDropReason").is_some())
        .unwrap_or_else(|| panic!("no drop in {replies:?}"));
    assert_reply(
        dropped,
        &[("MsgTime", J::Int), ("MsgSeq", J::Int), ("MsgDropReason", J::Str)],
    );
    assert_eq!(dropped["MsgDropReason"], "MsgFreqCtrl");
    assert_eq!(dropped["MsgSeq"], 0);
    server.stop().await;
}

#[tokio::test]
async fn system_notifications_and_broadcasts_reach_members() {
    let (server, rest) = server_with(message_config()).await;
    rest.ok(
        &format!("{G}/create_group"),
        json!({ "Type": "AVChatRoom", "Name": "other", "GroupId": "other" }),
    )
    .await;
    let mut a = server.joined("a", "live").await;
    let mut b = server.joined("b", "other").await;

    let notify = format!("{G}/send_group_system_notification");
    let r = rest
        .ok(&notify, json!({ "GroupId": "live", "Content": "starts now" }))
        .await;
    assert_reply(&r, &[]);
    let n = a.next_event_of("notice").await;
    assert_eq!(n["notice"], "starts now");
    rest.fails(
        &notify,
        json!({ "GroupId": "live", "Content": "x", "ToMembers_Account": ["a"] }),
        10007,
    )
    .await;
    rest.fails(&notify, json!({ "GroupId": "live" }), 10004).await;

    let broadcast = format!("{G}/send_broadcast_msg");
    let r = rest
        .ok(
            &broadcast,
            json!({ "Random": 9, "MsgBody": text_body("to every room") }),
        )
        .await;
    assert_reply(&r, &[]);
    for c in [&mut a, &mut b] {
        let m = c.next_event_of("message").await;
        assert_eq!(text_of(&m), "to every room");
        assert_eq!(m["priority"], "High");
        assert_eq!(m["from"], ADMIN);
    }
    // Tencent's 1 call per second for broadcasts.
    rest.fails(
        &broadcast,
        json!({ "Random": 10, "MsgBody": text_body("again") }),
        60007,
    )
    .await;
    server.stop().await;
}

/// An app server whose before-send callback rejects everything.
async fn rejecting_hook(calls: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({ "ActionStatus": "FAIL", "ErrorCode": 120005, "ErrorInfo": "no" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn forbid_callback_control_skips_the_before_send_callback() {
    let calls = Arc::new(AtomicUsize::new(0));
    let hook = rejecting_hook(calls.clone()).await;
    let mut c = message_config();
    c.apps[0].before_send_hook = Some(HookSettings {
        url: format!("http://{hook}/hook"),
        timeout_ms: 2000,
        fail_open: false,
        max_concurrency: 8,
    });
    let (server, rest) = server_with(c).await;
    let send = format!("{G}/send_group_msg");
    let mut rx = server.joined("viewer", "live").await;

    // The app's callback sees a user's message and rejects it.
    rest.fails(&send, msg(Some("alice"), 1, "hello"), 120_005).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Unless the app server forbids the callback for this message.
    let mut req = msg(Some("alice"), 2, "hello");
    req["ForbidCallbackControl"] = json!(["ForbidBeforeSendMsgCallback"]);
    rest.ok(&send, req).await;
    assert_eq!(text_of(&rx.next_event_of("message").await), "hello");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the callback was not asked");

    // The after-send flag alone leaves the before-send callback on.
    let mut req = msg(Some("alice"), 3, "hello");
    req["ForbidCallbackControl"] = json!(["ForbidAfterSendMsgCallback"]);
    rest.fails(&send, req, 120_005).await;
    let mut req = msg(Some("alice"), 4, "hello");
    req["ForbidCallbackControl"] = json!(["ForbidEverything"]);
    rest.fails(&send, req, 10004).await;
    server.stop().await;
}
