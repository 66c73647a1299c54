//! Tencent's REST API in cluster mode: every room-control replica serves
//! it over the shared Redis state, messages go through the moderators to
//! members on the gateways, and replies and errors are those of standalone
//! mode.

mod support;

use serde_json::json;
use std::net::SocketAddr;
use support::cluster::Cluster;
use support::rest::{J, Rest, assert_fail, assert_reply, post};
use support::roomcast::Node;
use support::*;

const G: &str = "group_open_http_svc";

/// A room-control replica serving REST on a port of its own.
fn control(c: &Cluster) -> (Node, Rest) {
    let [addr]: [SocketAddr; 1] = free_addrs();
    let node = c.spawn_with("control", &[("ROOMCAST_REST__ADDR", &addr.to_string())]);
    (node, Rest::admin(addr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_replica_serves_the_rest_api() {
    let c = Cluster::start("[rooms]\nmember_tips = false\n");
    let (_ca, a) = control(&c);
    let (_cb, b) = control(&c);
    let _m = c.spawn("moderator");
    let gw = c.spawn("gateway");

    // Created through one replica, read through the other.
    let r = a
        .ok(
            &format!("{G}/create_group"),
            json!({ "Type": "AVChatRoom", "Name": "live", "GroupId": "live", "Owner_Account": "host" }),
        )
        .await;
    assert_reply(&r, &[("GroupId", J::Str)]);
    let mut viewer = gw.user("viewer").await;
    assert_eq!(viewer.join("live").await["code"], 0);
    let mut troll = gw.user("troll").await;
    assert_eq!(troll.join("live").await["code"], 0);
    let r = b
        .ok(&format!("{G}/get_group_info"), json!({ "GroupIdList": ["live"] }))
        .await;
    assert_eq!(r["GroupInfo"][0]["Name"], "live");
    assert_eq!(r["GroupInfo"][0]["OnlineMemberNum"], 2);

    // A message through the moderators to a member on the gateway.
    b.ok(
        "im_open_login_svc/account_import",
        json!({ "UserID": "alice", "Nick": "Alice" }),
    )
    .await;
    let send = json!({ "GroupId": "live", "Random": 1, "From_Account": "alice", "MsgBody": text_body("hi"),
        "ForbidCallbackControl": ["ForbidBeforeSendMsgCallback"] });
    let r = b.ok(&format!("{G}/send_group_msg"), send.clone()).await;
    assert_reply(&r, &[("MsgTime", J::Int), ("MsgSeq", J::Int)]);
    let m = viewer.next_event_of("message").await;
    assert_eq!((text_of(&m), m["nick"].as_str()), ("hi", Some("Alice")), "{m}");
    assert_eq!(seq_of(&m), r["MsgSeq"].as_u64().unwrap());
    // A resend through the other replica is the same message.
    let again = a.ok(&format!("{G}/send_group_msg"), send).await;
    assert_eq!(again["MsgSeq"], r["MsgSeq"]);

    // Discipline written by one replica holds for the other and the moderators.
    a.ok(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": ["alice"], "ShutUpTime": 600 }),
    )
    .await;
    b.fails(
        &format!("{G}/send_group_msg"),
        json!({ "GroupId": "live", "Random": 2, "From_Account": "alice", "MsgBody": text_body("x") }),
        10017,
    )
    .await;
    b.ok(
        "group_open_avchatroom_http_svc/ban_group_member",
        json!({ "GroupId": "live", "Members_Account": ["troll"], "Duration": 600 }),
    )
    .await;
    assert_eq!(troll.next_push().await["type"], "kicked");
    let r = a
        .ok(
            "group_open_avchatroom_http_svc/get_group_ban_member",
            json!({ "GroupId": "live" }),
        )
        .await;
    assert_eq!(r["BannedAccountList"][0]["Member_Account"], "troll");

    // Counters written by one replica, read by the other.
    a.ok(
        &format!("{G}/update_group_counter"),
        json!({ "GroupId": "live", "GroupCounter": [{ "Key": "likes", "Value": 3 }], "Mode": "Increase" }),
    )
    .await;
    let r = b
        .ok(&format!("{G}/get_group_counter"), json!({ "GroupId": "live" }))
        .await;
    assert_eq!(r["GroupCounter"], json!([{ "Key": "likes", "Value": 3 }]));

    // Errors as in standalone mode.
    let (_, r) = post(
        b.addr,
        &format!("/v4/{G}/get_group_info?sdkappid={APP}&identifier={ADMIN}&usersig=bad"),
        b"{}",
    )
    .await;
    assert_fail(&r, 70003);
    b.fails(&format!("{G}/group_msg_recall"), json!({}), 10033).await;
    b.fails(&format!("{G}/destroy_group"), json!({ "GroupId": "nope" }), 10010)
        .await;
    let r = a.ok(&format!("{G}/destroy_group"), json!({ "GroupId": "live" })).await;
    assert_reply(&r, &[]);
    assert_eq!(viewer.next_push().await["type"], "kicked");
}
