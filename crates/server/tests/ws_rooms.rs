//! Rooms over WebSocket: joining and quitting, member tips, moderation
//! (mute, mute-all, admins, bans, dismissal), presence and sequencing.

mod common;
use common::*;

use roomcast_core::apps::now_secs;
use roomcast_proto::v1::{MuteMembersRequest, SendNoticeRequest};
use serde_json::{Value, json};
use std::time::Duration;

/// Quiet period for "this should not happen" checks.
const QUIET: Duration = Duration::from_millis(300);

/// The next tip of type `ty`, skipping every other event.
async fn next_tip(c: &mut Client, ty: &str) -> Value {
    loop {
        let e = c.next_event_of("tip").await;
        if e["tip"]["type"] == ty {
            return e;
        }
    }
}

/// Skips the member's own join tip (delivered right after its join).
async fn skip_own_join(c: &mut Client, user: &str) {
    loop {
        let e = next_tip(c, "memberJoined").await;
        if e["tip"]["users"] == json!([user]) {
            return;
        }
    }
}

async fn online_count(c: &mut Client, room: &str) -> Value {
    let r = c.request("onlineCount", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    r["data"]["count"].clone()
}

/// Polls the online count until it equals `want` (removal after a kick is
/// asynchronous), failing after the harness wait.
async fn wait_online_count(c: &mut Client, room: &str, want: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n = online_count(c, room).await;
        if n == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "online count stayed {n}, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn admin_mute(server: &TestServer, room: &str, users: &[&str], secs: u32) {
    server
        .admin()
        .await
        .mute_members(MuteMembersRequest {
            room_id: room.into(),
            user_ids: users.iter().map(|u| u.to_string()).collect(),
            duration_secs: secs,
        })
        .await
        .expect("admin mute");
}

async fn member_ids(c: &mut Client, room: &str, cursor: Option<&str>, limit: usize) -> (Vec<Value>, Value) {
    let mut data = json!({ "roomId": room, "limit": limit });
    if let Some(cur) = cursor {
        data["cursor"] = json!(cur);
    }
    let r = c.request("onlineMembers", data).await;
    assert_eq!(r["code"], 0, "{r}");
    let members = r["data"]["members"].as_array().cloned().unwrap_or_default();
    (members, r["data"]["nextCursor"].clone())
}

fn ids(members: &[Value]) -> Vec<&str> {
    members.iter().map(|m| m["userId"].as_str().unwrap()).collect()
}

// ---- join and quit ---------------------------------------------------------------

#[tokio::test]
async fn join_succeeds_then_already_in_group() {
    let server = TestServer::start().await;
    let room = server.create_room("join-twice", None).await;
    let mut a = server.user("alice").await;
    let r = a.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    assert_eq!(r["data"]["status"], "success");
    let r = a.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    assert_eq!(r["data"]["status"], "already_in_group");
    assert_eq!(online_count(&mut a, &room).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn join_unknown_room_is_10010() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let r = a.join("no-such-room").await;
    assert_eq!(r["code"], 10010, "{r}");
    let r = a.join("@TGS#nosuchroom1").await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn join_invalid_room_id_is_10015() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let too_long = "r".repeat(49);
    for bad in ["has space", "", too_long.as_str(), "@TGS#", "é"] {
        let r = a.join(bad).await;
        assert_eq!(r["code"], 10015, "room id {bad:?}: {r}");
    }
    server.stop().await;
}

#[tokio::test]
async fn quit_then_send_is_10007() {
    let server = TestServer::start().await;
    let room = server.create_room("quit-send", None).await;
    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    assert_eq!(a.send_msg(&room, "in").await["code"], 0);
    let r = a.request("quit", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["roomId"], room);
    let r = a.send_msg(&room, "out").await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn send_without_join_is_10007() {
    let server = TestServer::start().await;
    let room = server.create_room("no-join", None).await;
    let mut a = server.user("alice").await;
    let r = a.send_msg(&room, "hi").await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn quit_without_join_is_10007() {
    let server = TestServer::start().await;
    let room = server.create_room("no-join-quit", None).await;
    let mut a = server.user("alice").await;
    let r = a.request("quit", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10007, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn owner_cannot_quit() {
    let server = TestServer::start().await;
    let room = server.create_room("owner-quit", Some("owner")).await;
    let mut o = server.user("owner").await;
    assert_eq!(o.join(&room).await["code"], 0);
    let r = o.request("quit", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10009, "{r}");
    // Still a member: can send.
    assert_eq!(o.send_msg(&room, "still here").await["code"], 0);
    assert_eq!(online_count(&mut o, &room).await, 1);
    server.stop().await;
}

// ---- member tips -------------------------------------------------------------------

#[tokio::test]
async fn members_see_join_and_quit_tips() {
    let server = TestServer::start().await;
    let room = server.create_room("tips", None).await;
    let mut b = server.user("bob").await;
    assert_eq!(b.join(&room).await["code"], 0);
    skip_own_join(&mut b, "bob").await;

    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    let e = b.next_event().await;
    assert_eq!(e["kind"], "tip", "{e}");
    assert_eq!(e["roomId"], room);
    assert_eq!(e["priority"], "Lowest");
    assert!(e["seq"].as_u64().is_some(), "{e}");
    assert!(e["time"].as_i64().unwrap() > 0, "{e}");
    assert_eq!(e["tip"]["type"], "memberJoined", "{e}");
    assert_eq!(e["tip"]["opType"], 1, "{e}");
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");

    assert_eq!(a.request("quit", json!({ "roomId": room })).await["code"], 0);
    let e = b.next_event().await;
    assert_eq!(e["kind"], "tip", "{e}");
    assert_eq!(e["tip"]["type"], "memberQuit", "{e}");
    assert_eq!(e["tip"]["opType"], 2, "{e}");
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn disconnect_produces_quit_tip() {
    let server = TestServer::start().await;
    let room = server.create_room("tips-disconnect", None).await;
    let mut b = server.user("bob").await;
    assert_eq!(b.join(&room).await["code"], 0);
    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    skip_own_join(&mut b, "alice").await;
    a.close().await;
    let e = next_tip(&mut b, "memberQuit").await;
    assert_eq!(e["tip"]["users"], json!(["alice"]), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn guests_produce_no_tips() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-tips", None).await;
    let mut b = server.user("bob").await;
    assert_eq!(b.join(&room).await["code"], 0);
    skip_own_join(&mut b, "bob").await;

    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    b.assert_no_event(QUIET).await;
    assert_eq!(g.request("quit", json!({ "roomId": room })).await["code"], 0);
    b.assert_no_event(QUIET).await;

    // Events are delivered in order, so the next one is carol's join.
    let mut c = server.user("carol").await;
    assert_eq!(c.join(&room).await["code"], 0);
    let e = b.next_event().await;
    assert_eq!(e["tip"]["type"], "memberJoined", "{e}");
    assert_eq!(e["tip"]["users"], json!(["carol"]), "{e}");
    server.stop().await;
}

// ---- mute --------------------------------------------------------------------------

#[tokio::test]
async fn admin_api_mute_blocks_sending_until_unmuted() {
    let server = TestServer::start().await;
    let room = server.create_room("mute", Some("owner")).await;
    let mut a = server.user("alice").await;
    let mut b = server.user("bob").await;
    assert_eq!(a.join(&room).await["code"], 0);
    assert_eq!(b.join(&room).await["code"], 0);

    admin_mute(&server, &room, &["bob"], 60).await;
    let e = next_tip(&mut a, "memberProfileUpdated").await;
    assert_eq!(e["tip"]["opType"], 7, "{e}");
    assert_eq!(e["tip"]["users"], json!(["bob"]), "{e}");
    assert_eq!(e["tip"]["muteSecs"], 60, "{e}");
    assert!(e["tip"].get("operator").is_none(), "app admin has no operator: {e}");

    let r = b.send_msg(&room, "muted?").await;
    assert_eq!(r["code"], 10017, "{r}");
    let until = r["data"]["mutedUntil"].as_i64().expect("mutedUntil");
    let now = now_secs() as i64;
    assert!(until > now && until <= now + 61, "mutedUntil {until} vs now {now}");
    // Others are unaffected.
    assert_eq!(a.send_msg(&room, "not muted").await["code"], 0);

    // The mute survives quitting and rejoining.
    assert_eq!(b.request("quit", json!({ "roomId": room })).await["code"], 0);
    assert_eq!(b.join(&room).await["data"]["status"], "success");
    let r = b.send_msg(&room, "muted after rejoin?").await;
    assert_eq!(r["code"], 10017, "{r}");

    admin_mute(&server, &room, &["bob"], 0).await;
    let e = next_tip(&mut a, "memberProfileUpdated").await;
    assert_eq!(e["tip"]["users"], json!(["bob"]), "{e}");
    assert_eq!(e["tip"]["muteSecs"], 0, "{e}");
    let r = b.send_msg(&room, "free again").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = a.next_event_of("message").await;
    let m = if m["from"] == "alice" {
        a.next_event_of("message").await
    } else {
        m
    };
    assert_eq!(m["from"], "bob", "{m}");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "free again");
    server.stop().await;
}

#[tokio::test]
async fn owner_mutes_over_ws() {
    let server = TestServer::start().await;
    let room = server.create_room("ws-mute", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut b = server.user("bob").await;
    assert_eq!(o.join(&room).await["code"], 0);
    assert_eq!(b.join(&room).await["code"], 0);
    let r = o
        .request(
            "mute",
            json!({ "roomId": room, "userIds": ["bob"], "durationSecs": 30 }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut b, "memberProfileUpdated").await;
    assert_eq!(e["tip"]["operator"], "owner", "{e}");
    assert_eq!(e["tip"]["muteSecs"], 30, "{e}");
    assert_eq!(b.send_msg(&room, "x").await["code"], 10017);
    server.stop().await;
}

#[tokio::test]
async fn mute_all_blocks_ordinary_members_only() {
    let server = TestServer::start().await;
    let room = server.create_room("mute-all", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut adm = server.user("adm").await;
    let mut b = server.user("bob").await;
    for c in [&mut o, &mut adm, &mut b] {
        assert_eq!(c.join(&room).await["code"], 0);
    }
    let r = o
        .request("setAdmin", json!({ "roomId": room, "userId": "adm", "admin": true }))
        .await;
    assert_eq!(r["code"], 0, "{r}");

    let r = o
        .request("modifyRoom", json!({ "roomId": room, "muteAll": true }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut b, "roomProfileUpdated").await;
    assert_eq!(e["tip"]["opType"], 6, "{e}");
    assert_eq!(e["tip"]["operator"], "owner", "{e}");
    assert_eq!(e["tip"]["changes"]["muteAll"], true, "{e}");

    let r = b.send_msg(&room, "member").await;
    assert_eq!(r["code"], 10017, "{r}");
    let r = o.send_msg(&room, "owner").await;
    assert_eq!(r["code"], 0, "{r}");
    let r = adm.send_msg(&room, "admin").await;
    assert_eq!(r["code"], 0, "{r}");

    let r = o
        .request("modifyRoom", json!({ "roomId": room, "muteAll": false }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut b, "roomProfileUpdated").await;
    assert_eq!(e["tip"]["changes"]["muteAll"], false, "{e}");
    let r = b.send_msg(&room, "member again").await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn modify_room_profile_fields_tip() {
    let server = TestServer::start().await;
    let room = server.create_room("modify", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut b = server.user("bob").await;
    assert_eq!(b.join(&room).await["code"], 0);
    let r = o
        .request(
            "modifyRoom",
            json!({ "roomId": room, "name": "New name", "notification": "be nice", "custom": { "k": "v" } }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut b, "roomProfileUpdated").await;
    assert_eq!(e["tip"]["changes"]["name"], "New name", "{e}");
    assert_eq!(e["tip"]["changes"]["notification"], "be nice", "{e}");
    assert_eq!(e["tip"]["changes"]["custom"]["k"], "v", "{e}");
    server.stop().await;
}

// ---- admins and permissions ----------------------------------------------------------

#[tokio::test]
async fn owner_sets_and_unsets_admin_with_tips() {
    let server = TestServer::start().await;
    let room = server.create_room("set-admin", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut a = server.user("alice").await;
    assert_eq!(a.join(&room).await["code"], 0);
    let r = o
        .request("setAdmin", json!({ "roomId": room, "userId": "adm", "admin": true }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut a, "adminSet").await;
    assert_eq!(e["tip"]["opType"], 4, "{e}");
    assert_eq!(e["tip"]["users"], json!(["adm"]), "{e}");
    assert_eq!(e["tip"]["operator"], "owner", "{e}");

    let r = o
        .request("setAdmin", json!({ "roomId": room, "userId": "adm", "admin": false }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut a, "adminUnset").await;
    assert_eq!(e["tip"]["opType"], 5, "{e}");
    assert_eq!(e["tip"]["users"], json!(["adm"]), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn ordinary_member_cannot_manage() {
    let server = TestServer::start().await;
    let room = server.create_room("no-powers", Some("owner")).await;
    let mut b = server.user("bob").await;
    let mut a = server.user("alice").await;
    assert_eq!(b.join(&room).await["code"], 0);
    assert_eq!(a.join(&room).await["code"], 0);
    let attempts = [
        (
            "mute",
            json!({ "roomId": room, "userIds": ["alice"], "durationSecs": 60 }),
        ),
        (
            "ban",
            json!({ "roomId": room, "userIds": ["alice"], "durationSecs": 60 }),
        ),
        ("unban", json!({ "roomId": room, "userIds": ["alice"] })),
        ("setAdmin", json!({ "roomId": room, "userId": "bob", "admin": true })),
        ("modifyRoom", json!({ "roomId": room, "muteAll": true })),
        ("dismiss", json!({ "roomId": room })),
    ];
    for (op, data) in attempts {
        let r = b.request(op, data).await;
        assert_eq!(r["code"], 10007, "{op}: {r}");
    }
    // Nothing happened: alice can still send, the room still exists.
    assert_eq!(a.send_msg(&room, "still fine").await["code"], 0);
    assert_eq!(online_count(&mut b, &room).await, 2);
    server.stop().await;
}

#[tokio::test]
async fn manager_ops_require_login() {
    let server = TestServer::start().await;
    let room = server.create_room("guest-powers", Some("owner")).await;
    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    let r = g.request("dismiss", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn admin_cannot_act_on_owner_or_admins() {
    let server = TestServer::start().await;
    let room = server.create_room("admin-limits", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut adm = server.user("adm").await;
    let mut b = server.user("bob").await;
    assert_eq!(o.join(&room).await["code"], 0);
    assert_eq!(b.join(&room).await["code"], 0);
    for u in ["adm", "adm2"] {
        let r = o
            .request("setAdmin", json!({ "roomId": room, "userId": u, "admin": true }))
            .await;
        assert_eq!(r["code"], 0, "{r}");
    }
    let r = adm
        .request(
            "mute",
            json!({ "roomId": room, "userIds": ["owner"], "durationSecs": 60 }),
        )
        .await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = adm
        .request(
            "mute",
            json!({ "roomId": room, "userIds": ["adm2"], "durationSecs": 60 }),
        )
        .await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = adm
        .request(
            "ban",
            json!({ "roomId": room, "userIds": ["owner"], "durationSecs": 60 }),
        )
        .await;
    assert_eq!(r["code"], 10007, "{r}");
    // The owner was not muted.
    assert_eq!(o.send_msg(&room, "owner speaks").await["code"], 0);
    // But an admin may mute an ordinary member.
    let r = adm
        .request(
            "mute",
            json!({ "roomId": room, "userIds": ["bob"], "durationSecs": 60 }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(b.send_msg(&room, "x").await["code"], 10017);
    server.stop().await;
}

// ---- bans ---------------------------------------------------------------------------

#[tokio::test]
async fn ban_kicks_and_blocks_rejoin_until_unbanned() {
    let server = TestServer::start().await;
    let room = server.create_room("ban", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut a = server.user("alice").await;
    let mut b = server.user("bob").await;
    for c in [&mut o, &mut a, &mut b] {
        assert_eq!(c.join(&room).await["code"], 0);
    }
    assert_eq!(online_count(&mut a, &room).await, 3);

    let r = o
        .request(
            "ban",
            json!({ "roomId": room, "userIds": ["bob"], "durationSecs": 60, "description": "spam" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    let p = b.next_push().await;
    assert_eq!(p, json!({ "type": "kicked", "reason": "banned", "roomId": room }));

    let e = next_tip(&mut a, "memberBanned").await;
    assert_eq!(e["tip"]["opType"], 10, "{e}");
    assert_eq!(e["tip"]["users"], json!(["bob"]), "{e}");
    assert_eq!(e["tip"]["operator"], "owner", "{e}");
    assert_eq!(e["tip"]["banSecs"], 60, "{e}");

    // Kicked out: cannot send, cannot rejoin.
    let r = b.send_msg(&room, "still here?").await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = b.join(&room).await;
    assert_eq!(r["code"], 10007, "{r}");
    let until = r["data"]["bannedUntil"].as_i64().expect("bannedUntil");
    let now = now_secs() as i64;
    assert!(until > now && until <= now + 61, "bannedUntil {until} vs now {now}");
    wait_online_count(&mut a, &room, 2).await;
    let (members, _) = member_ids(&mut a, &room, None, 10).await;
    assert!(!ids(&members).contains(&"bob"), "{members:?}");

    let r = o.request("unban", json!({ "roomId": room, "userIds": ["bob"] })).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = next_tip(&mut a, "memberUnbanned").await;
    assert_eq!(e["tip"]["opType"], 11, "{e}");
    assert_eq!(e["tip"]["users"], json!(["bob"]), "{e}");
    let r = b.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    assert_eq!(online_count(&mut a, &room).await, 3);
    assert_eq!(b.send_msg(&room, "back").await["code"], 0);
    server.stop().await;
}

#[tokio::test]
async fn ban_kicks_every_connection_of_the_user() {
    let server = TestServer::start().await;
    let room = server.create_room("ban-multi", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut b1 = server.user("bob").await;
    let mut b2 = server.user("bob").await;
    assert_eq!(b1.join(&room).await["code"], 0);
    assert_eq!(b2.join(&room).await["code"], 0);
    let r = o
        .request("ban", json!({ "roomId": room, "userIds": ["bob"], "durationSecs": 60 }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    for b in [&mut b1, &mut b2] {
        let p = b.next_push().await;
        assert_eq!(p["type"], "kicked", "{p}");
        assert_eq!(p["reason"], "banned", "{p}");
    }
    wait_online_count(&mut o, &room, 0).await;
    server.stop().await;
}

// ---- dismiss ------------------------------------------------------------------------

#[tokio::test]
async fn dismiss_kicks_everyone_and_removes_the_room() {
    let server = TestServer::start().await;
    let room = server.create_room("dismiss", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut a = server.user("alice").await;
    let mut g = server.guest().await;
    for c in [&mut o, &mut a, &mut g] {
        assert_eq!(c.join(&room).await["code"], 0);
    }
    let r = o.request("dismiss", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 0, "{r}");
    for c in [&mut o, &mut a, &mut g] {
        let p = c.next_push().await;
        assert_eq!(p, json!({ "type": "kicked", "reason": "dismissed", "roomId": room }));
    }
    let r = a.join(&room).await;
    assert_eq!(r["code"], 10010, "{r}");
    let r = a.send_msg(&room, "anyone?").await;
    assert_eq!(r["code"], 10007, "{r}");
    let mut late = server.user("late").await;
    let r = late.join(&room).await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn dismiss_by_non_owner_is_10007() {
    let server = TestServer::start().await;
    let room = server.create_room("no-dismiss", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut adm = server.user("adm").await;
    let mut b = server.user("bob").await;
    assert_eq!(b.join(&room).await["code"], 0);
    let r = o
        .request("setAdmin", json!({ "roomId": room, "userId": "adm", "admin": true }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    for c in [&mut adm, &mut b] {
        let r = c.request("dismiss", json!({ "roomId": room })).await;
        assert_eq!(r["code"], 10007, "{r}");
    }
    // The room is intact.
    let mut c = server.user("carol").await;
    assert_eq!(c.join(&room).await["data"]["status"], "success");
    server.stop().await;
}

// ---- presence -----------------------------------------------------------------------

#[tokio::test]
async fn online_count_and_members_pages_most_recent_first() {
    let server = TestServer::start().await;
    let room = server.create_room("presence", None).await;
    let mut clients = Vec::new();
    // Join order deliberately differs from name order.
    for u in ["dave", "carol", "bob", "alice"] {
        let mut c = server.user(u).await;
        let r = c
            .request(
                "updateProfile",
                json!({ "nick": u.to_uppercase(), "avatar": format!("https://a/{u}") }),
            )
            .await;
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(c.join(&room).await["code"], 0);
        clients.push(c);
        // Distinct join timestamps (milliseconds), so the order is unambiguous.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut g = server.guest().await;
    assert_eq!(g.join(&room).await["code"], 0);
    let viewer = &mut clients[0];
    assert_eq!(online_count(viewer, &room).await, 5);
    assert_eq!(g.request("quit", json!({ "roomId": room })).await["code"], 0);
    assert_eq!(online_count(viewer, &room).await, 4);

    let (first, cursor) = member_ids(viewer, &room, None, 2).await;
    assert_eq!(ids(&first), ["alice", "bob"]);
    assert_eq!(first[0]["nick"], "ALICE");
    assert_eq!(first[0]["avatar"], "https://a/alice");
    let cursor = cursor.as_str().expect("a next cursor after a full page").to_string();
    let (second, next) = member_ids(viewer, &room, Some(&cursor), 2).await;
    assert_eq!(ids(&second), ["carol", "dave"]);
    assert_eq!(next, Value::Null, "no further page");

    let all: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|m| m["joinedAtMs"].as_i64().unwrap())
        .collect();
    assert!(
        all.windows(2).all(|w| w[0] >= w[1]),
        "joinedAtMs not descending: {all:?}"
    );

    // Without a limit: everyone on one page.
    let (everyone, next) = member_ids(viewer, &room, None, 0).await;
    assert_eq!(ids(&everyone), ["alice", "bob", "carol", "dave"]);
    assert_eq!(next, Value::Null);

    // Bob leaves.
    assert_eq!(clients[2].request("quit", json!({ "roomId": room })).await["code"], 0);
    let viewer = &mut clients[0];
    assert_eq!(online_count(viewer, &room).await, 3);
    let (left, _) = member_ids(viewer, &room, None, 10).await;
    assert_eq!(ids(&left), ["alice", "carol", "dave"]);
    server.stop().await;
}

#[tokio::test]
async fn online_count_of_unknown_room_is_10010() {
    let server = TestServer::start().await;
    let mut a = server.user("alice").await;
    let r = a.request("onlineCount", json!({ "roomId": "nope" })).await;
    assert_eq!(r["code"], 10010, "{r}");
    server.stop().await;
}

// ---- sequencing ---------------------------------------------------------------------

#[tokio::test]
async fn room_sequence_numbers_strictly_increase_across_tips_and_messages() {
    let server = TestServer::start().await;
    let room = server.create_room("seq", Some("owner")).await;
    let mut w = server.user("watcher").await;
    assert_eq!(w.join(&room).await["code"], 0);
    let mut o = server.user("owner").await;
    let mut a = server.user("alice").await;
    assert_eq!(o.join(&room).await["code"], 0);
    assert_eq!(a.join(&room).await["code"], 0);

    let mut sent = Vec::new();
    for i in 0..3 {
        let r = a.send_msg(&room, &format!("m{i}")).await;
        assert_eq!(r["code"], 0, "{r}");
        sent.push(r["data"]["seq"].as_u64().unwrap());
    }
    let r = o
        .request("modifyRoom", json!({ "roomId": room, "name": "renamed" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    admin_mute(&server, &room, &["alice"], 30).await;
    admin_mute(&server, &room, &["alice"], 0).await;
    server
        .admin()
        .await
        .send_notice(SendNoticeRequest {
            room_id: room.clone(),
            content: "notice".into(),
        })
        .await
        .expect("notice");
    let r = o
        .request("setAdmin", json!({ "roomId": room, "userId": "alice", "admin": true }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let r = a.send_msg(&room, "last").await;
    assert_eq!(r["code"], 0, "{r}");
    sent.push(r["data"]["seq"].as_u64().unwrap());

    let mut seen = Vec::new();
    let mut kinds = Vec::new();
    loop {
        let e = w.next_event().await;
        let seq = e["seq"].as_u64().unwrap_or_else(|| panic!("event without seq: {e}"));
        seen.push(seq);
        kinds.push(e["kind"].as_str().unwrap_or("").to_string());
        if e["kind"] == "message" && e["msgBody"][0]["MsgContent"]["Text"] == "last" {
            break;
        }
    }
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "sequence numbers not strictly increasing: {seen:?} ({kinds:?})"
    );
    assert!(
        seen.windows(2).all(|p| p[1] == p[0] + 1),
        "sequence numbers have gaps: {seen:?} ({kinds:?})"
    );
    for s in &sent {
        assert!(seen.contains(s), "sent seq {s} not delivered: {seen:?}");
    }
    for k in ["tip", "message", "notice"] {
        assert!(kinds.iter().any(|x| x == k), "no {k} among {kinds:?}");
    }
    server.stop().await;
}
