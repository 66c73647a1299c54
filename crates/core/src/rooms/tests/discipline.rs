//! Mutes, mute-all, bans and unbans, and who may impose them on whom.

use super::*;
use crate::model::{RoomPatch, unix_secs};

const ROOM: &str = "live-1";

fn mute_all(on: bool) -> RoomPatch {
    RoomPatch {
        mute_all: Some(on),
        ..RoomPatch::default()
    }
}

#[tokio::test]
async fn mute_blocks_sending_and_survives_leave_and_rejoin() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let conn = h.join(ROOM, MEMBER).await;
    let mut sub = h.subscribe(ROOM).await;

    let before = unix_secs();
    h.rooms
        .mute(APP, &user(OWNER), ROOM, &ids(&[MEMBER]), 600)
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("memberProfileUpdated"), Some(7))
    );
    assert_eq!(tip["users"], serde_json::json!([MEMBER]));
    assert_eq!(tip["muteSecs"], 600);
    assert_eq!(tip["operator"], OWNER);

    let muted = h.rooms.muted(APP, ROOM).await.unwrap();
    assert_eq!(muted.len(), 1);
    assert_eq!(muted[0].user_id, MEMBER);
    let until = muted[0].until;
    assert!((before + 600..=unix_secs() + 600).contains(&until), "{until}");

    let err = h.send(ROOM, MEMBER, "hi").await.unwrap_err();
    assert_eq!(err, CoreError::Muted { until });
    assert_eq!(err.code(), 10017);
    assert_eq!(err.data(), Some(serde_json::json!({ "mutedUntil": until })));
    assert_quiet(&mut sub);

    h.leave(ROOM, MEMBER, conn, true).await;
    h.join(ROOM, MEMBER).await;
    assert_eq!(next_tip(&mut sub)["type"], "memberQuit");
    assert_eq!(next_tip(&mut sub)["type"], "memberJoined");
    assert_eq!(
        h.send(ROOM, MEMBER, "hi").await.unwrap_err(),
        CoreError::Muted { until }
    );
    assert_quiet(&mut sub);

    // Others are not affected.
    h.send(ROOM, OTHER, "hi").await.unwrap();
    assert_eq!(next_json(&mut sub)["from"], OTHER);

    // Duration 0 unmutes.
    h.rooms
        .mute(APP, &Actor::AppAdmin, ROOM, &ids(&[MEMBER]), 0)
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(tip["muteSecs"], 0);
    assert!(tip.get("operator").is_none(), "no operator for the app admin: {tip}");
    assert!(h.rooms.muted(APP, ROOM).await.unwrap().is_empty());
    h.send(ROOM, MEMBER, "back").await.unwrap();
    assert_eq!(next_json(&mut sub)["from"], MEMBER);
}

#[tokio::test]
async fn an_owner_may_mute_an_admin() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    h.rooms.mute(APP, &user(OWNER), ROOM, &ids(&[ADMIN]), 60).await.unwrap();
    assert_eq!(code(h.send(ROOM, ADMIN, "hi").await), 10017);
}

#[tokio::test]
async fn expired_mutes_and_bans_no_longer_hold() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let past = unix_secs() - 1;
    h.store.set_mutes(APP, ROOM, &ids(&[MEMBER]), Some(past)).await.unwrap();
    h.store.set_bans(APP, ROOM, &ids(&[OTHER]), past, "old").await.unwrap();
    assert!(h.rooms.muted(APP, ROOM).await.unwrap().is_empty());
    assert!(h.rooms.banned(APP, ROOM).await.unwrap().is_empty());
    h.send(ROOM, MEMBER, "hi").await.unwrap();
    h.join(ROOM, OTHER).await;
    h.send(ROOM, OTHER, "hi").await.unwrap();
}

#[tokio::test]
async fn mute_all_blocks_members_but_not_owner_admins_or_the_app_admin() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    h.rooms
        .modify_room(APP, &user(ADMIN), ROOM, mute_all(true))
        .await
        .unwrap();
    let mut sub = h.subscribe(ROOM).await;

    let err = h.send(ROOM, MEMBER, "hi").await.unwrap_err();
    assert_eq!(err, CoreError::RoomMuted);
    assert_eq!(err.code(), 10017);
    assert_quiet(&mut sub);

    for sender in [OWNER, ADMIN, APP_ADMIN] {
        h.send(ROOM, sender, "hi").await.unwrap();
        assert_eq!(next_json(&mut sub)["from"], sender);
    }
    h.rooms.send_message(APP, admin_msg(ROOM, "hi")).await.unwrap();
    assert_eq!(next_json(&mut sub)["from"], APP_ADMIN);

    h.rooms
        .modify_room(APP, &user(OWNER), ROOM, mute_all(false))
        .await
        .unwrap();
    assert_eq!(next_tip(&mut sub)["changes"], serde_json::json!({ "muteAll": false }));
    h.send(ROOM, MEMBER, "hi").await.unwrap();
    assert_eq!(next_json(&mut sub)["from"], MEMBER);
}

#[tokio::test]
async fn ban_kicks_after_its_tip_and_forbids_rejoining_and_sending() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    h.join(ROOM, MEMBER).await;
    let mut sub = h.subscribe(ROOM).await;

    let before = unix_secs();
    h.rooms
        .ban(APP, &user(ADMIN), ROOM, &ids(&[MEMBER]), 3600, "spam")
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("memberBanned"), Some(10))
    );
    assert_eq!(tip["users"], serde_json::json!([MEMBER]));
    assert_eq!(tip["banSecs"], 3600);
    assert_eq!(tip["operator"], ADMIN);
    assert_eq!(
        next_event(&mut sub),
        RoomEvent::Kick {
            users: ids(&[MEMBER]),
            reason: "banned".into()
        }
    );
    assert_quiet(&mut sub);

    let banned = h.rooms.banned(APP, ROOM).await.unwrap();
    assert_eq!(banned.len(), 1);
    assert_eq!(
        (banned[0].user_id.as_str(), banned[0].description.as_str()),
        (MEMBER, "spam")
    );
    let until = banned[0].until;
    assert!((before + 3600..=unix_secs() + 3600).contains(&until));

    let rejoin = h.rooms.join(APP, ROOM, &member(MEMBER), h.conn()).await.unwrap_err();
    assert_eq!(rejoin, CoreError::Banned { until });
    assert_eq!(rejoin.code(), 10007);
    assert_eq!(rejoin.data(), Some(serde_json::json!({ "bannedUntil": until })));
    // Even if the kick was missed, the ban holds on send.
    assert_eq!(
        h.send(ROOM, MEMBER, "hi").await.unwrap_err(),
        CoreError::Banned { until }
    );
    assert_quiet(&mut sub);

    // Unban lifts it; only users that were banned are in the tip.
    h.rooms
        .unban(APP, &user(OWNER), ROOM, &ids(&[MEMBER, OTHER]))
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("memberUnbanned"), Some(11))
    );
    assert_eq!(tip["users"], serde_json::json!([MEMBER]));
    assert!(h.rooms.banned(APP, ROOM).await.unwrap().is_empty());
    h.rooms.unban(APP, &user(OWNER), ROOM, &ids(&[MEMBER])).await.unwrap();
    assert_quiet(&mut sub);
    h.join(ROOM, MEMBER).await;
    h.send(ROOM, MEMBER, "back").await.unwrap();
}

#[tokio::test]
async fn who_may_act_on_whom() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    h.rooms
        .set_admin(APP, &Actor::AppAdmin, ROOM, "bob2", true)
        .await
        .unwrap();
    let mut sub = h.subscribe(ROOM).await;

    let denied: &[(Actor, &[&str])] = &[
        (user(MEMBER), &[OTHER]),
        (user(ADMIN), &["bob2"]),
        (user(ADMIN), &[OWNER]),
        (user(ADMIN), &[OTHER, "bob2"]),
        (user(ADMIN), &[APP_ADMIN]),
        (user(OWNER), &[OWNER]),
        (user(OWNER), &[APP_ADMIN]),
        (Actor::AppAdmin, &[OWNER]),
        (Actor::AppAdmin, &[OTHER, OWNER]),
    ];
    for (actor, targets) in denied {
        let targets = ids(targets);
        let what = format!("{actor:?} on {targets:?}");
        assert_eq!(
            code(h.rooms.mute(APP, actor, ROOM, &targets, 60).await),
            10007,
            "mute: {what}"
        );
        assert_eq!(
            code(h.rooms.ban(APP, actor, ROOM, &targets, 60, "").await),
            10007,
            "ban: {what}"
        );
        assert_eq!(
            code(h.rooms.unban(APP, actor, ROOM, &targets).await),
            10007,
            "unban: {what}"
        );
    }
    assert_quiet(&mut sub);
    assert!(
        h.rooms.muted(APP, ROOM).await.unwrap().is_empty(),
        "a refused batch mutes nobody"
    );
    assert!(
        h.rooms.banned(APP, ROOM).await.unwrap().is_empty(),
        "a refused batch bans nobody"
    );

    let allowed: &[(Actor, &str)] = &[
        (user(ADMIN), OTHER),
        (user(OWNER), "bob2"),
        (Actor::AppAdmin, MEMBER),
        (Actor::AppAdmin, APP_ADMIN),
    ];
    for (actor, target) in allowed {
        h.rooms.mute(APP, actor, ROOM, &ids(&[target]), 60).await.unwrap();
        assert_eq!(next_tip(&mut sub)["users"], serde_json::json!([target]));
    }
    let mut muted: Vec<String> = h
        .rooms
        .muted(APP, ROOM)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    muted.sort();
    assert_eq!(muted, [APP_ADMIN, "bob2", MEMBER, OTHER]);
}

#[tokio::test]
async fn batch_limits() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let users = |n: usize| (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>();
    let admin = Actor::AppAdmin;

    let err = h.rooms.mute(APP, &admin, ROOM, &users(501), 60).await.unwrap_err();
    assert_eq!(err, CoreError::TooManyAccounts { max: 500 });
    assert_eq!(err.code(), 10005);
    assert_eq!(code(h.rooms.ban(APP, &admin, ROOM, &users(21), 60, "").await), 10005);
    assert_eq!(code(h.rooms.unban(APP, &admin, ROOM, &users(21)).await), 10005);
    assert!(h.rooms.muted(APP, ROOM).await.unwrap().is_empty());

    for (targets, what) in [(vec![], "none"), (ids(&["bad id"]), "malformed")] {
        assert_eq!(
            code(h.rooms.mute(APP, &admin, ROOM, &targets, 60).await),
            10004,
            "{what}"
        );
        assert_eq!(
            code(h.rooms.ban(APP, &admin, ROOM, &targets, 60, "").await),
            10004,
            "{what}"
        );
        assert_eq!(code(h.rooms.unban(APP, &admin, ROOM, &targets).await), 10004, "{what}");
    }

    h.rooms.mute(APP, &admin, ROOM, &users(500), 60).await.unwrap();
    assert_eq!(h.rooms.muted(APP, ROOM).await.unwrap().len(), 500);
    h.rooms.ban(APP, &admin, ROOM, &users(20), 60, "").await.unwrap();
    assert_eq!(h.rooms.banned(APP, ROOM).await.unwrap().len(), 20);
}

#[tokio::test]
async fn duration_and_description_bounds() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    let admin = Actor::AppAdmin;
    let target = ids(&[MEMBER]);
    let max = u64::from(u32::MAX);

    assert_eq!(code(h.rooms.mute(APP, &admin, ROOM, &target, max + 1).await), 10004);
    assert_eq!(code(h.rooms.ban(APP, &admin, ROOM, &target, max + 1, "").await), 10004);
    assert_eq!(code(h.rooms.ban(APP, &admin, ROOM, &target, 0, "").await), 10004);
    let long = "d".repeat(1001);
    assert_eq!(code(h.rooms.ban(APP, &admin, ROOM, &target, 60, &long).await), 10004);
    assert!(h.rooms.muted(APP, ROOM).await.unwrap().is_empty());
    assert!(h.rooms.banned(APP, ROOM).await.unwrap().is_empty());

    let now = unix_secs();
    h.rooms.mute(APP, &admin, ROOM, &target, max).await.unwrap();
    let until = h.rooms.muted(APP, ROOM).await.unwrap()[0].until;
    assert!(until >= now + max as i64, "permanent: {until}");
    h.rooms
        .ban(APP, &admin, ROOM, &target, max, &"d".repeat(1000))
        .await
        .unwrap();
    assert!(h.rooms.banned(APP, ROOM).await.unwrap()[0].until >= now + max as i64);

    assert_eq!(code(h.rooms.mute(APP, &admin, "gone", &target, 60).await), 10010);
    assert_eq!(code(h.rooms.ban(APP, &admin, "gone", &target, 60, "").await), 10010);
    assert_eq!(code(h.rooms.muted(APP, "gone").await), 10010);
    assert_eq!(code(h.rooms.banned(APP, "gone").await), 10010);
}
