//! Group counters over WebSocket and the admin API (standalone): who may
//! change what, bad input, and coalesced `counters` pushes outside the
//! room's sequence.

mod support;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::*;

/// Counters pushed every 200 ms; no join/quit tips.
fn config() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.rooms.counters.publish_interval_ms = 200;
    c
}

async fn incr(c: &mut Client, room: &str, key: &str, value: i64) -> Value {
    c.request("increaseCounter", json!({ "roomId": room, "key": key, "value": value }))
        .await
}

#[tokio::test]
async fn members_like_owners_manage_and_everyone_reads() {
    let (server, room) = TestServer::with_room_in(config(), "ctr", Some("owner")).await;
    let mut owner = server.joined("owner", &room).await;
    let mut member = server.joined("carol", &room).await;

    let r = incr(&mut member, &room, "likes", 2).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"], json!({ "roomId": room, "key": "likes", "value": 2 }));
    assert_eq!(incr(&mut member, &room, "likes", 3).await["data"]["value"], 5);

    // The default policy: members may only increase `likes`.
    let r = member
        .request("decreaseCounter", json!({ "roomId": room, "key": "likes", "value": 1 }))
        .await;
    assert_eq!(r["code"], 10007, "{r}");
    assert_eq!(incr(&mut member, &room, "gifts", 1).await["code"], 10007);
    let r = member
        .request("setCounters", json!({ "roomId": room, "counters": { "likes": 0 } }))
        .await;
    assert_eq!(r["code"], 10007, "{r}");

    // The owner may do everything.
    let r = owner
        .request(
            "setCounters",
            json!({ "roomId": room, "counters": { "gifts": 10, "views": 1 } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["counters"], json!({ "gifts": 10, "views": 1 }));
    let r = owner
        .request("decreaseCounter", json!({ "roomId": room, "key": "gifts", "value": 4 }))
        .await;
    assert_eq!(r["data"]["value"], 6, "{r}");
    let r = owner
        .request("deleteCounters", json!({ "roomId": room, "keys": ["views"] }))
        .await;
    assert_eq!(r["code"], 0, "{r}");

    // Anyone bound to the app reads, guests included (the default policy).
    let mut guest = server.guest().await;
    let r = guest
        .request("getCounters", json!({ "roomId": room, "sdkAppId": APP }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["counters"], json!({ "gifts": 6, "likes": 5 }));
    let r = member
        .request("getCounters", json!({ "roomId": room, "keys": ["likes", "absent"] }))
        .await;
    assert_eq!(r["data"]["counters"], json!({ "likes": 5 }), "{r}");
    server.stop().await;
}

#[tokio::test]
async fn bad_input_has_clear_codes() {
    let (server, room) = TestServer::with_room_in(config(), "ctr-bad", Some("owner")).await;
    let mut owner = server.joined("owner", &room).await;
    let long = "k".repeat(129);
    let cases = [
        (
            "increaseCounter",
            json!({ "roomId": room, "key": long, "value": 1 }),
            10004,
        ),
        (
            "increaseCounter",
            json!({ "roomId": room, "key": "", "value": 1 }),
            10004,
        ),
        (
            "increaseCounter",
            json!({ "roomId": room, "key": "likes", "value": -1 }),
            10004,
        ),
        ("increaseCounter", json!({ "roomId": room, "key": "likes" }), 10004),
        (
            "increaseCounter",
            json!({ "roomId": room, "key": "likes", "value": "1" }),
            10004,
        ),
        (
            "setCounters",
            json!({ "roomId": room, "counters": { "a": 1.5 } }),
            10004,
        ),
        (
            "setCounters",
            json!({ "roomId": room, "counters": { "a": 9223372036854775808u64 } }),
            10004,
        ),
        ("setCounters", json!({ "roomId": room, "counters": {} }), 10004),
        ("deleteCounters", json!({ "roomId": room }), 10004),
        ("getCounters", json!({ "roomId": "absent-room" }), 10010),
    ];
    for (op, data, want) in cases {
        let r = owner.request(op, data.clone()).await;
        assert_eq!(r["code"], want, "{op} {data}: {r}");
    }
    // At most 20 counters per room.
    let twenty: serde_json::Map<String, Value> = (0..20).map(|i| (format!("c{i}"), json!(i))).collect();
    let r = owner
        .request("setCounters", json!({ "roomId": room, "counters": twenty }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let r = owner
        .request("setCounters", json!({ "roomId": room, "counters": { "c21": 1 } }))
        .await;
    assert_eq!(r["code"], 10004, "{r}");
    // Overflow.
    let r = owner
        .request("setCounters", json!({ "roomId": room, "counters": { "c0": i64::MAX } }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(incr(&mut owner, &room, "c0", 1).await["code"], 10004);

    // Writers must be logged in and in the room.
    let mut outsider = server.user("dave").await;
    assert_eq!(incr(&mut outsider, &room, "likes", 1).await["code"], 10007);
    let mut guest = server.joined_guest(&room).await;
    assert_eq!(incr(&mut guest, &room, "likes", 1).await["code"], 6014);
    server.stop().await;
}

#[tokio::test]
async fn likes_are_pushed_coalesced_and_take_no_seq() {
    let (server, room) = TestServer::with_room_in(config(), "ctr-push", Some("owner")).await;
    let mut watcher = server.joined("watcher", &room).await;
    let mut liker = server.joined("liker", &room).await;

    let started = Instant::now();
    for _ in 0..200 {
        assert_eq!(incr(&mut liker, &room, "likes", 1).await["code"], 0);
    }
    // Pushes arrive until the total is reached, each at least 200 ms apart.
    let mut pushes = 0;
    loop {
        let e = watcher.next_event_of("counters").await;
        assert_eq!(e["seq"], 0, "outside the sequence: {e}");
        assert_eq!(e["roomId"], room.as_str());
        pushes += 1;
        if e["counters"]["likes"] == 200 {
            break;
        }
    }
    let elapsed = started.elapsed();
    let bound = elapsed.as_millis() / 200 + 2;
    assert!(
        pushes as u128 <= bound,
        "{pushes} pushes in {elapsed:?}: at most one per interval"
    );
    // Nothing more once the values stopped changing.
    watcher.assert_no_event(Duration::from_millis(500)).await;

    // Counter events took no seq: the room's first message is seq 1.
    let r = liker.send_msg(&room, "hi").await;
    assert_eq!(r["data"]["seq"], 1, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn the_admin_api_reads_and_writes_counters() {
    let (server, room) = TestServer::with_room_in(config(), "ctr-admin", None).await;
    let mut member = server.joined("carol", &room).await;
    let mut admin = server.admin().await;
    let mut req = pb::UpdateCountersRequest {
        room_id: room.clone(),
        mode: pb::CounterMode::Increase as i32,
        counters: [("likes".to_string(), 7)].into_iter().collect(),
    };
    let r = admin.update_counters(req.clone()).await.unwrap().into_inner();
    assert_eq!(r.counters.get("likes"), Some(&7));
    req.mode = pb::CounterMode::Set as i32;
    req.counters = [("views".to_string(), 100)].into_iter().collect();
    admin.update_counters(req.clone()).await.unwrap();

    let e = member.next_event_of("counters").await;
    let e = if e["counters"].get("views").is_some() {
        e
    } else {
        member.next_event_of("counters").await
    };
    assert_eq!(e["counters"], json!({ "likes": 7, "views": 100 }));

    let got = admin
        .get_counters(pb::GetCountersRequest {
            room_id: room.clone(),
            keys: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.counters.len(), 2);
    admin
        .delete_counters(pb::DeleteCountersRequest {
            room_id: room.clone(),
            keys: vec!["likes".into()],
        })
        .await
        .unwrap();
    assert_eq!(
        member.next_event_of("counters").await["counters"],
        json!({ "views": 100 })
    );

    req.mode = pb::CounterMode::Unspecified as i32;
    let err = admin.update_counters(req.clone()).await.unwrap_err();
    assert_eq!(status_code(&err), 10004);
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    req.mode = pb::CounterMode::Set as i32;
    req.room_id = "absent-room".into();
    assert_eq!(status_code(&admin.update_counters(req).await.unwrap_err()), 10010);
    server.stop().await;
}

#[tokio::test]
async fn an_app_can_grant_members_more_from_its_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roomcast.toml");
    let toml = format!(
        "{}[apps.counters]\nguests_read = false\nmembers = [\n  {{ keys = [\"likes\"], ops = [\"increase\"] }},\n  {{ keys = [\"votes-a\", \"votes-b\"], ops = [\"increase\", \"decrease\"] }},\n]\n[rooms.counters]\npublish_interval_ms = 200\n",
        app_toml()
    );
    std::fs::write(&path, toml).unwrap();
    let loaded = Config::load(Some(&path), &[]).expect("the documented policy parses");
    loaded.validate().unwrap();
    let mut c = config();
    c.apps = loaded.apps;
    let (server, room) = TestServer::with_room_in(c, "ctr-policy", None).await;
    let mut member = server.joined("carol", &room).await;
    assert_eq!(incr(&mut member, &room, "votes-a", 2).await["code"], 0);
    let r = member
        .request(
            "decreaseCounter",
            json!({ "roomId": room, "key": "votes-a", "value": 1 }),
        )
        .await;
    assert_eq!(r["data"]["value"], 1, "{r}");
    assert_eq!(incr(&mut member, &room, "votes-c", 1).await["code"], 10007);
    let mut guest = server.guest().await;
    let r = guest
        .request("getCounters", json!({ "roomId": room, "sdkAppId": APP }))
        .await;
    assert_eq!(r["code"], 10007, "guests may not read here: {r}");

    // A policy naming a bad key or no ops is refused at start-up.
    let bad = format!(
        "{}[apps.counters]\nmembers = [{{ keys = [\"likes\"], ops = [] }}]\n",
        app_toml()
    );
    std::fs::write(&path, bad).unwrap();
    assert!(Config::load(Some(&path), &[]).unwrap().validate().is_err());
    server.stop().await;
}
