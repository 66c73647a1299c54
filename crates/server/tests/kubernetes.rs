//! What running on Kubernetes needs from the binary, through real
//! processes: the service-link variables Kubernetes injects (derived from
//! the Services in `k8s/`) do not stop any role; secrets and NATS/Redis
//! credentials from files, against NATS configured as shipped (user,
//! subject permissions) and Redis with the shipped ACL; readiness that follows NATS and Redis with a
//! grace; a shutdown delay before draining, and reconnects spread over the
//! drain; room control serving through its delay and finishing calls in
//! flight; the new metrics present from start-up; NATS over TLS.

mod support;

use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::cluster::{Cluster, Redis};
use support::roomcast::{Node, roomcast, write_config};
use support::*;

// ---- service links ----------------------------------------------------------

/// The variables Kubernetes injects into every pod for every Service of the
/// namespace (docs: "Environment variables" of Services), for each Service
/// defined anywhere under `k8s/`. Headless Services get none.
fn service_link_variables() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../k8s");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    let mut vars = Vec::new();
    let mut ip = 10;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
            if v["kind"].as_str() != Some("Service") || v["spec"]["clusterIP"].as_str() == Some("None") {
                continue;
            }
            let name = v["metadata"]["name"].as_str().unwrap().to_uppercase().replace('-', "_");
            let host = format!("10.96.0.{ip}");
            ip += 1;
            let ports = v["spec"]["ports"].as_sequence().unwrap();
            vars.push((format!("{name}_SERVICE_HOST"), host.clone()));
            for (i, p) in ports.iter().enumerate() {
                let port = p["port"].as_u64().unwrap();
                let proto = p["protocol"].as_str().unwrap_or("TCP");
                let lower = proto.to_lowercase();
                if i == 0 {
                    vars.push((format!("{name}_SERVICE_PORT"), port.to_string()));
                    vars.push((format!("{name}_PORT"), format!("{lower}://{host}:{port}")));
                }
                if let Some(pname) = p["name"].as_str() {
                    let pname = pname.to_uppercase().replace('-', "_");
                    vars.push((format!("{name}_SERVICE_PORT_{pname}"), port.to_string()));
                }
                let base = format!("{name}_PORT_{port}_{proto}");
                vars.push((base.clone(), format!("{lower}://{host}:{port}")));
                vars.push((format!("{base}_PROTO"), lower.clone()));
                vars.push((format!("{base}_PORT"), port.to_string()));
                vars.push((format!("{base}_ADDR"), host.clone()));
            }
        }
    }
    vars
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_link_variables_of_the_manifests_stop_no_role() {
    let vars = service_link_variables();
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    // The manifests' own Services give exactly the names of the issue.
    for expected in [
        "ROOMCAST_GATEWAY_PORT",
        "ROOMCAST_CONTROL_SERVICE_HOST",
        "ROOMCAST_CONTROL_SERVICE_PORT_GRPC",
        "ROOMCAST_NATS_PORT_4222_TCP_ADDR",
        "ROOMCAST_REDIS_SERVICE_PORT",
    ] {
        assert!(names.contains(&expected), "{expected} not derived from k8s/: {names:?}");
    }
    let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let c = Cluster::start("");
    let control = c.spawn_with("control", &env);
    let _moderator = c.spawn_with("moderator", &env);
    let gateway = c.spawn_with("gateway", &env);
    // Every role is up and works: a message goes round.
    control.create_room("links").await;
    let mut alice = gateway.user("alice").await;
    assert_eq!(alice.join("links").await["code"], 0);
    assert_eq!(alice.send_msg("links", "hi").await["code"], 0);
    assert_eq!(text_of(&alice.next_event_of("message").await), "hi");

    // Standalone too, and it names what it ignored at debug level.
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let mut debug_env = env.clone();
    debug_env.push(("ROOMCAST_LOG__FILTER", "roomcast=debug,info"));
    let mut standalone = Node::standalone(&config, &debug_env);
    standalone.wait_ready();
    standalone
        .proc
        .wait_output("ROOMCAST_GATEWAY_PORT", Duration::from_secs(10))
        .await;
    assert!(standalone.proc.output().contains("not a configuration variable"));
    standalone.proc.stop_cleanly().await;
}

#[tokio::test]
async fn a_misspelt_configuration_variable_still_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    for (name, key) in [
        ("ROOMCAST_GATEWAY__MAX_CONECTIONS", "max_conections"),
        ("ROOMCAST_GATEWEY__MAX_CONNECTIONS", "gatewey"),
    ] {
        let mut cmd = roomcast();
        cmd.arg("standalone").arg("--config").arg(&config).env(name, "10");
        let out = support::roomcast::run(cmd).await;
        let text = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!out.status.success(), "{name} was accepted:\n{text}");
        assert!(text.contains("unknown field") && text.contains(key), "{name}: {text}");
    }
}

// ---- secrets and credentials from files ---------------------------------------

/// nats-server with the configuration of k8s/base/nats.conf (its
/// authorization and subject permissions; the cluster block removed: one
/// node), the password from the environment as in the StatefulSet.
fn nats_as_deployed(dir: &Path, password: &str) -> (support::process::Proc, u16) {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../k8s/base/nats.conf")).unwrap();
    let start = shipped.find("\ncluster {").expect("nats.conf has a cluster block");
    let end = start + shipped[start..].find("\n}\n").expect("the cluster block ends") + 3;
    let conf = dir.join("nats.conf");
    std::fs::write(&conf, format!("{}{}", &shipped[..start], &shipped[end..])).unwrap();
    let [client, monitor] = free_addrs();
    let mut cmd = Command::new(find_binary("nats-server"));
    cmd.arg("--config")
        .arg(&conf)
        .args([
            "-a",
            "127.0.0.1",
            "-p",
            &client.port().to_string(),
            "-m",
            &monitor.port().to_string(),
        ])
        .env("POD_NAME", "roomcast-nats-0")
        .env("NATS_PASSWORD", password);
    let mut proc = support::process::Proc::spawn_quiet("nats-server", &mut cmd);
    proc.wait_listening(&[client], Duration::from_secs(20));
    (proc, client.port())
}

/// redis-server with the ACL of k8s/base/redis.yaml: `default` off, user
/// `roomcast` limited to Roomcast's keys.
fn redis_with_acl(dir: &Path, password: &str) -> (support::process::Proc, u16) {
    let port = free_port();
    let conf = dir.join("redis.conf");
    std::fs::write(
        &conf,
        format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nappendonly yes\nsave \"\"\n\
             user default off\nuser roomcast on >{password} ~rc:* &* +@all -@admin -@dangerous +ping +info\n",
            dir.display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(find_binary("redis-server"));
    cmd.arg(&conf);
    let mut proc = support::process::Proc::spawn_quiet("redis-server", &mut cmd);
    proc.wait_listening(&[([127, 0, 0, 1], port).into()], Duration::from_secs(20));
    (proc, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_credentials_come_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    for (name, value) in [
        ("app-secret", format!("{SECRET}\n")),
        ("admin-token", format!("{ADMIN_TOKEN}\n")),
        ("internal-token", "internal-token-from-a-file-0123".to_string()),
        ("nats-password", "nats-password-from-a-file\n".to_string()),
        ("redis-password", "redis-password-from-a-file\n".to_string()),
    ] {
        std::fs::write(secrets.join(name), value).unwrap();
    }
    let (_nats, nats_port) = nats_as_deployed(dir.path(), "nats-password-from-a-file");
    let redis_dir = dir.path().join("redis");
    std::fs::create_dir(&redis_dir).unwrap();
    let (_redis, redis_port) = redis_with_acl(&redis_dir, "redis-password-from-a-file");
    let s = secrets.display();
    let config = dir.path().join("roomcast.toml");
    std::fs::write(
        &config,
        format!(
            "[[apps]]\nsdkappid = {APP}\nsecret_file = \"{s}/app-secret\"\nadmin_token_file = \"{s}/admin-token\"\n\
             [cluster]\nnats_url = \"nats://127.0.0.1:{nats_port}\"\nnats_user = \"roomcast\"\n\
             nats_password_file = \"{s}/nats-password\"\nredis_url = \"redis://127.0.0.1:{redis_port}/0\"\n\
             redis_username = \"roomcast\"\nredis_password_file = \"{s}/redis-password\"\n\
             internal_token_file = \"{s}/internal-token\"\n\
             [gateway]\nuser_send_rate = {{ per_sec = 1000.0, burst = 1000 }}\n"
        ),
    )
    .unwrap();
    let mut control = Node::spawn("control", &config, &[]);
    control.wait_ready();
    let control_url = format!("http://{}", control.grpc);
    let env = [("ROOMCAST_CLUSTER__CONTROL_URL", control_url.as_str())];
    let mut moderator = Node::spawn("moderator", &config, &env);
    moderator.wait_ready();
    let mut gateway = Node::spawn("gateway", &config, &env);
    gateway.wait_ready();

    // The admin token and the app secret came from files: the admin API
    // accepts the token and the gateway the userSig signed with the secret.
    control.create_room("files").await;
    let mut alice = gateway.user("alice").await;
    let mut bob = gateway.user("bob").await;
    for c in [&mut alice, &mut bob] {
        assert_eq!(c.join("files").await["code"], 0);
    }
    // NATS (moderators' queue group) and Redis (sequencing, presence) with
    // their credentials; room control through the internal token.
    assert_eq!(alice.send_msg("files", "through every credential").await["code"], 0);
    assert_eq!(text_of(&bob.next_event_of("message").await), "through every credential");
    let r = alice
        .request("setAdmin", json!({ "roomId": "files", "userId": "bob", "admin": true }))
        .await;
    assert_ne!(r["code"], 10002, "room control unreachable: {r}");
    assert_eq!(online_count(&mut control.admin().await, "files").await, 2);
}

// ---- readiness follows NATS and Redis -------------------------------------

async fn readyz(node: &Node) -> (u16, String) {
    http_get(node.http, "/readyz").await
}

/// Polls /readyz until it answers `code`; returns how long that took.
async fn wait_readyz(node: &Node, code: u16, body: &str, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (c, b) = readyz(node).await;
        if c == code && b == body {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "/readyz is {c} {b:?}, not {code} {body:?}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_nats_and_redis_with_a_grace() {
    let mut c = Cluster::start("");
    let grace = Duration::from_millis(1500);
    let grace_env = [("ROOMCAST_CLUSTER__READINESS_GRACE_MS", "1500")];
    let _control = c.spawn_with("control", &grace_env);
    let gateway = c.spawn_with("gateway", &grace_env);
    let moderator = c.spawn_with("moderator", &grace_env);
    assert_eq!(readyz(&gateway).await, (200, "ready".into()));

    // NATS goes away: still ready within the grace, then 503.
    let lost = Instant::now();
    c.nats.stop();
    let (code, _) = readyz(&gateway).await;
    assert!(
        code == 200 || lost.elapsed() >= grace,
        "a blip shorter than the grace must not empty the Service"
    );
    wait_readyz(&gateway, 503, "nats unreachable", Duration::from_secs(10)).await;
    assert!(
        lost.elapsed() >= grace - Duration::from_millis(200),
        "unready before the grace ran out"
    );
    wait_readyz(&moderator, 503, "nats unreachable", Duration::from_secs(10)).await;
    let (_, metrics) = http_get(gateway.http, "/metrics").await;
    assert!(metrics.lines().any(|l| l == "roomcast_nats_connected 0"), "{metrics}");

    // Back: ready again once the client has reconnected.
    c.nats.restart();
    wait_readyz(&gateway, 200, "ready", Duration::from_secs(20)).await;
    wait_readyz(&moderator, 200, "ready", Duration::from_secs(20)).await;

    // Redis the same way.
    let proc = c.redis.proc.as_mut().unwrap();
    proc.signal("STOP");
    wait_readyz(&gateway, 503, "redis unreachable", Duration::from_secs(10)).await;
    let (_, metrics) = http_get(gateway.http, "/metrics").await;
    assert!(metrics.lines().any(|l| l == "roomcast_redis_connected 0"), "{metrics}");
    c.redis.proc.as_mut().unwrap().signal("CONT");
    wait_readyz(&gateway, 200, "ready", Duration::from_secs(20)).await;
}

// ---- shutdown: delay, spread drain ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_waits_for_the_delay_then_spreads_reconnects_over_the_drain() {
    const CLIENTS: usize = 20;
    let delay = Duration::from_millis(1000);
    let spread = Duration::from_millis(2000);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[rooms]\nmember_tips = false\n");
    let mut server = Node::standalone(
        &config,
        &[
            ("ROOMCAST_SERVER__SHUTDOWN_DELAY_MS", "1000"),
            ("ROOMCAST_GATEWAY__DRAIN_SPREAD_MS", "2000"),
            ("ROOMCAST_GATEWAY__DRAIN_GRACE_MS", "5000"),
        ],
    );
    server.create_room("drain").await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut c = Client::guest_at(server.http).await;
        assert_eq!(c.join("drain").await["code"], 0);
        clients.push(c);
    }

    let signalled = Instant::now();
    server.proc.signal("TERM");
    let waiters: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let p = c.next_push().await;
                let at = Instant::now();
                assert_eq!(p, json!({ "type": "reconnect", "reason": "draining" }));
                assert_eq!(c.wait_closed().await.0, 1001);
                at
            })
        })
        .collect();
    // Out of the load balancer at once (as soon as the signal is handled,
    // a few milliseconds), but still serving during the delay.
    let mut readyz = http_get(server.http, "/readyz").await;
    while readyz.0 == 200 && signalled.elapsed() < Duration::from_millis(300) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        readyz = http_get(server.http, "/readyz").await;
    }
    assert_eq!((readyz.0, readyz.1.as_str()), (503, "draining"));
    let mut late = Client::guest_at(server.http).await;
    assert_eq!(
        late.join("drain").await["code"],
        0,
        "a client arriving during the delay is served"
    );
    assert!(signalled.elapsed() < delay, "setup too slow to observe the delay");

    let mut told = Vec::new();
    for w in waiters {
        told.push(w.await.unwrap() - signalled);
    }
    told.sort();
    let (first, last) = (told[0], told[CLIENTS - 1]);
    assert!(
        first >= delay - Duration::from_millis(100),
        "the drain started before the delay: {told:?}"
    );
    assert!(
        last - first >= spread / 2,
        "reconnects were not spread over the drain: {told:?}"
    );
    assert!(last <= delay + spread + Duration::from_secs(2), "{told:?}");
    let status = server
        .proc
        .wait_exit(EXIT_TIMEOUT)
        .await
        .expect("exits after the drain");
    assert!(status.success(), "{status}:\n{}", server.proc.output());
}

// ---- room control: serves through the delay, finishes calls in flight --------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_serves_through_its_delay_and_finishes_calls_in_flight() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;

    let c = Cluster::start("[rooms]\nmember_tips = false\n");
    let long_submit = [
        ("ROOMCAST_CLUSTER__SUBMIT_TIMEOUT_MS", "10000"),
        ("ROOMCAST_SERVER__SHUTDOWN_DELAY_MS", "1500"),
    ];
    let mut control = c.spawn_with("control", &long_submit);
    let moderator = c.spawn_with("moderator", &long_submit);
    control.create_room("inflight").await;

    // An admin SendMessage waits for the moderator, which is frozen: the
    // call is in flight when control is signalled.
    moderator.proc.signal("STOP");
    let mut admin = control.admin().await;
    let call = tokio::spawn(async move {
        admin
            .send_message(admin_msg(
                "inflight",
                &text_body("in flight"),
                pb::Priority::Normal,
                "k1",
            ))
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    control.proc.signal("TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // During the delay: not ready, health NOT_SERVING, yet a new connection's
    // call is served (endpoints may still route to this replica).
    assert_eq!(http_get(control.http, "/readyz").await, (503, "draining".into()));
    let mut health = HealthClient::new(channel(control.grpc).await);
    let status = health
        .check(HealthCheckRequest {
            service: "roomcast.v1.RoomAdminService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::NotServing as i32);
    let mut fresh = admin_at(control.grpc).await;
    fresh
        .create_room(create_req("during-delay", "created while draining"))
        .await
        .expect("a call during the shutdown delay is served");
    assert!(
        signalled.elapsed() < Duration::from_millis(1500),
        "setup too slow to observe the delay"
    );

    // The frozen moderator resumes after the delay has run out and the
    // server stopped accepting: the call in flight still completes.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    moderator.proc.signal("CONT");
    let reply = tokio::time::timeout(Duration::from_secs(15), call)
        .await
        .expect("the call in flight finishes")
        .unwrap()
        .expect("the call in flight succeeds");
    assert!(reply.into_inner().seq > 0);
    let status = control.proc.wait_exit(EXIT_TIMEOUT).await.expect("control exits");
    assert!(status.success(), "{status}:\n{}", control.proc.output());
}

// ---- metrics present from start-up -------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_metrics_are_present_from_start_up() {
    let c = Cluster::start("");
    let _control = c.spawn("control");
    let moderator = c.spawn("moderator");
    let gateway = c.spawn("gateway");
    let version = env!("CARGO_PKG_VERSION");
    for node in [&gateway, &moderator] {
        let (_, body) = http_get(node.http, "/metrics").await;
        for series in [
            "roomcast_nats_connected 1".to_string(),
            "roomcast_redis_connected 1".to_string(),
            "roomcast_redis_errors_total 0".to_string(),
            "roomcast_nats_events_total{event=\"disconnected\"} 0".to_string(),
            "roomcast_nats_events_total{event=\"slow_consumer\"} 0".to_string(),
            "roomcast_moderation_queue_depth 0".to_string(),
            format!("roomcast_build_info{{version=\"{version}\"}} 1"),
        ] {
            assert!(
                body.lines().any(|l| l == series),
                "{} lacks {series}:\n{body}",
                node.role
            );
        }
    }
}

// ---- NATS over TLS ----------------------------------------------------------

/// A CA and a server certificate for 127.0.0.1, made with openssl.
fn make_certs(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=roomcast-test-ca",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_over_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    make_certs(dir.path());
    let port = free_port();
    let mut cmd = Command::new(find_binary("nats-server"));
    cmd.current_dir(dir.path()).args([
        "-a",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "--tls",
        "--tlscert",
        "server.pem",
        "--tlskey",
        "server.key",
    ]);
    let mut nats = support::process::Proc::spawn_quiet("nats-server", &mut cmd);
    nats.wait_listening(&[([127, 0, 0, 1], port).into()], Duration::from_secs(20));
    let redis = Redis::start();
    let ca = dir.path().join("ca.pem");
    let config = write_config(
        dir.path(),
        &format!(
            "[cluster]\nnats_url = \"tls://127.0.0.1:{port}\"\nnats_tls_ca_file = \"{}\"\nredis_url = \"{}\"\n",
            ca.display(),
            redis.url()
        ),
    );
    let mut gateway = Node::spawn("gateway", &config, &[]);
    gateway.wait_ready();
    let (_, body) = http_get(gateway.http, "/metrics").await;
    assert!(body.lines().any(|l| l == "roomcast_nats_connected 1"), "{body}");

    // Without the CA the server's certificate is refused: never ready.
    let plain = write_config(
        &dir.path().join("plain").tap_mkdir(),
        &format!(
            "[cluster]\nnats_url = \"tls://127.0.0.1:{port}\"\nredis_url = \"{}\"\n",
            redis.url()
        ),
    );
    let untrusting = Node::spawn("gateway", &plain, &[("ROOMCAST_CLUSTER__READINESS_GRACE_MS", "500")]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = tokio::task::spawn_blocking({
        let http: SocketAddr = untrusting.http;
        move || try_http_get(http, "/readyz", Duration::from_secs(2))
    })
    .await
    .unwrap();
    assert!(
        !matches!(r, Ok((200, _))),
        "a gateway that cannot verify NATS's certificate must not be ready: {r:?}"
    );
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
