//! Connections over WebSocket: several per user, slow consumers and idle
//! connections.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::raw_ws::RawWs;
use support::*;

// ---- several connections per user ---------------------------------------------------

#[tokio::test]
async fn user_with_two_connections_is_one_member() {
    let (server, room) = TestServer::with_room("two-conns", None).await;
    let mut a1 = server.joined("alice", &room).await;
    let mut a2 = server.joined("alice", &room).await;
    assert_eq!(a1.online_count(&room).await, 1);
    let mut b = server.joined("bob", &room).await;
    assert_eq!(b.online_count(&room).await, 2);

    let r = b.send_msg(&room, "to both").await;
    assert_eq!(r["code"], 0, "{r}");
    for c in [&mut a1, &mut a2] {
        let m = c.next_event_of("message").await;
        assert_eq!(m["from"], "bob");
        assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "to both");
    }

    // One connection leaving keeps alice in the room; the second removes her.
    assert_eq!(a1.quit(&room).await["code"], 0);
    assert_eq!(b.online_count(&room).await, 2);
    assert_eq!(a2.quit(&room).await["code"], 0);
    assert_eq!(b.online_count(&room).await, 1);
    server.stop().await;
}

#[tokio::test]
async fn past_max_connections_per_user_the_oldest_is_kicked() {
    let mut config = base_config();
    config.gateway.max_connections_per_user = 2;
    let server = TestServer::start_with(config).await;
    let mut c1 = server.user("carol").await;
    let mut c2 = server.user("carol").await;
    c1.assert_ping_ok().await;
    let mut c3 = server.user("carol").await;

    let p = c1.next_push().await;
    assert_eq!(p["type"], "kicked", "{p}");
    assert_eq!(p["reason"], "logged_in_elsewhere", "{p}");
    assert!(p.get("roomId").is_some(), "{p}");
    assert_eq!(p["roomId"], Value::Null, "{p}");
    let (code, _) = c1.wait_closed().await;
    assert_eq!(code, 4009);

    // The two newest stay logged in.
    for c in [&mut c2, &mut c3] {
        let r = c.request("updateProfile", json!({ "nick": "C" })).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    server.stop().await;
}

#[tokio::test]
async fn connection_kicked_as_logged_in_elsewhere_leaves_its_rooms() {
    let mut config = base_config();
    config.gateway.max_connections_per_user = 2;
    let (server, room) = TestServer::with_room_in(config, "kicked-leaves", None).await;
    let mut obs = server.joined("observer", &room).await;
    let mut c1 = server.joined("carol", &room).await;
    assert_eq!(obs.online_count(&room).await, 2);

    // Two newer logins push c1 out; neither joins the room.
    let _c2 = server.user("carol").await;
    let _c3 = server.user("carol").await;
    let p = c1.next_push().await;
    assert_eq!(p["reason"], "logged_in_elsewhere", "{p}");
    assert_eq!(c1.wait_closed().await.0, 4009);

    // carol has no connection in the room any more: she is no longer online
    // there, and members are told she left.
    obs.wait_online_count(&room, 1).await;
    let e = obs.next_tip("memberQuit").await;
    assert_eq!(e["tip"]["users"], json!(["carol"]), "{e}");
    server.stop().await;
}

// ---- slow consumers and idle connections ------------------------------------------

#[tokio::test]
async fn slow_consumer_is_closed_with_4008() {
    let mut config = base_config();
    // Far below the default (1 MiB) and the traffic sent below, but not so
    // small that the sender (which reads everything) is cut off too: the
    // room's fan-out may push a burst of events into a connection's queue
    // before that connection's writer runs (with a 4 KiB queue and 1 KB
    // messages a burst of four is enough, which pipelining makes likely).
    config.gateway.send_queue_max_bytes = 256 * 1024;
    config.gateway.user_send_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    // The fast sender pipelines thousands of requests a second on one
    // connection: past the per-connection request rate of a public gateway.
    config.gateway.limits.request_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    // A writer blocked on a full socket must not time out before the test
    // starts reading, or the connection would end without a close frame.
    config.gateway.write_timeout_ms = 120_000;
    // The slow client never sends anything; it must not be closed as idle.
    config.gateway.idle_timeout_ms = 600_000;
    config.rooms.frequency = uniform_caps(1_000_000);
    let (server, room) = TestServer::with_room_in(config, "slow", None).await;

    let mut slow = server.joined("slow", &room).await;
    let mut fast = server.joined("fast", &room).await;

    // Far more than the socket buffers between the server and the slow
    // client can hold (a few MiB on loopback), so its queue must overflow.
    // Requests are pipelined in small batches (one round trip per request
    // would make this slow); a batch's replies and events stay well under the
    // sender's queue cap, so the sender itself never falls behind.
    const BATCH: usize = 64;
    let batch_reqs = vec![send_data(&room, text_body(&"x".repeat(1000)), None, None); BATCH];
    for batch in 0..190 {
        let replies = pipelined(&mut fast, &format!("s{batch}"), &batch_reqs).await;
        for (i, r) in replies.iter().enumerate() {
            assert_eq!(r["code"], 0, "send {batch}-{i}: {r}");
        }
    }
    // The sender, which reads everything, was not disconnected.
    fast.assert_ping_ok().await;

    let (code, _) = slow.wait_closed().await;
    assert_eq!(code, 4008, "slow consumer must be closed with 4008");
    server.stop().await;
}

#[tokio::test]
async fn idle_connection_is_closed_with_4003() {
    // tungstenite answers server pings only while its stream is polled, and
    // once the server hangs up a queued pong write can turn the buffered close
    // frame into a connection-reset error. A hand-rolled client that reads
    // but never writes anything (no pongs) is deterministic instead.
    let mut config = base_config();
    config.gateway.ping_interval_ms = 100;
    config.gateway.idle_timeout_ms = 300;
    let server = TestServer::start_with(config).await;
    let mut raw = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    let (code, pings) = raw.wait_close().await;
    assert_eq!(
        code, 4003,
        "idle connection must be closed with 4003 (after {pings} pings)"
    );
    server.stop().await;
}

#[tokio::test]
async fn client_answering_pings_is_not_idle() {
    let mut config = base_config();
    config.gateway.ping_interval_ms = 100;
    config.gateway.idle_timeout_ms = 1_000;
    let server = TestServer::start_with(config).await;
    let mut c = server.raw_client().await;
    // Keep polling the socket (tungstenite answers each ping with a pong)
    // for well over the idle timeout, without sending any request.
    let until = tokio::time::Instant::now() + Duration::from_millis(2_500);
    while tokio::time::Instant::now() < until {
        c.assert_no_event(Duration::from_millis(50)).await;
    }
    c.assert_ping_ok().await;
    server.stop().await;
}

// ---- the harness itself --------------------------------------------------------------

/// `assert_no_event` must not pass when the connection is closed during the
/// quiet period (here: kicked by a newer login, then closed with 4009).
#[tokio::test]
#[should_panic(expected = "while no event was expected")]
async fn assert_no_event_fails_when_the_connection_closes() {
    let mut config = base_config();
    config.gateway.max_connections_per_user = 1;
    let server = TestServer::start_with(config).await;
    let mut c1 = server.user("carol").await;
    let _c2 = server.user("carol").await;
    c1.assert_no_event(QUIET).await;
}
