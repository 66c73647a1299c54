//! Connections per client IP: a cap on open ones and on new ones per
//! second (HTTP 429 at the upgrade), counted by the address a trusted proxy
//! forwards, never by one a client makes up.

mod support;

use support::raw_ws::*;
use support::*;

fn from(ip: &str) -> String {
    format!("X-Forwarded-For: {ip}")
}

async fn upgrade(server: &TestServer, headers: &[&str]) -> Result<RawWs, String> {
    RawWs::try_connect_with(server.http, &format!("/ws?sdkAppId={APP}"), headers).await
}

#[tokio::test]
async fn open_connections_per_ip_are_capped() {
    let mut config = abuse_config();
    config.gateway.limits.max_connections_per_ip = 3;
    let (server, room) = TestServer::with_room_in(config, "per-ip", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let attacker = from("198.51.100.1");
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(upgrade(&server, &[&attacker]).await.expect("under the cap"));
    }
    let refused = upgrade(&server, &[&attacker]).await.err().expect("past the cap");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    chat.exchange().await;
    // Another address is not affected; a proxy chain is read from the right.
    upgrade(&server, &[&from("198.51.100.2")])
        .await
        .expect("another client");
    let chained = from("198.51.100.1, 198.51.100.3");
    upgrade(&server, &[&chained]).await.expect("the proxy saw 198.51.100.3");
    // A closed connection gives its slot back.
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + WAIT;
    while upgrade(&server, &[&attacker]).await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "the slot never came back");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    chat.exchange().await;
}

#[tokio::test]
async fn connects_per_second_per_ip_are_capped() {
    let mut config = abuse_config();
    config.gateway.limits.connect_rate_per_ip = RateOptions { per_sec: 0.5, burst: 5 };
    let (server, room) = TestServer::with_room_in(config, "connect-rate", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let attacker = from("198.51.100.4");
    for _ in 0..5 {
        // Closed at once: the rate counts connects, not open connections.
        drop(upgrade(&server, &[&attacker]).await.expect("within the burst"));
    }
    let refused = upgrade(&server, &[&attacker]).await.err().expect("past the rate");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    upgrade(&server, &[&from("198.51.100.5")])
        .await
        .expect("another client");
    chat.exchange().await;
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let mut config = base_config();
    config.gateway.limits.exempt_ips = vec![];
    config.gateway.limits.max_connections_per_ip = 2;
    let server = TestServer::start_with(config).await;
    // Loopback is no trusted proxy here: made-up addresses change nothing.
    let _a = upgrade(&server, &[&from("203.0.113.1")]).await.expect("first");
    let _b = upgrade(&server, &[&from("203.0.113.2")]).await.expect("second");
    let refused = upgrade(&server, &[&from("203.0.113.3")]).await.err().expect("third");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
}

#[tokio::test]
async fn loopback_is_exempt_by_default() {
    let mut config = base_config();
    config.gateway.limits.max_connections_per_ip = 2;
    let server = TestServer::start_with(config).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(upgrade(&server, &[]).await.expect("loopback is exempt"));
    }
}
