//! A real standalone server inside the test process on free loopback ports,
//! its base configuration, and usersig minting.

use super::admin::{self, AdminClient};
use super::client::Client;
use super::{AppConfig, Config, Standalone, gen_usersig, now_secs};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const APP: u64 = 1_400_000_001;
pub const SECRET: &str = "test-secret-0123456789abcdef0123456789";
pub const ADMIN: &str = "administrator";
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The test app only, on ports the OS picks.
pub fn base_config() -> Config {
    let mut c = Config::default();
    c.server.http_addr = "127.0.0.1:0".parse().unwrap();
    c.server.grpc_addr = "127.0.0.1:0".parse().unwrap();
    c.rest.addr = "127.0.0.1:0".parse().unwrap();
    c.apps = vec![AppConfig {
        sdkappid: APP,
        secret: SECRET.into(),
        admin_identifier: ADMIN.into(),
        admin_token: Some(ADMIN_TOKEN.into()),
        screen_custom: Default::default(),
        before_send_hook: None,
        callbacks: None,
        counters: Default::default(),
    }];
    c
}

/// `base_config` for abuse tests: loopback is a trusted proxy and nothing
/// is exempt from per-IP limits, so a test poses as any client address with
/// `X-Forwarded-For` (see `Client::connect_from`); the rest is loopback.
pub fn abuse_config() -> Config {
    let mut c = base_config();
    c.gateway.limits.trusted_proxies = vec!["127.0.0.1".into()];
    c.gateway.limits.exempt_ips = vec![];
    c
}

/// The test app as a `[[apps]]` table of a config file.
pub fn app_toml() -> String {
    format!(
        "[[apps]]\nsdkappid = {APP}\nsecret = \"{SECRET}\"\nadmin_identifier = \"{ADMIN}\"\nadmin_token = \"{ADMIN_TOKEN}\"\n"
    )
}

/// A valid one-day usersig of `user` for the test app.
pub fn usersig(user: &str) -> String {
    sig_with(APP, SECRET, user, 86_400, now_secs())
}

/// A usersig of `user` for `app` signed with `secret`, issued at `issued`
/// (seconds) and valid for `expire_secs`.
pub fn sig_with(app: u64, secret: &str, user: &str, expire_secs: u64, issued: u64) -> String {
    gen_usersig(app, secret, user, expire_secs, issued)
}

pub struct TestServer {
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    /// The operations endpoints' own address (`server.ops_addr`), if set.
    pub ops: Option<SocketAddr>,
    /// Tencent's REST API (`None` if `rest.enabled` is off).
    pub rest: Option<SocketAddr>,
    pub shutdown: CancellationToken,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(base_config()).await
    }

    pub async fn start_with(config: Config) -> Self {
        let config = config.validated().expect("valid test config");
        let server = Standalone::build(config).await.expect("server builds");
        let (http, grpc, ops, rest) = (
            server.http_addr(),
            server.grpc_addr(),
            server.ops_addr(),
            server.rest_addr(),
        );
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            server.run(token).await.expect("server runs");
        });
        Self {
            http,
            grpc,
            ops,
            rest,
            shutdown,
            task: Some(task),
        }
    }

    /// A server with the base configuration and one room (see
    /// [`TestServer::create_room`]); returns the server and the room's ID.
    pub async fn with_room(id: &str, owner: Option<&str>) -> (Self, String) {
        Self::with_room_in(base_config(), id, owner).await
    }

    /// [`TestServer::with_room`] with `config`.
    pub async fn with_room_in(config: Config, id: &str, owner: Option<&str>) -> (Self, String) {
        let server = Self::start_with(config).await;
        let room = server.create_room(id, owner).await;
        (server, room)
    }

    /// Cancels and waits for the server to finish draining.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("server stops")
                .unwrap();
        }
    }

    pub async fn guest(&self) -> Client {
        Client::guest_at(self.http).await
    }

    pub async fn raw_client(&self) -> Client {
        Client::raw_at(self.http).await
    }

    /// A client logged in as `user`.
    pub async fn user(&self, user: &str) -> Client {
        Client::user_at(self.http, user).await
    }

    /// A client logged in as `user` that joined `room`.
    pub async fn joined(&self, user: &str, room: &str) -> Client {
        let mut c = self.user(user).await;
        let r = c.join(room).await;
        assert_eq!(r["code"], 0, "{user} join: {r}");
        c
    }

    /// A guest that joined `room`.
    pub async fn joined_guest(&self, room: &str) -> Client {
        let mut c = self.guest().await;
        let r = c.join(room).await;
        assert_eq!(r["code"], 0, "guest join: {r}");
        c
    }

    pub async fn admin(&self) -> AdminClient {
        admin::admin_at(self.grpc).await
    }

    /// Creates a room through the admin API and returns its ID.
    pub async fn create_room(&self, id: &str, owner: Option<&str>) -> String {
        admin::create_room(&mut self.admin().await, id, owner).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
