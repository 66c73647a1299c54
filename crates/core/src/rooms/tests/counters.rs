//! Group counters: who may change which counter, the limits, all-or-none
//! updates, and coalesced publication outside the room's sequence.

use super::*;
use crate::apps::{CounterGrant, CounterOp, CounterPolicy};
use crate::limits::{COUNTER_KEY_MAX, COUNTER_KEYS_MAX};
use crate::ports::counters::{CounterMode, CounterValues};

const ROOM: &str = "live-1";

fn values(pairs: &[(&str, i64)]) -> CounterValues {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

async fn update(h: &Harness, actor: &Actor, mode: CounterMode, pairs: &[(&str, i64)]) -> Result<CounterValues> {
    h.rooms.update_counters(APP, actor, ROOM, mode, &values(pairs)).await
}

async fn all(h: &Harness) -> CounterValues {
    h.rooms.get_counters(APP, Some(&user(MEMBER)), ROOM, &[]).await.unwrap()
}

/// The next event must be a `counters` event outside the sequence.
fn next_counters(sub: &mut Subscription<RoomEvent>) -> Value {
    let v = next_json(sub);
    assert_eq!(v["kind"], "counters", "{v}");
    assert_eq!(v["seq"], 0, "outside the sequence: {v}");
    assert_eq!(v["roomId"], ROOM);
    v["counters"].clone()
}

#[tokio::test]
async fn members_may_only_increase_likes_by_default() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let m = user(MEMBER);
    assert_eq!(
        update(&h, &m, CounterMode::Increase, &[("likes", 3)]).await.unwrap(),
        values(&[("likes", 3)])
    );
    assert_eq!(
        update(&h, &m, CounterMode::Increase, &[("likes", 2)]).await.unwrap(),
        values(&[("likes", 5)])
    );
    assert_eq!(
        code(update(&h, &m, CounterMode::Decrease, &[("likes", 1)]).await),
        10007
    );
    assert_eq!(code(update(&h, &m, CounterMode::Set, &[("likes", 0)]).await), 10007);
    assert_eq!(
        code(update(&h, &m, CounterMode::Increase, &[("gifts", 1)]).await),
        10007
    );
    assert_eq!(
        code(h.rooms.delete_counters(APP, &m, ROOM, &ids(&["likes"])).await),
        10007
    );
    // One refused key refuses the whole request.
    assert_eq!(
        code(update(&h, &m, CounterMode::Increase, &[("likes", 1), ("gifts", 1)]).await),
        10007
    );
    assert_eq!(all(&h).await, values(&[("likes", 5)]));
}

#[tokio::test]
async fn owner_admins_and_the_app_admin_may_do_everything() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    update(&h, &user(OWNER), CounterMode::Set, &[("gifts", 100), ("views", 7)])
        .await
        .unwrap();
    update(&h, &user(ADMIN), CounterMode::Decrease, &[("gifts", 30)])
        .await
        .unwrap();
    update(&h, &Actor::AppAdmin, CounterMode::Increase, &[("views", 3)])
        .await
        .unwrap();
    assert_eq!(all(&h).await, values(&[("gifts", 70), ("views", 10)]));
    h.rooms
        .delete_counters(APP, &user(ADMIN), ROOM, &ids(&["views", "absent"]))
        .await
        .unwrap();
    assert_eq!(all(&h).await, values(&[("gifts", 70)]));
    // Decreasing below zero is allowed (int64), reading named keys skips missing ones.
    update(&h, &user(OWNER), CounterMode::Decrease, &[("gifts", 100)])
        .await
        .unwrap();
    let some = h
        .rooms
        .get_counters(APP, Some(&user(OWNER)), ROOM, &ids(&["gifts", "nope"]))
        .await
        .unwrap();
    assert_eq!(some, values(&[("gifts", -30)]));
}

#[tokio::test]
async fn the_policy_is_per_app_and_can_lock_out_guests() {
    let h = Harness::build(Setup {
        counters: CounterPolicy {
            members: vec![CounterGrant {
                keys: vec!["*".into()],
                ops: vec![CounterOp::Increase, CounterOp::Decrease],
            }],
            guests_read: false,
        },
        ..Setup::default()
    });
    h.staffed_room(ROOM).await;
    let m = user(MEMBER);
    update(&h, &m, CounterMode::Increase, &[("anything", 4)]).await.unwrap();
    update(&h, &m, CounterMode::Decrease, &[("anything", 1)]).await.unwrap();
    assert_eq!(code(update(&h, &m, CounterMode::Set, &[("anything", 1)]).await), 10007);
    assert_eq!(all(&h).await, values(&[("anything", 3)]));
    assert_eq!(code(h.rooms.get_counters(APP, None, ROOM, &[]).await), 10007);
    // Guests read by default.
    let open = Harness::new();
    open.staffed_room(ROOM).await;
    assert!(open.rooms.get_counters(APP, None, ROOM, &[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn limits_refuse_bad_input_with_10004() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let o = user(OWNER);
    let long = "k".repeat(COUNTER_KEY_MAX + 1);
    assert_eq!(
        code(update(&h, &o, CounterMode::Set, &[(long.as_str(), 1)]).await),
        10004
    );
    assert_eq!(code(update(&h, &o, CounterMode::Set, &[("", 1)]).await), 10004);
    assert_eq!(code(update(&h, &o, CounterMode::Set, &[]).await), 10004);
    assert_eq!(
        code(update(&h, &o, CounterMode::Increase, &[("likes", -1)]).await),
        10004
    );
    let exact = "k".repeat(COUNTER_KEY_MAX);
    update(&h, &o, CounterMode::Set, &[(exact.as_str(), 1)]).await.unwrap();
    // At most 20 keys per room, all or none.
    let names: Vec<String> = (1..COUNTER_KEYS_MAX).map(|i| format!("c{i}")).collect();
    let pairs: Vec<(&str, i64)> = names.iter().map(|n| (n.as_str(), 1)).collect();
    update(&h, &o, CounterMode::Set, &pairs).await.unwrap();
    assert_eq!(all(&h).await.len(), COUNTER_KEYS_MAX);
    assert_eq!(
        code(update(&h, &o, CounterMode::Set, &[("c1", 2), ("one-more", 1)]).await),
        10004
    );
    assert_eq!(all(&h).await["c1"], 1, "nothing applied");
    update(&h, &o, CounterMode::Set, &[("c1", 2)]).await.unwrap();
    // Overflow refuses the whole request.
    update(&h, &o, CounterMode::Set, &[("c2", i64::MAX)]).await.unwrap();
    assert_eq!(
        code(update(&h, &o, CounterMode::Increase, &[("c1", 1), ("c2", 1)]).await),
        10004
    );
    assert_eq!(all(&h).await["c1"], 2, "nothing applied");
    // Unknown room.
    assert_eq!(
        code(
            h.rooms
                .update_counters(APP, &o, "nope", CounterMode::Set, &values(&[("a", 1)]))
                .await
        ),
        10010
    );
}

#[tokio::test]
async fn changes_are_published_coalesced_outside_the_sequence() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    assert_eq!(h.rooms.publish_counters().await.unwrap(), 0, "nothing changed yet");
    for _ in 0..1000 {
        update(&h, &user(MEMBER), CounterMode::Increase, &[("likes", 1)])
            .await
            .unwrap();
    }
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.publish_counters().await.unwrap(), 1);
    assert_eq!(next_counters(&mut sub), serde_json::json!({ "likes": 1000 }));
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.publish_counters().await.unwrap(), 0, "published once");
    // Counter events take no seq and are not in history: the next message is seq 1.
    let seq = delivered_seq(h.send(ROOM, MEMBER, "hi").await.unwrap());
    assert_eq!(seq, 1);
    next_json(&mut sub);
    assert!(h.rooms.history(APP, ROOM, None, 10).await.unwrap().events.len() == 1);
    // A deletion publishes the remaining values.
    h.rooms
        .delete_counters(APP, &user(OWNER), ROOM, &ids(&["likes"]))
        .await
        .unwrap();
    h.rooms.publish_counters().await.unwrap();
    assert_eq!(next_counters(&mut sub), serde_json::json!({}));
}

#[tokio::test]
async fn dismissal_and_recreation_start_from_no_counters() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    update(&h, &user(MEMBER), CounterMode::Increase, &[("likes", 9)])
        .await
        .unwrap();
    h.rooms.dismiss_room(APP, &Actor::AppAdmin, ROOM).await.unwrap();
    assert_eq!(h.rooms.publish_counters().await.unwrap(), 0, "nothing for a gone room");
    h.staffed_room(ROOM).await;
    assert!(all(&h).await.is_empty());
}
