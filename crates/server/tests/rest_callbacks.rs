//! Tencent's REST API and the app's after-event callbacks together: a
//! message sent through `send_group_msg` is reported by
//! `Group.CallbackAfterSendMsg` (with its `MsgSeq` and `MsgTime`), unless the
//! request's `ForbidCallbackControl` names `ForbidAfterSendMsgCallback`.

mod support;

use serde_json::json;
use support::callbacks::*;
use support::rest::Rest;
use support::*;

const G: &str = "group_open_http_svc";

#[tokio::test]
async fn forbid_after_send_skips_only_that_messages_callback() {
    let receiver = CallbackServer::start().await;
    let mut c = message_config();
    c.rooms.member_tips = false;
    c.apps[0].callbacks = Some(receiver.settings(&[CallbackCommand::AfterSendMsg]));
    let server = TestServer::start_with(c).await;
    let rest = Rest::admin(server.rest.expect("REST served"));
    rest.ok(
        &format!("{G}/create_group"),
        json!({ "Type": "AVChatRoom", "Name": "live", "GroupId": "live", "Owner_Account": "host" }),
    )
    .await;
    let mut viewer = server.joined("viewer", "live").await;
    let send = format!("{G}/send_group_msg");

    let quiet = rest
        .ok(
            &send,
            json!({ "GroupId": "live", "Random": 1, "MsgBody": text_body("no callback for me"),
                    "ForbidCallbackControl": ["ForbidAfterSendMsgCallback"] }),
        )
        .await;
    let loud = rest
        .ok(
            &send,
            json!({ "GroupId": "live", "Random": 2, "MsgBody": text_body("report me") }),
        )
        .await;
    // Both reached the room.
    assert_eq!(text_of(&viewer.next_event_of("message").await), "no callback for me");
    assert_eq!(text_of(&viewer.next_event_of("message").await), "report me");

    // Only the second is reported: once it arrived, give a callback for the
    // first (queued before it) time to show up too.
    receiver.wait_for(CallbackCommand::AfterSendMsg, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got = receiver.of(CallbackCommand::AfterSendMsg);
    assert_eq!(got.len(), 1, "{got:#?}");
    let body = &got[0].body;
    assert_eq!(body["MsgSeq"], loud["MsgSeq"], "{body}");
    assert_eq!(body["MsgTime"], loud["MsgTime"], "{body}");
    assert_ne!(body["MsgSeq"], quiet["MsgSeq"], "{body}");
    assert_eq!(body["GroupId"], "live");
    assert_eq!(got[0].query["OptPlatform"], "RESTAPI");
}
