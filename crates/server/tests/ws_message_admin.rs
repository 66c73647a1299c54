//! Admin-API messages, notices and broadcast as WebSocket members receive
//! them, including under frequency control.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::*;

// ---- admin API messages -----------------------------------------------------

#[tokio::test]
async fn admin_api_messages_are_delivered() {
    let (server, room) = TestServer::with_room_in(message_config(), "adminmsg", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let r = alice
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let mut rx = server.joined_guest(&room).await;
    let mut admin = server.admin().await;

    let body = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "{\"type\":\"gift\"}", "Desc": "gift", "Ext": "" } }
    ]);
    let resp = admin
        .send_message(admin_msg(&room, &body, pb::Priority::High, ""))
        .await
        .expect("admin send")
        .into_inner();
    assert_eq!(resp.drop_reason, "");
    assert!(resp.seq > 0);
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(m["time"], resp.time_ms);
    assert_eq!(m["priority"], "High");
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["msgBody"], body);

    // On behalf of a user: that user's profile is stamped on it.
    let mut req = admin_msg(&room, &text_body("on behalf"), pb::Priority::Low, "");
    req.from_user = "alice".into();
    let resp = admin.send_message(req).await.expect("admin send").into_inner();
    assert_eq!(resp.drop_reason, "");
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(m["from"], "alice");
    assert_eq!(m["nick"], "Alice");
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "Low");
    assert_eq!(text_of(&m), "on behalf");
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn dropped_admin_api_message_reports_msg_freq_ctrl() {
    let mut c = message_config();
    c.rooms.frequency.room_cap_per_sec = 2;
    let (server, room) = TestServer::with_room_in(c, "admindrop", Some("owner1")).await;
    let mut rx = server.joined_guest(&room).await;
    let mut admin = server.admin().await;

    // The app admin is exempt from sub-caps but not from the room cap: keep
    // sending until one is dropped (with a cap of 2/s that is the third one
    // unless a window boundary intervenes).
    let mut accepted = Vec::new();
    let mut dropped = None;
    for i in 0..500 {
        let body = text_body(&format!("admin-{i}"));
        let req = admin_msg(&room, &body, pb::Priority::Normal, &format!("key-{i}"));
        let resp = admin.send_message(req.clone()).await.expect("admin send").into_inner();
        if resp.drop_reason.is_empty() {
            assert!(resp.seq > 0);
            accepted.push((resp.seq, format!("admin-{i}")));
        } else {
            dropped = Some((req, resp));
            break;
        }
    }
    let (req, resp) = dropped.expect("no admin-API message was ever dropped with a cap of 2/s");
    assert_eq!(resp.drop_reason, "MsgFreqCtrl");
    assert_eq!(resp.seq, 0);
    assert!(resp.time_ms > 0);
    // Resending the dropped message with its key returns the same answer.
    let again = admin.send_message(req).await.expect("admin resend").into_inner();
    assert_eq!(again, resp);

    let seqs: Vec<u64> = accepted.iter().map(|(s, _)| *s).collect();
    assert_gap_free(&seqs);
    let got = seqs_and_texts(&rx.next_messages(accepted.len()).await);
    assert_eq!(got, accepted);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

// ---- notices and broadcast --------------------------------------------------

#[tokio::test]
async fn notice_arrives_even_when_the_room_cap_is_exhausted() {
    let mut c = message_config();
    c.rooms.frequency.room_cap_per_sec = 1;
    let (server, room) = TestServer::with_room_in(c, "notice", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined("bob", &room).await;
    let mut admin = server.admin().await;

    // Exhaust the room cap: send until a message is dropped.
    let mut accepted = Vec::new();
    let mut saw_drop = false;
    for burst in 0..100 {
        let reqs: Vec<Value> = (0..5)
            .map(|i| send_data(&room, text_body(&format!("b{burst}-{i}")), None, None))
            .collect();
        for (i, r) in pipelined(&mut alice, &format!("b{burst}"), &reqs)
            .await
            .iter()
            .enumerate()
        {
            if r["code"] == 0 {
                accepted.push((reply_seq(r), format!("b{burst}-{i}")));
            } else {
                assert_freq_dropped(r);
                saw_drop = true;
            }
        }
        if saw_drop {
            break;
        }
    }
    assert!(saw_drop, "the room cap of 1/s never dropped anything");

    let content = "System maintenance at 02:00 🛠";
    let resp = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: room.clone(),
            content: content.into(),
        })
        .await
        .expect("notice")
        .into_inner();
    let last = accepted.last().map_or(0, |(s, _)| *s);
    assert_eq!(resp.seq, last + 1, "notice must take the next seq");

    let got = seqs_and_texts(&rx.next_messages(accepted.len()).await);
    assert_eq!(got, accepted);
    let n = rx.next_event().await;
    assert_eq!(n["kind"], "notice", "{n}");
    assert_eq!(n["notice"], content);
    assert_eq!(n["priority"], "High");
    assert_eq!(n["roomId"], room.as_str());
    assert_eq!(seq_of(&n), resp.seq);
    assert!(n["time"].as_i64().unwrap() > 0);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn broadcast_reaches_members_of_every_room() {
    let server = TestServer::start_with(message_config()).await;
    let a = server.create_room("bc-a", Some("owner1")).await;
    let b = server.create_room("bc-b", None).await;
    let _empty = server.create_room("bc-empty", None).await;
    let mut alice = server.joined("alice", &a).await;
    let mut guest = server.joined_guest(&b).await;
    let mut carol = server.joined("carol", &a).await;
    assert_eq!(carol.join(&b).await["code"], 0);
    // Some traffic first, so notices continue each room's own sequence.
    let r = alice.send_msg(&a, "before").await;
    assert_eq!(
        (r["code"].as_u64(), r["data"]["seq"].as_u64()),
        (Some(0), Some(1)),
        "{r}"
    );

    let mut admin = server.admin().await;
    let content = "broadcast to everyone";
    let resp = admin
        .broadcast(pb::BroadcastRequest {
            content: content.into(),
        })
        .await
        .expect("broadcast")
        .into_inner();
    assert_eq!(resp.rooms, 3);

    let n = alice.next_event_of("notice").await;
    assert_eq!(
        (n["roomId"].as_str(), n["notice"].as_str()),
        (Some(a.as_str()), Some(content))
    );
    assert_eq!(n["seq"], 2);
    assert_eq!(n["priority"], "High");
    let n = guest.next_event_of("notice").await;
    assert_eq!(
        (n["roomId"].as_str(), n["notice"].as_str()),
        (Some(b.as_str()), Some(content))
    );
    assert_eq!(n["seq"], 1);
    assert_eq!(n["priority"], "High");
    let mut rooms = BTreeSet::new();
    for _ in 0..2 {
        let n = carol.next_event_of("notice").await;
        assert_eq!(n["notice"], content);
        rooms.insert(n["roomId"].as_str().unwrap().to_string());
    }
    assert_eq!(rooms, BTreeSet::from([a.clone(), b.clone()]));
    alice.assert_no_event(QUIET).await;
    guest.assert_no_event(QUIET).await;
    carol.assert_no_event(QUIET).await;

    server.stop().await;
}
