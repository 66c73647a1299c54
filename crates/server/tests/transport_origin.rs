//! `gateway.allowed_origins`: browser upgrades from other origins are
//! refused with 403; clients without `Origin` and listed origins pass.

mod support;
use support::raw_ws::{http_head, upgrade_request};
use support::*;

async fn upgrade_status(server: &TestServer, origin: Option<&str>) -> String {
    let mut req = upgrade_request(server.http, "/ws", "13");
    if let Some(o) = origin {
        req = req.replace("\r\n\r\n", &format!("\r\nOrigin: {o}\r\n\r\n"));
    }
    let (_, head) = http_head(server.http, &req).await;
    head.lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn only_listed_origins_may_upgrade() {
    let mut config = base_config();
    config.gateway.allowed_origins = vec!["https://live.example.com".into()];
    let server = TestServer::start_with(config).await;
    assert!(
        upgrade_status(&server, Some("https://evil.example"))
            .await
            .contains(" 403 ")
    );
    assert!(
        upgrade_status(&server, Some("https://live.example.com"))
            .await
            .contains(" 101 ")
    );
    assert!(
        upgrade_status(&server, None).await.contains(" 101 "),
        "no Origin: not a browser"
    );
    server.stop().await;
}

#[tokio::test]
async fn without_a_list_every_origin_may_upgrade() {
    let server = TestServer::start().await;
    assert!(
        upgrade_status(&server, Some("https://evil.example"))
            .await
            .contains(" 101 ")
    );
    server.stop().await;
}
