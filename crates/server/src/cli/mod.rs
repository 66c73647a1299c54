//! Command-line interface.

pub mod admin;
pub mod usersig;

use clap::{Args, Parser, Subcommand};
use roomcast_server::config::{Config, LogFormat};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "roomcast",
    version,
    about = "Self-hosted live-stream chat rooms (AVChatRoom-compatible)",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand, `roomcast` runs standalone with these flags.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run gateway, room control and moderation in one process (the default).
    Standalone(ServeArgs),
    /// Cluster: hold client WebSockets and fan out (NATS, Redis).
    Gateway(ServeArgs),
    /// Cluster: room control and the gRPC admin API (NATS, Redis).
    Control(ServeArgs),
    /// Cluster: a moderation worker in the moderator queue group (NATS, Redis).
    Moderator(ServeArgs),
    /// Mint a userSig (TLSSigAPIv2) from an app's secret in the config.
    Usersig(usersig::UsersigArgs),
    /// Operate a running server through the gRPC admin API.
    #[command(long_about = admin::LONG_ABOUT, after_help = admin::EXAMPLES, arg_required_else_help = true)]
    Admin(admin::AdminArgs),
}

#[derive(Args, Default, Clone)]
pub struct ServeArgs {
    /// Config file (TOML). Default: $ROOMCAST_CONFIG, ./roomcast.toml, or a
    /// generated ./roomcast-dev.toml.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Overrides server.http_addr.
    #[arg(long)]
    pub http_addr: Option<SocketAddr>,
    /// Overrides server.grpc_addr.
    #[arg(long)]
    pub grpc_addr: Option<SocketAddr>,
    /// Overrides rest.addr (standalone and control).
    #[arg(long)]
    pub rest_addr: Option<SocketAddr>,
    /// Overrides log.format.
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Overrides cluster.nats_url (cluster processes).
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Overrides cluster.redis_url (cluster processes).
    #[arg(long)]
    pub redis_url: Option<String>,
}

impl ServeArgs {
    /// Flags are the last configuration layer.
    pub fn apply(&self, cfg: &mut Config) {
        if let Some(a) = self.http_addr {
            cfg.server.http_addr = a;
        }
        if let Some(a) = self.grpc_addr {
            cfg.server.grpc_addr = a;
        }
        if let Some(a) = self.rest_addr {
            cfg.rest.addr = a;
        }
        if let Some(f) = self.log_format {
            cfg.log.format = f;
        }
        if let Some(u) = &self.nats_url {
            cfg.cluster.nats_url = u.clone();
        }
        if let Some(u) = &self.redis_url {
            cfg.cluster.redis_url = u.clone();
        }
    }
}

/// Loads the config a CLI command reads secrets from.
pub fn load_config(flag: Option<PathBuf>) -> anyhow::Result<Config> {
    let env = roomcast_server::config::process_env();
    let (path, is_dev) = roomcast_server::config::resolve_config_path(flag, &env);
    if is_dev && !path.exists() {
        anyhow::bail!(
            "no config given and {} does not exist; start `roomcast` once to create it, or pass --config",
            path.display()
        );
    }
    Ok(Config::load(Some(&path), &env)?)
}
