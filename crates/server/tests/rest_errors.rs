//! Tencent's REST API refuses bad calls with Tencent's codes, always as
//! HTTP 200 with `ActionStatus: FAIL`: bad authentication, bad JSON,
//! missing fields, oversized bodies, unknown commands, commands AVChatRoom
//! does not support, and calls over the per-app rate.

mod support;

use serde_json::json;
use support::rest::{Rest, assert_fail, post, request};
use support::*;

const CREATE: &str = "group_open_http_svc/create_group";
const INFO: &str = "group_open_http_svc/get_group_info";

async fn server_with(c: Config) -> (TestServer, Rest) {
    let server = TestServer::start_with(c).await;
    let rest = Rest::admin(server.rest.expect("REST served"));
    (server, rest)
}

#[tokio::test]
async fn bad_authentication_gets_tencents_codes() {
    let (server, rest) = server_with(base_config()).await;
    let body = json!({ "GroupIdList": ["x"] });
    let cases: Vec<(String, u32)> = vec![
        // No sdkappid, a non-numeric one, an unknown app.
        (format!("/v4/{INFO}?identifier={ADMIN}&usersig={}", rest.sig), 60006),
        (
            format!("/v4/{INFO}?sdkappid=abc&identifier={ADMIN}&usersig={}", rest.sig),
            60006,
        ),
        (
            format!("/v4/{INFO}?sdkappid=42&identifier={ADMIN}&usersig={}", rest.sig),
            60006,
        ),
        // No identifier, no userSig.
        (format!("/v4/{INFO}?sdkappid={APP}&usersig={}", rest.sig), 60004),
        (format!("/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}"), 60004),
        // A garbled userSig; one signed with another secret; an expired one;
        // one minted for someone else.
        (
            format!("/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}&usersig=garbage"),
            70003,
        ),
        (
            format!(
                "/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}&usersig={}",
                sig_with(APP, "another-secret-0123456789", ADMIN, 86_400, now_secs())
            ),
            70003,
        ),
        (
            format!(
                "/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}&usersig={}",
                sig_with(APP, SECRET, ADMIN, 60, now_secs() - 3600)
            ),
            70001,
        ),
        (
            format!(
                "/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}&usersig={}",
                usersig("alice")
            ),
            70013,
        ),
        // A valid userSig, but not the app admin's: Tencent's "App admin needed".
        (
            format!(
                "/v4/{INFO}?sdkappid={APP}&identifier=alice&usersig={}",
                usersig("alice")
            ),
            60010,
        ),
        // contenttype other than json, random not a uint32.
        (
            format!("{}&contenttype=xml", rest.target(INFO).replace("&contenttype=json", "")),
            60002,
        ),
        (
            format!("{}&random=-1", rest.target(INFO).replace("&random=", "&r=")),
            60002,
        ),
    ];
    for (target, code) in cases {
        let (status, r) = post(rest.addr, &target, body.to_string().as_bytes()).await;
        assert_eq!(status, 200, "{target}: {r}");
        assert_fail(&r, code);
    }
    server.stop().await;
}

#[tokio::test]
async fn bad_bodies_get_tencents_codes() {
    let mut c = base_config();
    c.rest.max_body_bytes = 4096;
    let (server, rest) = server_with(c).await;
    let target = rest.target(CREATE);
    let cases: [(&[u8], u32); 7] = [
        (b"", 60003),
        (b"   ", 60003),
        (b"{\"Type\": ", 60003),
        (b"[1, 2]", 60003),
        (b"\"AVChatRoom\"", 60003),
        // Well-formed, but missing or mistyped fields.
        (b"{}", 10004),
        (b"{\"Type\": \"AVChatRoom\", \"Name\": 7}", 10004),
    ];
    for (body, code) in cases {
        let (status, r) = post(rest.addr, &target, body).await;
        assert_eq!(status, 200, "{r}");
        assert_fail(&r, code);
    }
    // Larger than rest.max_body_bytes.
    let big = json!({ "Type": "AVChatRoom", "Name": "x", "Introduction": "y".repeat(5000) }).to_string();
    let (status, r) = post(rest.addr, &target, big.as_bytes()).await;
    assert_eq!(status, 200, "{r}");
    assert_fail(&r, 60002);
    // Not a POST.
    let (status, r) = request(rest.addr, "GET", &target, b"").await;
    assert_eq!(status, 200, "{r}");
    assert_fail(&r, 60002);
    server.stop().await;
}

#[tokio::test]
async fn unknown_and_unsupported_commands() {
    let (server, rest) = server_with(base_config()).await;
    rest.fails("group_open_http_svc/no_such_command", json!({}), 10003)
        .await;
    rest.fails("no_such_svc/create_group", json!({}), 10003).await;
    let (status, r) = post(rest.addr, "/elsewhere", b"{}").await;
    assert_eq!(status, 200);
    assert_fail(&r, 10003);
    // What AVChatRoom refuses, with Tencent's codes.
    for (cmd, code) in [
        ("group_msg_recall", 10033),
        ("delete_group_msg_by_sender", 10035),
        ("group_msg_get_simple", 10007),
        ("import_group_msg", 10007),
        ("import_group", 10007),
        ("add_group_member", 10007),
        ("delete_group_member", 10007),
    ] {
        rest.fails(&format!("group_open_http_svc/{cmd}"), json!({ "GroupId": "x" }), code)
            .await;
    }
    server.stop().await;
}

#[tokio::test]
async fn calls_over_the_app_rate_get_tencents_code() {
    let mut c = base_config();
    c.rest.api_calls_per_sec = 3;
    let (server, rest) = server_with(c).await;
    let body = json!({ "GroupIdList": ["x"] });
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(rest.call(INFO, body.clone()).await["ErrorCode"].as_u64().unwrap());
    }
    // The burst is one second's worth; some of the rest are refused (the
    // bucket refills while the calls run, so not necessarily all).
    assert_eq!(&codes[..3], [0, 0, 0], "{codes:?}");
    assert!(codes.contains(&60007), "{codes:?}");
    // Each command has its own budget.
    rest.fails(
        "group_open_http_svc/get_online_member_num",
        json!({ "GroupId": "x" }),
        10010,
    )
    .await;
    // Unauthenticated calls do not spend the app's budget: they are refused first.
    let (_, r) = post(
        rest.addr,
        &format!("/v4/{INFO}?sdkappid={APP}&identifier={ADMIN}"),
        b"{}",
    )
    .await;
    assert_fail(&r, 60004);
    server.stop().await;
}

#[tokio::test]
async fn the_rest_api_can_be_turned_off() {
    let mut c = base_config();
    c.rest.enabled = false;
    let server = TestServer::start_with(c).await;
    assert!(server.rest.is_none());
    server.stop().await;
}
