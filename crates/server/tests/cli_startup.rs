//! The real `roomcast` binary starting up: first start with a generated dev
//! config, the default command, config layering, and refused configs.

mod support;

use support::roomcast::*;
use support::*;

/// The SDKAppID of a generated dev config.
const DEV_APP: u64 = 1_400_000_000;

// ---- first start ------------------------------------------------------------

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
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[http, grpc], START_TIMEOUT);
    proc.wait_output("listening", START_TIMEOUT).await;

    assert!(dev.is_file(), "{} was not created", dev.display());
    let first = std::fs::read_to_string(&dev).unwrap();
    assert!(first.contains("1400000000"), "{first}");
    assert!(
        first.contains("nothing is blocked until terms are") && first.contains("terms import"),
        "the dev config says it has no word lists and how to import one:\n{first}"
    );
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
    let mut c = Client::raw_at(http).await;
    let r = c.login(DEV_APP, "alice", &sig).await;
    assert_eq!(r["code"], 0, "{r}");
    c.close().await;

    proc.stop_cleanly().await;
    drop(proc);

    // Second start (flags this time): the file is reused unchanged.
    let mut cmd = roomcast();
    cmd.current_dir(&cwd).arg("standalone");
    let [http, grpc] = with_free_addrs(&mut cmd);
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[http, grpc], START_TIMEOUT);
    proc.wait_output("listening", START_TIMEOUT).await;
    assert_eq!(std::fs::read_to_string(&dev).unwrap(), first, "the dev config changed");
    let out = proc.output();
    assert!(out.contains("created=false"), "{out}");
    assert!(out.contains(&hint), "{out}");
    // The earlier sig still works: same secret.
    let mut c = Client::raw_at(http).await;
    let r = c.login(DEV_APP, "alice", &sig).await;
    assert_eq!(r["code"], 0, "{r}");
    c.close().await;
    proc.stop_cleanly().await;
}

/// `standalone` is the default command ("the default" in `--help`), so a bare
/// `roomcast` takes its flags too: `roomcast --http-addr … --grpc-addr …`.
#[tokio::test]
async fn default_command_accepts_the_standalone_flags() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomcast();
    cmd.current_dir(dir.path());
    let [http, grpc] = with_free_addrs(&mut cmd);
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[http, grpc], START_TIMEOUT);
    assert!(dir.path().join("roomcast-dev.toml").is_file());
    let (status, body) = http_get(http, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    proc.stop_cleanly().await;
}

// ---- configuration layering -------------------------------------------------

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
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[env_http, file_grpc], START_TIMEOUT);
    let (status, body) = http_get(env_http, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(
        tokio::net::TcpStream::connect(file_http).await.is_err(),
        "the file's http_addr should be overridden"
    );
    proc.stop_cleanly().await;
    drop(proc);

    // File + env + flag: the flag wins.
    let mut cmd = roomcast();
    cmd.args(["standalone", "--config"])
        .arg(&config)
        .args(["--http-addr", &flag_http.to_string()])
        .env("ROOMCAST_SERVER__HTTP_ADDR", env_http.to_string());
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[flag_http, file_grpc], START_TIMEOUT);
    let (status, _) = http_get(flag_http, "/healthz").await;
    assert_eq!(status, 200);
    assert!(tokio::net::TcpStream::connect(env_http).await.is_err());
    proc.stop_cleanly().await;
    drop(proc);

    // ROOMCAST_CONFIG names the file when no flag does.
    let [http, grpc] = free_addrs();
    let mut cmd = roomcast();
    cmd.current_dir(dir.path())
        .arg("standalone")
        .env("ROOMCAST_CONFIG", &config)
        .env("ROOMCAST_SERVER__HTTP_ADDR", http.to_string())
        .env("ROOMCAST_SERVER__GRPC_ADDR", grpc.to_string());
    let mut proc = Proc::spawn("roomcast", &mut cmd);
    proc.wait_listening(&[http, grpc], START_TIMEOUT);
    // The file's app is the one served.
    let _alice = Client::user_at(http, "alice").await;
    assert!(!dir.path().join("roomcast-dev.toml").exists());
    proc.stop_cleanly().await;
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
