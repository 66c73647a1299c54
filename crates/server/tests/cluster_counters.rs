//! Live-room state in cluster mode. Group counters: gateways apply likes to
//! Redis directly, room control publishes one coalesced `counters` event per
//! room per interval, and members on every gateway see the cluster-wide
//! totals. Group attributes: written through room control (internal gRPC),
//! compare-and-set across gateways.

mod support;

use serde_json::json;
use std::time::{Duration, Instant};
use support::cluster::Cluster;
use support::*;

const INTERVAL_MS: u128 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_on_two_gateways_reach_everyone_coalesced() {
    let c = Cluster::start("[rooms]\nmember_tips = false\n[rooms.counters]\npublish_interval_ms = 300\n");
    let control = c.spawn("control");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;

    let mut watch_a = ga.user("watch-a").await;
    let mut watch_b = gb.user("watch-b").await;
    for w in [&mut watch_a, &mut watch_b] {
        assert_eq!(w.join("r").await["code"], 0);
    }
    let started = Instant::now();
    let mut likers = Vec::new();
    for (i, gw) in [&ga, &gb].into_iter().enumerate() {
        let mut cl = gw.user(&format!("liker{i}")).await;
        assert_eq!(cl.join("r").await["code"], 0);
        likers.push(tokio::spawn(async move {
            for _ in 0..150 {
                let r = cl
                    .request("increaseCounter", json!({ "roomId": "r", "key": "likes", "value": 1 }))
                    .await;
                assert_eq!(r["code"], 0, "{r}");
            }
            cl
        }));
    }
    let mut likers_done = Vec::new();
    for l in likers {
        likers_done.push(l.await.unwrap());
    }

    for w in [&mut watch_a, &mut watch_b] {
        let mut pushes = 0u128;
        loop {
            let e = w.next_event_of("counters").await;
            assert_eq!(e["seq"], 0, "{e}");
            pushes += 1;
            if e["counters"]["likes"] == 300 {
                break;
            }
        }
        let elapsed = started.elapsed();
        assert!(
            pushes <= elapsed.as_millis() / INTERVAL_MS + 2,
            "{pushes} pushes in {elapsed:?}: one per interval, not one per gateway or like"
        );
        w.assert_no_event(Duration::from_millis(700)).await;
    }
    let r = watch_b.request("getCounters", json!({ "roomId": "r" })).await;
    assert_eq!(r["data"]["counters"], json!({ "likes": 300 }), "{r}");

    // The key limit holds cluster-wide (the Redis script).
    let mut admin = control.admin().await;
    let set = pb::UpdateCountersRequest {
        room_id: "r".into(),
        mode: pb::CounterMode::Set as i32,
        counters: (0..19).map(|i| (format!("c{i}"), i)).collect(),
    };
    admin.update_counters(set).await.unwrap();
    let r = likers_done[0]
        .request("increaseCounter", json!({ "roomId": "r", "key": "gifts", "value": 1 }))
        .await;
    assert_eq!(r["code"], 10007, "members may only like: {r}");
    let over = pb::UpdateCountersRequest {
        room_id: "r".into(),
        mode: pb::CounterMode::Increase as i32,
        counters: [("one-more".to_string(), 1)].into_iter().collect(),
    };
    assert_eq!(status_code(&admin.update_counters(over).await.unwrap_err()), 10004);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_are_compare_and_set_across_gateways() {
    let c = Cluster::start("[rooms]\nmember_tips = false\n");
    let control = c.spawn("control");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;
    let mut alice = ga.user("alice").await;
    let mut bob = gb.user("bob").await;
    for cl in [&mut alice, &mut bob] {
        assert_eq!(cl.join("r").await["code"], 0);
    }
    let take = |who: &str| json!({ "roomId": "r", "attributes": { "seat1": who }, "version": 0 });
    let r = alice.request("setAttributes", take("alice")).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["version"], 1);
    let r = bob.request("setAttributes", take("bob")).await;
    assert_eq!(r["code"], 10056, "{r}");
    let e = bob.next_event_of("attributes").await;
    assert_eq!(e["attributes"], json!({ "seat1": "alice" }), "{e}");
    let r = bob.request("getAttributes", json!({ "roomId": "r" })).await;
    assert_eq!(r["data"]["version"], 1, "{r}");
    let r = bob
        .request("initAttributes", json!({ "roomId": "r", "attributes": {} }))
        .await;
    assert_eq!(r["code"], 10007, "members may not reset: {r}");
}
