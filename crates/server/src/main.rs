//! `roomcast`: parses the command line and config, starts tracing, runs the
//! chosen mode, and drains on SIGTERM/SIGINT (a second signal exits at once).

mod cli;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command, ServeArgs};
use roomcast_server::config::{self, Config, ValidConfig};
use roomcast_server::roles::control::ControlNode;
use roomcast_server::roles::gateway::GatewayNode;
use roomcast_server::roles::moderator::ModeratorNode;
use roomcast_server::{Standalone, telemetry};
use tokio_util::sync::CancellationToken;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Standalone(cli.serve)) {
        Command::Standalone(args) => standalone(args),
        Command::Gateway(args) => cluster(args, |cfg, shutdown| async move {
            let node = GatewayNode::build(cfg).await?;
            tracing::info!(role = "gateway", id = node.id(), http = %node.http_addr(), "listening");
            node.run(shutdown).await
        }),
        Command::Control(args) => cluster(args, |cfg, shutdown| async move {
            let node = ControlNode::build(cfg).await?;
            tracing::info!(role = "control", id = node.id(), http = %node.http_addr(), grpc = %node.grpc_addr(), rest = ?node.rest_addr(), "listening");
            node.run(shutdown).await
        }),
        Command::Moderator(args) => cluster(args, |cfg, shutdown| async move {
            let node = ModeratorNode::build(cfg).await?;
            tracing::info!(role = "moderator", id = node.id(), http = %node.http_addr(), "listening");
            node.run(shutdown).await
        }),
        Command::Usersig(args) => cli::usersig::run(args),
        Command::Admin(args) => {
            // A failed call is an answer, not a crash: one line, no backtrace.
            if let Err(e) = runtime()?.block_on(cli::admin::run(args)) {
                eprintln!("Error: {e:#}");
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")
}

fn standalone(args: ServeArgs) -> anyhow::Result<()> {
    let env = config::process_env();
    let (path, is_dev) = config::resolve_config_path(args.config.clone(), &env);
    let created = if is_dev {
        config::ensure_dev_config(&path)?
    } else {
        false
    };
    let mut cfg = Config::load(Some(&path), &env)?;
    args.apply(&mut cfg);
    let cfg = cfg.validated()?;
    telemetry::init_tracing(&cfg.log);
    log_ignored_env(&env);
    if is_dev {
        let abs = std::fs::canonicalize(&path).unwrap_or(path.clone());
        tracing::info!(
            path = %abs.display(),
            created,
            sdkappid = cfg.apps[0].sdkappid,
            "using the development config"
        );
        tracing::info!(
            command = %format!("roomcast usersig --config {} --user alice", abs.display()),
            "mint a userSig for a client with"
        );
    }
    let rt = runtime()?;
    rt.block_on(async move {
        let server = Standalone::build(cfg).await?;
        tracing::info!(http = %server.http_addr(), grpc = %server.grpc_addr(), rest = ?server.rest_addr(), "listening");
        let shutdown = CancellationToken::new();
        tokio::spawn(watch_signals(shutdown.clone()));
        server.run(shutdown).await?;
        anyhow::Ok(())
    })
}

/// Loads the config and runs one cluster role until a signal drains it.
fn cluster<F, Fut>(args: ServeArgs, role: F) -> anyhow::Result<()>
where
    F: FnOnce(ValidConfig, CancellationToken) -> Fut,
    Fut: std::future::Future<Output = Result<(), roomcast_server::ServerError>>,
{
    let mut cfg = cli::load_config(args.config.clone())?;
    args.apply(&mut cfg);
    let cfg = cfg.validated()?;
    telemetry::init_tracing(&cfg.log);
    log_ignored_env(&config::process_env());
    runtime()?.block_on(async move {
        let shutdown = CancellationToken::new();
        tokio::spawn(watch_signals(shutdown.clone()));
        role(cfg, shutdown).await?;
        anyhow::Ok(())
    })
}

/// `ROOMCAST_*` variables that are not configuration (Kubernetes service
/// links such as `ROOMCAST_GATEWAY_PORT=tcp://…`): ignored, named at debug
/// level.
fn log_ignored_env(env: &[(String, String)]) {
    for name in config::ignored_env(env) {
        tracing::debug!(
            variable = name,
            "ignored: not a configuration variable (ROOMCAST_<SECTION>__<KEY>)"
        );
    }
}

/// First SIGTERM/SIGINT drains; a second one exits immediately.
async fn watch_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
    tracing::info!("shutdown requested; draining (signal again to exit now)");
    shutdown.cancel();
    tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
    tracing::warn!("second signal; exiting immediately");
    std::process::exit(130);
}
