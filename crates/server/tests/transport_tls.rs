//! TLS on the WebSocket and gRPC ports with certificates made in the test,
//! and reloading: a renewed certificate is served without a restart, a bad
//! one is ignored.

mod support;
use futures_util::{SinkExt, StreamExt};
use support::admin::{AuthInterceptor, create_room};
use support::transport::*;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

fn tls_config(ca: &TestCa) -> Config {
    let mut c = base_config();
    c.server.tls = Some(ca.options());
    c
}

#[tokio::test]
async fn websocket_and_grpc_are_served_over_tls() {
    let ca = TestCa::new();
    ca.issue("roomcast-1");
    let server = TestServer::start_with(tls_config(&ca)).await;

    let tls = ca.connect(server.http, b"http/1.1").await.expect("TLS handshake");
    let url = format!("wss://localhost:{}/ws", server.http.port());
    let (mut ws, _) = tokio_tungstenite::client_async(url, tls)
        .await
        .expect("WebSocket over TLS");
    let login = serde_json::json!({"id": 1, "op": "login", "data": {
        "sdkAppId": APP, "userId": "alice", "userSig": usersig("alice") }});
    ws.send(Message::text(login.to_string())).await.unwrap();
    let reply = loop {
        let frame = tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        if v["id"] == 1 {
            break v;
        }
    };
    assert_eq!(reply["code"], 0, "login over TLS: {reply}");

    let channel = ca.grpc_channel(server.grpc).await;
    let mut admin = RoomAdminServiceClient::with_interceptor(channel, AuthInterceptor::token(ADMIN_TOKEN));
    assert_eq!(create_room(&mut admin, "tls-room", None).await, "tls-room");

    let ops = ca.connect(server.http, b"http/1.1").await.unwrap();
    assert_eq!(http_get_over(ops, "/healthz").await.0, 200);

    // Plaintext on a TLS port is never answered in plaintext.
    let mut plain = tokio::net::TcpStream::connect(server.http).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, plain.read_to_end(&mut answer)).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "plaintext refused"
    );
    server.stop().await;
}

async fn reload_errors(ca: &TestCa, server: &TestServer) -> f64 {
    let io = ca.connect(server.http, b"http/1.1").await.unwrap();
    let (_, metrics) = http_get_over(io, "/metrics").await;
    metric_in(&metrics, "roomcast_tls_reloads_total", &[("result", "error")])
}

#[tokio::test]
async fn a_renewed_certificate_is_served_without_restart_and_a_bad_one_is_ignored() {
    let ca = TestCa::new();
    ca.issue("roomcast-1");
    let server = TestServer::start_with(tls_config(&ca)).await;
    assert_eq!(ca.served_common_name(server.http).await, "roomcast-1");

    ca.issue("roomcast-2");
    let deadline = tokio::time::Instant::now() + WAIT;
    while ca.served_common_name(server.http).await != "roomcast-2" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the renewed certificate is served"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // gRPC shares the certificate.
    let mut admin = RoomAdminServiceClient::with_interceptor(
        ca.grpc_channel(server.grpc).await,
        AuthInterceptor::token(ADMIN_TOKEN),
    );
    create_room(&mut admin, "after-renewal", None).await;

    let errors_before = reload_errors(&ca, &server).await;
    write_replacing(
        &ca.cert_file(),
        "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while reload_errors(&ca, &server).await <= errors_before {
        assert!(tokio::time::Instant::now() < deadline, "the bad certificate is noticed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        ca.served_common_name(server.http).await,
        "roomcast-2",
        "the last good certificate is still served"
    );
    server.stop().await;
}
