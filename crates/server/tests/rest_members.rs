//! Tencent's REST API, members and room state: mutes and their lists, bans,
//! online members and counts, member roles, group counters and attributes,
//! and profiles; replies compared with Tencent's documented shapes and the
//! effect checked on real WebSocket members.

mod support;

use serde_json::json;
use support::rest::{J, Rest, assert_fields, assert_reply};
use support::*;

const G: &str = "group_open_http_svc";
const AV: &str = "group_open_avchatroom_http_svc";

async fn server() -> (TestServer, Rest) {
    let server = TestServer::start_with(message_config()).await;
    let rest = Rest::admin(server.rest.expect("REST served"));
    rest.ok(
        &format!("{G}/create_group"),
        json!({ "Type": "AVChatRoom", "Name": "live", "GroupId": "live", "Owner_Account": "host" }),
    )
    .await;
    (server, rest)
}

#[tokio::test]
async fn mutes_and_their_lists() {
    let (server, rest) = server().await;
    let mut carol = server.joined("carol", "live").await;
    let r = rest
        .ok(
            &format!("{G}/forbid_send_msg"),
            json!({ "GroupId": "live", "Members_Account": ["carol", "dave"], "ShutUpTime": 600 }),
        )
        .await;
    assert_reply(&r, &[]);
    assert_eq!(carol.send_msg("live", "hi").await["code"], 10017);

    let r = rest
        .ok(&format!("{G}/get_group_shutted_uin"), json!({ "GroupId": "live" }))
        .await;
    assert_reply(&r, &[("GroupId", J::Str), ("ShuttedUinList", J::Arr)]);
    let list = r["ShuttedUinList"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    for e in list {
        assert_fields(e, &[("Member_Account", J::Str), ("ShuttedUntil", J::Int)]);
        let until = e["ShuttedUntil"].as_i64().unwrap();
        assert!(
            (now_secs() as i64 + 590..=now_secs() as i64 + 600).contains(&until),
            "{e}"
        );
    }
    let r = rest
        .ok(&format!("{G}/get_group_muted_account"), json!({ "GroupId": "live" }))
        .await;
    assert_reply(&r, &[("GroupId", J::Str), ("MutedAccountList", J::Arr)]);
    assert_fields(
        &r["MutedAccountList"][0],
        &[("Member_Account", J::Str), ("MutedUntil", J::Int)],
    );

    // 0 unmutes; the newer name MuteTime is taken too.
    rest.ok(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": ["carol"], "MuteTime": 0 }),
    )
    .await;
    assert_eq!(carol.send_msg("live", "back").await["code"], 0);
    // Too many accounts, no duration, the owner.
    let many: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
    rest.fails(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": many, "ShutUpTime": 60 }),
        10005,
    )
    .await;
    rest.fails(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": ["carol"] }),
        10004,
    )
    .await;
    rest.fails(
        &format!("{G}/forbid_send_msg"),
        json!({ "GroupId": "live", "Members_Account": ["host"], "ShutUpTime": 60 }),
        10007,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn bans_kick_and_list() {
    let (server, rest) = server().await;
    let mut eve = server.joined("eve", "live").await;
    let r = rest
        .ok(
            &format!("{AV}/ban_group_member"),
            json!({ "GroupId": "live", "Members_Account": ["eve"], "Duration": 3600, "Description": "spam" }),
        )
        .await;
    assert_reply(&r, &[]);
    let kicked = eve.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    assert_eq!(eve.join("live").await["code"], 10007);

    let r = rest
        .ok(&format!("{AV}/get_group_ban_member"), json!({ "GroupId": "live" }))
        .await;
    assert_reply(&r, &[("BannedAccountList", J::Arr), ("NextOffset", J::Int)]);
    let e = &r["BannedAccountList"][0];
    assert_fields(
        e,
        &[
            ("Member_Account", J::Str),
            ("BannedUntil", J::Int),
            ("Description", J::Str),
        ],
    );
    assert_eq!(e["Member_Account"], "eve");
    assert_eq!(e["Description"], "spam");

    rest.ok(
        &format!("{AV}/unban_group_member"),
        json!({ "GroupId": "live", "Members_Account": ["eve"] }),
    )
    .await;
    assert_eq!(eve.join("live").await["code"], 0);
    let r = rest
        .ok(&format!("{AV}/get_group_ban_member"), json!({ "GroupId": "live" }))
        .await;
    assert_eq!(r["BannedAccountList"], json!([]));
    let many: Vec<String> = (0..21).map(|i| format!("u{i}")).collect();
    rest.fails(
        &format!("{AV}/ban_group_member"),
        json!({ "GroupId": "live", "Members_Account": many, "Duration": 60 }),
        10005,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn online_members_counts_and_checks() {
    let (server, rest) = server().await;
    let mut clients = Vec::new();
    for u in ["m1", "m2", "m3"] {
        clients.push(server.joined(u, "live").await);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let r = rest
        .ok(&format!("{G}/get_online_member_num"), json!({ "GroupId": "live" }))
        .await;
    assert_reply(&r, &[("OnlineMemberNum", J::Int)]);
    assert_eq!(r["OnlineMemberNum"], 3);

    let r = rest
        .ok(
            &format!("{AV}/get_members"),
            json!({ "GroupId": "live", "Timestamp": 0 }),
        )
        .await;
    assert_reply(&r, &[("MemberList", J::Arr), ("NextTimestamp", J::Int)]);
    let list = r["MemberList"].as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|m| m["Member_Account"].as_str().unwrap()).collect();
    assert_eq!(ids, ["m3", "m2", "m1"], "latest joiners first");
    for m in list {
        assert_fields(
            m,
            &[
                ("Member_Account", J::Str),
                ("JoinTime", J::Int),
                ("NickName", J::Str),
                ("Avatar", J::Str),
            ],
        );
        assert!((m["JoinTime"].as_i64().unwrap() - now_secs() as i64).abs() < 60, "{m}");
    }
    assert_eq!(r["NextTimestamp"], 0, "one page");

    let r = rest
        .ok(
            &format!("{AV}/check_members"),
            json!({ "GroupId": "live", "Member_Account": ["m2", "ghost", "m1"] }),
        )
        .await;
    assert_reply(&r, &[("Member_Account", J::Arr)]);
    assert_eq!(r["Member_Account"], json!(["m2", "m1"]));
    rest.fails(&format!("{AV}/get_members"), json!({ "GroupId": "nope" }), 10010)
        .await;
    server.stop().await;
}

#[tokio::test]
async fn member_roles_change_with_modify_group_member_info() {
    let (server, rest) = server().await;
    let mut bob = server.joined("bob", "live").await;
    let _x = server.joined("x", "live").await;
    let modify = format!("{G}/modify_group_member_info");
    let r = rest
        .ok(
            &modify,
            json!({ "GroupId": "live", "Member_Account": "bob", "Role": "Admin" }),
        )
        .await;
    assert_reply(&r, &[]);
    // An admin may mute ordinary members.
    assert_eq!(bob.mute("live", &["x"], 60).await["code"], 0);
    rest.ok(
        &modify,
        json!({ "GroupId": "live", "Member_Account": "bob", "Role": "Member" }),
    )
    .await;
    assert_eq!(bob.mute("live", &["x"], 60).await["code"], 10007);
    rest.fails(
        &modify,
        json!({ "GroupId": "live", "Member_Account": "bob", "Role": "Owner" }),
        10004,
    )
    .await;
    rest.fails(
        &modify,
        json!({ "GroupId": "live", "Member_Account": "bob", "NameCard": "B" }),
        10007,
    )
    .await;
    rest.fails(&modify, json!({ "GroupId": "live", "Member_Account": "bob" }), 10004)
        .await;
    server.stop().await;
}

#[tokio::test]
async fn group_counters_and_attributes() {
    let (server, rest) = server().await;
    let mut m = server.joined("m", "live").await;
    let r = rest
        .ok(
            &format!("{G}/update_group_counter"),
            json!({ "GroupId": "live", "GroupCounter": [{ "Key": "likes", "Value": 5 }], "Mode": "Set" }),
        )
        .await;
    assert_reply(&r, &[("GroupCounter", J::Arr)]);
    assert_fields(&r["GroupCounter"][0], &[("Key", J::Str), ("Value", J::Int)]);
    let r = rest
        .ok(
            &format!("{G}/update_group_counter"),
            json!({ "GroupId": "live", "GroupCounter": [{ "Key": "likes", "Value": 2 }], "Mode": "Increase" }),
        )
        .await;
    assert_eq!(r["GroupCounter"], json!([{ "Key": "likes", "Value": 7 }]));
    // Pushed coalesced: the last push carries the current value.
    while m.next_event_of("counters").await["counters"]["likes"] != 7 {}
    let r = rest
        .ok(&format!("{G}/get_group_counter"), json!({ "GroupId": "live" }))
        .await;
    assert_eq!(r["GroupCounter"], json!([{ "Key": "likes", "Value": 7 }]));
    rest.ok(
        &format!("{G}/delete_group_counter"),
        json!({ "GroupId": "live", "GroupCounterKeys": ["likes"] }),
    )
    .await;
    let r = rest
        .ok(
            &format!("{G}/get_group_counter"),
            json!({ "GroupId": "live", "GroupCounterKeys": ["likes"] }),
        )
        .await;
    assert_eq!(r["GroupCounter"], json!([]));
    rest.fails(
        &format!("{G}/update_group_counter"),
        json!({ "GroupId": "live", "GroupCounter": [{ "Key": "likes", "Value": 1 }], "Mode": "Double" }),
        10004,
    )
    .await;

    let r = rest
        .ok(
            &format!("{G}/set_group_attr"),
            json!({ "GroupId": "live", "GroupAttr": [{ "key": "a", "value": "1" }, { "key": "b", "value": "2" }] }),
        )
        .await;
    assert_reply(&r, &[]);
    let ev = m.next_event_of("attributes").await;
    assert_eq!(ev["attributes"], json!({ "a": "1", "b": "2" }), "{ev}");
    rest.ok(
        &format!("{G}/modify_group_attr"),
        json!({ "GroupId": "live", "GroupAttr": [{ "key": "b", "value": "3" }] }),
    )
    .await;
    rest.ok(
        &format!("{G}/delete_group_attr"),
        json!({ "GroupId": "live", "GroupAttr": [{ "key": "a" }] }),
    )
    .await;
    let r = rest
        .ok("group_open_attr_http_svc/get_group_attr", json!({ "GroupId": "live" }))
        .await;
    assert_reply(&r, &[("GroupAttrAry", J::Arr)]);
    assert_eq!(r["GroupAttrAry"], json!([{ "key": "b", "value": "3" }]));
    rest.ok(&format!("{G}/clear_group_attr"), json!({ "GroupId": "live" }))
        .await;
    let r = rest
        .ok("group_open_attr_http_svc/get_group_attr", json!({ "GroupId": "live" }))
        .await;
    assert_eq!(r["GroupAttrAry"], json!([]));
    rest.fails(
        &format!("{G}/modify_group_attr"),
        json!({ "GroupId": "live", "GroupAttr": [{ "key": "k".repeat(33), "value": "v" }] }),
        10004,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn profiles_are_imported_set_and_read() {
    let (server, rest) = server().await;
    let r = rest
        .ok(
            "im_open_login_svc/account_import",
            json!({ "UserID": "zoe", "Nick": "Zoe" }),
        )
        .await;
    assert_reply(&r, &[]);
    let r = rest
        .ok(
            "profile/portrait_set",
            json!({ "From_Account": "zoe", "ProfileItem": [{ "Tag": "Tag_Profile_IM_Image", "Value": "https://z.png" }] }),
        )
        .await;
    assert_reply(&r, &[]);
    let r = rest
        .ok(
            "profile/portrait_get",
            json!({ "To_Account": ["zoe"], "TagList": ["Tag_Profile_IM_Nick"] }),
        )
        .await;
    assert_reply(&r, &[("UserProfileItem", J::Arr)]);
    let item = &r["UserProfileItem"][0];
    assert_fields(
        item,
        &[
            ("To_Account", J::Str),
            ("ProfileItem", J::Arr),
            ("ResultCode", J::Int),
            ("ResultInfo", J::Str),
        ],
    );
    assert_eq!(
        item["ProfileItem"],
        json!([{ "Tag": "Tag_Profile_IM_Nick", "Value": "Zoe" }])
    );
    // A login shows what was stored: messages carry it.
    let mut zoe = server.joined("zoe", "live").await;
    let mut rx = server.joined("rx", "live").await;
    assert_eq!(zoe.send_msg("live", "hi").await["code"], 0);
    let m = rx.next_event_of("message").await;
    assert_eq!(
        (m["nick"].as_str(), m["avatar"].as_str()),
        (Some("Zoe"), Some("https://z.png"))
    );

    let r = rest
        .ok(
            "im_open_login_svc/multiaccount_import",
            json!({ "Accounts": ["ok-1", "bad:id"] }),
        )
        .await;
    assert_reply(&r, &[("FailAccounts", J::Arr)]);
    assert_eq!(r["FailAccounts"], json!(["bad:id"]));
    rest.fails(
        "profile/portrait_set",
        json!({ "From_Account": "zoe", "ProfileItem": [{ "Tag": "Tag_Profile_IM_Gender", "Value": "x" }] }),
        10004,
    )
    .await;
    server.stop().await;
}
