//! The path of a user message: delivery, screening, the before-send hook,
//! idempotent resend, frequency control; notices and broadcasts.

use super::*;
use crate::model::{CustomElem, FaceElem};
use serde_json::json;

const ROOM: &str = "live-1";

fn mixed_body(text: &str, desc: &str) -> ValidBody {
    ValidBody::new(MsgBody(vec![
        MsgElem::Text(TextElem { text: text.into() }),
        MsgElem::Custom(CustomElem {
            data: "gift".into(),
            desc: desc.into(),
            ext: "x".into(),
            sound: String::new(),
        }),
        MsgElem::Face(FaceElem {
            index: 1,
            data: "smile".into(),
        }),
    ]))
    .unwrap()
}

fn keyed(mut req: SendRequest, key: &str) -> SendRequest {
    req.msg_key = Some(key.into());
    req
}

fn with_priority(mut req: SendRequest, priority: Priority) -> SendRequest {
    req.priority = priority;
    req
}

async fn room(h: &Harness) -> Subscription<RoomEvent> {
    h.staffed_room(ROOM).await;
    h.subscribe(ROOM).await
}

#[tokio::test]
async fn a_message_is_delivered_with_its_seq_time_and_sender() {
    let h = Harness::new();
    let mut sub = room(&h).await;
    let req = SendRequest {
        body: mixed_body("hello", "rose"),
        priority: Priority::High,
        ..keyed(user_msg(ROOM, MEMBER, ""), "k1")
    };
    let body = serde_json::to_value(req.body.body()).unwrap();
    let SendOutcome::Delivered { seq, time_ms } = h.rooms.send_message(APP, req).await.unwrap() else {
        panic!("not delivered");
    };
    assert_eq!(seq, 1);
    let ev = next_json(&mut sub);
    let m = member(MEMBER);
    assert_eq!(
        ev,
        json!({
            "roomId": ROOM, "seq": 1, "kind": "message", "time": time_ms, "priority": "High",
            "from": MEMBER, "nick": m.nick, "avatar": m.avatar, "msgBody": body, "msgKey": "k1",
        })
    );
    assert_quiet(&mut sub);

    // The next one follows; without a key there is no msgKey.
    assert_eq!(delivered_seq(h.send(ROOM, OTHER, "again").await.unwrap()), 2);
    let ev = next_json(&mut sub);
    assert_eq!((ev["seq"].as_u64(), ev["priority"].as_str()), (Some(2), Some("Normal")));
    assert!(ev.get("msgKey").is_none());

    // The app admin's messages carry its identifier and no profile.
    h.rooms.send_message(APP, admin_msg(ROOM, "from ops")).await.unwrap();
    let ev = next_json(&mut sub);
    assert_eq!(
        (ev["from"].as_str(), ev["nick"].as_str(), ev["avatar"].as_str()),
        (Some(APP_ADMIN), Some(""), Some(""))
    );
    assert_eq!(ev["msgBody"][0]["MsgContent"]["Text"], "from ops");
}

#[tokio::test]
async fn unknown_rooms_and_apps() {
    let h = Harness::new();
    assert_eq!(code(h.send("gone", MEMBER, "hi").await), 10010);
    assert_eq!(code(h.send("a b", MEMBER, "hi").await), 10015);
    assert_eq!(
        code(h.rooms.send_message(APP + 1, user_msg(ROOM, MEMBER, "hi")).await),
        60006
    );
}

#[tokio::test]
async fn screening_blocks_or_masks() {
    let h = Harness::new();
    let mut sub = room(&h).await;

    let err = h.send(ROOM, MEMBER, &format!("so {BLOCKED}")).await.unwrap_err();
    assert_eq!(
        err,
        CoreError::Blocked {
            category: "porn".into()
        }
    );
    assert_eq!(err.code(), 80001);
    // Custom element fields are screened too.
    let req = SendRequest {
        body: mixed_body("fine", BLOCKED),
        ..user_msg(ROOM, MEMBER, "")
    };
    assert_eq!(code(h.rooms.send_message(APP, req).await), 80001);
    // Screening down: never delivered unscreened.
    let err = h.send(ROOM, MEMBER, OUTAGE).await.unwrap_err();
    assert_eq!((err.code(), err.retryable()), (10002, true));
    assert_quiet(&mut sub);

    let req = SendRequest {
        body: mixed_body(&format!("oh {MASKED}"), &format!("{MASKED}!")),
        ..user_msg(ROOM, MEMBER, "")
    };
    assert_eq!(
        delivered_seq(h.rooms.send_message(APP, req).await.unwrap()),
        1,
        "refusals took no seq"
    );
    let ev = next_json(&mut sub);
    assert_eq!(ev["msgBody"][0]["MsgContent"]["Text"], "oh ****");
    assert_eq!(
        ev["msgBody"][1]["MsgContent"],
        json!({"Data": "gift", "Desc": "****!", "Ext": "x"})
    );
    assert_eq!(ev["msgBody"][2]["MsgContent"], json!({"Index": 1, "Data": "smile"}));
    let (room_seen, user_seen, fields) = h.screen.calls.lock().last().cloned().unwrap();
    assert_eq!((room_seen.as_str(), user_seen.as_str()), (ROOM, MEMBER));
    assert_eq!(
        fields,
        [format!("oh {MASKED}"), "gift".into(), format!("{MASKED}!"), "x".into()]
    );

    // The app admin's messages are screened too (unless skipped).
    assert_eq!(code(h.rooms.send_message(APP, admin_msg(ROOM, BLOCKED)).await), 80001);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn skip_moderation_skips_screen_and_hook() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Reject(10016);
    for req in [user_msg(ROOM, MEMBER, BLOCKED), admin_msg(ROOM, BLOCKED)] {
        let req = SendRequest {
            skip_moderation: true,
            ..req
        };
        h.rooms.send_message(APP, req).await.unwrap();
        assert_eq!(next_json(&mut sub)["msgBody"][0]["MsgContent"]["Text"], BLOCKED);
    }
    assert!(h.screen.calls.lock().is_empty());
    assert!(h.hook.seen.lock().is_empty());
}

#[tokio::test]
async fn forbid_before_send_skips_only_the_hook() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Reject(10016);
    let req = SendRequest {
        callbacks: crate::rooms::CallbackControl {
            forbid_before_send: true,
            forbid_after_send: false,
        },
        ..user_msg(ROOM, MEMBER, "hi")
    };
    h.rooms.send_message(APP, req.clone()).await.unwrap();
    assert_eq!(next_json(&mut sub)["msgBody"][0]["MsgContent"]["Text"], "hi");
    assert!(h.hook.seen.lock().is_empty());
    // Screening still applies.
    let blocked = SendRequest {
        body: text_body(BLOCKED),
        ..req
    };
    assert_eq!(code(h.rooms.send_message(APP, blocked).await), 80001);
    // Without the flag the hook is asked (and rejects).
    assert_eq!(code(h.send(ROOM, MEMBER, "hi").await), 10016);
}

#[tokio::test]
async fn the_hook_sees_the_screened_body_and_may_allow() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    h.send(ROOM, MEMBER, &format!("{MASKED} it")).await.unwrap();
    assert_eq!(h.hook.seen.lock().as_slice(), [text_body("**** it").into_body()]);
    assert_eq!(next_json(&mut sub)["msgBody"][0]["MsgContent"]["Text"], "**** it");

    // Blocked messages never reach it; the app admin's are not offered.
    assert_eq!(code(h.send(ROOM, MEMBER, BLOCKED).await), 80001);
    h.rooms.send_message(APP, admin_msg(ROOM, "ops")).await.unwrap();
    assert_eq!(h.hook.seen.lock().len(), 1);
}

#[tokio::test]
async fn the_hook_may_reject() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    for code in [10016, 120_001] {
        *h.hook.mode.lock() = HookMode::Reject(code);
        let err = h.send(ROOM, MEMBER, "hi").await.unwrap_err();
        assert_eq!(
            err,
            CoreError::RejectedByHook {
                code,
                message: "the app says no".into()
            }
        );
        assert_eq!((err.code(), err.retryable()), (code, false));
    }
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn the_hook_may_replace_with_a_valid_body() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Replace(text_body("replaced").into_body());
    h.send(ROOM, MEMBER, "original").await.unwrap();
    let ev = next_json(&mut sub);
    assert_eq!(
        ev["msgBody"],
        json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "replaced"}}])
    );

    *h.hook.mode.lock() = HookMode::Replace(MsgBody(vec![]));
    assert_eq!(code(h.send(ROOM, MEMBER, "original").await), 10004);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn a_failing_hook_fails_closed_by_default() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Fail;
    let err = h.send(ROOM, MEMBER, "hi").await.unwrap_err();
    assert_eq!(err, CoreError::HookUnavailable);
    assert_eq!((err.code(), err.retryable()), (10002, true));
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn a_failing_hook_can_fail_open() {
    let h = Harness::with_hook(true);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Fail;
    h.send(ROOM, MEMBER, "hi").await.unwrap();
    assert_eq!(next_json(&mut sub)["msgBody"][0]["MsgContent"]["Text"], "hi");
}

#[tokio::test]
async fn apps_without_a_hook_are_not_offered_to_one() {
    let h = Harness::new();
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Fail;
    h.send(ROOM, MEMBER, "hi").await.unwrap();
    next_json(&mut sub);
    assert!(h.hook.seen.lock().is_empty());
}

#[tokio::test]
async fn a_resend_with_the_same_key_returns_the_first_outcome_and_is_published_once() {
    let h = Harness::new();
    let mut sub = room(&h).await;
    let first = h
        .rooms
        .send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k"))
        .await
        .unwrap();
    next_json(&mut sub);
    let again = h
        .rooms
        .send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k"))
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_quiet(&mut sub);

    // Another key, another sender or another room is another message; so
    // is every send without a key (or with an empty one).
    h.create("other", None).await;
    let reqs = [
        keyed(user_msg(ROOM, MEMBER, "a"), "k2"),
        keyed(user_msg(ROOM, OTHER, "a"), "k"),
        keyed(user_msg("other", MEMBER, "a"), "k"),
        user_msg(ROOM, MEMBER, "a"),
        user_msg(ROOM, MEMBER, "a"),
        keyed(user_msg(ROOM, MEMBER, "a"), ""),
        keyed(user_msg(ROOM, MEMBER, "a"), ""),
    ];
    let mut seqs = Vec::new();
    for req in reqs {
        let to_room = req.room_id == ROOM;
        let outcome = h.rooms.send_message(APP, req).await.unwrap();
        if to_room {
            seqs.push(delivered_seq(outcome));
            next_json(&mut sub);
        }
    }
    assert_eq!(seqs, [2, 3, 4, 5, 6, 7]);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn msg_keys_are_at_most_64_bytes() {
    let h = Harness::new();
    let mut sub = room(&h).await;
    let err = h
        .rooms
        .send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), &"k".repeat(65)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), 10004);
    assert_quiet(&mut sub);
    h.rooms
        .send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), &"k".repeat(64)))
        .await
        .unwrap();
    assert_eq!(next_json(&mut sub)["msgKey"], "k".repeat(64));
}

#[tokio::test]
async fn a_failed_first_attempt_is_processed_anew() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    *h.hook.mode.lock() = HookMode::Fail;
    assert_eq!(
        code(h.rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")).await),
        10002
    );
    *h.hook.mode.lock() = HookMode::Allow;
    let outcome = finishes(h.rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")))
        .await
        .unwrap();
    assert_eq!(delivered_seq(outcome), 1);
    next_json(&mut sub);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn a_resend_during_the_first_attempt_waits_for_its_outcome() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    h.hook.hold.store(true, std::sync::atomic::Ordering::SeqCst);
    let first = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")).await }
    });
    finishes(h.hook.entered.notified()).await;
    let second = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")).await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!second.is_finished(), "the resend waits for the first attempt");
    h.hook.release.notify_one();
    let first = finishes(first).await.unwrap().unwrap();
    assert_eq!(finishes(second).await.unwrap().unwrap(), first);
    assert_eq!(h.hook.seen.lock().len(), 1, "the resend was not processed again");
    next_json(&mut sub);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn an_abandoned_attempt_does_not_block_its_resend() {
    let h = Harness::with_hook(false);
    let mut sub = room(&h).await;
    h.hook.hold.store(true, std::sync::atomic::Ordering::SeqCst);
    let first = tokio::spawn({
        let rooms = h.rooms.clone();
        async move { rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")).await }
    });
    finishes(h.hook.entered.notified()).await;
    // The caller went away mid-send (connection closed).
    first.abort();
    assert!(finishes(first).await.unwrap_err().is_cancelled());
    assert_quiet(&mut sub);
    let outcome = finishes(h.rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")))
        .await
        .unwrap();
    assert_eq!(delivered_seq(outcome), 1);
    next_json(&mut sub);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn a_resend_after_the_sender_was_muted_still_gets_the_first_reply() {
    let h = Harness::new();
    let mut sub = room(&h).await;
    let first = h
        .rooms
        .send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k"))
        .await
        .unwrap();
    next_json(&mut sub);
    h.rooms
        .mute(APP, &user(OWNER), ROOM, &ids(&[MEMBER]), 600)
        .await
        .unwrap();
    next_tip(&mut sub);
    // The client lost the reply and resends: the message *was* delivered.
    let again = h.rooms.send_message(APP, keyed(user_msg(ROOM, MEMBER, "a"), "k")).await;
    assert_eq!(again, Ok(first));
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn frequency_control_drops_over_the_cap_without_using_a_seq() {
    let h = Harness::with_caps(3, 3);
    let mut sub = room(&h).await;
    for seq in 1..=3 {
        assert_eq!(delivered_seq(h.send(ROOM, MEMBER, "a").await.unwrap()), seq);
        next_json(&mut sub);
    }
    let outcome = h.send(ROOM, OTHER, "a").await.unwrap();
    assert!(
        matches!(outcome, SendOutcome::Dropped { time_ms } if time_ms > 0),
        "{outcome:?}"
    );
    assert_quiet(&mut sub);
    // A dropped message's resend is answered from memory: it stays dropped.
    let req = || keyed(user_msg(ROOM, OTHER, "a"), "k");
    let dropped = h.rooms.send_message(APP, req()).await.unwrap();
    assert!(matches!(dropped, SendOutcome::Dropped { .. }));
    h.next_window();
    assert_eq!(h.rooms.send_message(APP, req()).await.unwrap(), dropped);
    assert_quiet(&mut sub);

    assert_eq!(delivered_seq(h.send(ROOM, OTHER, "a").await.unwrap()), 4, "gap-free");
}

#[tokio::test]
async fn high_priority_keeps_flowing_through_a_normal_flood() {
    let h = Harness::with_caps(10, 10);
    let _sub = room(&h).await;
    let high = || with_priority(user_msg(ROOM, MEMBER, "gift"), Priority::High);
    // A first window shows High's demand: two per second.
    for _ in 0..2 {
        delivered_seq(h.rooms.send_message(APP, high()).await.unwrap());
    }
    for _ in 0..20 {
        h.send(ROOM, OTHER, "like").await.unwrap();
    }
    for _ in 0..5 {
        h.next_window();
        // The flood comes first in the window, then the gifts.
        let mut normal = 0;
        for _ in 0..20 {
            normal += matches!(
                h.send(ROOM, OTHER, "like").await.unwrap(),
                SendOutcome::Delivered { .. }
            ) as u32;
        }
        assert!((1..10).contains(&normal), "the flood got some but left room: {normal}");
        for _ in 0..2 {
            let outcome = h.rooms.send_message(APP, high()).await.unwrap();
            assert!(
                matches!(outcome, SendOutcome::Delivered { .. }),
                "High dropped: {outcome:?}"
            );
        }
    }
}

#[tokio::test]
async fn sub_caps_spare_high_and_privileged_senders_but_the_room_cap_holds() {
    let h = Harness::with_caps(40, 5);
    let _sub = room(&h).await;
    let delivered = async |req: &dyn Fn() -> SendRequest, n: usize| {
        let mut ok = 0;
        for _ in 0..n {
            ok += matches!(
                h.rooms.send_message(APP, req()).await.unwrap(),
                SendOutcome::Delivered { .. }
            ) as usize;
        }
        ok
    };
    assert_eq!(
        delivered(&|| user_msg(ROOM, MEMBER, "a"), 8).await,
        5,
        "Normal's sub-cap"
    );
    assert_eq!(
        delivered(&|| with_priority(user_msg(ROOM, MEMBER, "a"), Priority::Low), 8).await,
        5
    );
    assert_eq!(
        delivered(&|| with_priority(user_msg(ROOM, MEMBER, "a"), Priority::High), 6).await,
        6
    );
    assert_eq!(delivered(&|| user_msg(ROOM, OWNER, "a"), 4).await, 4);
    assert_eq!(delivered(&|| user_msg(ROOM, ADMIN, "a"), 4).await, 4);
    assert_eq!(delivered(&|| user_msg(ROOM, APP_ADMIN, "a"), 4).await, 4);
    assert_eq!(delivered(&|| admin_msg(ROOM, "a"), 4).await, 4);
    // 32 so far: privileged senders still stop at the room cap.
    assert_eq!(delivered(&|| user_msg(ROOM, OWNER, "a"), 10).await, 8);
    assert_eq!(delivered(&|| admin_msg(ROOM, "a"), 2).await, 0);
}

#[tokio::test]
async fn notices_are_never_dropped() {
    let h = Harness::with_caps(1, 1);
    let mut sub = room(&h).await;
    h.send(ROOM, MEMBER, "a").await.unwrap();
    next_json(&mut sub);
    assert!(matches!(
        h.send(ROOM, MEMBER, "a").await.unwrap(),
        SendOutcome::Dropped { .. }
    ));
    for expected in 2..=4 {
        let seq = h.rooms.send_notice(APP, ROOM, "stream starts soon").await.unwrap();
        assert_eq!(seq, expected);
        let ev = next_json(&mut sub);
        assert_eq!(
            (ev["kind"].as_str(), ev["priority"].as_str(), ev["notice"].as_str()),
            (Some("notice"), Some("High"), Some("stream starts soon"))
        );
        assert!(ev.get("from").is_none() && ev.get("msgBody").is_none());
    }
    assert_eq!(code(h.rooms.send_notice(APP, ROOM, "").await), 10004);
    assert_eq!(
        code(h.rooms.send_notice(APP, ROOM, &"n".repeat(12 * 1024 + 1)).await),
        10004
    );
    assert_eq!(code(h.rooms.send_notice(APP, "gone", "hi").await), 10010);
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn broadcast_reaches_every_room_of_the_app() {
    let h = Harness::new();
    let mut subs = Vec::new();
    for id in ["r1", "r2", "r3"] {
        h.create(id, None).await;
        subs.push((id, h.subscribe(id).await));
    }
    assert_eq!(h.rooms.broadcast(APP, "maintenance").await.unwrap(), 3);
    for (id, sub) in &mut subs {
        let ev = next_json(sub);
        assert_eq!(
            (ev["roomId"].as_str(), ev["notice"].as_str()),
            (Some(*id), Some("maintenance"))
        );
        assert_quiet(sub);
    }
    assert_eq!(code(h.rooms.broadcast(APP, "").await), 10004);
    assert_eq!(code(h.rooms.broadcast(APP + 1, "hi").await), 60006);
    for (_, sub) in &mut subs {
        assert_quiet(sub);
    }
}

#[tokio::test]
async fn a_process_without_screen_or_idempotency_refuses_what_needs_them() {
    let h = Harness::build(Setup {
        process_sends: false,
        ..Setup::default()
    });
    let mut sub = room(&h).await;
    // Never published unscreened, nor without idempotency.
    for req in [
        user_msg(ROOM, MEMBER, "hi"),
        admin_msg(ROOM, "hi"),
        keyed(user_msg(ROOM, MEMBER, "hi"), "k"),
    ] {
        let err = h.rooms.send_message(APP, req).await.unwrap_err();
        assert_eq!((err.code(), err.retryable()), (10002, true), "{err:?}");
    }
    let nick = UserProfile {
        nick: "cat".into(),
        avatar: String::new(),
    };
    assert_eq!(code(h.rooms.update_profile(APP, MEMBER, &nick).await), 10002);
    assert_eq!(h.rooms.profile(APP, MEMBER).await.unwrap(), UserProfile::default());
    let patch = crate::model::RoomPatch {
        name: Some("user text".into()),
        ..Default::default()
    };
    assert_eq!(
        code(h.rooms.modify_room(APP, &user(OWNER), ROOM, patch.clone()).await),
        10002
    );
    assert_quiet(&mut sub);
    // What needs neither still works.
    h.rooms.modify_room(APP, &Actor::AppAdmin, ROOM, patch).await.unwrap();
    assert_eq!(next_tip(&mut sub)["changes"]["name"], "user text");
    assert_eq!(h.rooms.send_notice(APP, ROOM, "notice").await.unwrap(), 2);
    next_json(&mut sub);
}
