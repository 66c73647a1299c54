//! The demo page served by the real `roomcast` binary: the page and the SDK
//! bundles from the binary or a directory, its settings, and the dev login,
//! which only the generated dev config has.

mod support;

use std::io::{Read, Write};
use std::net::SocketAddr;
use support::roomcast::*;
use support::*;

/// The SDKAppID of a generated dev config.
const DEV_APP: u64 = 1_400_000_000;

/// A minimal HTTP/1.1 POST of a JSON body: the status and the body.
async fn post_json(addr: SocketAddr, path: &str, body: &str) -> (u16, String) {
    let (path, body) = (path.to_string(), body.to_string());
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect_timeout(&addr, WAIT).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, body.to_string())
    })
    .await
    .unwrap()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn a_normal_config_serves_the_page_and_the_sdk_but_no_dev_login() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let node = Node::standalone(&config, &[]);

    let (status, page) = http_get(node.http, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("/demo/demo.js") && page.contains("<title>"), "{page}");
    for path in [
        "/demo/demo.js",
        "/demo/demo.css",
        "/sdk/roomcast.esm.js",
        "/sdk/roomcast.js",
    ] {
        let (status, body) = http_get(node.http, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (_, sdk) = http_get(node.http, "/sdk/roomcast.esm.js").await;
    assert!(
        sdk.contains("roomcast-sdk") && sdk.contains("sdkStateReady"),
        "the SDK bundle"
    );

    let (status, settings) = http_get(node.http, "/demo/config").await;
    assert_eq!(status, 200);
    let settings = json(&settings);
    assert_eq!(settings["sdkAppId"], APP);
    assert_eq!(settings["devLogin"], false);
    assert_eq!(settings["room"], "demo");

    // No dev login: the route does not exist at all.
    let (status, _) = post_json(node.http, "/demo/dev-login", r#"{"userID":"bob"}"#).await;
    assert_eq!(status, 404, "a normal config must not mint userSigs");
    // Nor is a room created behind the operator's back.
    assert_room_missing(&mut node.admin().await, "demo").await;
    // The WebSocket and the operations endpoints are still there.
    assert_eq!(http_get(node.http, "/healthz").await, (200, "ok".to_string()));
    Client::guest_at(node.http).await.close().await;
}

#[tokio::test]
async fn the_generated_dev_config_has_the_dev_login_and_the_demo_room() {
    let dir = tempfile::tempdir().unwrap();
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(dir.path())
        .env("ROOMCAST_SERVER__HTTP_ADDR", http.to_string())
        .env("ROOMCAST_SERVER__GRPC_ADDR", grpc.to_string());
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[http, grpc], START_TIMEOUT);

    let (_, settings) = http_get(http, "/demo/config").await;
    let settings = json(&settings);
    assert_eq!(settings["devLogin"], true, "{settings}");
    assert_eq!(settings["sdkAppId"], DEV_APP);

    let (status, body) = post_json(http, "/demo/dev-login", r#"{"userID":"bob"}"#).await;
    assert_eq!(status, 200, "{body}");
    let minted = json(&body);
    assert_eq!(minted["userID"], "bob");
    assert_eq!(minted["sdkAppId"], DEV_APP);
    let sig = minted["userSig"].as_str().unwrap();

    // The sig logs in, and the page's room exists.
    let mut c = Client::raw_at(http).await;
    let r = c.login(DEV_APP, "bob", sig).await;
    assert_eq!(r["code"], 0, "{r}");
    let r = c.join("demo").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["data"]["room"]["profile"]["name"], "Roomcast demo");
    c.close().await;

    // Never the app admin; never a malformed user ID.
    let (status, _) = post_json(http, "/demo/dev-login", r#"{"userID":"administrator"}"#).await;
    assert_eq!(status, 403);
    let (status, _) = post_json(http, "/demo/dev-login", r#"{"userID":"has space"}"#).await;
    assert_eq!(status, 400);
    proc.stop_cleanly().await;
}

#[tokio::test]
async fn the_page_can_be_turned_off_or_served_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let off = write_config(dir.path(), "[demo]\nenabled = false\n");
    let node = Node::standalone(&off, &[]);
    assert_eq!(http_get(node.http, "/").await.0, 404);
    assert_eq!(http_get(node.http, "/demo/config").await.0, 404);
    assert_eq!(http_get(node.http, "/healthz").await.0, 200);
    drop(node);

    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("demo")).unwrap();
    std::fs::write(site.path().join("demo/index.html"), "<p>my own page</p>").unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let from_dir = write_config(
        dir2.path(),
        &format!("[demo]\ndir = \"{}\"\nroom = \"live-1\"\n", site.path().display()),
    );
    let node = Node::standalone(&from_dir, &[]);
    assert_eq!(http_get(node.http, "/").await, (200, "<p>my own page</p>".to_string()));
    // Only the page's own files are ever read from the directory.
    assert_eq!(http_get(node.http, "/demo/demo.js").await.0, 404);
    assert_eq!(http_get(node.http, "/demo/../../etc/passwd").await.0, 404);
    assert_eq!(json(&http_get(node.http, "/demo/config").await.1)["room"], "live-1");
}
