//! WebSocket sessions: login and its refusals, logout, and user profiles.

mod support;

use serde_json::json;
use support::*;

// ---- login -----------------------------------------------------------------

#[tokio::test]
async fn login_succeeds_and_returns_identity() {
    let server = TestServer::start().await;
    let mut c = server.raw_client().await;
    let r = c.login(APP, "alice", &usersig("alice")).await;
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
    let r = again.login(APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["nick"], "Alice");
    assert_eq!(r["data"]["avatar"], "https://a/x.png");
    server.stop().await;
}

/// Every way a login is refused, each on a fresh connection: the code, and
/// that the connection is still usable and still not logged in.
#[tokio::test]
async fn refused_logins_return_their_codes() {
    let server = TestServer::start().await;
    let other_app = 1_400_000_999;
    let too_long = "a".repeat(33);
    let mut cases = vec![
        (
            "garbage sig",
            APP,
            "alice".to_string(),
            "this-is-not-a-usersig".to_string(),
            70003,
        ),
        ("sig for another user", APP, "alice".into(), usersig("bob"), 70013),
        (
            "expired sig",
            APP,
            "alice".into(),
            sig_with(APP, SECRET, "alice", 10, now_secs() - 100),
            70001,
        ),
        (
            "sig from the wrong secret",
            APP,
            "alice".into(),
            sig_with(APP, "some-other-secret-0123456789abcdef", "alice", 86_400, now_secs()),
            70003,
        ),
        (
            "unknown app",
            other_app,
            "alice".into(),
            sig_with(other_app, SECRET, "alice", 86_400, now_secs()),
            60006,
        ),
    ];
    for bad in ["has space", "", "@guest#1", too_long.as_str()] {
        cases.push(("invalid user id", APP, bad.to_string(), usersig(bad), 10004));
    }
    for (what, app, user, sig, code) in cases {
        let mut c = server.raw_client().await;
        let r = c.login(app, &user, &sig).await;
        assert_eq!(r["code"], code, "{what} ({user:?}): {r}");
        assert_ne!(r["message"], "ok", "{what}: {r}");
        // Still not logged in, and the connection still works.
        let r = c.request("updateProfile", json!({ "nick": "x" })).await;
        assert_eq!(r["code"], 6014, "{what}: {r}");
        c.assert_ping_ok().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn double_login_is_10004() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let r = c.login(APP, "alice", &usersig("alice")).await;
    assert_eq!(r["code"], 10004, "{r}");
    let r = c.login(APP, "bob", &usersig("bob")).await;
    assert_eq!(r["code"], 10004, "{r}");
    // The first login is intact.
    let r = c.request("updateProfile", json!({ "nick": "A" })).await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn logout_then_send_is_6014() {
    let (server, room) = TestServer::with_room("logout-room", None).await;
    let mut c = server.joined("alice", &room).await;
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
    let (server, room) = TestServer::with_room("logout-leaves", None).await;
    let mut a = server.joined("alice", &room).await;
    let mut b = server.joined("bob", &room).await;
    assert_eq!(b.online_count(&room).await, 2);
    assert_eq!(a.request("logout", json!({})).await["code"], 0);
    assert_eq!(b.online_count(&room).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn logout_then_login_as_another_user() {
    let (server, room) = TestServer::with_room("relogin", None).await;
    let mut c = server.joined("alice", &room).await;
    assert_eq!(c.request("logout", json!({})).await["code"], 0);
    let r = c.login(APP, "bob", &usersig("bob")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["userId"], "bob");
    assert_eq!(c.join(&room).await["data"]["status"], "success");
    let r = c.send_msg(&room, "bob now").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = c.next_event_of("message").await;
    assert_eq!(m["from"], "bob", "{m}");
    assert_eq!(c.online_count(&room).await, 1);
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
