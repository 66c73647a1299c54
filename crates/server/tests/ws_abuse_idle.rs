//! Sockets that never use the service: a connection that neither logs in
//! nor joins a room is closed (4001) however diligently it pings; guests
//! that joined and users that logged in stay.

mod support;

use std::time::Duration;
use support::raw_ws::*;
use support::*;

#[tokio::test]
async fn a_connection_that_only_pings_is_closed_but_guests_in_rooms_stay() {
    let mut config = abuse_config();
    config.gateway.ping_interval_ms = 100;
    config.gateway.idle_timeout_ms = 30_000;
    config.gateway.limits.login_timeout_ms = 600;
    let (server, room) = TestServer::with_room_in(config, "idlers", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let mut guest = server.joined_guest(&room).await;
    let mut user = server.user("loner").await;

    let mut idler = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
    let started = tokio::time::Instant::now();
    let code = loop {
        // A ping now and then, and every server ping answered: a client
        // that looks alive but never does anything.
        // (Once the server has closed, the write fails; the close frame is read below.)
        let _ = idler.write_frame(OP_PING, b"alive").await;
        match idler.read_frame().await {
            Some((OP_CLOSE, payload)) => break u16::from_be_bytes([payload[0], payload[1]]),
            Some((OP_PING, payload)) => {
                let _ = idler.write_frame(OP_PONG, &payload).await;
            }
            Some(_) => {}
            None => panic!("closed without a close frame"),
        }
        assert!(started.elapsed() < WAIT, "the idler is still connected");
        tokio::time::sleep(Duration::from_millis(30)).await;
        chat.exchange().await;
    };
    assert_eq!(code, 4001);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "closed before the deadline"
    );

    // Well past the deadline, the guest in the room and the logged-in user
    // are still connected and served.
    guest.assert_ping_ok().await;
    user.assert_ping_ok().await;
    chat.exchange().await;
}
