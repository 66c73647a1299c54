//! After-event callbacks, standalone: each command's request as Tencent
//! sends it (query string and body, field by field), signed when the app
//! set a token, and nothing for commands the app left off.

mod support;

use serde_json::json;
use support::callbacks::*;
use support::server::{ADMIN, APP};
use support::*;

const TOKEN: &str = "callback-token-0123";

async fn server_with(settings: CallbackSettings) -> TestServer {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.apps[0].callbacks = Some(settings);
    TestServer::start_with(c).await
}

fn only(received: Vec<Received>) -> Received {
    assert_eq!(received.len(), 1, "{received:#?}");
    received.into_iter().next().unwrap()
}

fn assert_query(r: &Received, platform: &str) {
    assert_eq!(r.query["SdkAppid"], APP.to_string(), "{r:?}");
    assert_eq!(r.query["contenttype"], "json", "{r:?}");
    assert_eq!(r.query["ClientIP"], "", "{r:?}");
    assert_eq!(r.query["OptPlatform"], platform, "{r:?}");
    assert_eq!(r.body["CallbackCommand"], r.query["CallbackCommand"], "{r:?}");
    // Signed: RequestTime is now, Sign is sha256(token + RequestTime).
    let time = &r.query["RequestTime"];
    let secs: u64 = time.parse().expect("RequestTime is unix seconds");
    assert!(now_secs().abs_diff(secs) < 60, "{r:?}");
    assert_eq!(r.query["Sign"], expected_sign(TOKEN, time), "{r:?}");
}

#[tokio::test]
async fn every_command_arrives_in_tencents_shape_and_signed() {
    let receiver = CallbackServer::start().await;
    let mut settings = receiver.settings(&CallbackCommand::ALL);
    settings.token = Some(TOKEN.into());
    let server = server_with(settings).await;
    let mut admin = server.admin().await;

    create_room(&mut admin, "cb-live", Some("owner")).await;
    let r = only(receiver.wait_for(CallbackCommand::AfterCreateGroup, 1).await);
    assert_query(&r, "RESTAPI");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterCreateGroup",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "Operator_Account": ADMIN,
            "Owner_Account": "owner",
            "Name": "test room",
            "MemberList": [],
        })
    );

    let mut alice = server.joined("alice", "cb-live").await;
    let _guest = server.joined_guest("cb-live").await;
    let r = only(receiver.wait_for(CallbackCommand::AfterNewMemberJoin, 1).await);
    assert_query(&r, "Web");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterNewMemberJoin",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "JoinType": "Apply",
            "Operator_Account": "alice",
            "NewMemberList": [{"Member_Account": "alice"}],
        })
    );
    let r = only(receiver.wait_for(CallbackCommand::OnMemberStateChange, 1).await);
    assert_query(&r, "Web");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackOnMemberStateChange",
            "GroupId": "cb-live",
            "EventType": "Online",
            "MemberList": [{"Member_Account": "alice"}],
        })
    );

    let sent = alice.send_msg("cb-live", "hello").await;
    assert_eq!(sent["code"], 0, "{sent}");
    let r = only(receiver.wait_for(CallbackCommand::AfterSendMsg, 1).await);
    assert_query(&r, "Web");
    let time_ms = sent["data"]["time"].as_i64().expect("reply time (ms)");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterSendMsg",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "From_Account": "alice",
            "Operator_Account": "alice",
            "Random": 0,
            "MsgSeq": sent["data"]["seq"],
            "MsgTime": time_ms / 1000,
            "MsgPriority": "Normal",
            "OnlineOnlyFlag": 0,
            "MsgBody": text_body("hello"),
        })
    );

    // A ban kicks bob out: he exits as Kicked (who kicked is not known to
    // the fan-out that removes him, so Operator_Account is empty).
    let _bob = server.joined("bob", "cb-live").await;
    receiver.wait_for(CallbackCommand::AfterNewMemberJoin, 2).await;
    ban(&mut admin, "cb-live", &["bob"], 600, "").await.expect("ban");
    let r = only(receiver.wait_for(CallbackCommand::AfterMemberExit, 1).await);
    assert_query(&r, "Web");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterMemberExit",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "ExitType": "Kicked",
            "Operator_Account": "",
            "ExitMemberList": [{"Member_Account": "bob"}],
        })
    );

    assert_eq!(alice.quit("cb-live").await["code"], 0);
    let exits = receiver.wait_for(CallbackCommand::AfterMemberExit, 2).await;
    assert_eq!(
        exits[1].body,
        json!({
            "CallbackCommand": "Group.CallbackAfterMemberExit",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "ExitType": "Quit",
            "Operator_Account": "alice",
            "ExitMemberList": [{"Member_Account": "alice"}],
        })
    );
    let states = receiver.wait_for(CallbackCommand::OnMemberStateChange, 4).await;
    // Delivered concurrently: compared regardless of arrival order.
    let mut states: Vec<String> = states
        .iter()
        .map(|r| format!("{} {}", r.body["MemberList"][0]["Member_Account"], r.body["EventType"]))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            r#""alice" "Offline""#,
            r#""alice" "Online""#,
            r#""bob" "Offline""#,
            r#""bob" "Online""#,
        ]
    );

    admin
        .modify_room(pb::ModifyRoomRequest {
            room_id: "cb-live".into(),
            name: Some("renamed".into()),
            mute_all: Some(true),
            ..Default::default()
        })
        .await
        .expect("modify");
    let r = only(receiver.wait_for(CallbackCommand::AfterGroupInfoChanged, 1).await);
    assert_query(&r, "RESTAPI");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterGroupInfoChanged",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "Operator_Account": ADMIN,
            "Name": "renamed",
            "ShutUpAllMember": "On",
        })
    );

    admin
        .dismiss_room(pb::DismissRoomRequest {
            room_id: "cb-live".into(),
        })
        .await
        .expect("dismiss");
    let r = only(receiver.wait_for(CallbackCommand::AfterGroupDestroyed, 1).await);
    assert_query(&r, "RESTAPI");
    assert_eq!(
        r.body,
        json!({
            "CallbackCommand": "Group.CallbackAfterGroupDestroyed",
            "GroupId": "cb-live",
            "Type": "AVChatRoom",
            "Owner_Account": "owner",
            "Name": "renamed",
            "MemberList": [],
        })
    );

    // Guests are not members: two joins (alice, bob), never the guest's.
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.of(CallbackCommand::AfterNewMemberJoin).len(), 2);
    assert_eq!(receiver.received().len(), 12, "{:#?}", receiver.received());
}

#[tokio::test]
async fn commands_left_off_send_nothing_and_unsigned_calls_carry_no_sign() {
    let receiver = CallbackServer::start().await;
    let server = server_with(receiver.settings(&[CallbackCommand::AfterSendMsg])).await;
    let room = server.create_room("cb-quiet", Some("owner")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut owner = server.joined("owner", &room).await;
    assert_eq!(owner.modify_room(&room, json!({"name": "x"})).await["code"], 0);
    assert_eq!(alice.send_msg(&room, "one").await["code"], 0);
    assert_eq!(alice.quit(&room).await["code"], 0);
    assert_eq!(owner.dismiss(&room).await["code"], 0);

    let r = only(receiver.wait_for(CallbackCommand::AfterSendMsg, 1).await);
    assert!(
        !r.query.contains_key("Sign") && !r.query.contains_key("RequestTime"),
        "{r:?}"
    );
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.received().len(), 1, "{:#?}", receiver.received());
}

#[tokio::test]
async fn a_dismissed_room_reports_its_destruction_not_each_members_exit() {
    let receiver = CallbackServer::start().await;
    let server = server_with(receiver.settings(&CallbackCommand::ALL)).await;
    let room = server.create_room("cb-gone", Some("owner")).await;
    let mut alice = server.joined("alice", &room).await;
    receiver.wait_for(CallbackCommand::AfterNewMemberJoin, 1).await;
    let mut owner = server.user("owner").await;
    assert_eq!(owner.dismiss(&room).await["code"], 0);
    let r = only(receiver.wait_for(CallbackCommand::AfterGroupDestroyed, 1).await);
    assert_eq!(r.query["OptPlatform"], "Web", "{r:?}");
    let p = alice.next_push().await;
    assert_eq!(
        (p["type"].as_str(), p["reason"].as_str()),
        (Some("kicked"), Some("dismissed")),
        "{p}"
    );
    tokio::time::sleep(QUIET).await;
    assert!(
        receiver.of(CallbackCommand::AfterMemberExit).is_empty(),
        "{:#?}",
        receiver.received()
    );
}
