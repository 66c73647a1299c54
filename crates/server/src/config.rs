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
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            http_addr: ([127, 0, 0, 1], 8080).into(),
            grpc_addr: ([127, 0, 0, 1], 50051).into(),
        }
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
    pub gateway: GatewayOptions,
    pub rooms: RoomsOptions,
    pub moderation: ModerationOptions,
    pub bus: BusOptions,
    /// NATS and Redis, for the cluster processes (`gateway`, `control`, `moderator`).
    pub cluster: ClusterOptions,
    pub log: LogOptions,
    /// The demo page at `/` (`crate::demo`).
    pub demo: crate::demo::DemoOptions,
}

impl Config {
    /// Defaults, then the file (if any), then `ROOMCAST_*` variables from
    /// `env` (nested keys separated by `__`, e.g. `ROOMCAST_SERVER__HTTP_ADDR`).
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
        fig.extract().map_err(|e| ServerError::Config(e.to_string()))
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
        self.gateway.validate().map_err(err)?;
        self.rooms.validate().map_err(err)?;
        self.moderation.validate().map_err(|e| err(e.to_string()))?;
        self.cluster.validate().map_err(err)?;
        if self.bus.subscription_capacity == 0 {
            return Err(err("bus.subscription_capacity must be positive".into()));
        }
        if self.server.http_addr == self.server.grpc_addr && self.server.http_addr.port() != 0 {
            return Err(err("server.http_addr and server.grpc_addr must differ".into()));
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

/// Builds the env provider from an explicit variable list, so tests and
/// embedders never touch the process environment.
fn env_provider(vars: &[(String, String)]) -> figment::providers::Serialized<toml::Table> {
    let mut root = toml::Table::new();
    for (k, v) in vars {
        let Some(rest) = k.strip_prefix("ROOMCAST_") else {
            continue;
        };
        if rest == "CONFIG" {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
        insert_path(&mut root, &path, parse_env_value(v));
    }
    Serialized::defaults(root)
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
    if let Some((_, v)) = env.iter().find(|(k, _)| k == "ROOMCAST_CONFIG") {
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
