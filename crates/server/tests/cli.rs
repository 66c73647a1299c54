//! The real `roomcast` binary: first start with a generated dev config, the
//! `usersig` and `admin` subcommands, the HTTP operations endpoints, config
//! layering, and shutdown on signals.

mod common;
use common::*;

use roomcast_core::apps::now_secs;
use roomcast_proto::v1 as pb;
use serde_json::json;
use std::io::Read;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_roomcast");
/// Generous bounds for a debug build on a busy machine; never speed checks.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

// ---- process helpers ----------------------------------------------------------

/// `n` distinct free loopback addresses (all bound at once, then released).
fn free_addrs<const N: usize>() -> [SocketAddr; N] {
    let listeners: Vec<StdListener> = (0..N).map(|_| StdListener::bind("127.0.0.1:0").unwrap()).collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap())
}

/// Removes terminal colour sequences from log output.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A `roomcast` command with a clean `ROOMCAST_*` environment.
fn roomcast() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("ROOMCAST_") {
            c.env_remove(k);
        }
    }
    c.env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

/// Runs a short-lived command to completion (off the async runtime).
async fn run(mut cmd: Command) -> Output {
    let child = Proc::spawn(&mut cmd);
    child.finish().await
}

fn text(bytes: &[u8]) -> String {
    strip_ansi(&String::from_utf8_lossy(bytes))
}

type Captured = Arc<Mutex<Vec<u8>>>;

/// A spawned child that is killed when dropped, even if the test panics.
struct Proc {
    child: Child,
    stdout: Captured,
    stderr: Captured,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Proc {
    fn spawn(cmd: &mut Command) -> Self {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn roomcast");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let pipes: [(Box<dyn Read + Send>, Captured); 2] = [
            (Box::new(child.stdout.take().unwrap()), stdout.clone()),
            (Box::new(child.stderr.take().unwrap()), stderr.clone()),
        ];
        for (mut pipe, sink) in pipes {
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                }
            }));
        }
        Self {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written so far to stdout and stderr, colours removed.
    fn output(&self) -> String {
        let out = text(&self.stdout.lock().unwrap());
        let err = text(&self.stderr.lock().unwrap());
        format!("{out}{err}")
    }

    fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// Sends a signal (`TERM`, `INT`) to this child.
    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{sig} {} failed", self.pid());
    }

    /// Waits up to `timeout` for the child to exit.
    async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for exit (killing the child past `EXIT_TIMEOUT`) and collects output.
    async fn finish(mut self) -> Output {
        let status = match self.wait_exit(EXIT_TIMEOUT).await {
            Some(s) => s,
            None => panic!("command did not exit; output so far:\n{}", self.output()),
        };
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            status,
            stdout: std::mem::take(&mut *self.stdout.lock().unwrap()),
            stderr: std::mem::take(&mut *self.stderr.lock().unwrap()),
        }
    }

    /// Waits until the output contains `needle`.
    async fn wait_output(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.output().contains(needle) {
            if let Some(status) = self.try_wait() {
                // The pipes may still hold the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                assert!(
                    self.output().contains(needle),
                    "exited ({status}) without printing {needle:?}:\n{}",
                    self.output()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A running server process.
struct Server {
    proc: Proc,
    http: SocketAddr,
    grpc: SocketAddr,
}

impl Server {
    /// Starts `roomcast standalone --config <config>` on free ports.
    async fn start(config: &Path, env: &[(&str, &str)]) -> Self {
        let [http, grpc] = free_addrs();
        let mut cmd = roomcast();
        cmd.arg("standalone")
            .arg("--config")
            .arg(config)
            .arg("--http-addr")
            .arg(http.to_string())
            .arg("--grpc-addr")
            .arg(grpc.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut proc = Proc::spawn(&mut cmd);
        wait_listening(&mut proc, &[http, grpc]).await;
        Self { proc, http, grpc }
    }

    async fn admin(&self) -> AdminClient {
        admin_client(self.grpc, AdminAuth::Token(ADMIN_TOKEN.into())).await
    }

    async fn user(&self, user: &str) -> Client {
        let mut c = Client::connect(&format!("ws://{}/ws", self.http)).await;
        let r = c
            .request(
                "login",
                json!({ "sdkAppId": APP, "userId": user, "userSig": usersig(user) }),
            )
            .await;
        assert_eq!(r["code"], 0, "login of {user} failed: {r}");
        c
    }

    async fn create_room(&self, id: &str) {
        self.admin()
            .await
            .create_room(pb::CreateRoomRequest {
                room_id: id.into(),
                name: "cli test".into(),
                ..Default::default()
            })
            .await
            .expect("create room");
    }
}

/// Waits until the child accepts connections on every address.
async fn wait_listening(proc: &mut Proc, addrs: &[SocketAddr]) {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = proc.try_wait() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!("roomcast exited ({status}) before listening:\n{}", proc.output());
        }
        let mut all = true;
        for a in addrs {
            if tokio::net::TcpStream::connect(a).await.is_err() {
                all = false;
                break;
            }
        }
        if all {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "roomcast is not listening on {addrs:?}:\n{}",
            proc.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A config file with the harness's app (so `usersig()` and the admin token work).
fn write_config(dir: &Path, tables: &str) -> PathBuf {
    let path = dir.join("roomcast.toml");
    std::fs::write(
        &path,
        format!(
            "{tables}\n[[apps]]\nsdkappid = {APP}\nsecret = \"{SECRET}\"\nadmin_identifier = \"{ADMIN}\"\nadmin_token = \"{ADMIN_TOKEN}\"\n"
        ),
    )
    .unwrap();
    path
}

/// A minimal HTTP/1.1 GET. Returns the status code and the body.
async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("http connects");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut raw))
        .await
        .expect("http response in time")
        .expect("read http response");
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").expect("http head");
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked { dechunk(body) } else { body.to_string() };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

// ---- (1) first start --------------------------------------------------------

#[tokio::test]
async fn first_start_writes_dev_config_and_second_start_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = std::fs::canonicalize(dir.path()).unwrap();
    let dev = cwd.join("roomcast-dev.toml");

    // Plain `roomcast`, no arguments and no config; ports via the environment
    // because the defaults may be taken on this machine.
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(&cwd)
        .env("ROOMCAST_SERVER__HTTP_ADDR", http.to_string())
        .env("ROOMCAST_SERVER__GRPC_ADDR", grpc.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[http, grpc]).await;
    proc.wait_output("listening", START_TIMEOUT).await;

    assert!(dev.is_file(), "{} was not created", dev.display());
    let first = std::fs::read_to_string(&dev).unwrap();
    assert!(first.contains("1400000000"), "{first}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dev).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the dev config holds a secret");
    }
    let out = proc.output();
    assert!(out.contains(&dev.display().to_string()), "path not logged:\n{out}");
    assert!(out.contains("1400000000"), "SDKAppID not logged:\n{out}");
    let hint = format!("roomcast usersig --config {} --user alice", dev.display());
    assert!(out.contains(&hint), "usersig command not logged ({hint}):\n{out}");
    assert!(out.contains("created=true"), "{out}");

    // The logged command works, and its sig logs in to the running server.
    let mut usersig_cmd = roomcast();
    usersig_cmd
        .current_dir(&cwd)
        .args(["usersig", "--config"])
        .arg(&dev)
        .args(["--user", "alice"]);
    let minted = run(usersig_cmd).await;
    assert!(minted.status.success(), "{}", text(&minted.stderr));
    let sig = text(&minted.stdout).trim().to_string();
    let mut c = Client::connect(&format!("ws://{http}/ws")).await;
    let r = c
        .request(
            "login",
            json!({ "sdkAppId": 1_400_000_000u64, "userId": "alice", "userSig": sig }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    c.close().await;

    proc.signal("TERM");
    let status = proc.wait_exit(EXIT_TIMEOUT).await.expect("first server exits");
    assert!(status.success(), "{status}:\n{}", proc.output());
    drop(proc);

    // Second start (flags this time): the file is reused unchanged.
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(&cwd)
        .arg("standalone")
        .arg("--http-addr")
        .arg(http.to_string())
        .arg("--grpc-addr")
        .arg(grpc.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[http, grpc]).await;
    proc.wait_output("listening", START_TIMEOUT).await;
    assert_eq!(std::fs::read_to_string(&dev).unwrap(), first, "the dev config changed");
    let out = proc.output();
    assert!(out.contains("created=false"), "{out}");
    assert!(out.contains(&hint), "{out}");
    // The earlier sig still works: same secret.
    let mut c = Client::connect(&format!("ws://{http}/ws")).await;
    let r = c
        .request(
            "login",
            json!({ "sdkAppId": 1_400_000_000u64, "userId": "alice", "userSig": sig }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    c.close().await;
    proc.signal("TERM");
    let status = proc.wait_exit(EXIT_TIMEOUT).await.expect("second server exits");
    assert!(status.success(), "{status}:\n{}", proc.output());
}

/// `standalone` is the default command ("the default" in `--help`), so a bare
/// `roomcast` takes its flags too: `roomcast --http-addr … --grpc-addr …`.
#[tokio::test]
async fn default_command_accepts_the_standalone_flags() {
    let dir = tempfile::tempdir().unwrap();
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(dir.path())
        .arg("--http-addr")
        .arg(http.to_string())
        .arg("--grpc-addr")
        .arg(grpc.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[http, grpc]).await;
    assert!(dir.path().join("roomcast-dev.toml").is_file());
    let (status, body) = http_get(http, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    proc.signal("TERM");
    let status = proc.wait_exit(EXIT_TIMEOUT).await.expect("exits");
    assert!(status.success(), "{status}:\n{}", proc.output());
}

// ---- (2) usersig --------------------------------------------------------------

#[tokio::test]
async fn usersig_prints_a_verifiable_sig() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");

    let mut cmd = roomcast();
    cmd.args(["usersig", "--config"]).arg(&config).args(["--user", "alice"]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sig = text(&out.stdout).trim().to_string();
    assert!(!sig.is_empty() && !sig.contains(char::is_whitespace), "{sig:?}");
    let info = roomcast_auth::verify_usersig(APP, SECRET, "alice", &sig, now_secs()).expect("sig verifies");
    assert_eq!(info.identifier, "alice");
    assert_eq!(info.sdkappid, APP);
    assert_eq!(info.expire, 180 * 86_400, "default validity is 180 days");
    assert!(roomcast_auth::verify_usersig(APP, SECRET, "bob", &sig, now_secs()).is_err());

    // --expire-secs and --sdkappid.
    let mut cmd = roomcast();
    cmd.args(["usersig", "--config"]).arg(&config).args([
        "--user",
        "bob",
        "--expire-secs",
        "60",
        "--sdkappid",
        &APP.to_string(),
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sig = text(&out.stdout).trim().to_string();
    let info = roomcast_auth::verify_usersig(APP, SECRET, "bob", &sig, now_secs()).expect("sig verifies");
    assert_eq!(info.expire, 60);

    // Failures exit non-zero with a message.
    let mut cmd = roomcast();
    cmd.args(["usersig", "--config"])
        .arg(&config)
        .args(["--user", "alice", "--sdkappid", "999"]);
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no such app"), "{}", text(&out.stderr));

    let mut cmd = roomcast();
    cmd.args(["usersig", "--config"])
        .arg(&config)
        .args(["--user", "not a user"]);
    let out = run(cmd).await;
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

// ---- (3) admin ----------------------------------------------------------------

#[tokio::test]
async fn admin_subcommand_drives_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Server::start(&config, &[]).await;
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
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("cli-room").await["code"], 0);
    let out = run(admin(&["online-count", "cli-room"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("count: 1"), "{}", text(&out.stdout));

    // Sending as the admin reaches the client.
    let out = run(admin(&["send", "cli-room", "--text", "hello from the cli"])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let m = alice.next_event_of("message").await;
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["msgBody"][0]["MsgContent"]["Text"], "hello from the cli");

    // The right token works without a sig; a wrong one fails.
    let mut cmd = roomcast();
    cmd.args(["admin", "--endpoint", &endpoint, "--config"])
        .arg(&config)
        .args(["--token", ADMIN_TOKEN, "online-count", "cli-room"]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut cmd = roomcast();
    cmd.args(["admin", "--endpoint", &endpoint, "--config"])
        .arg(&config)
        .args(["--token", "wrong-token-0123456789", "online-count", "cli-room"]);
    let out = run(cmd).await;
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

// ---- (4) HTTP operations endpoints --------------------------------------------

#[tokio::test]
async fn http_ops_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let server = Server::start(&config, &[]).await;

    let (status, body) = http_get(server.http, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body, "ok");
    let (status, body) = http_get(server.http, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = http_get(server.http, "/no-such-endpoint").await;
    assert_eq!(status, 404);

    // Some traffic.
    server.create_room("metrics").await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    assert_eq!(alice.join("metrics").await["code"], 0);
    assert_eq!(bob.join("metrics").await["code"], 0);
    let r = alice.send_msg("metrics", "hi").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(m["from"], "alice");

    let (status, body) = http_get(server.http, "/metrics").await;
    assert_eq!(status, 200);
    for name in [
        "roomcast_connections_total",
        "roomcast_messages_in_total",
        "roomcast_room_events_published_total",
        "roomcast_messages_delivered_total",
        "roomcast_fanout_writes_total{path=\"direct\"}",
    ] {
        assert!(body.contains(name), "{name} missing from /metrics:\n{body}");
    }
    assert!(
        body.lines()
            .any(|l| l.starts_with("roomcast_connections_total") && !l.ends_with(" 0")),
        "{body}"
    );
}

// ---- (5) graceful shutdown ----------------------------------------------------

#[tokio::test]
async fn sigterm_drains_clients_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut server = Server::start(&config, &[]).await;
    server.create_room("drain").await;
    let mut alice = server.user("alice").await;
    assert_eq!(alice.join("drain").await["code"], 0);
    let mut guest = Client::connect(&format!("ws://{}/ws?sdkAppId={APP}", server.http)).await;
    assert_eq!(guest.join("drain").await["code"], 0);

    server.proc.signal("TERM");
    for c in [&mut alice, &mut guest] {
        let p = c.next_push().await;
        assert_eq!(p, json!({ "type": "reconnect", "reason": "draining" }));
        let (code, _) = c.wait_closed().await;
        assert_eq!(code, 1001);
    }
    let status = server.proc.wait_exit(EXIT_TIMEOUT).await;
    let status = status.unwrap_or_else(|| panic!("still running after SIGTERM:\n{}", server.proc.output()));
    assert!(status.success(), "{status}:\n{}", server.proc.output());
    assert_eq!(status.code(), Some(0));
}

// ---- (6) configuration layering -------------------------------------------------

#[tokio::test]
async fn environment_overrides_file_and_flags_override_environment() {
    let dir = tempfile::tempdir().unwrap();
    let [file_http, file_grpc, env_http, flag_http] = free_addrs();
    let config = write_config(
        dir.path(),
        &format!("[server]\nhttp_addr = \"{file_http}\"\ngrpc_addr = \"{file_grpc}\"\n"),
    );

    // File + env: the env's http_addr wins, the file's grpc_addr stays.
    let mut cmd = roomcast();
    cmd.args(["standalone", "--config"])
        .arg(&config)
        .env("ROOMCAST_SERVER__HTTP_ADDR", env_http.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[env_http, file_grpc]).await;
    let (status, body) = http_get(env_http, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(
        tokio::net::TcpStream::connect(file_http).await.is_err(),
        "the file's http_addr should be overridden"
    );
    proc.signal("TERM");
    assert!(proc.wait_exit(EXIT_TIMEOUT).await.expect("exits").success());
    drop(proc);

    // File + env + flag: the flag wins.
    let mut cmd = roomcast();
    cmd.args(["standalone", "--config"])
        .arg(&config)
        .args(["--http-addr", &flag_http.to_string()])
        .env("ROOMCAST_SERVER__HTTP_ADDR", env_http.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[flag_http, file_grpc]).await;
    let (status, _) = http_get(flag_http, "/healthz").await;
    assert_eq!(status, 200);
    assert!(tokio::net::TcpStream::connect(env_http).await.is_err());
    proc.signal("TERM");
    assert!(proc.wait_exit(EXIT_TIMEOUT).await.expect("exits").success());
    drop(proc);

    // ROOMCAST_CONFIG names the file when no flag does.
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(dir.path())
        .arg("standalone")
        .env("ROOMCAST_CONFIG", &config)
        .env("ROOMCAST_SERVER__HTTP_ADDR", http.to_string())
        .env("ROOMCAST_SERVER__GRPC_ADDR", grpc.to_string());
    let mut proc = Proc::spawn(&mut cmd);
    wait_listening(&mut proc, &[http, grpc]).await;
    // The file's app is the one served.
    let mut c = Client::connect(&format!("ws://{http}/ws")).await;
    let r = c
        .request(
            "login",
            json!({ "sdkAppId": APP, "userId": "alice", "userSig": usersig("alice") }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert!(!dir.path().join("roomcast-dev.toml").exists());
    proc.signal("TERM");
    assert!(proc.wait_exit(EXIT_TIMEOUT).await.expect("exits").success());
}

#[tokio::test]
async fn bad_config_values_fail_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let cases: [(&str, &str, &str); 4] = [
        ("ROOMCAST_GATEWAY__MAX_FRAME_BYTES", "0", "max_frame_bytes"),
        ("ROOMCAST_GATEWAY__NO_SUCH_OPTION", "1", "no_such_option"),
        ("ROOMCAST_SERVER__HTTP_ADDR", "not-an-address", "http_addr"),
        ("ROOMCAST_GATEWAY__IDLE_TIMEOUT_MS", "1", "idle_timeout_ms"),
    ];
    for (key, value, mentioned) in cases {
        let [http, grpc] = free_addrs();
        let mut cmd = roomcast();
        cmd.args(["standalone", "--config"])
            .arg(&config)
            .env(key, value)
            .env("ROOMCAST_SERVER__GRPC_ADDR", grpc.to_string());
        if key != "ROOMCAST_SERVER__HTTP_ADDR" {
            cmd.env("ROOMCAST_SERVER__HTTP_ADDR", http.to_string());
        }
        let out = run(cmd).await;
        assert!(!out.status.success(), "{key}={value} must be refused");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(mentioned),
            "{key}={value}: {mentioned:?} not in:\n{stderr}"
        );
    }

    // A config file that does not exist.
    let out = run({
        let mut cmd = roomcast();
        cmd.args(["standalone", "--config"])
            .arg(dir.path().join("missing.toml"));
        cmd
    })
    .await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("missing.toml"), "{}", text(&out.stderr));

    // A file without apps.
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "[log]\nfilter = \"info\"\n").unwrap();
    let out = run({
        let mut cmd = roomcast();
        cmd.args(["standalone", "--config"]).arg(&empty);
        cmd
    })
    .await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("apps"), "{}", text(&out.stderr));
}

// ---- (7) a second signal during drain ---------------------------------------------

/// A WebSocket client that joined a room and then never reads again, with a
/// tiny receive buffer, so the server's writes to it block once the socket
/// buffers fill.
async fn stalled_client(http: SocketAddr, room: &str) -> impl Sized {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(http).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{http}/ws?sdkAppId={APP}"), stream)
        .await
        .expect("websocket handshake");
    let join = json!({ "id": 1, "op": "join", "data": { "roomId": room } }).to_string();
    ws.send(Message::text(join)).await.unwrap();
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("join reply")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = msg {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"] == 1 {
                assert_eq!(v["code"], 0, "{v}");
                break;
            }
        }
    }
    ws
}

async fn second_signal_exits_immediately(first: &str, second: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut server = Server::start(
        &config,
        &[
            ("ROOMCAST_GATEWAY__DRAIN_GRACE_MS", "60000"),
            ("ROOMCAST_GATEWAY__WRITE_TIMEOUT_MS", "300000"),
            ("ROOMCAST_GATEWAY__PING_INTERVAL_MS", "300000"),
            ("ROOMCAST_GATEWAY__IDLE_TIMEOUT_MS", "600000"),
            ("ROOMCAST_GATEWAY__SEND_QUEUE_MAX_BYTES", "1073741824"),
        ],
    )
    .await;
    server.create_room("stuck").await;
    let _stalled = stalled_client(server.http, "stuck").await;

    // Fill the socket buffers towards the stalled client (~12 MB of notices).
    let mut admin = server.admin().await;
    let notice = "n".repeat(12_000);
    for _ in 0..1000 {
        admin
            .send_notice(pb::SendNoticeRequest {
                room_id: "stuck".into(),
                content: notice.clone(),
            })
            .await
            .expect("notice");
    }

    server.proc.signal(first);
    // Draining: the readiness probe fails while the stuck client holds the drain.
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = http_get(server.http, "/readyz").await;
        if status == 503 {
            assert_eq!(body, "draining");
            break;
        }
        assert!(Instant::now() < deadline, "readyz never reported draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // New clients are turned away while draining.
    match tokio_tungstenite::connect_async(format!("ws://{}/ws", server.http)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 503),
        Err(e) => panic!("unexpected upgrade error during drain: {e}"),
        Ok(_) => panic!("a new WebSocket was accepted while draining"),
    }
    // Setup check: the drain is being held (grace is 60 s).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.proc.try_wait().is_none(),
        "the drain was not held by the stalled client; the test cannot tell a second signal apart:\n{}",
        server.proc.output()
    );

    server.proc.signal(second);
    let status = server.proc.wait_exit(Duration::from_secs(15)).await;
    let status = status.unwrap_or_else(|| {
        panic!(
            "still running after a second signal during drain:\n{}",
            server.proc.output()
        )
    });
    assert!(!status.success(), "an immediate exit is not a clean one: {status}");
}

#[tokio::test]
async fn second_sigterm_during_drain_exits_immediately() {
    second_signal_exits_immediately("TERM", "TERM").await;
}

#[tokio::test]
async fn sigint_after_sigterm_during_drain_exits_immediately() {
    second_signal_exits_immediately("TERM", "INT").await;
}
