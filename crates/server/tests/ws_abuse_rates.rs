//! Request floods: one connection past its request rate gets `10006`
//! (retryable) and, if it keeps on, is closed with 4029; `onlineMembers` is
//! for the room's members (and the app admin) only, and rate-limited.
//! Ordinary members keep chatting meanwhile.

mod support;

use serde_json::json;
use support::raw_ws::*;
use support::*;

#[tokio::test]
async fn a_request_flood_is_refused_then_disconnected() {
    let mut config = abuse_config();
    config.gateway.limits.request_rate = RateOptions {
        per_sec: 20.0,
        burst: 20,
    };
    config.gateway.limits.request_abuse = RateOptions {
        per_sec: 1.0,
        burst: 30,
    };
    let (server, room) = TestServer::with_room_in(config, "flooded", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;

    let mut flooder = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    let flood = tokio::spawn(async move {
        // One request after the other, each sent as soon as the previous is
        // answered: thousands a second.
        let (mut served, mut refused) = (0, 0);
        for id in 0..10_000u64 {
            if flooder.write_request(id, "ping", json!({})).await.is_err() {
                break;
            }
            match flooder.read_frame().await {
                Some((OP_TEXT, payload)) => {
                    let r: serde_json::Value = serde_json::from_slice(&payload).unwrap();
                    assert_eq!(r["id"], id, "{r}");
                    match r["code"].as_u64() {
                        Some(0) => served += 1,
                        Some(10006) => {
                            assert_eq!(r["retryable"], true, "{r}");
                            refused += 1;
                        }
                        _ => panic!("unexpected reply {r}"),
                    }
                }
                Some((OP_CLOSE, payload)) => return (served, refused, u16::from_be_bytes([payload[0], payload[1]])),
                other => panic!("unexpected {other:?}"),
            }
        }
        (served, refused, 0)
    });
    while !flood.is_finished() {
        chat.exchange().await;
    }
    let (served, refused, close) = flood.await.unwrap();
    assert_eq!(close, 4029, "served {served}, refused {refused}");
    assert!((20..=25).contains(&served), "served {served}");
    assert!((30..=35).contains(&refused), "refused {refused}");
    chat.exchange().await;
}

#[tokio::test]
async fn online_members_is_for_members_and_rate_limited() {
    let mut config = abuse_config();
    config.gateway.limits.online_members_rate = RateOptions { per_sec: 0.5, burst: 3 };
    let (server, room) = TestServer::with_room_in(config, "audience", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;

    // Outsiders learn nothing about the audience.
    let mut outsider = server.user("outsider").await;
    let mut guest = server.guest().await;
    for c in [&mut outsider, &mut guest] {
        let r = c.request("onlineMembers", json!({ "roomId": room })).await;
        assert_eq!(r["code"], 10007, "{r}");
        assert!(r.get("data").is_none(), "{r}");
    }
    chat.exchange().await;

    // A member may look, a few times.
    let mut member = server.joined("member", &room).await;
    for _ in 0..3 {
        let (members, _) = member.online_members(&room, None, Some(10)).await;
        assert!(member_ids(&members).contains(&"chat-alice"), "{members:?}");
    }
    let r = member.request("onlineMembers", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10006, "{r}");
    assert_eq!(r["retryable"], true);
    chat.exchange().await;

    // The app admin may look at any room.
    let mut admin = server.user(ADMIN).await;
    let (members, _) = admin.online_members(&room, None, Some(10)).await;
    assert_eq!(members.len(), 3);
}
