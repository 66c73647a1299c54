//! Rooms themselves: create, get, list, modify, set admins, dismiss, and
//! users' own profiles.

use super::*;
use crate::model::{RoomPatch, RoomProfile};
use std::collections::BTreeMap;

fn named(name: &str) -> RoomPatch {
    RoomPatch {
        name: Some(name.into()),
        ..RoomPatch::default()
    }
}

#[tokio::test]
async fn create_with_custom_id_and_owner() {
    let h = Harness::new();
    let profile = RoomProfile {
        name: "Launch".into(),
        custom: BTreeMap::from([("theme".into(), "dark".into())]),
        ..RoomProfile::default()
    };
    let room = h
        .rooms
        .create_room(
            APP,
            CreateRoom {
                room_id: Some("live-1".into()),
                owner: Some(OWNER.into()),
                profile: profile.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(room.id, "live-1");
    assert_eq!(room.owner.as_deref(), Some(OWNER));
    assert!(room.admins.is_empty());
    assert_eq!(h.rooms.room(APP, "live-1").await.unwrap(), room);
    assert_eq!(room.profile, profile);
}

#[tokio::test]
async fn create_generates_an_id_and_the_app_admin_owns_ownerless_rooms() {
    let h = Harness::new();
    for room_id in [None, Some(String::new())] {
        let room = h
            .rooms
            .create_room(
                APP,
                CreateRoom {
                    room_id,
                    ..CreateRoom::default()
                },
            )
            .await
            .unwrap();
        let suffix = room.id.strip_prefix("@TGS#").expect("generated prefix");
        assert_eq!(suffix.len(), 12);
        assert!(suffix.bytes().all(|b| b.is_ascii_alphanumeric()), "{}", room.id);
        assert_eq!(room.owner, None);
        assert_eq!(h.rooms.room(APP, &room.id).await.unwrap(), room);
    }
    let all = h.rooms.list_rooms(APP, None, 0).await.unwrap().items;
    assert_eq!(all.len(), 2, "two distinct generated ids");
}

#[tokio::test]
async fn create_rejects_taken_and_malformed_ids() {
    let h = Harness::new();
    h.create("live-1", Some(OWNER)).await;
    let again = CreateRoom {
        room_id: Some("live-1".into()),
        ..CreateRoom::default()
    };
    assert_eq!(code(h.rooms.create_room(APP, again).await), 10025);
    // The first room is untouched.
    assert_eq!(h.rooms.room(APP, "live-1").await.unwrap().owner.as_deref(), Some(OWNER));

    for bad in ["@TGS#mine", "a b", "é", &"r".repeat(49)] {
        let req = CreateRoom {
            room_id: Some(bad.to_string()),
            ..CreateRoom::default()
        };
        assert_eq!(code(h.rooms.create_room(APP, req).await), 10015, "{bad:?}");
    }
    let bad_owner = CreateRoom {
        owner: Some("not a user".into()),
        ..CreateRoom::default()
    };
    assert_eq!(code(h.rooms.create_room(APP, bad_owner).await), 10004);
    let long_name = CreateRoom {
        profile: RoomProfile {
            name: "n".repeat(31),
            ..RoomProfile::default()
        },
        ..CreateRoom::default()
    };
    assert_eq!(code(h.rooms.create_room(APP, long_name).await), 10004);
    assert_eq!(code(h.rooms.create_room(APP + 1, CreateRoom::default()).await), 60006);
    assert_eq!(h.rooms.list_rooms(APP, None, 0).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn get_and_batch_get() {
    let h = Harness::new();
    h.create("a", None).await;
    h.create("b", Some(OWNER)).await;
    assert_eq!(code(h.rooms.room(APP, "nope").await), 10010);
    assert_eq!(code(h.rooms.room(APP, "a b").await), 10015);
    let (found, missing) = h.rooms.rooms(APP, &ids(&["b", "nope", "a"])).await.unwrap();
    assert_eq!(found.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(missing, ["nope"]);
    let too_many: Vec<String> = (0..1001).map(|i| format!("r{i}")).collect();
    assert_eq!(code(h.rooms.rooms(APP, &too_many).await), 10004);
}

#[tokio::test]
async fn list_pages_by_id() {
    let h = Harness::new();
    for id in ["r3", "r1", "r5", "r2", "r4"] {
        h.create(id, None).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = h.rooms.list_rooms(APP, cursor.as_deref(), 2).await.unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|r| r.id.clone()));
        pages += 1;
        match page.next_cursor {
            Some(c) => {
                assert_eq!(Some(&c), seen.last(), "the cursor is the last id of the page");
                cursor = Some(c);
            }
            None => break,
        }
    }
    assert_eq!(seen, ["r1", "r2", "r3", "r4", "r5"]);
    assert_eq!(pages, 3);
    // A page that holds exactly the rest has no next cursor.
    assert_eq!(h.rooms.list_rooms(APP, Some("r3"), 2).await.unwrap().next_cursor, None);
    assert_eq!(h.rooms.list_rooms(APP, Some(""), 5).await.unwrap().items.len(), 5);
}

#[tokio::test]
async fn list_limit_zero_means_the_default_page_of_100() {
    let h = Harness::new();
    for i in 0..101 {
        h.create(&format!("r{i:03}"), None).await;
    }
    let page = h.rooms.list_rooms(APP, None, 0).await.unwrap();
    assert_eq!(page.items.len(), 100);
    assert_eq!(page.next_cursor.as_deref(), Some("r099"));
}

#[tokio::test]
async fn owner_admins_and_app_admin_modify_members_do_not() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    let mut sub = h.subscribe("live-1").await;

    assert_eq!(
        code(h.rooms.modify_room(APP, &user(MEMBER), "live-1", named("mine")).await),
        10007
    );
    assert_quiet(&mut sub);

    for (actor, name) in [
        (user(OWNER), "by owner"),
        (user(ADMIN), "by admin"),
        (Actor::AppAdmin, "by app"),
    ] {
        let room = h.rooms.modify_room(APP, &actor, "live-1", named(name)).await.unwrap();
        assert_eq!(room.profile.name, name);
        let tip = next_tip(&mut sub);
        assert_eq!(tip["type"], "roomProfileUpdated");
        assert_eq!(tip["opType"], 6);
        assert_eq!(tip["changes"], serde_json::json!({ "name": name }));
        match actor {
            Actor::User(u) => assert_eq!(tip["operator"], u.as_str()),
            Actor::AppAdmin => assert!(tip.get("operator").is_none(), "no operator for the app admin: {tip}"),
        }
    }
    assert_eq!(h.rooms.room(APP, "live-1").await.unwrap().profile.name, "by app");

    // Nothing to change, unknown room, field too long.
    assert_eq!(
        code(
            h.rooms
                .modify_room(APP, &user(OWNER), "live-1", RoomPatch::default())
                .await
        ),
        10004
    );
    assert_eq!(
        code(h.rooms.modify_room(APP, &Actor::AppAdmin, "gone", named("x")).await),
        10010
    );
    assert_eq!(
        code(
            h.rooms
                .modify_room(APP, &user(OWNER), "live-1", named(&"n".repeat(31)))
                .await
        ),
        10004
    );
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn modify_sets_mute_all_and_custom_fields() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    let patch = RoomPatch {
        mute_all: Some(true),
        custom: BTreeMap::from([("theme".into(), "dark".into()), ("lang".into(), "en".into())]),
        ..RoomPatch::default()
    };
    let room = h.rooms.modify_room(APP, &user(ADMIN), "live-1", patch).await.unwrap();
    assert!(room.profile.mute_all);
    assert_eq!(room.profile.custom.len(), 2);
    let remove = RoomPatch {
        custom: BTreeMap::from([("theme".into(), String::new())]),
        ..RoomPatch::default()
    };
    let room = h.rooms.modify_room(APP, &user(OWNER), "live-1", remove).await.unwrap();
    assert_eq!(room.profile.custom, BTreeMap::from([("lang".into(), "en".into())]));
    assert!(room.profile.mute_all, "untouched fields stay");
}

#[tokio::test]
async fn modify_screens_text_set_by_users() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    let mut sub = h.subscribe("live-1").await;

    let blocked = RoomPatch {
        notification: Some(format!("visit {BLOCKED}")),
        ..named("fine")
    };
    assert_eq!(
        code(h.rooms.modify_room(APP, &user(ADMIN), "live-1", blocked).await),
        80001
    );
    assert_eq!(
        h.rooms.room(APP, "live-1").await.unwrap().profile.name,
        "",
        "nothing stored"
    );
    assert_quiet(&mut sub);

    let masked = RoomPatch {
        introduction: Some(format!("a {MASKED} show")),
        ..named(&format!("{MASKED}!"))
    };
    let room = h.rooms.modify_room(APP, &user(OWNER), "live-1", masked).await.unwrap();
    assert_eq!(room.profile.name, "****!");
    assert_eq!(room.profile.introduction, "a **** show");
    let stored = h.rooms.room(APP, "live-1").await.unwrap();
    assert_eq!(stored.profile.name, "****!");
    let tip = next_tip(&mut sub);
    assert_eq!(tip["changes"]["name"], "****!", "members never see the masked term");
    assert_eq!(tip["changes"]["introduction"], "a **** show");
    assert!(
        tip["changes"].get("notification").is_none(),
        "unchanged fields are absent"
    );

    let (room_seen, user_seen, _) = h.screen.calls.lock().last().cloned().unwrap();
    assert_eq!((room_seen.as_str(), user_seen.as_str()), ("live-1", OWNER));

    // Screening down: fail closed.
    assert_eq!(
        code(h.rooms.modify_room(APP, &user(OWNER), "live-1", named(OUTAGE)).await),
        10002
    );
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn the_app_admins_text_is_not_screened() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    let patch = named(&format!("{BLOCKED} {MASKED}"));
    let room = h
        .rooms
        .modify_room(APP, &Actor::AppAdmin, "live-1", patch)
        .await
        .unwrap();
    assert_eq!(room.profile.name, format!("{BLOCKED} {MASKED}"));
    assert!(h.screen.calls.lock().is_empty());
}

#[tokio::test]
async fn set_admin_by_owner_or_app_admin_only() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    let mut sub = h.subscribe("live-1").await;

    for actor in [user(ADMIN), user(MEMBER)] {
        assert_eq!(code(h.rooms.set_admin(APP, &actor, "live-1", OTHER, true).await), 10007);
    }
    assert_eq!(
        code(h.rooms.set_admin(APP, &Actor::AppAdmin, "live-1", OWNER, true).await),
        10004
    );
    assert_eq!(
        code(h.rooms.set_admin(APP, &user(OWNER), "live-1", "bad id", true).await),
        10004
    );
    assert_eq!(
        code(h.rooms.set_admin(APP, &user(OWNER), "gone", OTHER, true).await),
        10010
    );
    assert_quiet(&mut sub);

    h.rooms
        .set_admin(APP, &user(OWNER), "live-1", OTHER, true)
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("adminSet"), Some(4))
    );
    assert_eq!(tip["users"], serde_json::json!([OTHER]));
    assert_eq!(tip["operator"], OWNER);
    assert!(h.rooms.room(APP, "live-1").await.unwrap().admins.contains(OTHER));

    // No change, no tip.
    h.rooms
        .set_admin(APP, &user(OWNER), "live-1", OTHER, true)
        .await
        .unwrap();
    assert_quiet(&mut sub);

    h.rooms
        .set_admin(APP, &Actor::AppAdmin, "live-1", OTHER, false)
        .await
        .unwrap();
    let tip = next_tip(&mut sub);
    assert_eq!(
        (tip["type"].as_str(), tip["opType"].as_u64()),
        (Some("adminUnset"), Some(5))
    );
    assert!(tip.get("operator").is_none());
    let room = h.rooms.room(APP, "live-1").await.unwrap();
    assert!(!room.admins.contains(OTHER));
    assert!(room.admins.contains(ADMIN));
    h.rooms
        .set_admin(APP, &user(OWNER), "live-1", OTHER, false)
        .await
        .unwrap();
    assert_quiet(&mut sub);
}

#[tokio::test]
async fn dismiss_by_owner_or_app_admin_only() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    h.join("live-1", MEMBER).await;
    let mut sub = h.subscribe("live-1").await;
    for actor in [user(ADMIN), user(MEMBER)] {
        assert_eq!(code(h.rooms.dismiss_room(APP, &actor, "live-1").await), 10007);
    }
    assert_quiet(&mut sub);
    assert!(h.rooms.room(APP, "live-1").await.is_ok());

    h.rooms.dismiss_room(APP, &user(OWNER), "live-1").await.unwrap();
    assert_eq!(next_event(&mut sub), RoomEvent::Dismissed);
    assert_quiet(&mut sub);
    assert_eq!(code(h.rooms.room(APP, "live-1").await), 10010);
    assert_eq!(code(h.rooms.online_count(APP, "live-1").await), 10010);
    assert_eq!(code(h.rooms.dismiss_room(APP, &user(OWNER), "live-1").await), 10010);

    h.create("app-room", None).await;
    let mut sub = h.subscribe("app-room").await;
    h.rooms.dismiss_room(APP, &Actor::AppAdmin, "app-room").await.unwrap();
    assert_eq!(next_event(&mut sub), RoomEvent::Dismissed);
}

#[tokio::test]
async fn dismissal_forgets_presence_sequence_mutes_and_bans() {
    let h = Harness::new();
    h.staffed_room("live-1").await;
    h.join("live-1", MEMBER).await;
    h.send("live-1", MEMBER, "hello").await.unwrap();
    h.rooms
        .mute(APP, &Actor::AppAdmin, "live-1", &ids(&[MEMBER]), 600)
        .await
        .unwrap();
    h.rooms
        .ban(APP, &Actor::AppAdmin, "live-1", &ids(&[OTHER]), 600, "")
        .await
        .unwrap();
    h.rooms.dismiss_room(APP, &Actor::AppAdmin, "live-1").await.unwrap();

    // The same id again is a new room.
    h.create("live-1", Some(OWNER)).await;
    let mut sub = h.subscribe("live-1").await;
    assert_eq!(h.rooms.online_count(APP, "live-1").await.unwrap(), 0);
    assert!(
        h.rooms
            .online_members(APP, "live-1", None, 0)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(h.rooms.muted(APP, "live-1").await.unwrap().is_empty());
    assert!(h.rooms.banned(APP, "live-1").await.unwrap().is_empty());
    h.rooms.join(APP, "live-1", &member(OTHER), h.conn()).await.unwrap();
    let tip = next_json(&mut sub);
    assert_eq!(tip["seq"], 1, "the sequence starts over");
    assert_eq!(delivered_seq(h.send("live-1", MEMBER, "again").await.unwrap()), 2);
}

#[tokio::test]
async fn update_profile_screens_the_nickname() {
    let h = Harness::new();
    let stored = h
        .rooms
        .update_profile(
            APP,
            MEMBER,
            &UserProfile {
                nick: format!("{MASKED} cat"),
                avatar: format!("https://img.example/{MASKED}.png"),
            },
        )
        .await
        .unwrap();
    assert_eq!(stored.nick, "**** cat");
    assert_eq!(
        stored.avatar,
        format!("https://img.example/{MASKED}.png"),
        "avatars are not screened"
    );
    assert_eq!(h.rooms.profile(APP, MEMBER).await.unwrap(), stored);
    let (room_seen, user_seen, fields) = h.screen.calls.lock().last().cloned().unwrap();
    assert_eq!(
        (room_seen.as_str(), user_seen.as_str()),
        ("", MEMBER),
        "nicknames belong to no room"
    );
    assert_eq!(fields, [format!("{MASKED} cat")]);

    let blocked = UserProfile {
        nick: BLOCKED.into(),
        avatar: String::new(),
    };
    assert_eq!(code(h.rooms.update_profile(APP, MEMBER, &blocked).await), 80001);
    assert_eq!(
        h.rooms.profile(APP, MEMBER).await.unwrap(),
        stored,
        "the old profile stays"
    );
    let long = UserProfile {
        nick: "n".repeat(65),
        avatar: String::new(),
    };
    assert_eq!(code(h.rooms.update_profile(APP, MEMBER, &long).await), 10004);
    assert_eq!(h.rooms.profile(APP, OTHER).await.unwrap(), UserProfile::default());
}
