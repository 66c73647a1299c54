//! `roomcast admin` as operators use it: it finds the server through its
//! config, prints replies as JSON documents (or tables), reports failures
//! on stderr with their numeric code, and explains itself in `--help`.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use support::roomcast::*;
use support::*;

/// `roomcast admin --config <config> <args…>`, plus `--endpoint` if given.
fn admin(config: &Path, endpoint: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = roomcast();
    cmd.arg("admin").arg("--config").arg(config);
    if let Some(e) = endpoint {
        cmd.args(["--endpoint", e]);
    }
    cmd.args(args);
    cmd
}

/// The one JSON document a successful command printed.
fn json_of(out: &Output, what: &str) -> Value {
    assert!(out.status.success(), "{what} failed: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{what}: not one JSON document ({e}):\n{stdout}"))
}

/// The table a successful `--output table` command printed, as lines.
fn table_of(out: &Output, what: &str) -> Vec<String> {
    assert!(out.status.success(), "{what} failed: {}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

// ---- A1: the config names the server ------------------------------------------------

#[tokio::test]
async fn admin_dials_the_grpc_addr_its_config_names() {
    let dir = tempfile::tempdir().unwrap();
    let [http, grpc] = free_addrs::<2>();
    // The server listens on every interface; the CLI dials loopback.
    let tables = format!(
        "[server]\nhttp_addr = \"{http}\"\ngrpc_addr = \"0.0.0.0:{}\"\n",
        grpc.port()
    );
    let config = write_config(dir.path(), &tables);
    let mut cmd = roomcast();
    cmd.arg("standalone").arg("--config").arg(&config);
    let mut server = Proc::spawn("standalone", &mut cmd);
    server.wait_listening(&[http, grpc], START_TIMEOUT);

    let out = run(admin(&config, None, &["create-room", "--id", "dialled"])).await;
    assert_eq!(json_of(&out, "create-room")["room"]["roomId"], "dialled");

    // ./roomcast.toml is the default config: no flag at all.
    let mut cmd = roomcast();
    cmd.current_dir(dir.path()).args(["admin", "get", "dialled"]);
    let v = json_of(&run(cmd).await, "get with the default config");
    assert_eq!(v["rooms"][0]["roomId"], "dialled", "{v}");

    // An explicit --endpoint wins over the config.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let out = run(admin(&config, Some(&dead), &["get", "dialled"])).await;
    assert!(!out.status.success(), "dialled the config instead of --endpoint");
    assert!(text(&out.stderr).contains(&dead), "{}", text(&out.stderr));
    // A bare host:port is an endpoint too.
    let bare = format!("127.0.0.1:{}", grpc.port());
    let v = json_of(&run(admin(&config, Some(&bare), &["get", "dialled"])).await, "bare");
    assert_eq!(v["rooms"][0]["roomId"], "dialled", "{v}");
}

// ---- A2: JSON documents, tables, errors ---------------------------------------------

#[tokio::test]
async fn admin_replies_are_json_documents_with_proto_json_names() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Node::standalone(&config, &[]);
    let endpoint = format!("http://{}", server.grpc);
    let cli = |args: &[&str]| admin(&config, Some(&endpoint), args);

    let args = [
        "create-room",
        "--id",
        "json-room",
        "--name",
        "JSON",
        "--custom",
        "theme=dark",
    ];
    let v = json_of(&run(cli(&args)).await, "create-room");
    let room = &v["room"];
    assert_eq!(room["roomId"], "json-room", "{v}");
    assert_eq!(room["name"], "JSON", "{v}");
    assert_eq!(room["custom"], serde_json::json!({ "theme": "dark" }), "{v}");
    assert_eq!(room["muteAll"], false, "{v}");
    assert_eq!(room["onlineCount"], 0, "{v}");
    assert_eq!(room["faceUrl"], "", "zero values are printed: {v}");
    assert!(
        room["createdAtMs"].as_i64().unwrap() > 1_600_000_000_000,
        "a number in ms: {v}"
    );

    let v = json_of(&run(cli(&["get", "json-room", "nope"])).await, "get");
    assert_eq!(v["rooms"][0]["roomId"], "json-room", "{v}");
    assert_eq!(v["missing"], serde_json::json!(["nope"]), "{v}");
    let v = json_of(&run(cli(&["list"])).await, "list");
    assert_eq!(v["rooms"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["nextCursor"], "", "{v}");

    let mut alice = Client::user_at(server.http, "alice").await;
    assert_eq!(alice.join("json-room").await["code"], 0);
    let v = json_of(&run(cli(&["online-count", "json-room"])).await, "online-count");
    assert_eq!(v, serde_json::json!({ "count": 1 }));
    let v = json_of(&run(cli(&["online-members", "json-room"])).await, "online-members");
    assert_eq!(v["members"][0]["userId"], "alice", "{v}");
    assert!(v["members"][0]["joinedAtMs"].is_i64(), "{v}");

    // A reply without fields is the empty document.
    let v = json_of(
        &run(cli(&["mute", "json-room", "--duration", "600", "carol"])).await,
        "mute",
    );
    assert_eq!(v, serde_json::json!({}));
    let v = json_of(&run(cli(&["muted", "json-room"])).await, "muted");
    assert_eq!(v["muted"][0]["userId"], "carol", "{v}");
    let until = v["muted"][0]["mutedUntil"].as_i64().expect("unix seconds");
    assert!(
        (now_secs() as i64 + 590..=now_secs() as i64 + 610).contains(&until),
        "{v}"
    );
    let args = ["ban", "json-room", "--duration", "60", "--description", "spam", "eve"];
    json_of(&run(cli(&args)).await, "ban");
    let v = json_of(&run(cli(&["banned", "json-room"])).await, "banned");
    assert_eq!(v["banned"][0]["userId"], "eve", "{v}");
    assert_eq!(v["banned"][0]["description"], "spam", "{v}");
    assert!(v["banned"][0]["bannedUntil"].is_i64(), "{v}");

    let v = json_of(&run(cli(&["send", "json-room", "--text", "hello"])).await, "send");
    assert!(v["seq"].as_u64().unwrap() > 0, "{v}");
    assert!(v["timeMs"].is_i64(), "{v}");
    assert_eq!(v["dropReason"], "", "{v}");

    let v = json_of(
        &run(cli(&["terms", "add", "--category", "porn", "zorblax"])).await,
        "terms add",
    );
    assert_eq!((v["added"].as_u64(), v["terms"].as_u64()), (Some(1), Some(1)), "{v}");
    let v = json_of(&run(cli(&["terms", "list"])).await, "terms list");
    assert_eq!(
        v["terms"],
        serde_json::json!([{ "category": "porn", "text": "zorblax" }]),
        "{v}"
    );
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(alice.send_msg("json-room", "zorblax").await["code"], 80001);
    let v = json_of(&run(cli(&["audit", "--room", "json-room"])).await, "audit");
    let entry = &v["entries"][0];
    assert_eq!(
        (&entry["userId"], &entry["term"]),
        (&"alice".into(), &"zorblax".into()),
        "{v}"
    );
    assert_eq!(
        (&entry["category"], &entry["action"]),
        (&"porn".into(), &"block".into()),
        "{v}"
    );
    assert!(entry["timeMs"].is_i64(), "{v}");

    // The same lists as tables: a header, one row per item, UTC times.
    let rows = table_of(&run(cli(&["list", "--output", "table"])).await, "list table");
    assert!(rows[0].starts_with("ROOM") && rows[0].contains("ONLINE"), "{rows:?}");
    assert!(
        rows[1].starts_with("json-room") && rows[1].contains("theme=dark"),
        "{rows:?}"
    );
    let rows = table_of(&run(cli(&["muted", "json-room", "-o", "table"])).await, "muted table");
    assert_eq!(rows[0].split_whitespace().collect::<Vec<_>>(), ["USER", "MUTED_UNTIL"]);
    assert!(rows[1].starts_with("carol") && rows[1].ends_with('Z'), "{rows:?}");
    let rows = table_of(&run(cli(&["banned", "json-room", "-o", "table"])).await, "banned table");
    assert!(rows[1].starts_with("eve") && rows[1].ends_with("spam"), "{rows:?}");
    let rows = table_of(
        &run(cli(&["online-members", "json-room", "-o", "table"])).await,
        "members",
    );
    assert!(rows[0].starts_with("USER") && rows[1].starts_with("alice"), "{rows:?}");
    let rows = table_of(&run(cli(&["terms", "list", "-o", "table"])).await, "terms table");
    assert_eq!(rows[1].split_whitespace().collect::<Vec<_>>(), ["porn", "zorblax"]);
    let rows = table_of(&run(cli(&["audit", "-o", "table"])).await, "audit table");
    assert!(rows[0].starts_with("TIME") && rows[1].contains("zorblax"), "{rows:?}");
    let rows = table_of(&run(cli(&["online-count", "json-room", "-o", "table"])).await, "count");
    assert_eq!(rows, ["count  1"]);
}

#[tokio::test]
async fn admin_failures_print_the_code_on_stderr_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Node::standalone(&config, &[]);
    let endpoint = format!("http://{}", server.grpc);
    let cli = |args: &[&str]| admin(&config, Some(&endpoint), args);

    let failures: [(&[&str], &str); 3] = [
        (&["dismiss", "no-such-room"], "code 10010 (NOT_FOUND): "),
        (
            &["--token", "wrong-token-0123456789", "list"],
            "code 10007 (PERMISSION_DENIED): ",
        ),
        (&["mute", "r", "--duration", "60", "u"], "code 10010 (NOT_FOUND): "),
    ];
    for (args, want) in failures {
        let out = run(cli(args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(text(&out.stdout).is_empty(), "{args:?}: nothing on stdout");
        assert!(stderr.starts_with(&format!("Error: {want}")), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: one line: {stderr}");
    }
    json_of(&run(cli(&["create-room", "--id", "twice"])).await, "create-room");
    let out = run(cli(&["create-room", "--id", "twice"])).await;
    assert!(
        text(&out.stderr).contains("code 10025 (ALREADY_EXISTS)"),
        "{}",
        text(&out.stderr)
    );

    // A usage error is clap's: status 2.
    let out = run(cli(&["mute", "r", "u"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

// ---- A3: help -----------------------------------------------------------------------

/// The subcommand names listed under `Commands:` in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Asserts that `help` (the output of `-h`) describes itself and every
/// command, argument and option it lists.
fn assert_described(path: &str, help: &str) {
    let first = help.lines().next().unwrap_or_default();
    assert!(
        !first.trim().is_empty() && !first.starts_with("Usage:"),
        "`{path} -h` has no description line:\n{help}"
    );
    let mut section = "";
    for line in help.lines() {
        if !line.starts_with(' ') {
            section = line;
            continue;
        }
        let listed = ["Commands:", "Arguments:", "Options:", "Global options:"].contains(&section);
        let item = line.trim_start();
        if listed && (item.starts_with('-') || item.starts_with('<') || section == "Commands:") {
            let described = item.split_once("  ").is_some_and(|(_, d)| !d.trim().is_empty());
            assert!(described, "`{path} -h`: {item:?} has no help text:\n{help}");
        }
    }
}

async fn help_of(args: &[&str]) -> String {
    let mut cmd = roomcast();
    cmd.args(args);
    let out = run(cmd).await;
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test]
async fn every_admin_command_and_flag_has_help_text() {
    let top = help_of(&["admin", "--help"]).await;
    for needle in ["JSON", "--output", "server.grpc_addr", "Examples:"] {
        assert!(
            top.contains(needle),
            "`roomcast admin --help` does not mention {needle}:\n{top}"
        );
    }
    let mut pending: Vec<Vec<String>> = vec![vec!["admin".into()]];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let name = format!("roomcast {}", args.join(" "));
        let long = help_of(&[&args[..], &["--help"]].concat()).await;
        let first = long.lines().next().unwrap_or_default();
        assert!(
            !first.trim().is_empty() && !first.starts_with("Usage:"),
            "`{name} --help` has no description line:\n{long}"
        );
        let short = help_of(&[&args[..], &["-h"]].concat()).await;
        assert_described(&name, &short);
        for sub in subcommands(&short) {
            pending.push([path.clone(), vec![sub]].concat());
        }
        seen += 1;
    }
    // admin, its 20 commands and the 4 of `terms`.
    assert_eq!(seen, 25, "commands visited");
}
