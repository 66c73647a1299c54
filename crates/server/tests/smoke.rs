//! End-to-end smoke test: the shortest path through every component.

mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn two_users_chat_in_a_room() {
    let (server, room) = TestServer::with_room("smoke", Some("owner1")).await;

    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    assert_eq!(alice.join(&room).await["data"]["status"], "success");
    assert_eq!(bob.join(&room).await["data"]["status"], "success");

    let r = alice
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let r = alice.send_msg(&room, "hello").await;
    assert_eq!(r["code"], 0, "{r}");
    let seq = r["data"]["seq"].as_u64().unwrap();

    let m = bob.next_event_of("message").await;
    assert_eq!(m["roomId"], room);
    assert_eq!(m["seq"], seq);
    assert_eq!(m["from"], "alice");
    assert_eq!(m["nick"], "Alice");
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "Normal");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "hello");
    assert!(m["time"].as_i64().unwrap() > 0);

    server.stop().await;
}
