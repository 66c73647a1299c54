use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct UsersigArgs {
    /// The user ID to sign for.
    #[arg(long)]
    pub user: String,
    /// Config file holding the app's secret [default: $ROOMCAST_CONFIG, ./roomcast.toml or
    /// ./roomcast-dev.toml]
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Which app (default: the first in the config).
    #[arg(long)]
    pub sdkappid: Option<u64>,
    /// Validity in seconds (default 180 days, like Tencent's libraries).
    #[arg(long, default_value_t = 180 * 86_400)]
    pub expire_secs: u64,
}

pub fn run(args: UsersigArgs) -> anyhow::Result<()> {
    let cfg = super::load_config(args.config)?;
    let app = match args.sdkappid {
        Some(id) => cfg.apps.iter().find(|a| a.sdkappid == id),
        None => cfg.apps.first(),
    }
    .ok_or_else(|| anyhow::anyhow!("no such app in the config"))?;
    roomcast_core::ids::validate_user_id(&args.user)?;
    let sig = roomcast_auth::gen_usersig(
        app.sdkappid,
        &app.secret,
        &args.user,
        args.expire_secs,
        roomcast_core::apps::now_secs(),
    );
    println!("{sig}");
    Ok(())
}
