//! Layered configuration: defaults → TOML file → `ROOMCAST_*` environment →
//! command-line flags, then `validate()`.

use crate::error::ServerError;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use roomcast_cluster::ClusterOptions;
use roomcast_core::apps::AppConfig;
use roomcast_core::rooms::RoomsOptions;
use roomcast_gateway::GatewayOptions;
use roomcast_moderation::ModerationOptions;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerOptions {
    /// WebSocket (`/ws`) and operations (`/healthz`, `/readyz`, `/metrics`).
    pub http_addr: SocketAddr,
    /// gRPC admin API, health and reflection.
    pub grpc_addr: SocketAddr,
    /// After SIGTERM, how long the process keeps serving (with `/readyz` at
    /// 503 and gRPC health NOT_SERVING) before it stops accepting work:
    /// gateways start draining, control closes its gRPC port. Long enough
    /// for load balancers and Kubernetes endpoints to drop the process
    /// (e.g. 5000 in Kubernetes); 0 outside.
    pub shutdown_delay_ms: u64,
    /// `/healthz`, `/readyz` and `/metrics` on their own (plain HTTP)
    /// address; when set they are not served on `http_addr`. Unset: they
    /// share `http_addr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops_addr: Option<SocketAddr>,
    /// A new connection must complete its PROXY header, TLS handshake and
    /// HTTP request headers (gRPC: the HTTP/2 preface) within this long, or
    /// it is closed.
    pub header_read_timeout_ms: u64,
    /// Per listener: connections not yet upgraded to a WebSocket (gRPC: that
    /// have not sent the HTTP/2 preface). At the cap the oldest such
    /// connection is closed to make room. On the WebSocket listener they also
    /// count toward `gateway.max_connections`.
    pub max_pending_connections: usize,
    /// Every connection starts with a PROXY protocol (v1 or v2) header from
    /// a trusted load balancer; its source address is the client's address.
    /// Connections without one are refused. Enable only when every peer
    /// that can reach the ports is such a proxy.
    pub proxy_protocol: bool,
    /// TLS on the WebSocket/HTTP listener and the gRPC listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::listen::TlsOptions>,
    /// Limits of the gRPC port.
    pub grpc: crate::listen::GrpcLimits,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            http_addr: ([127, 0, 0, 1], 8080).into(),
            grpc_addr: ([127, 0, 0, 1], 50051).into(),
            shutdown_delay_ms: 0,
            ops_addr: None,
            header_read_timeout_ms: 10_000,
            max_pending_connections: 1024,
            proxy_protocol: false,
            tls: None,
            grpc: Default::default(),
        }
    }
}

impl ServerOptions {
    fn validate(&self) -> Result<(), String> {
        if self.http_addr == self.grpc_addr && self.http_addr.port() != 0 {
            return Err("server.http_addr and server.grpc_addr must differ".into());
        }
        if let Some(ops) = self.ops_addr
            && ops.port() != 0
            && (ops == self.http_addr || ops == self.grpc_addr)
        {
            return Err("server.ops_addr must differ from http_addr and grpc_addr".into());
        }
        if self.header_read_timeout_ms == 0 || self.max_pending_connections == 0 {
            return Err("server.header_read_timeout_ms and server.max_pending_connections must be positive".into());
        }
        if let Some(tls) = &self.tls {
            tls.validate().map_err(|e| format!("server.tls: {e}"))?;
        }
        self.grpc.validate().map_err(|e| format!("server.grpc: {e}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusOptions {
    /// Per-subscription queue length of the in-process bus.
    pub subscription_capacity: usize,
}

impl Default for BusOptions {
    fn default() -> Self {
        Self {
            subscription_capacity: 8192,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogOptions {
    pub format: LogFormat,
    /// `tracing` filter directives, e.g. `info,roomcast_gateway=debug`.
    pub filter: String,
}

impl Default for LogOptions {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerOptions,
    pub apps: Vec<AppConfig>,
    /// What userSigs must satisfy beyond a valid signature (lifetime, skew).
    pub auth: roomcast_auth::SigPolicy,
    pub gateway: GatewayOptions,
    pub rooms: RoomsOptions,
    pub moderation: ModerationOptions,
    pub bus: BusOptions,
    /// NATS and Redis, for the cluster processes (`gateway`, `control`, `moderator`).
    pub cluster: ClusterOptions,
    pub log: LogOptions,
    /// The demo page at `/` (`crate::demo`).
    pub demo: crate::demo::DemoOptions,
    /// Tencent's REST API (`/v4/...`), served by standalone and room control.
    pub rest: roomcast_rest::RestOptions,
}

impl Config {
    /// Defaults, then the file (if any), then the configuration variables
    /// among `env` (`ROOMCAST_<SECTION>__<KEY>`, see [`env_key_path`]); then
    /// every secret given as a file (`<key>_file`, see [`SECRET_KEYS`]) is
    /// read in.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Self, ServerError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ServerError::Config(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig.merge(env_provider(env));
        let mut merged: toml::Value = fig.extract().map_err(|e| ServerError::Config(e.to_string()))?;
        if resolve_secret_files(&mut merged, "")? {
            // Figment's own error messages name the file and the key; keep
            // them for the (usual) case without secret files.
            merged.try_into().map_err(|e| ServerError::Config(e.to_string()))
        } else {
            fig.extract().map_err(|e| ServerError::Config(e.to_string()))
        }
    }

    pub fn validate(&self) -> Result<(), ServerError> {
        let err = ServerError::Config;
        if self.apps.is_empty() {
            return Err(err("at least one app must be configured ([[apps]])".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.apps {
            a.validate().map_err(err)?;
            if !seen.insert(a.sdkappid) {
                return Err(err(format!("app {} is configured twice", a.sdkappid)));
            }
        }
        self.auth.validate().map_err(err)?;
        self.gateway.validate().map_err(err)?;
        self.rooms.validate().map_err(err)?;
        self.moderation.validate().map_err(|e| err(e.to_string()))?;
        self.cluster.validate().map_err(err)?;
        if self.bus.subscription_capacity == 0 {
            return Err(err("bus.subscription_capacity must be positive".into()));
        }
        self.server.validate().map_err(err)?;
        self.rest.validate().map_err(err)?;
        if self.rest.enabled
            && self.rest.addr.port() != 0
            && [self.server.http_addr, self.server.grpc_addr].contains(&self.rest.addr)
        {
            return Err(err(
                "rest.addr must differ from server.http_addr and server.grpc_addr".into()
            ));
        }
        Ok(())
    }
}

/// A configuration that passed `Config::validate`: what every role builds
/// from, so options are checked once, where they are loaded.
#[derive(Debug, Clone)]
pub struct ValidConfig(Config);

impl Config {
    pub fn validated(self) -> Result<ValidConfig, ServerError> {
        self.validate()?;
        Ok(ValidConfig(self))
    }
}

impl std::ops::Deref for ValidConfig {
    type Target = Config;

    fn deref(&self) -> &Config {
        &self.0
    }
}

/// The configuration key path a variable names, if it is a configuration
/// variable: `ROOMCAST_<SECTION>__<KEY>` (levels separated by `__`, e.g.
/// `ROOMCAST_ROOMS__FREQUENCY__ROOM_CAP_PER_SEC` → `rooms.frequency.room_cap_per_sec`).
///
/// Any other `ROOMCAST_*` name is not configuration and is ignored (see
/// [`ignored_env`]): Kubernetes injects `<SERVICE>_SERVICE_HOST`,
/// `<SERVICE>_PORT=tcp://…` and the like for every Service of a namespace,
/// and Services named `roomcast-*` give exactly such names. A variable in
/// the configuration form whose key does not exist still stops the server,
/// so typos are caught.
pub fn env_key_path(name: &str) -> Option<Vec<String>> {
    let rest = name.strip_prefix("ROOMCAST_")?;
    if !rest.contains("__") && !rest.starts_with('_') {
        return None;
    }
    let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
    // `ROOMCAST__X`, `ROOMCAST_A____B`, `ROOMCAST_A__` are meant as
    // configuration but name no key: loading refuses them.
    Some(path)
}

/// The variable that names the config file (not a key of it).
pub const CONFIG_FILE_VAR: &str = "ROOMCAST_CONFIG";

/// The `ROOMCAST_*` variables of `env` that are neither configuration nor
/// [`CONFIG_FILE_VAR`]: ignored (logged at debug level once logging runs).
pub fn ignored_env(env: &[(String, String)]) -> Vec<&str> {
    env.iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("ROOMCAST_") && *k != CONFIG_FILE_VAR && env_key_path(k).is_none())
        .collect()
}

/// Builds the env provider from an explicit variable list, so tests and
/// embedders never touch the process environment.
fn env_provider(vars: &[(String, String)]) -> figment::providers::Serialized<toml::Table> {
    let mut root = toml::Table::new();
    for (k, v) in vars {
        let Some(path) = env_key_path(k) else {
            continue;
        };
        if path.iter().any(String::is_empty) {
            // Deserialization names it: an empty key is never a field.
            root.insert(k.to_ascii_lowercase(), toml::Value::String(v.clone()));
            continue;
        }
        insert_path(&mut root, &path, parse_env_value(v));
    }
    Serialized::defaults(root)
}

/// Keys that hold secrets. Each may instead be given as `<key>_file`: the
/// path of a file holding the value (a mounted Kubernetes Secret, a Docker
/// secret), read at start-up; one trailing line break is removed. Setting
/// both is an error.
pub const SECRET_KEYS: [&str; 6] = [
    "secret",         // apps[].secret
    "admin_token",    // apps[].admin_token
    "internal_token", // cluster.internal_token
    "nats_password",  // cluster.nats_password
    "nats_token",     // cluster.nats_token
    "redis_password", // cluster.redis_password
];

/// Replaces every `<secret key>_file` in `value` by the secret key holding
/// the file's contents. Returns whether any was found.
fn resolve_secret_files(value: &mut toml::Value, at: &str) -> Result<bool, ServerError> {
    let mut found = false;
    match value {
        toml::Value::Table(table) => {
            for key in SECRET_KEYS {
                let file_key = format!("{key}_file");
                let Some(path) = table.remove(&file_key) else {
                    continue;
                };
                found = true;
                let name = format!("{at}{file_key}");
                let toml::Value::String(path) = path else {
                    return Err(ServerError::Config(format!("{name} must be a file path")));
                };
                if table.contains_key(key) {
                    return Err(ServerError::Config(format!("set either {at}{key} or {name}, not both")));
                }
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ServerError::Config(format!("{name}: cannot read {path}: {e}")))?;
                let secret = text
                    .strip_suffix('\n')
                    .map(|t| t.strip_suffix('\r').unwrap_or(t))
                    .unwrap_or(&text);
                table.insert(key.to_string(), toml::Value::String(secret.to_string()));
            }
            for (k, v) in table.iter_mut() {
                found |= resolve_secret_files(v, &format!("{at}{k}."))?;
            }
        }
        toml::Value::Array(items) => {
            let base = at.trim_end_matches('.');
            for (i, v) in items.iter_mut().enumerate() {
                found |= resolve_secret_files(v, &format!("{base}[{i}]."))?;
            }
        }
        _ => {}
    }
    Ok(found)
}

fn parse_env_value(v: &str) -> toml::Value {
    // Accept TOML literals (numbers, booleans, arrays, inline tables); anything
    // else is a plain string.
    let doc = format!("v = {v}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(v.to_string())),
        Err(_) => toml::Value::String(v.to_string()),
    }
}

fn insert_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(Default::default()));
            if !entry.is_table() {
                *entry = toml::Value::Table(Default::default());
            }
            if let toml::Value::Table(t) = entry {
                insert_path(t, rest, value);
            }
        }
    }
}

/// The process's `ROOMCAST_*` variables.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("ROOMCAST_")).collect()
}

/// Where the dev config lives when no config is given.
pub const DEV_CONFIG_FILE: &str = "roomcast-dev.toml";
pub const DEV_SDKAPPID: u64 = 1_400_000_000;

/// Which config file to use: the flag, else `ROOMCAST_CONFIG`, else
/// `./roomcast.toml` if present, else the dev config (created on demand).
pub fn resolve_config_path(flag: Option<PathBuf>, env: &[(String, String)]) -> (PathBuf, bool) {
    if let Some(p) = flag {
        return (p, false);
    }
    if let Some((_, v)) = env.iter().find(|(k, _)| k == CONFIG_FILE_VAR) {
        return (PathBuf::from(v), false);
    }
    let default = PathBuf::from("roomcast.toml");
    if default.exists() {
        return (default, false);
    }
    (PathBuf::from(DEV_CONFIG_FILE), true)
}

/// Writes a dev config with one app and a fresh secret unless it exists.
/// Returns whether it was created.
pub fn ensure_dev_config(path: &Path) -> Result<bool, ServerError> {
    if path.exists() {
        return Ok(false);
    }
    let app = AppConfig {
        sdkappid: DEV_SDKAPPID,
        secret: roomcast_auth::generate_secret(),
        admin_identifier: "administrator".into(),
        admin_token: Some(roomcast_auth::generate_secret()),
        screen_custom: Default::default(),
        before_send_hook: None,
        callbacks: None,
        counters: Default::default(),
    };
    #[derive(Serialize)]
    struct DevFile {
        apps: Vec<AppConfig>,
    }
    let body = toml::to_string_pretty(&DevFile { apps: vec![app] }).map_err(|e| ServerError::Config(e.to_string()))?;
    let text = format!(
        "# Roomcast development config, written on first start. Keep the secret private.\n\
         # Mint a userSig with: roomcast usersig --config {} --user alice\n\
         # No moderation word lists are configured: nothing is blocked until terms are\n\
         # imported, e.g. roomcast admin terms import --category abuse deploy/wordlists/starter-abuse.txt\n\n{body}{}",
        path.display(),
        crate::demo::DEV_CONFIG_SECTION
    );
    write_private(path, &text).map_err(|e| ServerError::Io(format!("writing {}", path.display()), e))?;
    Ok(true)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_file_then_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[server]\nhttp_addr = \"127.0.0.1:9000\"\n[[apps]]\nsdkappid = 1\nsecret = \"0123456789abcdef0123\"\n[rooms.frequency]\nroom_cap_per_sec = 7\n",
        )
        .unwrap();
        let env = vec![
            ("ROOMCAST_SERVER__GRPC_ADDR".to_string(), "127.0.0.1:9001".to_string()),
            (
                "ROOMCAST_ROOMS__FREQUENCY__ROOM_CAP_PER_SEC".to_string(),
                "9".to_string(),
            ),
            ("OTHER".to_string(), "x".to_string()),
        ];
        let c = Config::load(Some(&path), &env).unwrap();
        assert_eq!(c.server.http_addr.port(), 9000);
        assert_eq!(c.server.grpc_addr.port(), 9001);
        assert_eq!(c.rooms.frequency.room_cap_per_sec, 9);
        assert_eq!(c.apps[0].admin_identifier, "administrator");
        c.validate().unwrap();
    }

    #[test]
    fn rejects_bad_config() {
        let env = vec![("ROOMCAST_GATEWAY__NOPE".to_string(), "1".to_string())];
        assert!(Config::load(None, &env).is_err());
        let c = Config::load(None, &[]).unwrap();
        assert!(c.validate().unwrap_err().to_string().contains("at least one app"));
        assert!(Config::load(Some(Path::new("/nonexistent/roomcast.toml")), &[]).is_err());
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn service_link_variables_are_not_configuration() {
        let env = vars(&[
            ("ROOMCAST_GATEWAY_PORT", "tcp://10.0.0.7:80"),
            ("ROOMCAST_CONTROL_SERVICE_HOST", "10.0.0.8"),
            ("ROOMCAST_CONTROL_SERVICE_PORT_GRPC", "50051"),
            ("ROOMCAST_NATS_PORT_4222_TCP_ADDR", "10.0.0.9"),
            ("ROOMCAST_SERVER__HTTP_ADDR", "127.0.0.1:9100"),
            ("ROOMCAST_CONFIG", "/nonexistent.toml"),
        ]);
        let c = Config::load(None, &env).unwrap();
        assert_eq!(c.server.http_addr.port(), 9100);
        let mut ignored = ignored_env(&env);
        ignored.sort();
        assert_eq!(
            ignored,
            [
                "ROOMCAST_CONTROL_SERVICE_HOST",
                "ROOMCAST_CONTROL_SERVICE_PORT_GRPC",
                "ROOMCAST_GATEWAY_PORT",
                "ROOMCAST_NATS_PORT_4222_TCP_ADDR"
            ]
        );
        // The configuration form still catches typos, at any level.
        for bad in [
            "ROOMCAST_GATEWAY__MAX_CONECTIONS",
            "ROOMCAST_GATEWEY__PORT",
            "ROOMCAST__GATEWAY",
            "ROOMCAST_LOG__",
        ] {
            let err = Config::load(None, &vars(&[(bad, "1")])).unwrap_err().to_string();
            assert!(err.contains("unknown field"), "{bad}: {err}");
        }
    }

    #[test]
    fn secrets_can_be_read_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "0123456789abcdef0123\n").unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "internal-token-0123456789").unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            format!(
                "[[apps]]\nsdkappid = 1\nsecret_file = \"{}\"\n[cluster]\ninternal_token_file = \"{}\"\n",
                secret.display(),
                token.display()
            ),
        )
        .unwrap();
        let env = vars(&[("ROOMCAST_CLUSTER__REDIS_PASSWORD_FILE", token.to_str().unwrap())]);
        let c = Config::load(Some(&path), &env).unwrap();
        assert_eq!(c.apps[0].secret, "0123456789abcdef0123", "one trailing newline removed");
        assert_eq!(c.cluster.internal_token.as_deref(), Some("internal-token-0123456789"));
        assert_eq!(c.cluster.redis_password.as_deref(), Some("internal-token-0123456789"));
        c.validate().unwrap();

        let both = vars(&[
            ("ROOMCAST_CLUSTER__INTERNAL_TOKEN", "x"),
            ("ROOMCAST_CLUSTER__INTERNAL_TOKEN_FILE", token.to_str().unwrap()),
        ]);
        let err = Config::load(None, &both).unwrap_err().to_string();
        assert!(err.contains("not both"), "{err}");
        let missing = vars(&[("ROOMCAST_CLUSTER__NATS_PASSWORD_FILE", "/nonexistent/pw")]);
        let err = Config::load(None, &missing).unwrap_err().to_string();
        assert!(
            err.contains("cluster.nats_password_file") && err.contains("/nonexistent/pw"),
            "{err}"
        );
        // Only secrets: any other `_file` key is unknown.
        let other = vars(&[("ROOMCAST_LOG__FILTER_FILE", "/x")]);
        assert!(
            Config::load(None, &other)
                .unwrap_err()
                .to_string()
                .contains("unknown field")
        );
    }

    #[test]
    fn dev_config_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEV_CONFIG_FILE);
        assert!(ensure_dev_config(&path).unwrap());
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(!ensure_dev_config(&path).unwrap());
        assert_eq!(first, std::fs::read_to_string(&path).unwrap());
        let c = Config::load(Some(&path), &[]).unwrap();
        c.validate().unwrap();
        assert_eq!(c.apps[0].sdkappid, DEV_SDKAPPID);
    }
}
