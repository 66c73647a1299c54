//! Guests over WebSocket: listening without logging in, and what they may
//! not do.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn guest_joins_and_receives_messages() {
    let (server, room) = TestServer::with_room("guest-room", None).await;
    let mut g = server.guest().await;
    let r = g.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    assert_eq!(r["data"]["roomId"], room);

    let mut a = server.joined("alice", &room).await;
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
    let (server, room) = TestServer::with_room("guest-send", None).await;
    let mut g = server.joined_guest(&room).await;
    let r = g.send_msg(&room, "hi").await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn guest_without_app_cannot_join() {
    let (server, room) = TestServer::with_room("guest-noapp", None).await;
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
    let (server, room) = TestServer::with_room("guest-then-login", None).await;
    let mut g = server.joined_guest(&room).await;
    let r = g.login(APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 10004, "{r}");
    // Still a guest.
    assert_eq!(g.send_msg(&room, "hi").await["code"], 6014);
    server.stop().await;
}

#[tokio::test]
async fn guests_count_one_each() {
    let (server, room) = TestServer::with_room("guest-count", None).await;
    let mut g1 = server.joined_guest(&room).await;
    let _g2 = server.joined_guest(&room).await;
    assert_eq!(g1.online_count(&room).await, 2);
    server.stop().await;
}

#[tokio::test]
async fn guest_join_produces_no_event_for_members() {
    let (server, room) = TestServer::with_room("guest-quiet", None).await;
    let mut a = server.joined("alice", &room).await;
    let _own_join = a.next_event_of("tip").await;
    let _g = server.joined_guest(&room).await;
    a.assert_no_event(QUIET).await;
    server.stop().await;
}
