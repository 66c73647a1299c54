//! `server.ops_addr`: the operations endpoints on their own address and no
//! longer on the public one.

mod support;
use support::*;

#[tokio::test]
async fn operations_endpoints_move_to_their_own_address() {
    let mut config = base_config();
    config.server.ops_addr = Some("127.0.0.1:0".parse().unwrap());
    let server = TestServer::start_with(config).await;
    let ops = server.ops.expect("ops listener bound");
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(http_get(ops, path).await.0, 200, "{path} on the ops address");
        assert_eq!(
            http_get(server.http, path).await.0,
            404,
            "{path} not on the public address"
        );
    }
    let (_, metrics) = http_get(ops, "/metrics").await;
    assert!(
        metrics.contains("roomcast_listener_pending_connections"),
        "listener metrics"
    );
    let mut alice = server.user("alice").await;
    alice.assert_ping_ok().await;
    server.stop().await;
}

#[tokio::test]
async fn without_an_ops_address_they_share_the_public_one() {
    let server = TestServer::start().await;
    assert!(server.ops.is_none());
    assert_eq!(http_get(server.http, "/metrics").await.0, 200);
    server.stop().await;
}
