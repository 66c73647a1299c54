//! The real `roomcast` binary as a child process: a clean command, config
//! files with the test app, and a running node (any role) on free ports.

use super::admin::{self, AdminClient};
use super::client::Client;
use super::process::{Proc, START_TIMEOUT, free_addrs, wait_ready};
use super::server::app_toml;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_roomcast");

/// A `roomcast` command with a clean `ROOMCAST_*` environment.
pub fn roomcast() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("ROOMCAST_") {
            c.env_remove(k);
        }
    }
    // Processes run in parallel: the REST API must not take its fixed
    // default port (a test that calls it passes its own address).
    c.env("NO_COLOR", "1")
        .env("ROOMCAST_REST__ADDR", "127.0.0.1:0")
        .stdin(Stdio::null());
    c
}

/// Adds `--http-addr` and `--grpc-addr` on free loopback ports to `cmd`
/// and returns the two addresses.
pub fn with_free_addrs(cmd: &mut Command) -> [SocketAddr; 2] {
    let [http, grpc] = free_addrs();
    cmd.arg("--http-addr")
        .arg(http.to_string())
        .arg("--grpc-addr")
        .arg(grpc.to_string());
    [http, grpc]
}

/// Runs a short-lived command to completion, output captured.
pub async fn run(mut cmd: Command) -> Output {
    Proc::spawn("roomcast", &mut cmd).finish().await
}

/// `dir/roomcast.toml` holding `tables` and the test app (so `usersig()`
/// and the admin token work).
pub fn write_config(dir: &Path, tables: &str) -> PathBuf {
    let path = dir.join("roomcast.toml");
    std::fs::write(&path, format!("{tables}\n{}", app_toml())).unwrap();
    path
}

/// A running `roomcast <role>` process.
pub struct Node {
    pub proc: Proc,
    pub role: String,
    pub http: SocketAddr,
    pub grpc: SocketAddr,
}

impl Node {
    /// Spawns `roomcast <role> --config <config>` on free ports, with `env`
    /// added to a clean environment; does not wait for anything.
    pub fn spawn(role: &str, config: &Path, env: &[(&str, &str)]) -> Self {
        Self::spawn_at(role, config, env, free_addrs())
    }

    /// Like `spawn`, on the given HTTP and gRPC addresses (a restart).
    pub fn spawn_at(role: &str, config: &Path, env: &[(&str, &str)], [http, grpc]: [SocketAddr; 2]) -> Self {
        let mut cmd = roomcast();
        cmd.arg(role)
            .arg("--config")
            .arg(config)
            .arg("--http-addr")
            .arg(http.to_string())
            .arg("--grpc-addr")
            .arg(grpc.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Self {
            proc: Proc::spawn(role, &mut cmd),
            role: role.into(),
            http,
            grpc,
        }
    }

    /// `roomcast standalone`, once it listens on both ports.
    pub fn standalone(config: &Path, env: &[(&str, &str)]) -> Self {
        let mut node = Self::spawn("standalone", config, env);
        node.proc.wait_listening(&[node.http, node.grpc], START_TIMEOUT);
        node
    }

    /// Blocks until `/readyz` answers 200.
    pub fn wait_ready(&mut self) {
        wait_ready(&mut self.proc, self.http);
    }

    /// A room admin client (control and standalone serve gRPC).
    pub async fn admin(&self) -> AdminClient {
        admin::admin_at(self.grpc).await
    }

    /// A client of this node logged in as `user`.
    pub async fn user(&self, user: &str) -> Client {
        Client::user_at(self.http, user).await
    }

    /// Creates a room through this node's admin API and returns its ID.
    pub async fn create_room(&self, id: &str) -> String {
        admin::create_room(&mut self.admin().await, id, None).await
    }
}
