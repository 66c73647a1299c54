//! The `usersig` and `admin` subcommands of the real `roomcast` binary.

mod support;

use support::roomcast::*;
use support::*;

// ---- usersig ----------------------------------------------------------------

#[tokio::test]
async fn usersig_prints_a_verifiable_sig() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let usersig_cmd = |args: &[&str]| {
        let mut cmd = roomcast();
        cmd.args(["usersig", "--config"]).arg(&config).args(args);
        cmd
    };

    let out = run(usersig_cmd(&["--user", "alice"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sig = text(&out.stdout).trim().to_string();
    assert!(!sig.is_empty() && !sig.contains(char::is_whitespace), "{sig:?}");
    let info = verify_usersig(APP, SECRET, "alice", &sig, now_secs()).expect("sig verifies");
    assert_eq!(info.identifier, "alice");
    assert_eq!(info.sdkappid, APP);
    assert_eq!(info.expire, 180 * 86_400, "default validity is 180 days");
    assert!(verify_usersig(APP, SECRET, "bob", &sig, now_secs()).is_err());

    // --expire-secs and --sdkappid.
    let app = APP.to_string();
    let out = run(usersig_cmd(&[
        "--user",
        "bob",
        "--expire-secs",
        "60",
        "--sdkappid",
        &app,
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sig = text(&out.stdout).trim().to_string();
    let info = verify_usersig(APP, SECRET, "bob", &sig, now_secs()).expect("sig verifies");
    assert_eq!(info.expire, 60);

    // Failures exit non-zero with a message.
    let out = run(usersig_cmd(&["--user", "alice", "--sdkappid", "999"])).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no such app"), "{}", text(&out.stderr));

    let out = run(usersig_cmd(&["--user", "not a user"])).await;
    assert!(!out.status.success());
    assert!(text(&out.stdout).trim().is_empty());

    // No config given and no dev config yet: a hint, not a new file.
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = roomcast();
    cmd.current_dir(empty.path()).args(["usersig", "--user", "alice"]);
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--config"), "{}", text(&out.stderr));
    assert!(!empty.path().join("roomcast-dev.toml").exists());
}

// ---- admin ------------------------------------------------------------------

#[tokio::test]
async fn admin_subcommand_drives_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Node::standalone(&config, &[]);
    let endpoint = format!("http://{}", server.grpc);
    let admin = |args: &[&str]| {
        let mut cmd = roomcast();
        cmd.args(["admin", "--endpoint", &endpoint, "--config"])
            .arg(&config)
            .args(args);
        cmd
    };

    let out = run(admin(&[
        "create-room",
        "--id",
        "cli-room",
        "--name",
        "CLI Room",
        "--custom",
        "theme=dark",
    ]))
    .await;
    assert!(out.status.success(), "create-room failed: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("cli-room"), "{}", text(&out.stdout));

    let out = run(admin(&["get", "cli-room", "nope"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"cli-room\""), "{stdout}");
    assert!(stdout.contains("\"CLI Room\""), "{stdout}");
    assert!(stdout.contains("theme") && stdout.contains("dark"), "{stdout}");
    assert!(stdout.contains("\"nope\""), "missing rooms are listed: {stdout}");

    // The room is real: a client joins it and the CLI counts it.
    let mut alice = Client::user_at(server.http, "alice").await;
    assert_eq!(alice.join("cli-room").await["code"], 0);
    let out = run(admin(&["online-count", "cli-room"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let count: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON reply");
    assert_eq!(count["count"], 1, "{count}");

    // Sending as the admin reaches the client.
    let out = run(admin(&["send", "cli-room", "--text", "hello from the cli"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let m = alice.next_event_of("message").await;
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "hello from the cli");

    // The right token works without a sig; a wrong one fails.
    let out = run(admin(&["--token", ADMIN_TOKEN, "online-count", "cli-room"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(admin(&[
        "--token",
        "wrong-token-0123456789",
        "online-count",
        "cli-room",
    ]))
    .await;
    assert!(!out.status.success(), "a wrong token must fail: {}", text(&out.stdout));
    assert!(text(&out.stdout).trim().is_empty(), "{}", text(&out.stdout));
    let mut cmd = roomcast();
    cmd.args(["admin", "--endpoint", &endpoint, "--sdkappid", &APP.to_string()])
        .args([
            "--token",
            "wrong-token-0123456789",
            "create-room",
            "--id",
            "by-wrong-token",
        ]);
    let out = run(cmd).await;
    assert!(!out.status.success());

    // Errors of the API exit non-zero too.
    let out = run(admin(&["create-room", "--id", "cli-room"])).await;
    assert!(!out.status.success(), "duplicate room must fail");
    let out = run(admin(&["online-count", "no-such-room"])).await;
    assert!(!out.status.success());

    let out = run(admin(&["dismiss", "cli-room"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let p = alice.next_push().await;
    assert_eq!(p["reason"], "dismissed", "{p}");
    let out = run(admin(&["get", "cli-room", "by-wrong-token"])).await;
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("CLI Room"), "{stdout}");
}
