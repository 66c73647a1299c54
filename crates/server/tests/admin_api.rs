//! The gRPC admin API (`roomcast.v1.RoomAdmin`), health and reflection,
//! driven over real gRPC against a real standalone server, with real
//! WebSocket clients observing the effects.

mod common;
use common::*;

use roomcast_core::apps::now_secs;
use roomcast_proto::v1 as pb;
use roomcast_proto::v1::room_admin_client::RoomAdminClient;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tonic::Code;
use tonic::transport::Channel;

/// Asserts a failed call with the given gRPC status and numeric code.
fn expect_status<T: std::fmt::Debug>(
    result: Result<tonic::Response<T>, tonic::Status>,
    code: Code,
    numeric: u32,
    what: &str,
) -> tonic::Status {
    let status = match result {
        Ok(r) => panic!("{what}: expected {code:?}/{numeric}, got success {:?}", r.into_inner()),
        Err(s) => s,
    };
    assert_eq!(status.code(), code, "{what}: {status:?}");
    assert_eq!(status_code(&status), numeric, "{what}: {status:?}");
    status
}

/// The next tip of `ty` (e.g. "roomProfileUpdated"), skipping other events.
async fn next_tip(client: &mut Client, ty: &str) -> Value {
    loop {
        let e = client.next_event_of("tip").await;
        if e["tip"]["type"] == ty {
            return e;
        }
    }
}

fn create_req(id: &str, name: &str) -> pb::CreateRoomRequest {
    pb::CreateRoomRequest {
        room_id: id.into(),
        name: name.into(),
        ..Default::default()
    }
}

async fn get_room(admin: &mut AdminClient, id: &str) -> pb::Room {
    let resp = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec![id.into()],
        })
        .await
        .expect("get rooms")
        .into_inner();
    assert_eq!(resp.rooms.len(), 1, "{resp:?}");
    resp.rooms.into_iter().next().unwrap()
}

async fn online_count(admin: &mut AdminClient, room: &str) -> u64 {
    admin
        .get_online_count(pb::GetOnlineCountRequest { room_id: room.into() })
        .await
        .expect("online count")
        .into_inner()
        .count
}

/// Waits until the online count settles at `n` (leaves after a disconnect or
/// a kick are asynchronous).
async fn wait_online_count(admin: &mut AdminClient, room: &str, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let c = online_count(admin, room).await;
        if c == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "online count of {room} is {c}, expected {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn text_json(text: &str) -> String {
    text_body(text).to_string()
}

fn list_rooms_req() -> pb::ListRoomsRequest {
    pb::ListRoomsRequest {
        cursor: String::new(),
        limit: 10,
    }
}

// ---- authentication ---------------------------------------------------------

#[tokio::test]
async fn admin_calls_without_metadata_are_unauthenticated() {
    let server = TestServer::start().await;

    // Nothing at all, not even the SDKAppID.
    let channel = Channel::from_shared(format!("http://{}", server.grpc))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut bare = RoomAdminClient::new(channel);
    let r = bare.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70002, "no metadata");

    // The SDKAppID but no credentials.
    let mut none = admin_client(server.grpc, AdminAuth::None).await;
    let r = none.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70002, "no credentials");
    let r = none.create_room(create_req("anon", "x")).await;
    expect_status(r, Code::Unauthenticated, 70002, "create without credentials");

    // Nothing was created by the rejected call.
    let mut admin = server.admin().await;
    let got = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["anon".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.rooms.is_empty());
    assert_eq!(got.missing, vec!["anon".to_string()]);
    server.stop().await;
}

#[tokio::test]
async fn admin_token_and_usersig_authentication() {
    let server = TestServer::start().await;

    // The configured token works.
    let mut token = server.admin().await;
    token.list_rooms(list_rooms_req()).await.expect("valid token");

    // A wrong token is refused with 10007.
    let mut wrong = admin_client(server.grpc, AdminAuth::Token("not-the-admin-token-123".into())).await;
    let r = wrong.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::PermissionDenied, 10007, "wrong token");
    let r = wrong.create_room(create_req("by-wrong-token", "x")).await;
    expect_status(r, Code::PermissionDenied, 10007, "create with wrong token");

    // The admin identifier with a valid userSig works.
    let sig = roomcast_auth::gen_usersig(APP, SECRET, ADMIN, 3600, now_secs());
    let mut by_sig = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig,
        },
    )
    .await;
    let room = by_sig
        .create_room(create_req("by-sig", "signed"))
        .await
        .expect("admin usersig works")
        .into_inner()
        .room
        .unwrap();
    assert_eq!(room.room_id, "by-sig");

    // A valid userSig of an ordinary user is not an admin credential.
    let mut not_admin = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: "alice".into(),
            sig: usersig("alice"),
        },
    )
    .await;
    let r = not_admin.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::PermissionDenied, 10007, "non-admin identifier");

    // The admin identifier presenting someone else's sig.
    let mut mismatched = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig: usersig("alice"),
        },
    )
    .await;
    let r = mismatched.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70013, "sig minted for another identifier");

    // An expired admin userSig.
    let expired = roomcast_auth::gen_usersig(APP, SECRET, ADMIN, 60, now_secs() - 7200);
    let mut old = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig: expired,
        },
    )
    .await;
    let r = old.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70001, "expired admin sig");

    // Garbage instead of a sig.
    let mut garbage = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig: "definitely-not-a-usersig".into(),
        },
    )
    .await;
    let r = garbage.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70003, "garbage sig");

    // A sig signed with another secret.
    let forged = roomcast_auth::gen_usersig(APP, "another-secret-0123456789abcdef", ADMIN, 3600, now_secs());
    let mut forger = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig: forged,
        },
    )
    .await;
    let r = forger.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70003, "sig with the wrong secret");

    // An app this server does not serve, with otherwise valid credentials.
    let mut unknown = admin_client(
        server.grpc,
        AdminAuth::App(999, Box::new(AdminAuth::Token(ADMIN_TOKEN.into()))),
    )
    .await;
    let r = unknown.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 60006, "unknown app");

    // The rejected creates left nothing behind.
    let got = token
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["by-wrong-token".into(), "by-sig".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.missing, vec!["by-wrong-token".to_string()]);
    assert_eq!(got.rooms.len(), 1);
    server.stop().await;
}

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

    let mut guest = server.guest().await;
    assert_eq!(guest.join("g1").await["code"], 0);

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
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("mod").await["code"], 0);

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

    let tip = next_tip(&mut alice, "roomProfileUpdated").await;
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
async fn set_admin_grants_and_revokes_with_tips() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("admins", Some("owner1")).await;
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("admins").await["code"], 0);
    let mut bob = server.user("bob").await;
    assert_eq!(bob.join("admins").await["code"], 0);

    admin
        .set_admin(pb::SetAdminRequest {
            room_id: "admins".into(),
            user_id: "bob".into(),
            admin: true,
        })
        .await
        .expect("set admin");
    let tip = next_tip(&mut alice, "adminSet").await;
    assert_eq!(tip["tip"]["opType"], 4);
    assert_eq!(tip["tip"]["users"], json!(["bob"]));
    assert_eq!(get_room(&mut admin, "admins").await.admins, vec!["bob".to_string()]);

    // Bob can now moderate: mute alice over WebSocket.
    let r = bob
        .request(
            "mute",
            json!({ "roomId": "admins", "userIds": ["alice"], "durationSecs": 60 }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    admin
        .set_admin(pb::SetAdminRequest {
            room_id: "admins".into(),
            user_id: "bob".into(),
            admin: false,
        })
        .await
        .expect("unset admin");
    let tip = next_tip(&mut alice, "adminUnset").await;
    assert_eq!(tip["tip"]["opType"], 5);
    assert_eq!(tip["tip"]["users"], json!(["bob"]));
    assert!(get_room(&mut admin, "admins").await.admins.is_empty());

    // Bob is an ordinary member again.
    let r = bob
        .request(
            "mute",
            json!({ "roomId": "admins", "userIds": ["alice"], "durationSecs": 0 }),
        )
        .await;
    assert_eq!(r["code"], 10007, "{r}");

    // The owner cannot be made an admin; missing rooms are reported.
    let r = admin
        .set_admin(pb::SetAdminRequest {
            room_id: "admins".into(),
            user_id: "owner1".into(),
            admin: true,
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "owner as admin");
    let r = admin
        .set_admin(pb::SetAdminRequest {
            room_id: "missing-room".into(),
            user_id: "bob".into(),
            admin: true,
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "set admin in a missing room");
    server.stop().await;
}

// ---- moderation of members --------------------------------------------------

#[tokio::test]
async fn mute_members_lists_and_unmutes() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("mute", Some("owner1")).await;
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("mute").await["code"], 0);
    let mut carol = server.user("carol").await;
    assert_eq!(carol.join("mute").await["code"], 0);

    // Batch limit.
    let many: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
    let r = admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: many,
            duration_secs: 60,
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10005, "501 users");
    let ok500: Vec<String> = (0..500).map(|i| format!("u{i}")).collect();
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: ok500.clone(),
            duration_secs: 60,
        })
        .await
        .expect("500 users are fine");
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: ok500,
            duration_secs: 0,
        })
        .await
        .expect("unmute 500 users");
    let r = admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: vec![],
            duration_secs: 60,
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "no users");

    let before = now_secs() as i64;
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: vec!["carol".into()],
            duration_secs: 600,
        })
        .await
        .expect("mute carol");
    // (Skipping the tips of the 500-user batches.)
    let tip = loop {
        let t = next_tip(&mut alice, "memberProfileUpdated").await;
        if t["tip"]["users"] == json!(["carol"]) {
            break t;
        }
    };
    assert_eq!(tip["tip"]["opType"], 7);
    assert_eq!(tip["tip"]["muteSecs"], 600);

    let muted = admin
        .list_muted(pb::ListMutedRequest { room_id: "mute".into() })
        .await
        .unwrap()
        .into_inner()
        .muted;
    assert_eq!(muted.len(), 1, "{muted:?}");
    assert_eq!(muted[0].user_id, "carol");
    let now = now_secs() as i64;
    assert!(muted[0].muted_until > now, "{muted:?}");
    assert!(
        muted[0].muted_until >= before + 600 && muted[0].muted_until <= now + 601,
        "{muted:?}"
    );

    // The mute applies over WebSocket and through the admin API.
    let r = carol.send_msg("mute", "can I talk?").await;
    assert_eq!(r["code"], 10017, "{r}");
    assert_eq!(r["data"]["mutedUntil"], muted[0].muted_until);
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "mute".into(),
            from_user: "carol".into(),
            msg_body_json: text_json("via admin"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::PermissionDenied, 10017, "muted from_user");

    // Duration 0 unmutes.
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: vec!["carol".into()],
            duration_secs: 0,
        })
        .await
        .expect("unmute carol");
    let tip = loop {
        let t = next_tip(&mut alice, "memberProfileUpdated").await;
        if t["tip"]["users"] == json!(["carol"]) && t["tip"]["muteSecs"] == 0 {
            break t;
        }
    };
    assert_eq!(tip["tip"]["opType"], 7);
    let muted = admin
        .list_muted(pb::ListMutedRequest { room_id: "mute".into() })
        .await
        .unwrap()
        .into_inner()
        .muted;
    assert!(muted.is_empty(), "{muted:?}");
    let r = carol.send_msg("mute", "thanks").await;
    assert_eq!(r["code"], 0, "{r}");

    // The owner cannot be muted; missing rooms are reported.
    let r = admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "mute".into(),
            user_ids: vec!["owner1".into()],
            duration_secs: 60,
        })
        .await;
    expect_status(r, Code::PermissionDenied, 10007, "mute the owner");
    let r = admin
        .list_muted(pb::ListMutedRequest {
            room_id: "missing-room".into(),
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "list muted of a missing room");
    server.stop().await;
}

#[tokio::test]
async fn ban_members_kicks_lists_and_unbans() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("ban", Some("owner1")).await;
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("ban").await["code"], 0);
    let mut dave = server.user("dave").await;
    assert_eq!(dave.join("ban").await["code"], 0);
    // Dave's second device.
    let mut dave2 = server.user("dave").await;
    assert_eq!(dave2.join("ban").await["code"], 0);

    let many: Vec<String> = (0..21).map(|i| format!("u{i}")).collect();
    let r = admin
        .ban_members(pb::BanMembersRequest {
            room_id: "ban".into(),
            user_ids: many,
            duration_secs: 60,
            description: String::new(),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10005, "21 users");
    let r = admin
        .ban_members(pb::BanMembersRequest {
            room_id: "ban".into(),
            user_ids: vec!["dave".into()],
            duration_secs: 0,
            description: String::new(),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "zero duration");
    let r = admin
        .ban_members(pb::BanMembersRequest {
            room_id: "ban".into(),
            user_ids: vec!["dave".into()],
            duration_secs: 60,
            description: "d".repeat(1001),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "1001-byte description");
    let r = admin
        .ban_members(pb::BanMembersRequest {
            room_id: "ban".into(),
            user_ids: vec!["owner1".into()],
            duration_secs: 60,
            description: String::new(),
        })
        .await;
    expect_status(r, Code::PermissionDenied, 10007, "ban the owner");
    // None of the refused bans took effect.
    let banned = admin
        .list_banned(pb::ListBannedRequest { room_id: "ban".into() })
        .await
        .unwrap()
        .into_inner()
        .banned;
    assert!(banned.is_empty(), "{banned:?}");

    let before = now_secs() as i64;
    admin
        .ban_members(pb::BanMembersRequest {
            room_id: "ban".into(),
            user_ids: vec!["dave".into()],
            duration_secs: 3600,
            description: "spam".into(),
        })
        .await
        .expect("ban dave");

    // Dave is kicked out of the room.
    let kicked = dave.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    assert_eq!(kicked["roomId"], "ban");
    assert_eq!(kicked["reason"], "banned");
    let kicked = dave2.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    assert_eq!(kicked["roomId"], "ban");
    assert_eq!(kicked["reason"], "banned");
    // The others see a memberBanned tip.
    let tip = next_tip(&mut alice, "memberBanned").await;
    assert_eq!(tip["tip"]["opType"], 10);
    assert_eq!(tip["tip"]["users"], json!(["dave"]));
    assert_eq!(tip["tip"]["banSecs"], 3600);

    // Dave is no longer a member, cannot send, and cannot rejoin.
    let r = dave.send_msg("ban", "let me in").await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = dave.join("ban").await;
    assert_eq!(r["code"], 10007, "{r}");
    assert!(r["data"]["bannedUntil"].as_i64().unwrap() > now_secs() as i64, "{r}");
    wait_online_count(&mut admin, "ban", 1).await;

    let banned = admin
        .list_banned(pb::ListBannedRequest { room_id: "ban".into() })
        .await
        .unwrap()
        .into_inner()
        .banned;
    assert_eq!(banned.len(), 1, "{banned:?}");
    assert_eq!(banned[0].user_id, "dave");
    assert_eq!(banned[0].description, "spam");
    assert!(banned[0].banned_until > now_secs() as i64);
    assert!(
        banned[0].banned_until >= before + 3600 && banned[0].banned_until <= now_secs() as i64 + 3601,
        "{banned:?}"
    );

    admin
        .unban_members(pb::UnbanMembersRequest {
            room_id: "ban".into(),
            user_ids: vec!["dave".into()],
        })
        .await
        .expect("unban dave");
    let tip = next_tip(&mut alice, "memberUnbanned").await;
    assert_eq!(tip["tip"]["opType"], 11);
    assert_eq!(tip["tip"]["users"], json!(["dave"]));
    let banned = admin
        .list_banned(pb::ListBannedRequest { room_id: "ban".into() })
        .await
        .unwrap()
        .into_inner()
        .banned;
    assert!(banned.is_empty(), "{banned:?}");
    let r = dave.join("ban").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");

    let r = admin
        .list_banned(pb::ListBannedRequest {
            room_id: "missing-room".into(),
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "list banned of a missing room");
    server.stop().await;
}

// ---- messages and notices ---------------------------------------------------

#[tokio::test]
async fn send_message_as_user_and_as_admin() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("msg", None).await;
    let mut alice = server.user("alice").await;
    let r = alice
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let mut viewer = server.guest().await;
    assert_eq!(viewer.join("msg").await["code"], 0);

    // As a user: the message carries the user's ID and profile.
    let sent = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            from_user: "alice".into(),
            priority: pb::Priority::High as i32,
            msg_body_json: text_json("from alice"),
            ..Default::default()
        })
        .await
        .expect("send as user")
        .into_inner();
    assert!(sent.seq > 0);
    assert!(sent.time_ms > 0);
    assert!(sent.drop_reason.is_empty());
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent.seq);
    assert_eq!(m["time"], sent.time_ms);
    assert_eq!(m["from"], "alice");
    assert_eq!(m["nick"], "Alice");
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "High");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "from alice");

    // As the app admin.
    let sent2 = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: text_json("from the operator"),
            ..Default::default()
        })
        .await
        .expect("send as admin")
        .into_inner();
    assert!(sent2.seq > sent.seq);
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent2.seq);
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["priority"], "Normal", "unspecified priority is Normal");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "from the operator");

    // Other element types pass through.
    let custom =
        json!([{ "MsgType": "TIMCustomElem", "MsgContent": { "Data": "gift", "Desc": "rocket", "Ext": "x" } }]);
    let sent3 = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: custom.to_string(),
            priority: pb::Priority::Low as i32,
            ..Default::default()
        })
        .await
        .expect("send a custom element")
        .into_inner();
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent3.seq);
    assert_eq!(m["priority"], "Low");
    assert_eq!(m["msgBody"][0]["MsgType"], "TIMCustomElem");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Data"], "gift");

    // Bad bodies.
    for (body, what) in [
        ("not json", "not JSON"),
        ("[]", "empty body"),
        (r#"[{"MsgType":"TIMBogusElem","MsgContent":{}}]"#, "unknown element"),
        (r#"{"Text":"hi"}"#, "not an array"),
    ] {
        let r = admin
            .send_message(pb::SendMessageRequest {
                room_id: "msg".into(),
                msg_body_json: body.into(),
                ..Default::default()
            })
            .await;
        expect_status(r, Code::InvalidArgument, 10004, what);
    }
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            from_user: "not a user".into(),
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "invalid from_user");
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            priority: 42,
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "unknown priority");
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "missing-room".into(),
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "missing room");
    let big = text_json(&"x".repeat(13_000));
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: big,
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 80002, "body over 12 KiB");

    // Nothing from the refused sends reached the room.
    let probe = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: text_json("probe"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(probe.seq, sent3.seq + 1, "refused sends consume no seq");
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], probe.seq);
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "probe");
    server.stop().await;
}

#[tokio::test]
async fn send_message_with_msg_key_is_idempotent() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("idem", None).await;
    let mut viewer = server.guest().await;
    assert_eq!(viewer.join("idem").await["code"], 0);

    let req = pb::SendMessageRequest {
        room_id: "idem".into(),
        from_user: "alice".into(),
        msg_body_json: text_json("once"),
        msg_key: "key-1".into(),
        ..Default::default()
    };
    let first = admin.send_message(req.clone()).await.unwrap().into_inner();
    let second = admin.send_message(req.clone()).await.unwrap().into_inner();
    assert_eq!(first.seq, second.seq);
    assert_eq!(first.time_ms, second.time_ms);

    // The same key from another sender is another message.
    let other_sender = admin
        .send_message(pb::SendMessageRequest {
            from_user: String::new(),
            ..req.clone()
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other_sender.seq, first.seq);

    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], first.seq);
    assert_eq!(m["msgKey"], "key-1");
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], other_sender.seq, "the resend was not delivered again");
    viewer.assert_no_event(Duration::from_millis(300)).await;

    // Keys longer than 64 bytes are refused.
    let r = admin
        .send_message(pb::SendMessageRequest {
            msg_key: "k".repeat(65),
            ..req
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "65-byte msg_key");
    server.stop().await;
}

#[tokio::test]
async fn send_notice_and_broadcast() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    for id in ["n1", "n2", "n3"] {
        server.create_room(id, None).await;
    }
    let mut v1 = server.guest().await;
    assert_eq!(v1.join("n1").await["code"], 0);
    let mut v3 = server.user("bob").await;
    assert_eq!(v3.join("n3").await["code"], 0);

    let seq = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "n1".into(),
            content: "stream starts soon".into(),
        })
        .await
        .expect("send notice")
        .into_inner()
        .seq;
    assert!(seq > 0);
    let n = v1.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n1");
    assert_eq!(n["seq"], seq);
    assert_eq!(n["notice"], "stream starts soon");

    let r = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "n1".into(),
            content: String::new(),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "empty notice");
    let r = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "missing-room".into(),
            content: "x".into(),
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "notice to a missing room");

    let rooms = admin
        .broadcast(pb::BroadcastRequest {
            content: "maintenance at 02:00".into(),
        })
        .await
        .expect("broadcast")
        .into_inner()
        .rooms;
    assert_eq!(rooms, 3);
    let n = v1.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n1");
    assert_eq!(n["notice"], "maintenance at 02:00");
    assert_eq!(n["seq"], seq + 1);
    let n = v3.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n3");
    assert_eq!(n["notice"], "maintenance at 02:00");

    // Dismissed rooms are not counted.
    admin
        .dismiss_room(pb::DismissRoomRequest { room_id: "n2".into() })
        .await
        .unwrap();
    let rooms = admin
        .broadcast(pb::BroadcastRequest {
            content: "again".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .rooms;
    assert_eq!(rooms, 2);
    let r = admin.broadcast(pb::BroadcastRequest { content: String::new() }).await;
    expect_status(r, Code::InvalidArgument, 10004, "empty broadcast");
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

    let all = admin
        .list_online_members(pb::ListOnlineMembersRequest {
            room_id: "online".into(),
            cursor: String::new(),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
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
        let page = admin
            .list_online_members(pb::ListOnlineMembersRequest {
                room_id: "online".into(),
                cursor: cursor.clone(),
                limit: 3,
            })
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

    let r = admin
        .list_online_members(pb::ListOnlineMembersRequest {
            room_id: "online".into(),
            cursor: "bogus".into(),
            limit: 2,
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "malformed cursor");

    // Guests count one each.
    let mut g1 = server.guest().await;
    assert_eq!(g1.join("online").await["code"], 0);
    let mut g2 = server.guest().await;
    assert_eq!(g2.join("online").await["code"], 0);
    assert_eq!(online_count(&mut admin, "online").await, 6);

    // Leaving lowers the count; the WebSocket view agrees.
    let mut m2 = clients.remove(1);
    assert_eq!(m2.request("quit", json!({ "roomId": "online" })).await["code"], 0);
    g2.close().await;
    wait_online_count(&mut admin, "online", 4).await;
    let r = g1.request("onlineCount", json!({ "roomId": "online" })).await;
    assert_eq!(r["data"]["count"], 4, "{r}");
    let members = admin
        .list_online_members(pb::ListOnlineMembersRequest {
            room_id: "online".into(),
            cursor: String::new(),
            limit: 100,
        })
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
    let r = admin
        .list_online_members(pb::ListOnlineMembersRequest {
            room_id: "missing-room".into(),
            cursor: String::new(),
            limit: 10,
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "members of a missing room");
    server.stop().await;
}

#[tokio::test]
async fn dismiss_room_kicks_members() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("bye", Some("owner1")).await;
    let mut owner = server.user("owner1").await;
    assert_eq!(owner.join("bye").await["code"], 0);
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("bye").await["code"], 0);
    let mut guest = server.guest().await;
    assert_eq!(guest.join("bye").await["code"], 0);
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: "bye".into(),
            user_ids: vec!["alice".into()],
            duration_secs: 600,
        })
        .await
        .unwrap();

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
    let r = owner.request("ping", json!({})).await;
    assert_eq!(r["code"], 0, "{r}");

    let got = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["bye".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.rooms.is_empty());
    assert_eq!(got.missing, vec!["bye".to_string()]);
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
    let count = admin
        .get_online_count(pb::GetOnlineCountRequest { room_id: "bye".into() })
        .await
        .unwrap()
        .into_inner()
        .count;
    assert_eq!(count, 0);
    let muted = admin
        .list_muted(pb::ListMutedRequest { room_id: "bye".into() })
        .await
        .unwrap()
        .into_inner()
        .muted;
    assert!(muted.is_empty(), "{muted:?}");
    assert_eq!(alice.join("bye").await["code"], 0);
    let r = alice.send_msg("bye", "new room").await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

// ---- health and reflection --------------------------------------------------

#[tokio::test]
async fn grpc_health_reports_serving() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;

    let server = TestServer::start().await;
    let channel = Channel::from_shared(format!("http://{}", server.grpc))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    for service in ["", "roomcast.v1.RoomAdmin"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("health check of {service:?}: {e:?}"))
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "service {service:?}");
    }
    let r = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await;
    assert_eq!(r.unwrap_err().code(), Code::NotFound);
    server.stop().await;
}

#[tokio::test]
async fn grpc_reflection_lists_the_admin_service() {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

    let server = TestServer::start().await;
    let channel = Channel::from_shared(format!("http://{}", server.grpc))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut reflection = ServerReflectionClient::new(channel);

    async fn ask(client: &mut ServerReflectionClient<Channel>, request: MessageRequest) -> ServerReflectionResponse {
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let mut stream = client
            .server_reflection_info(futures_util::stream::iter(vec![req]))
            .await
            .expect("reflection answers")
            .into_inner();
        stream
            .message()
            .await
            .expect("reflection response")
            .expect("one response")
    }

    let resp = ask(&mut reflection, MessageRequest::ListServices(String::new())).await;
    let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
        panic!("unexpected reflection response {resp:?}");
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"roomcast.v1.RoomAdmin"), "{names:?}");

    let resp = ask(
        &mut reflection,
        MessageRequest::FileContainingSymbol("roomcast.v1.RoomAdmin".into()),
    )
    .await;
    let Some(MessageResponse::FileDescriptorResponse(files)) = resp.message_response else {
        panic!("unexpected reflection response {resp:?}");
    };
    assert!(!files.file_descriptor_proto.is_empty());
    server.stop().await;
}
