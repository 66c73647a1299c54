//! `server.proxy_protocol`: the PROXY header's source address is the
//! client's address requests carry (`ConnectInfo<SocketAddr>`, the
//! contract per-IP limits use); connections without a header are refused.

mod support;
use axum::routing::get;
use roomcast_server::config::ServerOptions;
use roomcast_server::listen::{ClientAddr, ListenOptions, serve_http};
use support::transport::*;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Our accept loop with PROXY protocol on, serving one route that answers
/// the client address it was given.
async fn echo_server(stop: &CancellationToken) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route("/who", get(|client: ClientAddr| async move { client.0.to_string() }));
    let server = ServerOptions {
        proxy_protocol: true,
        header_read_timeout_ms: 2_000,
        ..Default::default()
    };
    serve_http(listener, router, ListenOptions::new("http", &server), stop.clone());
    addr
}

async fn with_header(addr: std::net::SocketAddr, header: &[u8]) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(header).await.unwrap();
    tcp
}

#[tokio::test]
async fn the_proxy_header_names_the_client() {
    let stop = CancellationToken::new();
    let addr = echo_server(&stop).await;
    let v1 = with_header(addr, b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 443\r\n").await;
    assert_eq!(http_get_over(v1, "/who").await, (200, "203.0.113.7:51000".into()));
    let v1_ipv6 = with_header(addr, b"PROXY TCP6 2001:db8::7 2001:db8::1 4000 443\r\n").await;
    assert_eq!(http_get_over(v1_ipv6, "/who").await, (200, "[2001:db8::7]:4000".into()));
    let mut v2 = vec![0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    v2.extend([0x21, 0x11, 0, 12, 198, 51, 100, 9, 10, 0, 0, 1, 0x1F, 0x90, 0x01, 0xBB]);
    let v2 = with_header(addr, &v2).await;
    assert_eq!(http_get_over(v2, "/who").await, (200, "198.51.100.9:8080".into()));
    // LOCAL (the proxy's own health check): the peer address stands.
    let local = with_header(
        addr,
        &[
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0, 0,
        ],
    )
    .await;
    let (status, body) = http_get_over(local, "/who").await;
    assert_eq!((status, body.starts_with("127.0.0.1:")), (200, true), "{body}");
    stop.cancel();
}

#[tokio::test]
async fn a_connection_without_a_proxy_header_is_refused() {
    let stop = CancellationToken::new();
    let addr = echo_server(&stop).await;
    let mut direct = with_header(addr, b"GET /who HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(closed_within(&mut direct, WAIT).await);
    stop.cancel();
}

#[tokio::test]
async fn websocket_clients_behind_a_proxy_log_in() {
    let mut config = base_config();
    config.server.proxy_protocol = true;
    let server = TestServer::start_with(config).await;
    let tcp = with_header(server.http, b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 443\r\n").await;
    let url = format!("ws://{}/ws", server.http);
    let (mut ws, _) = tokio_tungstenite::client_async(url, tcp)
        .await
        .expect("upgrade through the proxy header");
    use futures_util::{SinkExt, StreamExt};
    let login = serde_json::json!({"id": 1, "op": "login", "data": {
        "sdkAppId": APP, "userId": "alice", "userSig": usersig("alice") }});
    ws.send(tokio_tungstenite::tungstenite::Message::text(login.to_string()))
        .await
        .unwrap();
    let frame = tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
    let reply: serde_json::Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
    assert_eq!(reply["code"], 0, "{reply}");
    server.stop().await;
}
