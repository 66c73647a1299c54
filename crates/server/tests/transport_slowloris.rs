//! Half-sent requests (slowloris) on every listener: closed after the
//! header-read timeout, bounded per listener (the oldest makes room), and
//! counted toward the gateway's `max_connections`; normal clients keep
//! working meanwhile.

mod support;
use support::transport::*;
use support::*;

fn config(max_pending: usize, header_timeout_ms: u64) -> Config {
    let mut c = base_config();
    c.server.max_pending_connections = max_pending;
    c.server.header_read_timeout_ms = header_timeout_ms;
    c
}

#[tokio::test]
async fn connections_that_stall_before_their_request_are_closed() {
    let server = TestServer::start_with(config(64, 300)).await;
    let mut half = half_request(server.http).await;
    let mut idle = silent(server.http).await;
    let mut grpc_idle = silent(server.grpc).await;
    let mut grpc_half = silent(server.grpc).await;
    tokio::io::AsyncWriteExt::write_all(&mut grpc_half, b"PRI * HTTP/2.0\r\n")
        .await
        .unwrap();
    // Meanwhile normal clients are served.
    let mut alice = server.user("alice").await;
    alice.assert_ping_ok().await;
    let room = server.create_room("slow-room", None).await;
    assert_eq!(http_get(server.http, "/healthz").await.0, 200);
    for (what, stream) in [
        ("half an upgrade request", &mut half),
        ("a silent HTTP connection", &mut idle),
        ("a silent gRPC connection", &mut grpc_idle),
        ("half an HTTP/2 preface", &mut grpc_half),
    ] {
        assert!(closed_within(stream, WAIT).await, "{what} is closed after the timeout");
    }
    // A client that got in is not subject to the timeout.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(alice.join(&room).await["code"], 0);
    let (_, metrics) = http_get(server.http, "/metrics").await;
    for listener in ["http", "grpc"] {
        let timeouts = metric_in(
            &metrics,
            "roomcast_listener_refused_total",
            &[("listener", listener), ("reason", "timeout")],
        );
        assert!(timeouts >= 2.0, "{listener} timeouts counted: {timeouts}");
    }
    server.stop().await;
}

#[tokio::test]
async fn at_the_cap_the_oldest_pending_connection_makes_room() {
    // The timeout is long: only the cap closes anything here.
    let server = TestServer::start_with(config(8, 60_000)).await;
    let mut oldest = Vec::new();
    for _ in 0..4 {
        oldest.push(half_request(server.http).await);
    }
    let mut newer = Vec::new();
    for _ in 0..8 {
        newer.push(half_request(server.http).await);
    }
    for s in &mut oldest {
        assert!(
            closed_within(s, WAIT).await,
            "the oldest pending connections are closed"
        );
    }
    // Normal clients get in, each at the expense of the oldest waiting one.
    assert_eq!(http_get(server.http, "/healthz").await.0, 200);
    let mut alice = server.user("alice").await;
    alice.assert_ping_ok().await;
    assert!(
        !closed_within(newer.last_mut().unwrap(), QUIET).await,
        "the newest pending connection is still open"
    );
    let (_, metrics) = http_get(server.http, "/metrics").await;
    let evicted = metric_in(
        &metrics,
        "roomcast_listener_refused_total",
        &[("listener", "http"), ("reason", "evicted")],
    );
    assert!(evicted >= 4.0, "evictions counted: {evicted}");
    server.stop().await;
}

#[tokio::test]
async fn pending_connections_count_toward_max_connections() {
    let mut c = config(64, 60_000);
    c.gateway.max_connections = 3;
    let server = TestServer::start_with(c).await;
    let mut a = server.user("a").await;
    let _b = server.user("b").await;
    // One place left: a second half-open connection takes it from the first.
    let mut first = half_request(server.http).await;
    let mut second = half_request(server.http).await;
    assert!(closed_within(&mut first, WAIT).await, "only one connection may wait");
    // The last place goes to a real client.
    let mut c3 = server.user("c").await;
    c3.assert_ping_ok().await;
    assert!(closed_within(&mut second, WAIT).await, "the real client took its place");
    a.assert_ping_ok().await;
    server.stop().await;
}

#[tokio::test]
async fn the_grpc_port_bounds_its_pending_connections_too() {
    let server = TestServer::start_with(config(4, 60_000)).await;
    let mut idle = Vec::new();
    for _ in 0..6 {
        idle.push(silent(server.grpc).await);
    }
    for s in idle.iter_mut().take(2) {
        assert!(
            closed_within(s, WAIT).await,
            "the oldest silent gRPC connections are closed"
        );
    }
    server.create_room("grpc-still-works", None).await;
    server.stop().await;
}
