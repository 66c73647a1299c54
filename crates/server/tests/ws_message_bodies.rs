//! Message bodies over real WebSockets: element fidelity and sender
//! metadata, body validation, send preconditions and the size limit.

mod support;

use serde_json::{Value, json};
use support::*;

// ---- elements ---------------------------------------------------------------

#[tokio::test]
async fn elements_are_delivered_intact_with_sender_metadata() {
    let (server, room) = TestServer::with_room_in(message_config(), "elems", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;
    let r = alice
        .request(
            "updateProfile",
            json!({ "nick": "Alice ✨", "avatar": "https://cdn.example/a.png" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    let mixed = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hello 🌍 你好 \"quoted\" \\ \n new line" } },
        { "MsgType": "TIMCustomElem", "MsgContent": {
            "Data": "{\"gift\":\"rose\",\"count\":3}", "Desc": "a rose", "Ext": "ext-1" } },
        { "MsgType": "TIMFaceElem", "MsgContent": { "Index": 7, "Data": "smile" } }
    ]);
    let custom_only = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "d", "Desc": "", "Ext": "e" } }
    ]);
    let face_only = json!([{ "MsgType": "TIMFaceElem", "MsgContent": { "Index": 0, "Data": "" } }]);
    let cases = [
        (mixed, None, None, "Normal"),
        (custom_only, Some("High"), Some("key-1"), "High"),
        (face_only, Some("Low"), None, "Low"),
        (text_body("lowest"), Some("Lowest"), None, "Lowest"),
        (text_body("normal"), Some("Normal"), None, "Normal"),
    ];
    for (body, priority, key, expected_priority) in cases {
        let t0 = now_ms();
        let r = send(&mut alice, &room, body.clone(), priority, key).await;
        let t1 = now_ms();
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(r["data"]["roomId"], room.as_str());
        let m = bob.next_event_of("message").await;
        assert_eq!(m["kind"], "message");
        assert_eq!(m["roomId"], room.as_str());
        assert_eq!(m["seq"], r["data"]["seq"], "{m} vs {r}");
        assert_eq!(m["time"], r["data"]["time"], "{m} vs {r}");
        let time = m["time"].as_i64().unwrap();
        assert!((t0..=t1).contains(&time), "time {time} outside [{t0}, {t1}]");
        assert_eq!(m["from"], "alice");
        assert_eq!(m["nick"], "Alice ✨");
        assert_eq!(m["avatar"], "https://cdn.example/a.png");
        assert_eq!(m["priority"], expected_priority, "{m}");
        assert_eq!(m["msgBody"], body, "body changed in transit");
        match key {
            Some(k) => assert_eq!(m["msgKey"], k),
            None => assert!(m.get("msgKey").is_none_or(Value::is_null), "{m}"),
        }
    }

    // A sender without a profile: empty nick and avatar.
    let r = bob.send_msg(&room, "from bob").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = alice.next_event_of("message").await;
    // alice also saw her own messages; skip to bob's.
    let m = if m["from"] == "bob" {
        m
    } else {
        loop {
            let m = alice.next_event_of("message").await;
            if m["from"] == "bob" {
                break m;
            }
        }
    };
    assert_eq!(m["nick"], "");
    assert_eq!(m["avatar"], "");
    assert_eq!(text_of(&m), "from bob");

    server.stop().await;
}

// ---- validation -------------------------------------------------------------

#[tokio::test]
async fn invalid_msg_bodies_are_rejected_with_10004() {
    let (server, room) = TestServer::with_room_in(message_config(), "invalid", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined_guest(&room).await;

    let custom = json!({ "MsgType": "TIMCustomElem", "MsgContent": { "Data": "a", "Desc": "b", "Ext": "c" } });
    let bad_bodies = [
        ("empty array", json!([])),
        (
            "unknown MsgType",
            json!([{ "MsgType": "TIMImageElem", "MsgContent": { "UUID": "x" } }]),
        ),
        ("two custom elements", json!([custom.clone(), custom.clone()])),
        (
            "two custom elements around text",
            json!([custom.clone(), { "MsgType": "TIMTextElem", "MsgContent": { "Text": "t" } }, custom]),
        ),
        ("not an array", json!("hello")),
        (
            "object",
            json!({ "MsgType": "TIMTextElem", "MsgContent": { "Text": "x" } }),
        ),
        (
            "text without Text",
            json!([{ "MsgType": "TIMTextElem", "MsgContent": { "Txt": "x" } }]),
        ),
        (
            "face with string index",
            json!([{ "MsgType": "TIMFaceElem", "MsgContent": { "Index": "1" } }]),
        ),
        ("missing MsgType", json!([{ "MsgContent": { "Text": "x" } }])),
    ];
    for (what, body) in bad_bodies {
        let r = send(&mut alice, &room, body, None, None).await;
        assert_eq!(r["code"], 10004, "{what}: {r}");
    }
    let r = alice
        .request(
            "send",
            json!({ "roomId": room, "msgBody": text_body("x"), "priority": "Urgent" }),
        )
        .await;
    assert_eq!(r["code"], 10004, "unknown priority: {r}");
    let r = alice.request("send", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10004, "missing msgBody: {r}");

    bob.assert_no_event(QUIET).await;

    // A valid message still goes through afterwards, as seq 1: rejected
    // requests consumed no sequence numbers.
    let r = alice.send_msg(&room, "valid").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(reply_seq(&r), 1, "{r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(seq_of(&m), 1);
    assert_eq!(text_of(&m), "valid");

    server.stop().await;
}

#[tokio::test]
async fn send_preconditions_and_msg_key_length() {
    let (server, room) = TestServer::with_room_in(message_config(), "precond", Some("owner1")).await;
    let mut rx = server.joined_guest(&room).await;

    // Guests may listen but not send.
    let r = rx.send_msg(&room, "guest talking").await;
    assert_eq!(r["code"], 6014, "{r}");
    // Logged in but not a member.
    let mut alice = server.user("alice").await;
    let r = alice.send_msg(&room, "not joined").await;
    assert_eq!(r["code"], 10007, "{r}");
    assert_eq!(alice.join(&room).await["code"], 0);
    // msgKey is at most 64 bytes.
    let r = send(&mut alice, &room, text_body("long key"), None, Some(&"k".repeat(65))).await;
    assert_eq!(r["code"], 10004, "{r}");
    rx.assert_no_event(QUIET).await;
    let key = "k".repeat(64);
    let r = send(&mut alice, &room, text_body("max key"), None, Some(&key)).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    assert_eq!(m["msgKey"], key.as_str());
    // An empty msgKey means no key: both copies are delivered.
    for _ in 0..2 {
        let r = send(&mut alice, &room, text_body("no key"), None, Some("")).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    let got = rx.next_messages(2).await;
    assert_eq!(seq_of(&got[1]), seq_of(&got[0]) + 1);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn body_over_12_kib_is_rejected_with_80002() {
    let (server, room) = TestServer::with_room_in(message_config(), "bigbody", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined_guest(&room).await;

    const MAX: usize = 12 * 1024;
    // Bytes of the serialized body besides the text itself.
    let overhead = serde_json::to_string(&text_body("")).unwrap().len();

    let r = alice.send_msg(&room, &"x".repeat(MAX - overhead + 1)).await;
    assert_eq!(r["code"], 80002, "one byte over: {r}");
    let r = alice.send_msg(&room, &"y".repeat(20_000)).await;
    assert_eq!(r["code"], 80002, "far over: {r}");
    let big_custom = json!([{ "MsgType": "TIMCustomElem", "MsgContent": {
        "Data": "d".repeat(5000), "Desc": "e".repeat(5000), "Ext": "f".repeat(5000) } }]);
    let r = send(&mut alice, &room, big_custom, None, None).await;
    assert_eq!(r["code"], 80002, "large custom element: {r}");
    bob.assert_no_event(QUIET).await;

    // Exactly at the limit is fine.
    let exact = "z".repeat(MAX - overhead);
    let r = alice.send_msg(&room, &exact).await;
    assert_eq!(r["code"], 0, "exactly {MAX} bytes: {r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(text_of(&m), exact);

    server.stop().await;
}
