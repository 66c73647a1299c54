//! Messages, notices and broadcast through the gRPC admin API, with real
//! WebSocket clients receiving them.

mod support;

use serde_json::json;
use support::*;
use tonic::Code;

#[tokio::test]
async fn send_message_as_user_and_as_admin() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("msg", None).await;
    let mut alice = server.user("alice").await;
    let r = alice
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let mut viewer = server.joined_guest("msg").await;

    // As a user: the message carries the user's ID and profile.
    let sent = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            from_user: "alice".into(),
            priority: pb::Priority::High as i32,
            msg_body_json: text_json("from alice"),
            ..Default::default()
        })
        .await
        .expect("send as user")
        .into_inner();
    assert!(sent.seq > 0);
    assert!(sent.time_ms > 0);
    assert!(sent.drop_reason.is_empty());
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent.seq);
    assert_eq!(m["time"], sent.time_ms);
    assert_eq!(m["from"], "alice");
    assert_eq!(m["nick"], "Alice");
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "High");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "from alice");

    // As the app admin.
    let sent2 = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: text_json("from the operator"),
            ..Default::default()
        })
        .await
        .expect("send as admin")
        .into_inner();
    assert!(sent2.seq > sent.seq);
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent2.seq);
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["priority"], "Normal", "unspecified priority is Normal");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "from the operator");

    // Other element types pass through.
    let custom =
        json!([{ "MsgType": "TIMCustomElem", "MsgContent": { "Data": "gift", "Desc": "rocket", "Ext": "x" } }]);
    let sent3 = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: custom.to_string(),
            priority: pb::Priority::Low as i32,
            ..Default::default()
        })
        .await
        .expect("send a custom element")
        .into_inner();
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], sent3.seq);
    assert_eq!(m["priority"], "Low");
    assert_eq!(m["msgBody"][0]["MsgType"], "TIMCustomElem");
    assert_eq!(m["msgBody"][0]["MsgContent"]["Data"], "gift");

    // Bad bodies.
    for (body, what) in [
        ("not json", "not JSON"),
        ("[]", "empty body"),
        (r#"[{"MsgType":"TIMBogusElem","MsgContent":{}}]"#, "unknown element"),
        (r#"{"Text":"hi"}"#, "not an array"),
    ] {
        let r = admin
            .send_message(pb::SendMessageRequest {
                room_id: "msg".into(),
                msg_body_json: body.into(),
                ..Default::default()
            })
            .await;
        expect_status(r, Code::InvalidArgument, 10004, what);
    }
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            from_user: "not a user".into(),
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "invalid from_user");
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            priority: 42,
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "unknown priority");
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "missing-room".into(),
            msg_body_json: text_json("x"),
            ..Default::default()
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "missing room");
    let big = text_json(&"x".repeat(13_000));
    let r = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: big,
            ..Default::default()
        })
        .await;
    expect_status(r, Code::InvalidArgument, 80002, "body over 12 KiB");

    // Nothing from the refused sends reached the room.
    let probe = admin
        .send_message(pb::SendMessageRequest {
            room_id: "msg".into(),
            msg_body_json: text_json("probe"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(probe.seq, sent3.seq + 1, "refused sends consume no seq");
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], probe.seq);
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "probe");
    server.stop().await;
}

#[tokio::test]
async fn send_message_with_msg_key_is_idempotent() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_room("idem", None).await;
    let mut viewer = server.joined_guest("idem").await;

    let req = pb::SendMessageRequest {
        room_id: "idem".into(),
        from_user: "alice".into(),
        msg_body_json: text_json("once"),
        msg_key: "key-1".into(),
        ..Default::default()
    };
    let first = admin.send_message(req.clone()).await.unwrap().into_inner();
    let second = admin.send_message(req.clone()).await.unwrap().into_inner();
    assert_eq!(first.seq, second.seq);
    assert_eq!(first.time_ms, second.time_ms);

    // The same key from another sender is another message.
    let other_sender = admin
        .send_message(pb::SendMessageRequest {
            from_user: String::new(),
            ..req.clone()
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other_sender.seq, first.seq);

    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], first.seq);
    assert_eq!(m["msgKey"], "key-1");
    let m = viewer.next_event_of("message").await;
    assert_eq!(m["seq"], other_sender.seq, "the resend was not delivered again");
    viewer.assert_no_event(QUIET).await;

    // Keys longer than 64 bytes are refused.
    let r = admin
        .send_message(pb::SendMessageRequest {
            msg_key: "k".repeat(65),
            ..req
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "65-byte msg_key");
    server.stop().await;
}

#[tokio::test]
async fn send_notice_and_broadcast() {
    // Several broadcasts back to back: without the per-app broadcast rate
    // (tested in transport_grpc.rs).
    let mut config = base_config();
    config.server.grpc.broadcast_interval_ms = 0;
    let server = TestServer::start_with(config).await;
    let mut admin = server.admin().await;
    for id in ["n1", "n2", "n3"] {
        server.create_room(id, None).await;
    }
    let mut v1 = server.joined_guest("n1").await;
    let mut v3 = server.joined("bob", "n3").await;

    let seq = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "n1".into(),
            content: "stream starts soon".into(),
        })
        .await
        .expect("send notice")
        .into_inner()
        .seq;
    assert!(seq > 0);
    let n = v1.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n1");
    assert_eq!(n["seq"], seq);
    assert_eq!(n["notice"], "stream starts soon");

    let r = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "n1".into(),
            content: String::new(),
        })
        .await;
    expect_status(r, Code::InvalidArgument, 10004, "empty notice");
    let r = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: "missing-room".into(),
            content: "x".into(),
        })
        .await;
    expect_status(r, Code::NotFound, 10010, "notice to a missing room");

    let rooms = admin
        .broadcast(pb::BroadcastRequest {
            content: "maintenance at 02:00".into(),
        })
        .await
        .expect("broadcast")
        .into_inner()
        .rooms;
    assert_eq!(rooms, 3);
    let n = v1.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n1");
    assert_eq!(n["notice"], "maintenance at 02:00");
    assert_eq!(n["seq"], seq + 1);
    let n = v3.next_event_of("notice").await;
    assert_eq!(n["roomId"], "n3");
    assert_eq!(n["notice"], "maintenance at 02:00");

    // Dismissed rooms are not counted.
    admin
        .dismiss_room(pb::DismissRoomRequest { room_id: "n2".into() })
        .await
        .unwrap();
    let rooms = admin
        .broadcast(pb::BroadcastRequest {
            content: "again".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .rooms;
    assert_eq!(rooms, 2);
    let r = admin.broadcast(pb::BroadcastRequest { content: String::new() }).await;
    expect_status(r, Code::InvalidArgument, 10004, "empty broadcast");
    server.stop().await;
}
