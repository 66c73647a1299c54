//! History over WebSocket: a late joiner's last events, older pages, and a
//! rejoin that recovers what was missed (by seq and epoch).

mod support;

use serde_json::{Value, json};
use support::*;

fn texts(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("an array of events")
        .iter()
        .filter(|e| e["kind"] == "message")
        .map(|e| text_of(e).to_string())
        .collect()
}

fn seqs(events: &Value) -> Vec<u64> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

fn no_tips() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c
}

#[tokio::test]
async fn a_late_joiner_sees_the_last_events_and_pages_back() {
    let (server, room) = TestServer::with_room_in(no_tips(), "hist", None).await;
    let mut a = server.joined("alice", &room).await;
    for i in 1..=5 {
        assert_eq!(a.send_msg(&room, &format!("m{i}")).await["code"], 0);
    }
    let mut b = server.user("bob").await;
    let r = b.request("join", json!({ "roomId": room, "history": 3 })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(texts(&r["data"]["history"]), ["m3", "m4", "m5"], "{r}");
    let epoch = r["data"]["epoch"].as_str().expect("an epoch").to_string();
    assert!(!epoch.is_empty());
    let oldest = seqs(&r["data"]["history"])[0];

    let r = b
        .request("history", json!({ "roomId": room, "beforeSeq": oldest, "limit": 10 }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(texts(&r["data"]["events"]), ["m1", "m2"], "{r}");
    assert_eq!(r["data"]["epoch"], epoch.as_str());

    // Only members read a room's history; limits are checked.
    let mut outsider = server.user("carol").await;
    let r = outsider.request("history", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = b.request("history", json!({ "roomId": room, "limit": 101 })).await;
    assert_eq!(r["code"], 10004, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn a_rejoin_recovers_every_missed_event_or_says_it_cannot() {
    let (server, room) = TestServer::with_room_in(no_tips(), "recover", None).await;
    let mut a = server.joined("alice", &room).await;
    let mut b = server.user("bob").await;
    let r = b.join(&room).await;
    let epoch = r["data"]["epoch"].as_str().unwrap().to_string();
    assert_eq!(a.send_msg(&room, "seen").await["code"], 0);
    let seen = b.next_event_of("message").await;
    let last = seen["seq"].as_u64().unwrap();

    // Bob drops off; three messages go out meanwhile.
    b.close().await;
    for t in ["x", "y", "z"] {
        assert_eq!(a.send_msg(&room, t).await["code"], 0);
    }
    let mut b = server.user("bob").await;
    let r = b
        .request(
            "join",
            json!({ "roomId": room, "since": { "seq": last, "epoch": epoch } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["recovered"], true, "{r}");
    assert_eq!(texts(&r["data"]["missed"]), ["x", "y", "z"], "{r}");
    assert_eq!(seqs(&r["data"]["missed"]), [last + 1, last + 2, last + 3]);
    assert_eq!(r["data"]["epoch"], epoch.as_str());

    // An epoch this room's history does not have: not recoverable.
    let mut c = server.user("carol").await;
    let r = c
        .request(
            "join",
            json!({ "roomId": room, "since": { "seq": last, "epoch": "0000000000000000" } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["recovered"], false, "{r}");
    server.stop().await;
}
