//! The real `roomcast` binary in operation: the HTTP operations endpoints,
//! graceful shutdown on SIGTERM, and a second signal during the drain.

mod support;

use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use support::roomcast::*;
use support::*;
use tokio::time::Instant;

// ---- HTTP operations endpoints ----------------------------------------------

#[tokio::test]
async fn http_ops_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Node::standalone(&config, &[]);

    let (status, body) = http_get(server.http, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, "ok");
    let (status, body) = http_get(server.http, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http_get(server.http, "/no-such-endpoint").await;
    assert_eq!(status, 404);

    // Before any traffic, every metric is already there, at zero.
    let (_, fresh) = http_get(server.http, "/metrics").await;
    for series in [
        "roomcast_connections 0",
        "roomcast_bus_dropped_total 0",
        "roomcast_slow_consumer_disconnects_total 0",
        "roomcast_before_send_hook_failures_total{policy=\"fail_closed\"} 0",
        "roomcast_messages_rejected_total{code=\"80001\"} 0",
        "roomcast_messages_dropped_total{reason=\"frequency_control\",priority=\"Low\"} 0",
        "roomcast_moderation_hits_total{category=\"porn\",action=\"block\"} 0",
    ] {
        assert!(
            fresh.lines().any(|l| l == series),
            "{series} missing from a fresh /metrics:\n{fresh}"
        );
    }

    // Some traffic.
    server.create_room("metrics").await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    assert_eq!(alice.join("metrics").await["code"], 0);
    assert_eq!(bob.join("metrics").await["code"], 0);
    let r = alice.send_msg("metrics", "hi").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(m["from"], "alice");
    // Refusals the gateway answers itself are counted by code too.
    let mut guest = Client::guest_at(server.http).await;
    assert_eq!(guest.send_msg("metrics", "hi").await["code"], 6014);
    assert_eq!(alice.send_msg("elsewhere", "hi").await["code"], 10007);

    let (status, body) = http_get(server.http, "/metrics").await;
    assert_eq!(status, 200);
    for name in [
        "roomcast_connections_total",
        "roomcast_messages_in_total",
        "roomcast_room_events_published_total",
        "roomcast_messages_delivered_total",
        "roomcast_fanout_writes_total{path=\"direct\"}",
    ] {
        assert!(body.contains(name), "{name} missing from /metrics:\n{body}");
    }
    assert!(
        body.lines()
            .any(|l| l.starts_with("roomcast_connections_total") && !l.ends_with(" 0")),
        "{body}"
    );
    for series in [
        "roomcast_messages_rejected_total{code=\"6014\"} 1",
        "roomcast_messages_rejected_total{code=\"10007\"} 1",
    ] {
        assert!(body.lines().any(|l| l == series), "{series} missing:\n{body}");
    }
}

// ---- graceful shutdown ------------------------------------------------------

#[tokio::test]
async fn sigterm_drains_clients_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut server = Node::standalone(&config, &[]);
    server.create_room("drain").await;
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("drain").await["code"], 0);
    let mut guest = Client::guest_at(server.http).await;
    assert_eq!(guest.join("drain").await["code"], 0);

    server.proc.signal("TERM");
    for c in [&mut alice, &mut guest] {
        let p = c.next_push().await;
        assert_eq!(p, json!({ "type": "reconnect", "reason": "draining" }));
        let (code, _) = c.wait_closed().await;
        assert_eq!(code, 1001);
    }
    let status = server.proc.wait_exit(EXIT_TIMEOUT).await;
    let status = status.unwrap_or_else(|| panic!("still running after SIGTERM:\n{}", server.proc.output()));
    assert!(status.success(), "{status}:\n{}", server.proc.output());
    assert_eq!(status.code(), Some(0));
}

// ---- a second signal during drain -------------------------------------------

/// A WebSocket client that joined a room and then never reads again, with a
/// tiny receive buffer, so the server's writes to it block once the socket
/// buffers fill.
async fn stalled_client(http: SocketAddr, room: &str) -> impl Sized {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(http).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{http}/ws?sdkAppId={APP}"), stream)
        .await
        .expect("websocket handshake");
    let join = json!({ "id": 1, "op": "join", "data": { "roomId": room } }).to_string();
    ws.send(Message::text(join)).await.unwrap();
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("join reply")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = msg {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == 1 {
                assert_eq!(v["code"], 0, "{v}");
                break;
            }
        }
    }
    ws
}

async fn second_signal_exits_immediately(first: &str, second: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut server = Node::standalone(
        &config,
        &[
            ("ROOMCAST_GATEWAY__DRAIN_GRACE_MS", "60000"),
            ("ROOMCAST_GATEWAY__WRITE_TIMEOUT_MS", "300000"),
            ("ROOMCAST_GATEWAY__PING_INTERVAL_MS", "300000"),
            ("ROOMCAST_GATEWAY__IDLE_TIMEOUT_MS", "600000"),
            ("ROOMCAST_GATEWAY__SEND_QUEUE_MAX_BYTES", "1073741824"),
        ],
    );
    server.create_room("stuck").await;
    let _stalled = stalled_client(server.http, "stuck").await;

    // Fill the socket buffers towards the stalled client (~12 MB of notices).
    let mut admin = server.admin().await;
    let notice = "n".repeat(12_000);
    for _ in 0..1000 {
        admin
            .send_notice(pb::SendNoticeRequest {
                room_id: "stuck".into(),
                content: notice.clone(),
            })
            .await
            .expect("notice");
    }

    server.proc.signal(first);
    // Draining: the readiness probe fails while the stuck client holds the drain.
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = http_get(server.http, "/readyz").await;
        if status == 503 {
            assert_eq!(body, "draining");
            break;
        }
        assert!(Instant::now() < deadline, "readyz never reported draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // New clients are turned away while draining.
    match tokio_tungstenite::connect_async(format!("ws://{}/ws", server.http)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 503),
        Err(e) => panic!("unexpected upgrade error during drain: {e}"),
        Ok(_) => panic!("a new WebSocket was accepted while draining"),
    }
    // Setup check: the drain is being held (grace is 60 s).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.proc.try_wait().is_none(),
        "the drain was not held by the stalled client; the test cannot tell a second signal apart:\n{}",
        server.proc.output()
    );

    server.proc.signal(second);
    let status = server.proc.wait_exit(Duration::from_secs(15)).await;
    let status = status.unwrap_or_else(|| {
        panic!(
            "still running after a second signal during drain:\n{}",
            server.proc.output()
        )
    });
    assert!(!status.success(), "an immediate exit is not a clean one: {status}");
}

#[tokio::test]
async fn second_sigterm_during_drain_exits_immediately() {
    second_signal_exits_immediately("TERM", "TERM").await;
}

#[tokio::test]
async fn sigint_after_sigterm_during_drain_exits_immediately() {
    second_signal_exits_immediately("TERM", "INT").await;
}
