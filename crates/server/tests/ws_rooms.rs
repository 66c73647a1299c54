//! Rooms over WebSocket: joining and quitting, member tips, presence and
//! sequencing.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::*;

/// Skips the member's own join tip (delivered right after its join).
async fn skip_own_join(c: &mut Client, user: &str) {
    loop {
        let e = c.next_tip("memberJoined").await;
        if e["tip"]["users"] == json!([user]) {
            return;
        }
    }
}

// ---- join and quit ----------------------------------------------------------

#[tokio::test]
async fn join_succeeds_then_already_in_group() {
    let (server, room) = TestServer::with_room("join-twice", None).await;
    let mut a = server.user("alice").await;
    let r = a.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    assert_eq!(r["data"]["status"], "success");
    let r = a.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    assert_eq!(r["data"]["status"], "already_in_group");
    assert_eq!(a.online_count(&room).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn join_reply_and_get_room_profile_show_the_room() {
    let (server, room) = TestServer::with_room("profiled", Some("owner")).await;
    let mut owner = server.joined("owner", &room).await;
    let r = owner
        .modify_room(
            &room,
            json!({ "introduction": "hello", "custom": { "topic": "music" } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    // TIM's joinGroup resolves with the group's profile and member count.
    let mut a = server.user("alice").await;
    let r = a.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    let joined = &r["data"]["room"];
    assert_eq!(joined["id"], room, "{r}");
    assert_eq!(joined["owner"], "owner", "{r}");
    assert_eq!(joined["profile"]["name"], "test room", "{r}");
    assert_eq!(joined["profile"]["introduction"], "hello", "{r}");
    assert_eq!(joined["profile"]["custom"]["topic"], "music", "{r}");
    assert_eq!(joined["onlineCount"], 2, "{r}");
    let r = a.join(&room).await;
    assert_eq!(r["data"]["status"], "already_in_group", "{r}");
    assert_eq!(r["data"]["room"]["onlineCount"], 2, "{r}");

    // getRoomProfile: any connection of the app, members or not (a guest here).
    let mut g = server.guest().await;
    let r = g.request("getRoomProfile", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["room"]["profile"]["introduction"], "hello", "{r}");
    assert_eq!(r["data"]["room"]["onlineCount"], 2, "{r}");
    let r = g.request("getRoomProfile", json!({ "roomId": "no-such-room" })).await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn join_unknown_room_is_10010() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let r = a.join("no-such-room").await;
    assert_eq!(r["code"], 10010, "{r}");
    let r = a.join("@TGS#nosuchroom1").await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn join_invalid_room_id_is_10015() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let too_long = "r".repeat(49);
    for bad in ["has space", "", too_long.as_str(), "@TGS#", "é"] {
        let r = a.join(bad).await;
        assert_eq!(r["code"], 10015, "room id {bad:?}: {r}");
    }
    server.stop().await;
}

#[tokio::test]
async fn quit_then_send_is_10007() {
    let (server, room) = TestServer::with_room("quit-send", None).await;
    let mut a = server.joined("alice", &room).await;
    assert_eq!(a.send_msg(&room, "in").await["code"], 0);
    let r = a.quit(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    let r = a.send_msg(&room, "out").await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn send_without_join_is_10007() {
    let (server, room) = TestServer::with_room("no-join", None).await;
    let mut a = server.user("alice").await;
    let r = a.send_msg(&room, "hi").await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn quit_without_join_is_10007() {
    let (server, room) = TestServer::with_room("no-join-quit", None).await;
    let mut a = server.user("alice").await;
    let r = a.quit(&room).await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn owner_cannot_quit() {
    let (server, room) = TestServer::with_room("owner-quit", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let r = o.quit(&room).await;
    assert_eq!(r["code"], 10009, "{r}");
    // Still a member: can send.
    assert_eq!(o.send_msg(&room, "still here").await["code"], 0);
    assert_eq!(o.online_count(&room).await, 1);
    server.stop().await;
}

// ---- member tips ------------------------------------------------------------

#[tokio::test]
async fn members_see_join_and_quit_tips() {
    let (server, room) = TestServer::with_room("tips", None).await;
    let mut b = server.joined("bob", &room).await;
    skip_own_join(&mut b, "bob").await;

    let mut a = server.user("alice").await;
    let r = a
        .request(
            "updateProfile",
            json!({ "nick": "Alice", "avatar": "https://a/alice.png" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(a.join(&room).await["code"], 0);
    let e = b.next_event().await;
    assert_eq!(e["kind"], "tip", "{e}");
    // Tips show who joined or left, as TIM's group tips do.
    let alice = json!([{ "userId": "alice", "nick": "Alice", "avatar": "https://a/alice.png" }]);
    assert_eq!(e["tip"]["members"], alice, "{e}");
    assert_eq!(e["roomId"], room);
    assert_eq!(e["priority"], "Lowest");
    assert!(e["seq"].as_u64().is_some(), "{e}");
    assert!(e["time"].as_i64().unwrap() > 0, "{e}");
    assert_eq!(e["tip"]["type"], "memberJoined", "{e}");
    assert_eq!(e["tip"]["opType"], 1, "{e}");
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");

    assert_eq!(a.quit(&room).await["code"], 0);
    let e = b.next_event().await;
    assert_eq!(e["kind"], "tip", "{e}");
    assert_eq!(e["tip"]["type"], "memberQuit", "{e}");
    assert_eq!(e["tip"]["opType"], 2, "{e}");
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");
    assert_eq!(e["tip"]["members"], alice, "{e}");
    server.stop().await;
}

#[tokio::test]
async fn disconnect_produces_quit_tip() {
    let (server, room) = TestServer::with_room("tips-disconnect", None).await;
    let mut b = server.joined("bob", &room).await;
    let a = server.joined("alice", &room).await;
    skip_own_join(&mut b, "alice").await;
    a.close().await;
    let e = b.next_tip("memberQuit").await;
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn guests_produce_no_tips() {
    let (server, room) = TestServer::with_room("guest-tips", None).await;
    let mut b = server.joined("bob", &room).await;
    skip_own_join(&mut b, "bob").await;

    let mut g = server.joined_guest(&room).await;
    b.assert_no_event(QUIET).await;
    assert_eq!(g.quit(&room).await["code"], 0);
    b.assert_no_event(QUIET).await;

    // Events are delivered in order, so the next one is carol's join.
    let _c = server.joined("carol", &room).await;
    let e = b.next_event().await;
    assert_eq!(e["tip"]["type"], "memberJoined", "{e}");
    assert_eq!(e["tip"]["users"], json!(["carol"]), "{e}");
    server.stop().await;
}

// ---- presence ---------------------------------------------------------------

#[tokio::test]
async fn online_count_and_members_pages_most_recent_first() {
    let (server, room) = TestServer::with_room("presence", None).await;
    let mut clients = Vec::new();
    // Join order deliberately differs from name order.
    for u in ["dave", "carol", "bob", "alice"] {
        let mut c = server.user(u).await;
        let r = c
            .request(
                "updateProfile",
                json!({ "nick": u.to_uppercase(), "avatar": format!("https://a/{u}") }),
            )
            .await;
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(c.join(&room).await["code"], 0);
        clients.push(c);
        // Distinct join timestamps (milliseconds), so the order is unambiguous.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut g = server.joined_guest(&room).await;
    let viewer = &mut clients[0];
    assert_eq!(viewer.online_count(&room).await, 5);
    assert_eq!(g.quit(&room).await["code"], 0);
    assert_eq!(viewer.online_count(&room).await, 4);

    let (first, cursor) = viewer.online_members(&room, None, Some(2)).await;
    assert_eq!(member_ids(&first), ["alice", "bob"]);
    assert_eq!(first[0]["nick"], "ALICE");
    assert_eq!(first[0]["avatar"], "https://a/alice");
    let cursor = cursor.as_str().expect("a next cursor after a full page").to_string();
    let (second, next) = viewer.online_members(&room, Some(&cursor), Some(2)).await;
    assert_eq!(member_ids(&second), ["carol", "dave"]);
    assert_eq!(next, Value::Null, "no further page");

    let all: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|m| m["joinedAtMs"].as_i64().unwrap())
        .collect();
    assert!(
        all.windows(2).all(|w| w[0] >= w[1]),
        "joinedAtMs not descending: {all:?}"
    );

    // Without a limit: the default page (100), so everyone.
    let (everyone, next) = viewer.online_members(&room, None, None).await;
    assert_eq!(member_ids(&everyone), ["alice", "bob", "carol", "dave"]);
    assert_eq!(next, Value::Null);

    // Bob leaves.
    assert_eq!(clients[2].quit(&room).await["code"], 0);
    let viewer = &mut clients[0];
    assert_eq!(viewer.online_count(&room).await, 3);
    let (left, _) = viewer.online_members(&room, None, Some(10)).await;
    assert_eq!(member_ids(&left), ["alice", "carol", "dave"]);
    // A limit outside 1..=1000 is refused, not clamped.
    for limit in [0, 1001] {
        let r = viewer
            .request("onlineMembers", json!({ "roomId": room, "limit": limit }))
            .await;
        assert_eq!(r["code"], 10004, "limit {limit}: {r}");
    }
    let (max, _) = viewer.online_members(&room, None, Some(1000)).await;
    assert_eq!(max.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn online_count_of_unknown_room_is_10010() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let r = a.request("onlineCount", json!({ "roomId": "nope" })).await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

// ---- sequencing -------------------------------------------------------------

#[tokio::test]
async fn room_sequence_numbers_strictly_increase_across_tips_and_messages() {
    let (server, room) = TestServer::with_room("seq", Some("owner")).await;
    let mut w = server.joined("watcher", &room).await;
    let mut o = server.joined("owner", &room).await;
    let mut a = server.joined("alice", &room).await;

    let mut sent = Vec::new();
    for i in 0..3 {
        let r = a.send_msg(&room, &format!("m{i}")).await;
        assert_eq!(r["code"], 0, "{r}");
        sent.push(reply_seq(&r));
    }
    let r = o.modify_room(&room, json!({ "name": "renamed" })).await;
    assert_eq!(r["code"], 0, "{r}");
    mute(&mut server.admin().await, &room, &["alice"], 30)
        .await
        .expect("admin mute");
    mute(&mut server.admin().await, &room, &["alice"], 0)
        .await
        .expect("admin mute");
    send_notice(&mut server.admin().await, &room, "notice").await;
    let r = o.set_admin(&room, "alice", true).await;
    assert_eq!(r["code"], 0, "{r}");
    let r = a.send_msg(&room, "last").await;
    assert_eq!(r["code"], 0, "{r}");
    sent.push(reply_seq(&r));

    let mut seen = Vec::new();
    let mut kinds = Vec::new();
    loop {
        let e = w.next_event().await;
        let seq = e["seq"].as_u64().unwrap_or_else(|| panic!("event without seq: {e}"));
        seen.push(seq);
        kinds.push(e["kind"].as_str().unwrap_or("").to_string());
        if e["kind"] == "message" && e["msgBody"][0]["MsgContent"]["Text"] == "last" {
            break;
        }
    }
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "sequence numbers not strictly increasing: {seen:?} ({kinds:?})"
    );
    assert!(
        seen.windows(2).all(|p| p[1] == p[0] + 1),
        "sequence numbers have gaps: {seen:?} ({kinds:?})"
    );
    for s in &sent {
        assert!(seen.contains(s), "sent seq {s} not delivered: {seen:?}");
    }
    for k in ["tip", "message", "notice"] {
        assert!(kinds.iter().any(|x| x == k), "no {k} among {kinds:?}");
    }
    server.stop().await;
}
