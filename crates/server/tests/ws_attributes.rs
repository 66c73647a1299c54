//! Group attributes over WebSocket and the admin API (standalone): versioned
//! compare-and-set, limits, the write rate and `attributes` pushes.

mod support;

use serde_json::{Value, json};
use support::*;

fn config() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c
}

async fn set(c: &mut Client, room: &str, attrs: Value, version: Option<u64>) -> Value {
    let mut data = json!({ "roomId": room, "attributes": attrs });
    if let Some(v) = version {
        data["version"] = json!(v);
    }
    c.request("setAttributes", data).await
}

#[tokio::test]
async fn seats_are_taken_with_compare_and_set_and_pushed() {
    let (server, room) = TestServer::with_room_in(config(), "attr", Some("owner")).await;
    let mut owner = server.joined("owner", &room).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;

    let r = owner
        .request(
            "initAttributes",
            json!({ "roomId": room, "attributes": { "seat1": "" } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["version"], 1);
    let e = bob.next_event_of("attributes").await;
    assert_eq!(e["seq"], 0, "{e}");
    assert_eq!(e["attributes"], json!({ "seat1": "" }));

    let r = set(&mut alice, &room, json!({ "seat1": "alice" }), Some(1)).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["version"], 2);
    let r = set(&mut bob, &room, json!({ "seat1": "bob" }), Some(1)).await;
    assert_eq!(r["code"], 10056, "the seat is taken: {r}");

    let e = bob.next_event_of("attributes").await;
    assert_eq!(
        (e["version"].clone(), e["attributes"].clone()),
        (json!(2), json!({ "seat1": "alice" }))
    );

    // Members may not initialize or clear; anyone of the app reads.
    let r = alice
        .request("initAttributes", json!({ "roomId": room, "attributes": {} }))
        .await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = alice.request("deleteAttributes", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10007, "{r}");
    let mut guest = server.guest().await;
    let r = guest
        .request("getAttributes", json!({ "roomId": room, "sdkAppId": APP }))
        .await;
    assert_eq!(
        r["data"],
        json!({ "roomId": room, "version": 2, "attributes": { "seat1": "alice" } })
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_input_and_the_write_rate_have_clear_codes() {
    let (server, room) = TestServer::with_room_in(config(), "attr-bad", Some("owner")).await;
    let mut owner = server.joined("owner", &room).await;
    let long = "k".repeat(33);
    let big = "v".repeat(4097);
    for (attrs, want) in [
        (json!({ long.clone(): "" }), 10004),
        (json!({ "k": big }), 10004),
        (json!({ "k": 1 }), 10004),
        (json!({}), 10004),
    ] {
        let r = set(&mut owner, &room, attrs.clone(), None).await;
        assert_eq!(r["code"], want, "{attrs}: {r}");
    }
    let mut outsider = server.user("dave").await;
    assert_eq!(set(&mut outsider, &room, json!({ "a": "" }), None).await["code"], 10007);
    let mut guest = server.joined_guest(&room).await;
    assert_eq!(set(&mut guest, &room, json!({ "a": "" }), None).await["code"], 6014);

    // 5 writes per second per room by default (Tencent's backend limit).
    let mut codes = Vec::new();
    for i in 0..7 {
        codes.push(set(&mut owner, &room, json!({ "n": i.to_string() }), None).await["code"].clone());
    }
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 5, "{codes:?}");
    assert_eq!(codes.last().unwrap(), 10049, "{codes:?}");
    server.stop().await;
}

#[tokio::test]
async fn the_admin_api_reads_and_writes_attributes() {
    let (server, room) = TestServer::with_room_in(config(), "attr-admin", None).await;
    let mut member = server.joined("carol", &room).await;
    let mut admin = server.admin().await;
    let w = pb::WriteAttributesRequest {
        room_id: room.clone(),
        op: pb::AttributesOp::Set as i32,
        attributes: [("topic".to_string(), "music".to_string())].into_iter().collect(),
        keys: vec![],
        expected_version: Some(0),
    };
    let r = admin.write_attributes(w.clone()).await.unwrap().into_inner();
    assert_eq!(r.version, 1);
    assert_eq!(
        member.next_event_of("attributes").await["attributes"],
        json!({ "topic": "music" })
    );
    let err = admin.write_attributes(w.clone()).await.unwrap_err();
    assert_eq!(status_code(&err), 10056);
    assert_eq!(err.code(), tonic::Code::Aborted);
    let got = admin
        .get_attributes(pb::GetAttributesRequest { room_id: room.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.version, 1);
    let del = pb::WriteAttributesRequest {
        op: pb::AttributesOp::Delete as i32,
        attributes: Default::default(),
        expected_version: None,
        ..w.clone()
    };
    assert_eq!(admin.write_attributes(del).await.unwrap().into_inner().version, 2);
    let bad = pb::WriteAttributesRequest {
        op: pb::AttributesOp::Unspecified as i32,
        ..w
    };
    assert_eq!(status_code(&admin.write_attributes(bad).await.unwrap_err()), 10004);
    server.stop().await;
}
