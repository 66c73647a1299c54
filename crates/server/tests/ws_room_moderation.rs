//! Room moderation over WebSocket: mute, mute-all, room profile changes,
//! admins and permissions, bans and dismissal.

mod support;

use serde_json::json;
use support::*;

// ---- mute -------------------------------------------------------------------

#[tokio::test]
async fn admin_api_mute_blocks_sending_until_unmuted() {
    let (server, room) = TestServer::with_room("mute", Some("owner")).await;
    let mut a = server.joined("alice", &room).await;
    let mut b = server.joined("bob", &room).await;

    mute(&mut server.admin().await, &room, &["bob"], 60)
        .await
        .expect("admin mute");
    let e = a.next_tip("memberProfileUpdated").await;
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
    assert_eq!(b.quit(&room).await["code"], 0);
    assert_eq!(b.join(&room).await["data"]["status"], "success");
    let r = b.send_msg(&room, "muted after rejoin?").await;
    assert_eq!(r["code"], 10017, "{r}");

    mute(&mut server.admin().await, &room, &["bob"], 0)
        .await
        .expect("admin mute");
    let e = a.next_tip("memberProfileUpdated").await;
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
    assert_eq!(text_of(&m), "free again");
    server.stop().await;
}

#[tokio::test]
async fn owner_mutes_over_ws() {
    let (server, room) = TestServer::with_room("ws-mute", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let mut b = server.joined("bob", &room).await;
    let r = o.mute(&room, &["bob"], 30).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = b.next_tip("memberProfileUpdated").await;
    assert_eq!(e["tip"]["operator"], "owner", "{e}");
    assert_eq!(e["tip"]["muteSecs"], 30, "{e}");
    assert_eq!(b.send_msg(&room, "x").await["code"], 10017);
    server.stop().await;
}

#[tokio::test]
async fn mute_all_blocks_ordinary_members_only() {
    let (server, room) = TestServer::with_room("mute-all", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let mut adm = server.joined("adm", &room).await;
    let mut b = server.joined("bob", &room).await;
    let r = o.set_admin(&room, "adm", true).await;
    assert_eq!(r["code"], 0, "{r}");

    let r = o.modify_room(&room, json!({ "muteAll": true })).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = b.next_tip("roomProfileUpdated").await;
    assert_eq!(e["tip"]["opType"], 6, "{e}");
    assert_eq!(e["tip"]["operator"], "owner", "{e}");
    assert_eq!(e["tip"]["changes"]["muteAll"], true, "{e}");

    let r = b.send_msg(&room, "member").await;
    assert_eq!(r["code"], 10017, "{r}");
    let r = o.send_msg(&room, "owner").await;
    assert_eq!(r["code"], 0, "{r}");
    let r = adm.send_msg(&room, "admin").await;
    assert_eq!(r["code"], 0, "{r}");

    let r = o.modify_room(&room, json!({ "muteAll": false })).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = b.next_tip("roomProfileUpdated").await;
    assert_eq!(e["tip"]["changes"]["muteAll"], false, "{e}");
    let r = b.send_msg(&room, "member again").await;
    assert_eq!(r["code"], 0, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn modify_room_profile_fields_tip() {
    let (server, room) = TestServer::with_room("modify", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut b = server.joined("bob", &room).await;
    let changes = json!({ "name": "New name", "notification": "be nice", "custom": { "k": "v" } });
    let r = o.modify_room(&room, changes).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = b.next_tip("roomProfileUpdated").await;
    assert_eq!(e["tip"]["changes"]["name"], "New name", "{e}");
    assert_eq!(e["tip"]["changes"]["notification"], "be nice", "{e}");
    assert_eq!(e["tip"]["changes"]["custom"]["k"], "v", "{e}");
    server.stop().await;
}

// ---- admins and permissions -------------------------------------------------

#[tokio::test]
async fn owner_sets_and_unsets_admin_with_tips() {
    let (server, room) = TestServer::with_room("set-admin", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut a = server.joined("alice", &room).await;
    let r = o.set_admin(&room, "adm", true).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = a.next_tip("adminSet").await;
    assert_eq!(e["tip"]["opType"], 4, "{e}");
    assert_eq!(e["tip"]["users"], json!(["adm"]), "{e}");
    assert_eq!(e["tip"]["operator"], "owner", "{e}");

    let r = o.set_admin(&room, "adm", false).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = a.next_tip("adminUnset").await;
    assert_eq!(e["tip"]["opType"], 5, "{e}");
    assert_eq!(e["tip"]["users"], json!(["adm"]), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn ordinary_member_cannot_manage() {
    let (server, room) = TestServer::with_room("no-powers", Some("owner")).await;
    let mut b = server.joined("bob", &room).await;
    let mut a = server.joined("alice", &room).await;
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
    assert_eq!(b.online_count(&room).await, 2);
    server.stop().await;
}

#[tokio::test]
async fn manager_ops_require_login() {
    let (server, room) = TestServer::with_room("guest-powers", Some("owner")).await;
    let mut g = server.joined_guest(&room).await;
    let r = g.dismiss(&room).await;
    assert_eq!(r["code"], 6014, "{r}");
    server.stop().await;
}

#[tokio::test]
async fn admin_cannot_act_on_owner_or_admins() {
    let (server, room) = TestServer::with_room("admin-limits", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let mut adm = server.user("adm").await;
    let mut b = server.joined("bob", &room).await;
    for u in ["adm", "adm2"] {
        let r = o.set_admin(&room, u, true).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    let r = adm.mute(&room, &["owner"], 60).await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = adm.mute(&room, &["adm2"], 60).await;
    assert_eq!(r["code"], 10007, "{r}");
    let r = adm.ban(&room, &["owner"], 60).await;
    assert_eq!(r["code"], 10007, "{r}");
    // The owner was not muted.
    assert_eq!(o.send_msg(&room, "owner speaks").await["code"], 0);
    // But an admin may mute an ordinary member.
    let r = adm.mute(&room, &["bob"], 60).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(b.send_msg(&room, "x").await["code"], 10017);
    server.stop().await;
}

// ---- bans -------------------------------------------------------------------

#[tokio::test]
async fn ban_kicks_and_blocks_rejoin_until_unbanned() {
    let (server, room) = TestServer::with_room("ban", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let mut a = server.joined("alice", &room).await;
    let mut b = server.joined("bob", &room).await;
    assert_eq!(a.online_count(&room).await, 3);

    let r = o
        .request(
            "ban",
            json!({ "roomId": room, "userIds": ["bob"], "durationSecs": 60, "description": "spam" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    let p = b.next_push().await;
    assert_eq!(p, json!({ "type": "kicked", "reason": "banned", "roomId": room }));

    let e = a.next_tip("memberBanned").await;
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
    a.wait_online_count(&room, 2).await;
    let (members, _) = a.online_members(&room, None, Some(10)).await;
    assert!(!member_ids(&members).contains(&"bob"), "{members:?}");

    let r = o.request("unban", json!({ "roomId": room, "userIds": ["bob"] })).await;
    assert_eq!(r["code"], 0, "{r}");
    let e = a.next_tip("memberUnbanned").await;
    assert_eq!(e["tip"]["opType"], 11, "{e}");
    assert_eq!(e["tip"]["users"], json!(["bob"]), "{e}");
    let r = b.join(&room).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["status"], "success");
    assert_eq!(a.online_count(&room).await, 3);
    assert_eq!(b.send_msg(&room, "back").await["code"], 0);
    server.stop().await;
}

#[tokio::test]
async fn ban_kicks_every_connection_of_the_user() {
    let (server, room) = TestServer::with_room("ban-multi", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut b1 = server.joined("bob", &room).await;
    let mut b2 = server.joined("bob", &room).await;
    let r = o.ban(&room, &["bob"], 60).await;
    assert_eq!(r["code"], 0, "{r}");
    for b in [&mut b1, &mut b2] {
        let p = b.next_push().await;
        assert_eq!(p["type"], "kicked", "{p}");
        assert_eq!(p["reason"], "banned", "{p}");
    }
    o.wait_online_count(&room, 0).await;
    server.stop().await;
}

// ---- dismiss ----------------------------------------------------------------

#[tokio::test]
async fn dismiss_kicks_everyone_and_removes_the_room() {
    let (server, room) = TestServer::with_room("dismiss", Some("owner")).await;
    let mut o = server.joined("owner", &room).await;
    let mut a = server.joined("alice", &room).await;
    let mut g = server.joined_guest(&room).await;
    let r = o.dismiss(&room).await;
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
    let (server, room) = TestServer::with_room("no-dismiss", Some("owner")).await;
    let mut o = server.user("owner").await;
    let mut adm = server.user("adm").await;
    let mut b = server.joined("bob", &room).await;
    let r = o.set_admin(&room, "adm", true).await;
    assert_eq!(r["code"], 0, "{r}");
    for c in [&mut adm, &mut b] {
        let r = c.dismiss(&room).await;
        assert_eq!(r["code"], 10007, "{r}");
    }
    // The room is intact.
    let mut c = server.user("carol").await;
    assert_eq!(c.join(&room).await["data"]["status"], "success");
    server.stop().await;
}
