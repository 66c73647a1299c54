//! Rooms through the gRPC admin API: creation and its validation, lookup,
//! listing, profile changes, presence and dismissal, with real WebSocket
//! clients observing the effects.

mod support;

use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use support::*;
use tonic::Code;

// ---- rooms ------------------------------------------------------------------

#[tokio::test]
async fn create_room_validates_ids_and_profile() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    // A custom ID with a full profile.
    let room = admin
        .create_room(pb::CreateRoomRequest {
            room_id: "live-1".into(),
            name: "Launch".into(),
            owner: "alice".into(),
            introduction: "intro".into(),
            notification: "notice".into(),
            face_url: "https://x/face.png".into(),
            custom: HashMap::from([("theme".to_string(), "dark".to_string())]),
            mute_all: true,
        })
        .await
        .expect("create custom room")
        .into_inner()
        .room
        .unwrap();
    assert_eq!(room.room_id, "live-1");
    assert_eq!(room.name, "Launch");
    assert_eq!(room.owner, "alice");
    assert_eq!(room.introduction, "intro");
    assert_eq!(room.notification, "notice");
    assert_eq!(room.face_url, "https://x/face.png");
    assert_eq!(room.custom.get("theme").map(String::as_str), Some("dark"));
    assert!(room.mute_all);
    assert!(room.admins.is_empty());
    assert!(room.created_at_ms > 0);
    assert_eq!(room.online_count, 0);

    // A generated ID.
    let generated = admin
        .create_room(create_req("", "generated"))
        .await
        .expect("create generated room")
        .into_inner()
        .room
        .unwrap();
    assert!(generated.room_id.starts_with("@TGS#"), "{}", generated.room_id);
    assert!(generated.room_id.len() > "@TGS#".len());
    assert_eq!(generated.owner, "", "app-admin-owned rooms have no owner");
    // Two generated IDs differ.
    let another = admin
        .create_room(create_req("", "generated"))
        .await
        .unwrap()
        .into_inner()
        .room
        .unwrap();
    assert_ne!(another.room_id, generated.room_id);
    // Generated rooms can be looked up and joined.
    assert_eq!(get_room(&mut admin, &generated.room_id).await.name, "generated");
    let mut guest = server.guest().await;
    let r = guest.join(&generated.room_id).await;
    assert_eq!(r["code"], 0, "{r}");

    // Custom IDs may not use the generated prefix.
    let r = admin.create_room(create_req("@TGS#custom", "x")).await;
    expect_status(r, Code::InvalidArgument, 10015, "custom id with @TGS#");
    // 48 bytes is the limit.
    let r = admin.create_room(create_req(&"r".repeat(49), "x")).await;
    expect_status(r, Code::InvalidArgument, 10015, "49-byte id");
    admin
        .create_room(create_req(&"r".repeat(48), "x"))
        .await
        .expect("48-byte id is fine");
    let r = admin.create_room(create_req("has space", "x")).await;
    expect_status(r, Code::InvalidArgument, 10015, "id with a space");

    // Duplicates.
    let r = admin.create_room(create_req("live-1", "again")).await;
    expect_status(r, Code::AlreadyExists, 10025, "duplicate id");
    assert_eq!(
        get_room(&mut admin, "live-1").await.name,
        "Launch",
        "the original is untouched"
    );

    // Name: 30 bytes maximum.
    let r = admin.create_room(create_req("long-name", &"n".repeat(31))).await;
    expect_status(r, Code::InvalidArgument, 10004, "31-byte name");
    admin
        .create_room(create_req("long-name", &"n".repeat(30)))
        .await
        .expect("30-byte name is fine");

    // Custom fields: 20 maximum.
    let fields = |n: usize| -> HashMap<String, String> { (0..n).map(|i| (format!("k{i}"), format!("v{i}"))).collect() };
    let r = admin
        .create_room(pb::CreateRoomRequest {
            room_id: "many-fields".into(),
            custom: fields(21),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "21 custom fields");
    let room = admin
        .create_room(pb::CreateRoomRequest {
            room_id: "many-fields".into(),
            custom: fields(20),
            ..Default::default()
        })
        .await
        .expect("20 custom fields are fine")
        .into_inner()
        .room
        .unwrap();
    assert_eq!(room.custom.len(), 20);

    // An invalid owner.
    let r = admin
        .create_room(pb::CreateRoomRequest {
            room_id: "bad-owner".into(),
            owner: "not a user".into(),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "invalid owner id");
    server.stop().await;
}

#[tokio::test]
async fn get_rooms_reports_found_and_missing() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("g1", Some("owner1")).await;
    server.create_room("g2", None).await;

    let _guest = server.joined_guest("g1").await;

    let resp = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["g1".into(), "nope".into(), "g2".into(), "also-missing".into()],
        })
        .await
        .unwrap()
        .into_inner();
    let found: BTreeSet<_> = resp.rooms.iter().map(|r| r.room_id.as_str()).collect();
    assert_eq!(found, BTreeSet::from(["g1", "g2"]));
    let missing: BTreeSet<_> = resp.missing.iter().map(String::as_str).collect();
    assert_eq!(missing, BTreeSet::from(["nope", "also-missing"]));
    let g1 = resp.rooms.iter().find(|r| r.room_id == "g1").unwrap();
    assert_eq!(g1.owner, "owner1");
    assert_eq!(g1.online_count, 1);
    let g2 = resp.rooms.iter().find(|r| r.room_id == "g2").unwrap();
    assert_eq!(g2.online_count, 0);

    let r = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: (0..1001).map(|i| format!("r{i}")).collect(),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "1001 room ids");
    server.stop().await;
}

#[tokio::test]
async fn list_rooms_pages_cover_every_room_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(server.create_room(&format!("list-{i}"), None).await);
    }
    for _ in 0..2 {
        created.insert(server.create_room("", None).await);
    }
    assert_eq!(created.len(), 9);

    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = admin
            .list_rooms(pb::ListRoomsRequest {
                cursor: cursor.clone(),
                limit: 4,
            })
            .await
            .expect("list rooms")
            .into_inner();
        pages += 1;
        assert!(page.rooms.len() <= 4, "page over the limit: {}", page.rooms.len());
        seen.extend(page.rooms.into_iter().map(|r| r.room_id));
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
        assert!(pages < 20, "paging does not terminate");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 9, "every room exactly once: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), created);

    // Limit 0 means the default page size (100): everything in one page.
    let all = admin
        .list_rooms(pb::ListRoomsRequest {
            cursor: String::new(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.rooms.len(), 9);
    assert!(all.next_cursor.is_empty());

    // A page size that divides the room count ends without an empty page.
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let page = admin
            .list_rooms(pb::ListRoomsRequest {
                cursor: cursor.clone(),
                limit: 3,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!page.rooms.is_empty(), "empty page after cursor {cursor:?}");
        seen.extend(page.rooms.into_iter().map(|r| r.room_id));
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), created);
    assert_eq!(seen.len(), 9);
    server.stop().await;
}

#[tokio::test]
async fn modify_room_updates_profile_and_tells_members() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    admin
        .create_room(pb::CreateRoomRequest {
            room_id: "mod".into(),
            name: "before".into(),
            custom: HashMap::from([("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())]),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut alice = server.joined("alice", "mod").await;

    let room = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "mod".into(),
            name: Some("after".into()),
            notification: Some("starts at 8".into()),
            custom: HashMap::from([("a".to_string(), String::new()), ("c".to_string(), "3".to_string())]),
            mute_all: Some(true),
            ..Default::default()
        })
        .await
        .expect("modify room")
        .into_inner()
        .room
        .unwrap();
    assert_eq!(room.name, "after");
    assert_eq!(room.notification, "starts at 8");
    assert_eq!(room.introduction, "", "untouched fields stay");
    assert!(room.mute_all);
    let expected_custom = HashMap::from([("b".to_string(), "2".to_string()), ("c".to_string(), "3".to_string())]);
    assert_eq!(room.custom, expected_custom, "empty value removes, others set");
    assert_eq!(room.online_count, 1);

    let tip = alice.next_tip("roomProfileUpdated").await;
    assert_eq!(tip["roomId"], "mod");
    assert_eq!(tip["tip"]["opType"], 6);
    assert!(
        tip["tip"].get("operator").is_none(),
        "the app admin is not named: {tip}"
    );
    let changes = &tip["tip"]["changes"];
    assert_eq!(changes["name"], "after");
    assert_eq!(changes["notification"], "starts at 8");
    assert_eq!(changes["muteAll"], true);
    assert_eq!(changes["custom"], json!({ "a": "", "c": "3" }));
    assert!(changes.get("introduction").is_none(), "{changes}");

    // The stored room reflects the change.
    let stored = get_room(&mut admin, "mod").await;
    assert_eq!(stored.name, "after");
    assert_eq!(stored.custom, expected_custom);
    assert!(stored.mute_all);

    // muteAll now applies to ordinary members.
    let r = alice.send_msg("mod", "hi").await;
    assert_eq!(r["code"], 10017, "{r}");

    // Too long, empty and missing.
    let r = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "mod".into(),
            name: Some("n".repeat(31)),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "31-byte name");
    let r = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "mod".into(),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "empty patch");
    let r = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "missing-room".into(),
            name: Some("x".into()),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "modify a missing room");

    // Custom fields past 20 in total are refused, even if each patch is small.
    let fill: HashMap<String, String> = (0..18).map(|i| (format!("k{i}"), "v".to_string())).collect();
    admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "mod".into(),
            custom: fill,
            ..Default::default()
        })
        .await
        .expect("up to 20 fields");
    let r = admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "mod".into(),
            custom: HashMap::from([("one-more".to_string(), "v".to_string())]),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "21st custom field");
    assert_eq!(get_room(&mut admin, "mod").await.custom.len(), 20);
    server.stop().await;
}

#[tokio::test]
async fn dismiss_room_kicks_members() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("bye", Some("owner1")).await;
    let mut owner = server.joined("owner1", "bye").await;
    let mut alice = server.joined("alice", "bye").await;
    let mut guest = server.joined_guest("bye").await;
    mute(&mut admin, "bye", &["alice"], 600).await.unwrap();

    admin
        .dismiss_room(pb::DismissRoomRequest { room_id: "bye".into() })
        .await
        .expect("dismiss");
    for c in [&mut owner, &mut alice, &mut guest] {
        let p = c.next_push().await;
        assert_eq!(p["type"], "kicked", "{p}");
        assert_eq!(p["roomId"], "bye");
        assert_eq!(p["reason"], "dismissed");
    }
    // The connections stay open but are no longer in the room.
    let r = alice.send_msg("bye", "anyone?").await;
    assert_eq!(r["code"], 10007, "{r}");
    owner.assert_ping_ok().await;

    assert_room_missing(&mut admin, "bye").await;
    let r = admin
        .get_online_count(pb::GetOnlineCountRequest { room_id: "bye".into() })
        .await;
    expect_status(r, Code::NotFound, 10010, "count of a dismissed room");
    let r = admin
        .dismiss_room(pb::DismissRoomRequest { room_id: "bye".into() })
        .await;
    expect_status(r, Code::NotFound, 10010, "dismiss twice");
    let r = guest.join("bye").await;
    assert_eq!(r["code"], 10010, "{r}");

    // The ID can be reused; the new room starts empty, without the old mutes.
    server.create_room("bye", None).await;
    assert_eq!(online_count(&mut admin, "bye").await, 0);
    let muted = list_muted(&mut admin, "bye").await.unwrap().into_inner().muted;
    assert!(muted.is_empty(), "{muted:?}");
    assert_eq!(alice.join("bye").await["code"], 0);
    let r = alice.send_msg("bye", "new room").await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

// ---- presence ---------------------------------------------------------------

#[tokio::test]
async fn online_count_and_members() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("online", None).await;

    assert_eq!(online_count(&mut admin, "online").await, 0);

    let mut clients = Vec::new();
    for user in ["m1", "m2", "m3", "m4"] {
        let mut c = server.user(user).await;
        let r = c.request("updateProfile", json!({ "nick": user.to_uppercase() })).await;
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(c.join("online").await["code"], 0);
        clients.push(c);
        // Distinct join times make "most recent first" unambiguous.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    assert_eq!(online_count(&mut admin, "online").await, 4);

    // A second connection of the same user is the same member.
    let mut m1_again = server.user("m1").await;
    let r = m1_again.join("online").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(online_count(&mut admin, "online").await, 4);

    let all = online_members(&mut admin, "online", "", 0).await.unwrap().into_inner();
    let ids: Vec<_> = all.members.iter().map(|m| m.user_id.as_str()).collect();
    assert_eq!(ids, ["m4", "m3", "m2", "m1"], "most recent joiner first");
    assert!(all.next_cursor.is_empty());
    assert_eq!(all.members[0].nick, "M4");
    assert_eq!(all.members[3].nick, "M1");
    for w in all.members.windows(2) {
        assert!(w[0].joined_at_ms >= w[1].joined_at_ms, "{:?}", all.members);
    }
    assert!(all.members.iter().all(|m| m.joined_at_ms > 0));

    // Paging.
    let mut cursor = String::new();
    let mut pages = Vec::new();
    loop {
        let page = online_members(&mut admin, "online", &cursor, 3)
            .await
            .unwrap()
            .into_inner();
        pages.push(page.members.iter().map(|m| m.user_id.clone()).collect::<Vec<_>>());
        if page.next_cursor.is_empty() {
            break;
        }
        cursor = page.next_cursor;
        assert!(pages.len() < 10, "paging does not terminate");
    }
    assert_eq!(pages, vec![vec!["m4", "m3", "m2"], vec!["m1"]]);

    let r = online_members(&mut admin, "online", "bogus", 2).await;
    expect_status(r, Code::InvalidArgument, 10004, "malformed cursor");

    // Guests count one each.
    let mut g1 = server.joined_guest("online").await;
    let g2 = server.joined_guest("online").await;
    assert_eq!(online_count(&mut admin, "online").await, 6);

    // Leaving lowers the count; the WebSocket view agrees.
    let mut m2 = clients.remove(1);
    assert_eq!(m2.quit("online").await["code"], 0);
    g2.close().await;
    wait_online_count(&mut admin, "online", 4).await;
    assert_eq!(g1.online_count("online").await, 4);
    let members = online_members(&mut admin, "online", "", 100)
        .await
        .unwrap()
        .into_inner()
        .members;
    let ids: BTreeSet<_> = members.iter().map(|m| m.user_id.clone()).collect();
    assert!(!ids.contains("m2"), "{ids:?}");
    assert!(
        ids.contains("m1") && ids.contains("m3") && ids.contains("m4"),
        "{ids:?}"
    );

    let r = admin
        .get_online_count(pb::GetOnlineCountRequest {
            room_id: "missing-room".into(),
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "count of a missing room");
    let r = online_members(&mut admin, "missing-room", "", 10).await;
    expect_status(r, Code::NotFound, 10010, "members of a missing room");
    server.stop().await;
}
