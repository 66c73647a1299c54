//! Tencent's REST API, groups: create, read, modify, list and destroy live
//! rooms over real HTTP with a real userSig; every reply compared field by
//! field with Tencent's documented shape.

mod support;

use serde_json::json;
use support::rest::{J, Rest, assert_fields, assert_reply};
use support::*;

const G: &str = "group_open_http_svc";

async fn server() -> (TestServer, Rest) {
    let mut c = base_config();
    c.rooms.member_tips = false;
    let server = TestServer::start_with(c).await;
    let rest = Rest::admin(server.rest.expect("REST served"));
    (server, rest)
}

/// The fields of one `GroupInfo` entry.
const GROUP_INFO: [(&str, J); 16] = [
    ("GroupId", J::Str),
    ("ErrorCode", J::Int),
    ("ErrorInfo", J::Str),
    ("Type", J::Str),
    ("Name", J::Str),
    ("Introduction", J::Str),
    ("Notification", J::Str),
    ("FaceUrl", J::Str),
    ("Owner_Account", J::Str),
    ("CreateTime", J::Int),
    ("MemberNum", J::Int),
    ("MaxMemberNum", J::Int),
    ("ApplyJoinOption", J::Str),
    ("ShutUpAllMember", J::Str),
    ("OnlineMemberNum", J::Int),
    ("AppDefinedData", J::Arr),
];

#[tokio::test]
async fn create_read_modify_and_destroy_a_live_room() {
    let (server, rest) = server().await;
    let before = now_secs() as i64;
    let r = rest
        .ok(
            &format!("{G}/create_group"),
            json!({
                "Owner_Account": "host",
                "Type": "AVChatRoom",
                "GroupId": "live-1",
                "Name": "Launch",
                "Introduction": "intro",
                "Notification": "starts at 8",
                "FaceUrl": "https://x/f.png",
                "AppDefinedData": [{ "Key": "theme", "Value": "dark" }],
            }),
        )
        .await;
    assert_reply(&r, &[("GroupId", J::Str)]);
    assert_eq!(r["GroupId"], "live-1");

    // A member online: counted as member and online.
    let _viewer = server.joined("viewer", "live-1").await;
    let r = rest
        .ok(
            &format!("{G}/get_group_info"),
            json!({ "GroupIdList": ["live-1", "nope"] }),
        )
        .await;
    assert_reply(&r, &[("GroupInfo", J::Arr)]);
    let info = &r["GroupInfo"][0];
    assert_fields(info, &GROUP_INFO);
    assert_eq!(info["GroupId"], "live-1");
    assert_eq!(info["ErrorCode"], 0);
    assert_eq!(info["Type"], "AVChatRoom");
    assert_eq!(info["Name"], "Launch");
    assert_eq!(info["Introduction"], "intro");
    assert_eq!(info["Notification"], "starts at 8");
    assert_eq!(info["FaceUrl"], "https://x/f.png");
    assert_eq!(info["Owner_Account"], "host");
    assert!(info["CreateTime"].as_i64().unwrap() >= before, "{info}");
    assert_eq!(info["MemberNum"], 1);
    assert_eq!(info["OnlineMemberNum"], 1);
    assert_eq!(info["ShutUpAllMember"], "Off");
    assert_eq!(info["ApplyJoinOption"], "FreeAccess");
    assert_eq!(info["AppDefinedData"], json!([{ "Key": "theme", "Value": "dark" }]));
    // An unknown group answers on its own, with Tencent's code.
    let missing = &r["GroupInfo"][1];
    assert_fields(
        missing,
        &[("GroupId", J::Str), ("ErrorCode", J::Int), ("ErrorInfo", J::Str)],
    );
    assert_eq!(missing["ErrorCode"], 10010);

    let r = rest
        .ok(
            &format!("{G}/modify_group_base_info"),
            json!({
                "GroupId": "live-1",
                "Name": "Launch party",
                "ShutUpAllMember": "On",
                "AppDefinedData": [{ "Key": "theme", "Value": "" }, { "Key": "lang", "Value": "en" }],
            }),
        )
        .await;
    assert_reply(&r, &[]);
    let r = rest
        .ok(&format!("{G}/get_group_info"), json!({ "GroupIdList": ["live-1"] }))
        .await;
    let info = &r["GroupInfo"][0];
    assert_eq!(info["Name"], "Launch party");
    assert_eq!(info["Introduction"], "intro", "untouched fields stay");
    assert_eq!(info["ShutUpAllMember"], "On");
    assert_eq!(info["AppDefinedData"], json!([{ "Key": "lang", "Value": "en" }]));
    // Mute-all holds for the viewer's sends.
    let mut viewer = server.joined("viewer2", "live-1").await;
    assert_eq!(viewer.send_msg("live-1", "hi").await["code"], 10017);

    let r = rest
        .ok(&format!("{G}/destroy_group"), json!({ "GroupId": "live-1" }))
        .await;
    assert_reply(&r, &[]);
    let kicked = viewer.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    rest.fails(&format!("{G}/destroy_group"), json!({ "GroupId": "live-1" }), 10010)
        .await;
    server.stop().await;
}

#[tokio::test]
async fn create_group_follows_tencents_rules() {
    let (server, rest) = server().await;
    let create = format!("{G}/create_group");
    // Generated ID, no owner.
    let r = rest.ok(&create, json!({ "Type": "AVChatRoom", "Name": "auto" })).await;
    let id = r["GroupId"].as_str().unwrap();
    assert!(id.starts_with("@TGS#"), "{r}");
    // The ID in use: Tencent's 10025.
    rest.ok(&create, json!({ "Type": "AVChatRoom", "Name": "a", "GroupId": "dup" }))
        .await;
    rest.fails(
        &create,
        json!({ "Type": "AVChatRoom", "Name": "a", "GroupId": "dup" }),
        10025,
    )
    .await;
    // Only live rooms; members cannot be pulled into one.
    rest.fails(&create, json!({ "Type": "Public", "Name": "a" }), 10004)
        .await;
    rest.fails(
        &create,
        json!({ "Type": "AVChatRoom", "Name": "a", "MemberList": [{ "Member_Account": "x" }] }),
        10007,
    )
    .await;
    // Missing and over-long fields.
    let r = rest.fails(&create, json!({ "Name": "a" }), 10004).await;
    assert!(r["ErrorInfo"].as_str().unwrap().contains("Type"), "{r}");
    rest.fails(&create, json!({ "Type": "AVChatRoom", "Name": "x".repeat(31) }), 10004)
        .await;
    rest.fails(
        &create,
        json!({ "Type": "AVChatRoom", "Name": "a", "GroupId": "@TGS#mine" }),
        10015,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn the_app_group_list_pages_by_next() {
    let (server, rest) = server().await;
    for i in 0..5 {
        rest.ok(
            &format!("{G}/create_group"),
            json!({ "Type": "AVChatRoom", "Name": "r", "GroupId": format!("room-{i}") }),
        )
        .await;
    }
    let list = format!("{G}/get_appid_group_list");
    let r = rest.ok(&list, json!({ "Limit": 2 })).await;
    assert_reply(&r, &[("TotalCount", J::Int), ("GroupIdList", J::Arr), ("Next", J::Int)]);
    assert_eq!(r["TotalCount"], 5);
    assert_fields(&r["GroupIdList"][0], &[("GroupId", J::Str)]);
    let mut seen = Vec::new();
    let mut next = 0;
    loop {
        let r = rest.ok(&list, json!({ "Limit": 2, "Next": next })).await;
        seen.extend(
            r["GroupIdList"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["GroupId"].clone()),
        );
        next = r["Next"].as_u64().unwrap();
        if next == 0 {
            break;
        }
    }
    assert_eq!(seen, (0..5).map(|i| json!(format!("room-{i}"))).collect::<Vec<_>>());
    // Other group types hold nothing here.
    let r = rest.ok(&list, json!({ "GroupType": "Public" })).await;
    assert_eq!(r["TotalCount"], 0);
    rest.fails(&list, json!({ "Limit": 0 }), 10004).await;
    server.stop().await;
}
