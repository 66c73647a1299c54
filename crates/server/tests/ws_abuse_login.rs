//! Guessing userSigs: failed logins lock the user and the address out
//! (`70050`, Tencent's lockout), even for the right sig; userSigs that live
//! too long or come from the future are refused (`70003`). Chat goes on.

mod support;

use support::*;

const WRONG_SECRET: &str = "not-the-secret-0123456789abcdef";

fn lockouts(per_user: u32, per_ip: u32) -> Config {
    let mut c = abuse_config();
    let lock = |max_failures| Lockout {
        max_failures,
        window_secs: 60,
        lockout_secs: 60,
    };
    c.gateway.limits.login_failures_per_user = lock(per_user);
    c.gateway.limits.login_failures_per_ip = lock(per_ip);
    c
}

async fn login_from(server: &TestServer, ip: &str, user: &str, sig: &str) -> serde_json::Value {
    let mut c = Client::connect_from(&format!("ws://{}/ws", server.http), ip).await;
    c.login(APP, user, sig).await
}

#[tokio::test]
async fn bad_admin_sigs_lock_the_admin_out_even_with_the_right_sig() {
    let (server, room) = TestServer::with_room_in(lockouts(5, 100), "guess-admin", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let url = format!("ws://{}/ws", server.http);
    let mut attacker = Client::connect_from(&url, "198.51.100.7").await;
    let bad = sig_with(APP, WRONG_SECRET, ADMIN, 86_400, now_secs());
    for _ in 0..5 {
        let r = attacker.login(APP, ADMIN, &bad).await;
        assert_eq!(r["code"], 70003, "{r}");
        chat.exchange().await;
    }
    let r = attacker.login(APP, ADMIN, &usersig(ADMIN)).await;
    assert_eq!(r["code"], 70050, "the right sig right after the guesses: {r}");
    assert_eq!(r["retryable"], true);
    let wait = r["data"]["retryAfter"].as_u64().expect("retryAfter");
    assert!((1..=60).contains(&wait), "{r}");
    // The user is locked from every address; other users are not.
    let r = login_from(&server, "203.0.113.1", ADMIN, &usersig(ADMIN)).await;
    assert_eq!(r["code"], 70050, "{r}");
    let r = login_from(&server, "198.51.100.7", "carol", &usersig("carol")).await;
    assert_eq!(r["code"], 0, "{r}");
    chat.exchange().await;
}

#[tokio::test]
async fn bad_sigs_for_many_users_lock_the_address_out() {
    let (server, room) = TestServer::with_room_in(lockouts(100, 8), "guess-many", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let url = format!("ws://{}/ws", server.http);
    let mut attacker = Client::connect_from(&url, "198.51.100.9").await;
    for i in 0..8 {
        let user = format!("victim{i}");
        let r = attacker
            .login(APP, &user, &sig_with(APP, WRONG_SECRET, &user, 86_400, now_secs()))
            .await;
        assert_eq!(r["code"], 70003, "{r}");
    }
    chat.exchange().await;
    let r = attacker.login(APP, "dave", &usersig("dave")).await;
    assert_eq!(r["code"], 70050, "a valid login from the locked address: {r}");
    let r = login_from(&server, "198.51.100.10", "dave", &usersig("dave")).await;
    assert_eq!(r["code"], 0, "the same user from elsewhere: {r}");
    chat.exchange().await;
}

#[tokio::test]
async fn usersigs_too_long_lived_or_issued_in_the_future_are_refused() {
    let mut config = base_config();
    config.auth.max_lifetime_secs = 30 * 86_400;
    config.auth.max_clock_skew_secs = 60;
    let server = TestServer::start_with(config).await;
    let now = now_secs();
    let cases = [
        ("ten years ahead", "u1", 86_400, now + 10 * 365 * 86_400, 70003),
        ("2^64 - 1 s", "u2", u64::MAX, now, 70003),
        ("31 days", "u3", 31 * 86_400, now, 70003),
        ("30 days", "u4", 30 * 86_400, now, 0),
        ("30 s ahead (within the skew)", "u5", 86_400, now + 30, 0),
        (
            "the app admin, ten years ahead",
            ADMIN,
            86_400,
            now + 10 * 365 * 86_400,
            70003,
        ),
    ];
    for (what, user, expire, issued, code) in cases {
        let mut c = server.raw_client().await;
        let r = c.login(APP, user, &sig_with(APP, SECRET, user, expire, issued)).await;
        assert_eq!(r["code"], code, "{what}: {r}");
    }
}
