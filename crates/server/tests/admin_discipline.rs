//! Moderating members through the gRPC admin API: room admins, mutes and
//! bans, with real WebSocket clients observing the effects.

mod support;

use serde_json::{Value, json};
use support::*;
use tonic::Code;

/// `n` made-up user IDs.
fn many_users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i}")).collect()
}

fn refs(users: &[String]) -> Vec<&str> {
    users.iter().map(String::as_str).collect()
}

/// One mute or ban request and what the server must answer.
struct Case<'a> {
    what: &'a str,
    users: Vec<&'a str>,
    secs: u32,
    description: &'a str,
    /// The gRPC code and the numeric code of a refusal; `None` if accepted.
    refusal: Option<(Code, u32)>,
}

impl<'a> Case<'a> {
    fn accepted(what: &'a str, users: Vec<&'a str>, secs: u32) -> Self {
        Self {
            what,
            users,
            secs,
            description: "",
            refusal: None,
        }
    }

    fn refused(what: &'a str, users: Vec<&'a str>, secs: u32, code: Code, numeric: u32) -> Self {
        Self {
            refusal: Some((code, numeric)),
            ..Self::accepted(what, users, secs)
        }
    }
}

/// The next `memberProfileUpdated` tip naming exactly `user` (skipping
/// those of other mutes).
async fn next_mute_tip(c: &mut Client, user: &str) -> Value {
    loop {
        let t = c.next_tip("memberProfileUpdated").await;
        if t["tip"]["users"] == json!([user]) {
            return t;
        }
    }
}

/// Asserts a `kicked` push for `room` with `reason`.
async fn assert_kicked(c: &mut Client, room: &str, reason: &str) {
    let kicked = c.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    assert_eq!(kicked["roomId"], room);
    assert_eq!(kicked["reason"], reason);
}

#[tokio::test]
async fn set_admin_grants_and_revokes_with_tips() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("admins", Some("owner1")).await;
    let mut alice = server.joined("alice", "admins").await;
    let mut bob = server.joined("bob", "admins").await;

    set_room_admin(&mut admin, "admins", "bob", true)
        .await
        .expect("set admin");
    let tip = alice.next_tip("adminSet").await;
    assert_eq!(tip["tip"]["opType"], 4);
    assert_eq!(tip["tip"]["users"], json!(["bob"]));
    assert_eq!(get_room(&mut admin, "admins").await.admins, vec!["bob".to_string()]);

    // Bob can now moderate: mute alice over WebSocket.
    let r = bob.mute("admins", &["alice"], 60).await;
    assert_eq!(r["code"], 0, "{r}");

    set_room_admin(&mut admin, "admins", "bob", false)
        .await
        .expect("unset admin");
    let tip = alice.next_tip("adminUnset").await;
    assert_eq!(tip["tip"]["opType"], 5);
    assert_eq!(tip["tip"]["users"], json!(["bob"]));
    assert!(get_room(&mut admin, "admins").await.admins.is_empty());

    // Bob is an ordinary member again.
    let r = bob.mute("admins", &["alice"], 0).await;
    assert_eq!(r["code"], 10007, "{r}");

    // The owner cannot be made an admin; missing rooms are reported.
    let r = set_room_admin(&mut admin, "admins", "owner1", true).await;
    expect_status(r, Code::InvalidArgument, 10004, "owner as admin");
    let r = set_room_admin(&mut admin, "missing-room", "bob", true).await;
    expect_status(r, Code::NotFound, 10010, "set admin in a missing room");
    server.stop().await;
}

/// The limits that mutes and bans share, checked one request at a time:
/// what each refused request answers, the largest batches that pass, and
/// that none of the refused requests took effect.
#[tokio::test]
async fn mute_and_ban_requests_are_checked() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("limits", Some("owner1")).await;
    let _dave = server.joined("dave", "limits").await;
    let (u501, u500, u21) = (many_users(501), many_users(500), many_users(21));
    let long_description = "d".repeat(1001);

    let mutes = [
        Case::refused("501 users", refs(&u501), 60, Code::InvalidArgument, 10005),
        Case::accepted("500 users are fine", refs(&u500), 60),
        Case::accepted("unmute 500 users", refs(&u500), 0),
        Case::refused("no users", vec![], 60, Code::InvalidArgument, 10004),
        Case::refused("mute the owner", vec!["owner1"], 60, Code::PermissionDenied, 10007),
    ];
    for case in mutes {
        let r = mute(&mut admin, "limits", &case.users, case.secs).await;
        match case.refusal {
            Some((code, numeric)) => drop(expect_status(r, code, numeric, case.what)),
            None => drop(r.expect(case.what)),
        }
    }

    let bans = [
        Case::refused("21 users", refs(&u21), 60, Code::InvalidArgument, 10005),
        Case::refused("zero duration", vec!["dave"], 0, Code::InvalidArgument, 10004),
        Case {
            description: &long_description,
            ..Case::refused("1001-byte description", vec!["dave"], 60, Code::InvalidArgument, 10004)
        },
        Case::refused("ban the owner", vec!["owner1"], 60, Code::PermissionDenied, 10007),
    ];
    for case in bans {
        let r = ban(&mut admin, "limits", &case.users, case.secs, case.description).await;
        let (code, numeric) = case.refusal.expect("every ban case is refused");
        expect_status(r, code, numeric, case.what);
    }

    // None of the refused requests took effect.
    let muted = list_muted(&mut admin, "limits").await.unwrap().into_inner().muted;
    assert!(muted.is_empty(), "{muted:?}");
    let banned = list_banned(&mut admin, "limits").await.unwrap().into_inner().banned;
    assert!(banned.is_empty(), "{banned:?}");
    assert_eq!(online_count(&mut admin, "limits").await, 1);

    // Lists of a missing room are reported.
    let r = list_muted(&mut admin, "missing-room").await;
    expect_status(r, Code::NotFound, 10010, "list muted of a missing room");
    let r = list_banned(&mut admin, "missing-room").await;
    expect_status(r, Code::NotFound, 10010, "list banned of a missing room");
    server.stop().await;
}

#[tokio::test]
async fn mute_members_lists_and_unmutes() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("mute", Some("owner1")).await;
    let mut alice = server.joined("alice", "mute").await;
    let mut carol = server.joined("carol", "mute").await;

    let before = now_secs() as i64;
    mute(&mut admin, "mute", &["carol"], 600).await.expect("mute carol");
    let tip = next_mute_tip(&mut alice, "carol").await;
    assert_eq!(tip["tip"]["opType"], 7);
    assert_eq!(tip["tip"]["muteSecs"], 600);

    let muted = list_muted(&mut admin, "mute").await.unwrap().into_inner().muted;
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
    mute(&mut admin, "mute", &["carol"], 0).await.expect("unmute carol");
    let tip = next_mute_tip(&mut alice, "carol").await;
    assert_eq!(tip["tip"]["opType"], 7);
    assert_eq!(tip["tip"]["muteSecs"], 0);
    let muted = list_muted(&mut admin, "mute").await.unwrap().into_inner().muted;
    assert!(muted.is_empty(), "{muted:?}");
    let r = carol.send_msg("mute", "thanks").await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn ban_members_kicks_lists_and_unbans() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("ban", Some("owner1")).await;
    let mut alice = server.joined("alice", "ban").await;
    let mut dave = server.joined("dave", "ban").await;
    // Dave's second device.
    let mut dave2 = server.joined("dave", "ban").await;

    let before = now_secs() as i64;
    ban(&mut admin, "ban", &["dave"], 3600, "spam").await.expect("ban dave");

    // Dave is kicked out of the room, on both devices.
    assert_kicked(&mut dave, "ban", "banned").await;
    assert_kicked(&mut dave2, "ban", "banned").await;
    // The others see a memberBanned tip.
    let tip = alice.next_tip("memberBanned").await;
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

    let banned = list_banned(&mut admin, "ban").await.unwrap().into_inner().banned;
    assert_eq!(banned.len(), 1, "{banned:?}");
    assert_eq!(banned[0].user_id, "dave");
    assert_eq!(banned[0].description, "spam");
    assert!(banned[0].banned_until > now_secs() as i64);
    assert!(
        banned[0].banned_until >= before + 3600 && banned[0].banned_until <= now_secs() as i64 + 3601,
        "{banned:?}"
    );

    unban(&mut admin, "ban", &["dave"]).await.expect("unban dave");
    let tip = alice.next_tip("memberUnbanned").await;
    assert_eq!(tip["tip"]["opType"], 11);
    assert_eq!(tip["tip"]["users"], json!(["dave"]));
    let banned = list_banned(&mut admin, "ban").await.unwrap().into_inner().banned;
    assert!(banned.is_empty(), "{banned:?}");
    let r = dave.join("ban").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    server.stop().await;
}
