//! Cluster mode: its own nats-server and redis-server on free loopback
//! ports, a config file naming them, and `roomcast` role processes.

use super::process::{Proc, find_binary, free_addrs, free_port};
use super::roomcast::{Node, write_config};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub struct Nats {
    pub port: u16,
    pub proc: Option<Proc>,
}

impl Nats {
    pub fn start() -> Self {
        let mut n = Nats {
            port: free_port(),
            proc: None,
        };
        n.launch();
        n
    }

    fn launch(&mut self) {
        let mut cmd = Command::new(find_binary("nats-server"));
        cmd.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        let mut proc = Proc::spawn_quiet("nats-server", &mut cmd);
        proc.wait_listening(&[([127, 0, 0, 1], self.port).into()], Duration::from_secs(20));
        self.proc = Some(proc);
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    /// Stops and starts again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

pub struct Redis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub proc: Option<Proc>,
}

impl Redis {
    pub fn start() -> Self {
        let mut r = Redis {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            proc: None,
        };
        r.launch();
        r
    }

    fn launch(&mut self) {
        let mut cmd = Command::new(find_binary("redis-server"));
        cmd.args([
            "--port",
            &self.port.to_string(),
            "--bind",
            "127.0.0.1",
            "--dir",
            self.dir.path().to_str().unwrap(),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--daemonize",
            "no",
        ]);
        let mut proc = Proc::spawn_quiet("redis-server", &mut cmd);
        proc.wait_listening(&[([127, 0, 0, 1], self.port).into()], Duration::from_secs(20));
        self.proc = Some(proc);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// SIGKILL, then start again on the same port and data directory.
    pub fn restart(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        self.launch();
    }
}

pub struct Cluster {
    pub nats: Nats,
    pub redis: Redis,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// The first room control's gRPC URL, once one runs: gateways send
    /// their users' room-state changes there.
    control_url: std::sync::Mutex<Option<String>>,
}

impl Cluster {
    /// NATS and Redis plus a config file; `extra` is appended to the TOML.
    pub fn start(extra: &str) -> Self {
        let nats = Nats::start();
        let redis = Redis::start();
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(
            dir.path(),
            &format!(
                "[cluster]\nnats_url = \"{}\"\nredis_url = \"{}\"\nsubmit_timeout_ms = 2000\n\n\
                 [gateway]\nuser_send_rate = {{ per_sec = 10000.0, burst = 10000 }}\n\n{extra}\n",
                nats.url(),
                redis.url()
            ),
        );
        Cluster {
            nats,
            redis,
            dir,
            config,
            control_url: std::sync::Mutex::new(None),
        }
    }

    /// A `roomcast <role>` process of this cluster, once it is ready.
    pub fn spawn(&self, role: &str) -> Node {
        self.spawn_at(role, free_addrs())
    }

    /// Like `spawn`, with `extra` added to the environment.
    pub fn spawn_with(&self, role: &str, extra: &[(&str, &str)]) -> Node {
        self.spawn_env(role, free_addrs(), extra)
    }

    /// The same role again on a stopped node's addresses (a restart).
    pub fn respawn(&self, old: &Node) -> Node {
        self.spawn_at(&old.role, [old.http, old.grpc])
    }

    fn spawn_at(&self, role: &str, addrs: [SocketAddr; 2]) -> Node {
        self.spawn_env(role, addrs, &[])
    }

    fn spawn_env(&self, role: &str, addrs: [SocketAddr; 2], extra: &[(&str, &str)]) -> Node {
        let control_url = self.control_url.lock().unwrap().clone();
        let mut env = vec![("ROOMCAST_LOG__FILTER", "info")];
        env.extend_from_slice(extra);
        if let Some(url) = control_url.as_deref() {
            env.push(("ROOMCAST_CLUSTER__CONTROL_URL", url));
        }
        let mut node = Node::spawn_at(role, &self.config, &env, addrs);
        node.wait_ready();
        if role == "control" {
            let mut url = self.control_url.lock().unwrap();
            url.get_or_insert_with(|| format!("http://{}", node.grpc));
        }
        node
    }
}
