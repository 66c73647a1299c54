//! Joining and leaving, tips, and who is online.

use super::*;
use crate::model::{now_ms, unix_secs};
use crate::rooms::JoinStatus;

const ROOM: &str = "live-1";
const GUEST: &str = "@guest#42";

#[tokio::test]
async fn several_connections_are_one_member_with_one_join_and_one_quit_tip() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    let (c1, c2) = (h.conn(), h.conn());

    let joined = h.rooms.join(APP, ROOM, &member(MEMBER), c1).await.unwrap();
    assert_eq!(joined.status, JoinStatus::Success);
    assert_eq!(joined.status.as_str(), "success");
    assert_eq!(
        (joined.room.id.as_str(), joined.room.owner.as_deref()),
        (ROOM, Some(OWNER))
    );
    assert_eq!(joined.online_count, 1);
    let event = next_json(&mut sub);
    assert_eq!(event["kind"], "tip");
    assert_eq!(event["priority"], "Lowest", "join tips ride at Lowest");
    assert_eq!(event["roomId"], ROOM);
    let tip = &event["tip"];
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("memberJoined"), Some(1))
    );
    assert_eq!(tip["users"], serde_json::json!([MEMBER]));
    let m = member(MEMBER);
    let members = serde_json::json!([{ "userId": MEMBER, "nick": m.nick, "avatar": m.avatar }]);
    assert_eq!(tip["members"], members, "the joiner's profile, as TIM's tips show it");
    assert!(tip.get("operator").is_none());

    let joined = h.rooms.join(APP, ROOM, &member(MEMBER), c2).await.unwrap();
    assert_eq!(joined.status, JoinStatus::AlreadyInGroup);
    assert_eq!(joined.status.as_str(), "already_in_group");
    assert_eq!(joined.online_count, 1);
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 1);

    h.leave(ROOM, MEMBER, c1, true).await;
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 1, "still online on c2");
    let (room, count) = h.rooms.room_with_count(APP, ROOM).await.unwrap();
    assert_eq!((room, count), (joined.room.clone(), 1));

    h.leave(ROOM, MEMBER, c2, true).await;
    let event = next_json(&mut sub);
    assert_eq!(event["priority"], "Lowest", "quit tips ride at Lowest");
    let tip = &event["tip"];
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("memberQuit"), Some(2))
    );
    assert_eq!(tip["users"], serde_json::json!([MEMBER]));
    assert_eq!(tip["members"], members);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 0);

    // Leaving again (or with an unknown connection) changes nothing.
    h.leave(ROOM, MEMBER, c2, true).await;
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn unannounced_leaves_publish_no_tip() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let conn = h.join(ROOM, MEMBER).await;
    let mut sub = h.subscribe(ROOM).await;
    h.leave(ROOM, MEMBER, conn, false).await;
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 0);
}

#[tokio::test]
async fn guests_join_without_tips_and_are_not_subject_to_bans() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let far = unix_secs() + 3600;
    // A ban on the guest's member id (which the rules could never impose)
    // next to one on a real user, to show the check is skipped, not passed.
    h.store
        .set_bans(APP, ROOM, &ids(&[GUEST, MEMBER]), far, "")
        .await
        .unwrap();
    let mut sub = h.subscribe(ROOM).await;

    let conn = h.conn();
    let joined = h.rooms.join(APP, ROOM, &member(GUEST), conn).await.unwrap();
    assert_eq!((joined.status, joined.online_count), (JoinStatus::Success, 1));
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 1);
    let members = h.rooms.online_members(APP, ROOM, None, 0).await.unwrap();
    assert_eq!(members.items[0].user_id, GUEST);

    assert_eq!(code(h.rooms.join(APP, ROOM, &member(MEMBER), h.conn()).await), 10007);
    assert_quiet(&mut sub);

    h.leave(ROOM, GUEST, conn, true).await;
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 0);
}

#[tokio::test]
async fn member_tips_can_be_turned_off() {
    let h = Harness::with_options(RoomsOptions {
        member_tips: false,
        ..RoomsOptions::default()
    });
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    let conn = h.join(ROOM, MEMBER).await;
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 1);
    h.leave(ROOM, MEMBER, conn, true).await;
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 0);
    assert_quiet(&mut sub);
    // Other tips are unaffected.
    h.rooms
        .mute(APP, &Actor::AppAdmin, ROOM, &ids(&[MEMBER]), 60)
        .await
        .unwrap();
    assert_eq!(next_tip(&mut sub)["type"], "memberProfileUpdated");
}

#[tokio::test]
async fn join_tips_may_be_dropped_but_the_join_stands() {
    // Lowest's sub-cap is one per window.
    let h = Harness::with_caps(40, 1);
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    h.join(ROOM, MEMBER).await;
    assert_eq!(next_tip(&mut sub)["users"], serde_json::json!([MEMBER]));

    let joined = h.rooms.join(APP, ROOM, &member(OTHER), h.conn()).await.unwrap();
    assert_eq!((joined.status, joined.online_count), (JoinStatus::Success, 2));
    assert_quiet(&mut sub);
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 2);
    // The dropped tip took no sequence number.
    assert_eq!(delivered_seq(h.send(ROOM, MEMBER, "hi").await.unwrap()), 2);
    assert_eq!(next_json(&mut sub)["seq"], 2);
}

#[tokio::test]
async fn the_owner_cannot_quit_but_others_can() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let err = h.rooms.check_quit(APP, ROOM, OWNER).await.unwrap_err();
    assert_eq!(err, CoreError::OwnerCannotQuit);
    assert_eq!(err.code(), 10009);
    for u in [ADMIN, MEMBER] {
        h.rooms.check_quit(APP, ROOM, u).await.unwrap();
    }
    // An app-admin-owned room has no owner to hold back.
    h.create("app-room", None).await;
    h.rooms.check_quit(APP, "app-room", APP_ADMIN).await.unwrap();
    // The owner's connections still go when they disconnect.
    let conn = h.join(ROOM, OWNER).await;
    h.leave(ROOM, OWNER, conn, false).await;
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 0);
}

/// Waits for the millisecond clock to tick, so joins get distinct times.
fn next_ms() {
    let t = now_ms();
    while now_ms() == t {
        std::hint::spin_loop();
    }
}

#[tokio::test]
async fn online_members_page_most_recent_first() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let users = ["u0", "u1", "u2", "u3", "u4"];
    for u in users {
        next_ms();
        h.join(ROOM, u).await;
    }
    h.join(ROOM, "u2").await; // a second connection changes nothing
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 5);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = h.rooms.online_members(APP, ROOM, cursor.as_deref(), 2).await.unwrap();
        for m in &page.items {
            let info = member(&m.user_id);
            assert_eq!((&m.nick, &m.avatar), (&info.nick, &info.avatar));
        }
        seen.extend(page.items);
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let order: Vec<&str> = seen.iter().map(|m| m.user_id.as_str()).collect();
    assert_eq!(order, ["u4", "u3", "u2", "u1", "u0"]);
    assert!(seen.windows(2).all(|w| w[0].joined_at_ms > w[1].joined_at_ms));

    let all = h.rooms.online_members(APP, ROOM, Some(""), 0).await.unwrap();
    assert_eq!(all.items.len(), 5, "limit 0 is the default page");
    assert_eq!(all.next_cursor, None);
    assert_eq!(code(h.rooms.online_members(APP, ROOM, Some("bogus"), 2).await), 10004);
}

#[tokio::test]
async fn unknown_or_malformed_rooms() {
    let h = Harness::new();
    let mut sub = h.subscribe("gone").await;
    assert_eq!(code(h.rooms.join(APP, "gone", &member(MEMBER), h.conn()).await), 10010);
    assert_eq!(code(h.rooms.online_count(APP, "gone").await), 10010);
    assert_eq!(code(h.rooms.room_with_count(APP, "gone").await), 10010);
    assert_eq!(code(h.rooms.online_members(APP, "gone", None, 0).await), 10010);
    assert_eq!(code(h.rooms.join(APP, "a b", &member(MEMBER), h.conn()).await), 10015);
    assert_quiet(&mut sub);
    // The refused join left nothing behind for a room created later.
    h.create("gone", None).await;
    assert_eq!(h.rooms.online_count(APP, "gone").await.unwrap(), 0);
}

#[tokio::test]
async fn restoring_presence_adds_no_tip() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let mut sub = h.subscribe(ROOM).await;
    h.rooms
        .restore_presence(APP, ROOM, &member(MEMBER), h.conn())
        .await
        .unwrap();
    assert_eq!(h.rooms.online_count(APP, ROOM).await.unwrap(), 1);
    assert_quiet(&mut sub);
}
