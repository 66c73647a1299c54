//! The gRPC port's limits: credentials checked before a message is read,
//! message size, calls in progress (globally and per connection), and
//! `Broadcast`'s per-app rate.

mod support;
use bytes::Bytes;
use support::admin::{AdminAuth, admin_client, expect_status};
use support::*;
use tonic::Code;
use tonic::codegen::http;

const GET_ROOMS: &str = "/roomcast.v1.RoomAdminService/GetRooms";

/// A raw HTTP/2 connection, to send a call's headers without its message.
async fn h2_connect(addr: std::net::SocketAddr) -> h2::client::SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, conn) = h2::client::handshake(tcp).await.expect("HTTP/2 handshake");
    tokio::spawn(conn);
    client.ready().await.unwrap()
}

fn call_headers(path: &str, token: Option<&str>) -> http::Request<()> {
    let mut req = http::Request::post(format!("http://localhost{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("x-roomcast-sdkappid", APP.to_string());
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    req.body(()).unwrap()
}

#[tokio::test]
async fn a_call_without_credentials_is_refused_before_its_message_is_sent() {
    let server = TestServer::start().await;
    let mut h2 = h2_connect(server.grpc).await;
    // No credentials: UNAUTHENTICATED; a wrong token: PERMISSION_DENIED
    // (the admin API's mapping, docs/admin-api.md).
    for (token, grpc_status) in [(None, "16"), (Some("wrong-token"), "7")] {
        // Headers only: the message never comes.
        let (response, _stream) = h2.send_request(call_headers(GET_ROOMS, token), false).unwrap();
        let response = tokio::time::timeout(WAIT, response)
            .await
            .expect("refused without waiting for the message")
            .unwrap();
        assert_eq!(response.headers()["grpc-status"], grpc_status, "{token:?}");
        assert!(response.headers().contains_key("x-roomcast-code"));
    }
    server.stop().await;
}

#[tokio::test]
async fn oversized_messages_are_refused() {
    let mut config = base_config();
    config.server.grpc.max_message_bytes = 1024;
    let server = TestServer::start_with(config).await;
    let mut admin = server.admin().await;
    let ids: Vec<String> = (0..100).map(|i| format!("room-with-a-long-id-{i:04}")).collect();
    let r = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: ids[..10].to_vec(),
        })
        .await;
    assert!(r.is_ok(), "a small request passes: {r:?}");
    let r = admin.get_rooms(pb::GetRoomsRequest { room_ids: ids }).await;
    let status = r.expect_err("a 2.8 KB request is refused");
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn calls_beyond_the_global_limit_are_refused_until_one_finishes() {
    let mut config = base_config();
    config.server.grpc.max_concurrent_calls = 1;
    let server = TestServer::start_with(config).await;
    let mut admin = server.admin().await;
    // One call in progress: its message never arrives.
    let mut h2 = h2_connect(server.grpc).await;
    let (_response, mut stream) = h2
        .send_request(call_headers(GET_ROOMS, Some(ADMIN_TOKEN)), false)
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let busy = loop {
        match admin
            .get_rooms(pb::GetRoomsRequest {
                room_ids: vec!["r".into()],
            })
            .await
        {
            Err(s) => break s,
            Ok(_) => assert!(tokio::time::Instant::now() < deadline, "the second call is refused"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(busy.code(), Code::ResourceExhausted, "{busy:?}");
    assert_eq!(support::admin::status_code(&busy), 10002);
    // The first call ends: there is room again.
    stream.send_reset(h2::Reason::CANCEL);
    let deadline = tokio::time::Instant::now() + WAIT;
    while admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["r".into()],
        })
        .await
        .is_err()
    {
        assert!(tokio::time::Instant::now() < deadline, "calls are served again");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn each_connection_is_offered_a_bounded_number_of_streams() {
    let mut config = base_config();
    config.server.grpc.max_concurrent_calls_per_connection = 4;
    let server = TestServer::start_with(config).await;
    let mut h2 = h2_connect(server.grpc).await;
    // A call round trip: the server's SETTINGS have arrived by then.
    let (response, _) = h2.send_request(call_headers(GET_ROOMS, None), true).unwrap();
    tokio::time::timeout(WAIT, response).await.unwrap().unwrap();
    assert_eq!(h2.current_max_send_streams(), 4);
    server.stop().await;
}

#[tokio::test]
async fn broadcast_is_limited_to_one_per_second_per_app() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let broadcast = || pb::BroadcastRequest {
        content: "maintenance".into(),
    };
    admin.broadcast(broadcast()).await.expect("the first broadcast");
    let r = admin.broadcast(broadcast()).await;
    expect_status(
        r,
        Code::ResourceExhausted,
        10023,
        "a second broadcast within the second",
    );
    // Another app's admin is not throttled by this app's broadcasts: the
    // limit is per app. Other calls of the same app are not limited either.
    let mut by_sig = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig: usersig(ADMIN),
        },
    )
    .await;
    by_sig
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec!["x".into()],
        })
        .await
        .expect("other calls pass");
    let deadline = tokio::time::Instant::now() + WAIT;
    while admin.broadcast(broadcast()).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "broadcasts pass again after the interval"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    server.stop().await;
}
