//! The test-only `/autobahn-echo` route (`gateway.autobahn_echo`), which
//! conformance runs use to drive the gateway's own RFC 6455 code: off by
//! default, and when on it echoes messages and closes as `/ws` does.

mod support;

use support::raw_ws::*;
use support::*;

const OP_BINARY: u8 = 0x2;

async fn echo_server() -> TestServer {
    let mut config = base_config();
    config.gateway.autobahn_echo = true;
    TestServer::start_with(config).await
}

#[tokio::test]
async fn the_echo_route_is_off_by_default() {
    let server = TestServer::start().await;
    let (_, head) = http_head(server.http, &upgrade_request(server.http, "/autobahn-echo", "13")).await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
}

#[tokio::test]
async fn echoes_text_binary_fragments_and_pings() {
    let server = echo_server().await;
    let mut ws = RawWs::connect(server.http, "/autobahn-echo").await;
    ws.write_frame(OP_TEXT, "héllo".as_bytes()).await.unwrap();
    assert_eq!(ws.read_frame().await, Some((OP_TEXT, "héllo".as_bytes().to_vec())));
    ws.write_frame(OP_BINARY, &[0, 0xff, 7]).await.unwrap();
    assert_eq!(ws.read_frame().await, Some((OP_BINARY, vec![0, 0xff, 7])));
    // A fragmented message with a ping between its fragments: the pong comes
    // first, then the whole message.
    let k = "κόσμε".as_bytes();
    let mut bytes = masked_frame(false, OP_TEXT, &k[..3]);
    bytes.extend(masked_frame(true, OP_PING, b"p1"));
    bytes.extend(masked_frame(true, OP_CONTINUATION, &k[3..]));
    ws.write_raw(&bytes).await.unwrap();
    assert_eq!(ws.read_frame().await, Some((OP_PONG, b"p1".to_vec())));
    assert_eq!(ws.read_frame().await, Some((OP_TEXT, k.to_vec())));
    ws.write_frame(OP_CLOSE, &4000u16.to_be_bytes()).await.unwrap();
    assert_eq!(ws.close_code().await, 4000);
}

#[tokio::test]
async fn invalid_utf8_fails_fast_inside_a_fragmented_message() {
    let server = echo_server().await;
    let mut ws = RawWs::connect(server.http, "/autobahn-echo").await;
    // The first fragment is already invalid and the message is never
    // finished: the close must come without waiting for its end.
    ws.write_raw(&masked_frame(false, OP_TEXT, &[b'a', 0xc0, 0xaf]))
        .await
        .unwrap();
    assert_eq!(ws.close_code().await, 1007);
    // The same on the real endpoint.
    let mut ws = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    ws.write_raw(&masked_frame(false, OP_TEXT, b"{\"op\":\"ping\""))
        .await
        .unwrap();
    ws.write_raw(&masked_frame(false, OP_CONTINUATION, &[0xed, 0xa0, 0x80]))
        .await
        .unwrap();
    assert_eq!(ws.close_code().await, 1007);
}
