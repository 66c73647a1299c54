//! Publication order: a room's events reach the bus in strictly increasing,
//! gap-free sequence order, and effects (kick, dismissal) come after every
//! event sequenced before them.

use super::*;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

const ROOM: &str = "live-1";

fn unlimited() -> Harness {
    Harness::with_caps(1_000_000, 1_000_000)
}

/// Every event waiting on the subscription.
fn drain(sub: &mut Subscription<RoomEvent>) -> Vec<RoomEvent> {
    std::iter::from_fn(|| sub.ready()).collect()
}

/// Lets spawned tasks run as far as they can on this (current-thread) runtime.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_events_reach_the_bus_in_gap_free_seq_order() {
    let h = unlimited();
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    let (senders, per_sender) = (8, 50);

    let mut tasks = Vec::new();
    for s in 0..senders {
        let rooms = h.rooms.clone();
        tasks.push(tokio::spawn(async move {
            let sender = format!("user{s}");
            let mut seqs = Vec::new();
            for i in 0..per_sender {
                let outcome = rooms
                    .send_message(APP, user_msg(ROOM, &sender, &format!("{s}/{i}")))
                    .await;
                seqs.push(delivered_seq(outcome.unwrap()));
            }
            (sender, seqs)
        }));
    }
    // Tips and notices from other tasks at the same time.
    let rooms = h.rooms.clone();
    let others = tokio::spawn(async move {
        for i in 0..20u64 {
            rooms
                .join(APP, ROOM, &member(&format!("viewer{i}")), 1000 + i)
                .await
                .unwrap();
            rooms
                .mute(APP, &Actor::AppAdmin, ROOM, &ids(&[MEMBER]), i % 2)
                .await
                .unwrap();
            rooms.send_notice(APP, ROOM, "notice").await.unwrap();
        }
    });
    let mut by_sender = HashMap::new();
    for t in tasks {
        let (sender, seqs) = t.await.unwrap();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{sender}: {seqs:?}");
        by_sender.insert(sender, seqs);
    }
    others.await.unwrap();

    let events = drain(&mut sub);
    let total = senders * per_sender + 3 * 20;
    assert_eq!(events.len(), total);
    let seqs: Vec<u64> = events.iter().map(|e| e.seq().expect("deliverable")).collect();
    assert_eq!(
        seqs,
        (1..=total as u64).collect::<Vec<_>>(),
        "strictly increasing and gap-free"
    );

    // Each event's JSON carries its seq, and each sender's replies name
    // exactly the events holding its messages.
    let mut from_events: HashMap<String, Vec<u64>> = HashMap::new();
    for e in &events {
        let RoomEvent::Deliver { seq, json } = e else {
            unreachable!()
        };
        let v: serde_json::Value = serde_json::from_slice(json).unwrap();
        assert_eq!(v["seq"], *seq);
        if let Some(from) = v["from"].as_str() {
            from_events.entry(from.to_string()).or_default().push(*seq);
        }
    }
    assert_eq!(from_events, by_sender);
}

#[tokio::test]
async fn a_later_event_waits_for_one_sequenced_before_it() {
    let h = unlimited();
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;

    h.sequencer.hold.store(true, Ordering::SeqCst);
    let first = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, user_msg(ROOM, MEMBER, "first")).await }
    });
    finishes(h.sequencer.entered.notified()).await;
    let second = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_notice(APP, ROOM, "second").await }
    });
    settle().await;
    assert!(
        !second.is_finished(),
        "the notice waits for the message sequenced first"
    );
    assert_quiet(&mut sub);

    h.sequencer.release.notify_one();
    assert_eq!(delivered_seq(finishes(first).await.unwrap().unwrap()), 1);
    assert_eq!(finishes(second).await.unwrap().unwrap(), 2);
    let first = next_json(&mut sub);
    assert_eq!(
        (first["seq"].as_u64(), first["kind"].as_str()),
        (Some(1), Some("message"))
    );
    let second = next_json(&mut sub);
    assert_eq!(
        (second["seq"].as_u64(), second["kind"].as_str()),
        (Some(2), Some("notice"))
    );
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn effects_come_after_events_sequenced_before_them() {
    for effect in ["ban", "dismiss"] {
        let h = unlimited();
        h.staffed_room(ROOM).await;
        let mut sub = h.subscribe(ROOM).await;

        h.sequencer.hold.store(true, Ordering::SeqCst);
        let message = tokio::spawn({
            let rooms = h.rooms.clone();
            async move { rooms.send_message(APP, user_msg(ROOM, OTHER, "before")).await }
        });
        finishes(h.sequencer.entered.notified()).await;
        let rooms = h.rooms.clone();
        let acting = tokio::spawn(async move {
            match effect {
                "ban" => rooms.ban(APP, &Actor::AppAdmin, ROOM, &ids(&[MEMBER]), 60, "").await,
                _ => rooms.dismiss_room(APP, &Actor::AppAdmin, ROOM).await,
            }
        });
        settle().await;
        assert!(!acting.is_finished(), "{effect} waits for the message sequenced first");
        assert_quiet(&mut sub);

        h.sequencer.release.notify_one();
        finishes(message).await.unwrap().unwrap();
        finishes(acting).await.unwrap().unwrap();
        assert_eq!(
            next_json(&mut sub)["msgBody"][0]["MsgContent"]["Text"],
            "before",
            "{effect}"
        );
        if effect == "ban" {
            let tip = next_json(&mut sub);
            assert_eq!(
                (tip["seq"].as_u64(), tip["tip"]["type"].as_str()),
                (Some(2), Some("memberBanned"))
            );
            assert!(matches!(next_event(&mut sub), RoomEvent::Kick { .. }));
        } else {
            assert_eq!(next_event(&mut sub), RoomEvent::Dismissed);
        }
        assert_quiet(&mut sub);
    }
}

#[tokio::test]
async fn each_room_has_its_own_sequence() {
    let h = Harness::new();
    h.create("a", None).await;
    h.create("b", None).await;
    let (mut sa, mut sb) = (h.subscribe("a").await, h.subscribe("b").await);
    for n in 1..=3 {
        assert_eq!(delivered_seq(h.send("a", MEMBER, "x").await.unwrap()), n);
    }
    assert_eq!(h.rooms.send_notice(APP, "b", "y").await.unwrap(), 1);
    assert_eq!(drain(&mut sa).len(), 3);
    assert_eq!(next_json(&mut sb)["roomId"], "b");
    assert_quiet(&mut sb);
}

#[tokio::test]
async fn a_message_in_flight_is_not_published_after_its_room_is_dismissed() {
    let h = Harness::with_hook(false);
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    h.hook.hold.store(true, Ordering::SeqCst);
    let message = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, user_msg(ROOM, MEMBER, "late")).await }
    });
    // Checked against the room, screened, now with the app's hook.
    finishes(h.hook.entered.notified()).await;
    h.rooms.dismiss_room(APP, &user(OWNER), ROOM).await.unwrap();
    assert_eq!(next_event(&mut sub), RoomEvent::Dismissed);
    h.hook.release.notify_one();
    let outcome = finishes(message).await.unwrap();
    assert_quiet(&mut sub);
    assert_eq!(outcome.map_err(|e| e.code()), Err(10010));
}

#[tokio::test]
async fn a_banned_senders_message_in_flight_is_not_published_after_the_kick() {
    let h = Harness::with_hook(false);
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    h.hook.hold.store(true, Ordering::SeqCst);
    let message = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, user_msg(ROOM, MEMBER, "spam")).await }
    });
    // Checked against the sender's standing, screened, now with the hook.
    finishes(h.hook.entered.notified()).await;
    h.rooms
        .ban(APP, &user(OWNER), ROOM, &ids(&[MEMBER]), 3600, "spam")
        .await
        .unwrap();
    assert_eq!(next_tip(&mut sub)["type"], "memberBanned");
    assert!(matches!(next_event(&mut sub), RoomEvent::Kick { .. }));
    h.hook.release.notify_one();
    let outcome = finishes(message).await.unwrap();
    assert_quiet(&mut sub);
    assert_eq!(outcome.map_err(|e| e.code()), Err(10007));
}
