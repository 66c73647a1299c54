//! Command-line interface.

use crate::rcproto::Priority;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "roomcast-loadtest",
    version,
    about = "Load generator and latency/loss meter for Roomcast (and for NATS-over-WebSocket and socket.io peers)",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Print one comparison table from several `--json` reports.
    Summarize {
        /// Report files written by `roomcast-loadtest --json`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Emit the rows as a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Roomcast's client WebSocket protocol.
    Roomcast,
    /// The NATS text protocol over nats-server's WebSocket listener.
    NatsWs,
    /// socket.io v4 (Engine.IO v4, WebSocket transport) with the peer script's join/msg events.
    Socketio,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Roomcast => "roomcast",
            Target::NatsWs => "nats-ws",
            Target::Socketio => "socketio",
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// TIMCustomElem with the payload in `Data`.
    Custom,
    /// TIMTextElem with the payload in `Text`.
    Text,
}

/// Weighted priorities, e.g. `high=10,normal=60,low=30`.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityMix(pub Vec<(Priority, u32)>);

impl FromStr for PriorityMix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out: Vec<(Priority, u32)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("expected priority=weight, got {part:?}"))?;
            let p: Priority = name.trim().parse().map_err(|_| format!("unknown priority {name:?}"))?;
            let w: u32 = weight.trim().parse().map_err(|_| format!("bad weight in {part:?}"))?;
            if out.iter().any(|(q, _)| *q == p) {
                return Err(format!("priority {name:?} given twice"));
            }
            if w > 0 {
                out.push((p, w));
            }
        }
        if out.is_empty() {
            return Err("the priority mix needs at least one positive weight".into());
        }
        Ok(PriorityMix(out))
    }
}

impl std::fmt::Display for PriorityMix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(p, w)| format!("{}={w}", p.as_str().to_ascii_lowercase()))
            .collect();
        f.write_str(&parts.join(","))
    }
}

impl PriorityMix {
    /// Picks a priority for a uniform draw `u` in `0..total weight`.
    pub fn pick(&self, u: u32) -> Priority {
        let mut acc = 0;
        for (p, w) in &self.0 {
            acc += w;
            if u < acc {
                return *p;
            }
        }
        self.0.last().map(|(p, _)| *p).unwrap_or(Priority::Normal)
    }

    pub fn total(&self) -> u32 {
        self.0.iter().map(|(_, w)| w).sum()
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Protocol spoken by the members.
    #[arg(long, value_enum, default_value_t = Target::Roomcast)]
    pub target: Target,
    /// Server WebSocket URL(s), used round-robin (repeat the flag or separate with commas).
    /// Defaults: roomcast ws://127.0.0.1:8080/ws; socketio gets /socket.io/?EIO=4&transport=websocket
    /// appended when the URL has no path.
    #[arg(long = "url", value_delimiter = ',')]
    pub urls: Vec<String>,
    /// Member connections to open.
    #[arg(long, default_value_t = 1000)]
    pub members: u64,
    /// Rooms; member i joins room i mod R, so members are spread evenly.
    #[arg(long, default_value_t = 1)]
    pub rooms: u32,
    /// Members that also send (the first P members; sender s is in room s mod R). Always logged in.
    #[arg(long, default_value_t = 1)]
    pub senders: u32,
    /// Total send rate over all senders, messages per second (paced evenly).
    #[arg(long, default_value_t = 40.0)]
    pub rate: f64,
    /// Priority weights for sent messages (Roomcast only), e.g. high=10,normal=60,low=30.
    #[arg(long, default_value = "normal=100")]
    pub priority_mix: PriorityMix,
    /// Payload size in bytes (the timestamp/sequence header plus padding).
    #[arg(long, default_value_t = 100)]
    pub msg_bytes: usize,
    /// Roomcast message element carrying the payload.
    #[arg(long, value_enum, default_value_t = Body::Custom)]
    pub body: Body,
    /// Connect the non-sending members as guests instead of logged-in users (Roomcast).
    #[arg(long)]
    pub guests: bool,
    /// A member closed by the server or the network before the end
    /// reconnects (to the next URL), logs in and joins again, as a client
    /// told to `reconnect` would (Roomcast). With recovery (the default) the
    /// rejoin sends `since: {seq, epoch}` and counts the reply's `missed[]`
    /// as (recovered) deliveries. It stays a stable member, so whatever it
    /// did not get back counts as lost. Successful reconnects are listed
    /// among the close reasons as `reconnected`.
    #[arg(long)]
    pub reconnect: bool,
    /// With --reconnect (or a storm): rejoin without `since`, as before
    /// recovery existed (what a member missed counts as lost).
    #[arg(long)]
    pub no_recover: bool,
    /// Reconnect storm: seconds after the window opens at which the stormed
    /// members close their sockets (implies --reconnect; Roomcast).
    #[arg(long)]
    pub storm_at: Option<f64>,
    /// Storm: how long a stormed member stays away before reconnecting, ms.
    #[arg(long, default_value_t = 2500)]
    pub storm_away_ms: u64,
    /// Storm: reconnects are spread uniformly over this many ms after the away time.
    #[arg(long, default_value_t = 2000)]
    pub storm_spread_ms: u64,
    /// Storm: share of the non-sending members that storm; the rest stay
    /// connected as the control group.
    #[arg(long, default_value_t = 0.9)]
    pub storm_fraction: f64,
    /// Likes mode (Roomcast): the senders send `increaseCounter` on `likes`
    /// at --rate instead of messages; receivers count `counters` pushes.
    #[arg(long)]
    pub likes: bool,
    /// SDKAppID (Roomcast).
    #[arg(long, default_value_t = 1_400_000_000)]
    pub sdkappid: u64,
    /// The app's userSig secret, to mint userSigs (Roomcast; needed unless all members are guests).
    #[arg(long, env = "LOADTEST_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Admin gRPC endpoint (http://127.0.0.1:50051); when set, the rooms are created through it.
    #[arg(long)]
    pub admin_endpoint: Option<String>,
    /// Admin token for `authorization: Bearer` on the admin API.
    #[arg(long, env = "LOADTEST_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Room ID prefix (Roomcast): rooms are <prefix>0 … <prefix>R-1.
    #[arg(long, default_value = "lt-")]
    pub room_prefix: String,
    /// User ID prefix (Roomcast): member i logs in as <prefix>i.
    #[arg(long, default_value = "lt")]
    pub user_prefix: String,
    /// Seconds of sending before the measured window.
    #[arg(long, default_value_t = 5)]
    pub warmup_secs: u64,
    /// Length of the measured window in seconds.
    #[arg(long, default_value_t = 20)]
    pub duration_secs: u64,
    /// Seconds to keep reading after the window for in-flight deliveries.
    #[arg(long, default_value_t = 3)]
    pub drain_secs: u64,
    /// New connections per second, over all processes.
    #[arg(long, default_value_t = 2000.0)]
    pub connect_rate: f64,
    /// Handshakes in flight at once, per process.
    #[arg(long, default_value_t = 512)]
    pub connect_concurrency: usize,
    /// Timeout for one connection's connect + login + join.
    #[arg(long, default_value_t = 30)]
    pub connect_timeout_secs: u64,
    /// Upper bound on the whole connect phase; the run proceeds with whoever connected.
    #[arg(long, default_value_t = 600)]
    pub connect_phase_secs: u64,
    /// Connections per process before worker processes are used (default: open-file limit − 256).
    #[arg(long)]
    pub conns_per_process: Option<u64>,
    /// Force this many worker processes (0 = in-process).
    #[arg(long)]
    pub workers: Option<u32>,
    /// Server process ID(s) to measure CPU and RSS of (repeat or separate with commas).
    #[arg(long = "server-pid", value_delimiter = ',')]
    pub server_pids: Vec<u32>,
    /// Do not bind client sockets to 127.0.0.2–254 (use the kernel's choice).
    #[arg(long)]
    pub no_source_spread: bool,
    /// Label for the server in reports (default: the target name).
    #[arg(long)]
    pub label: Option<String>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Suppress the per-second progress line.
    #[arg(long)]
    pub quiet: bool,
    /// Internal: run as a worker process for a shard of the members.
    #[arg(long, hide = true)]
    pub worker: bool,
    /// Internal: the worker's member range, START..END.
    #[arg(long, hide = true)]
    pub shard: Option<String>,
    /// Internal: how many workers share the connect rate.
    #[arg(long, hide = true)]
    pub worker_count: Option<u32>,
}

pub fn parse_range(s: &str) -> Result<std::ops::Range<u64>, String> {
    let (a, b) = s.split_once("..").ok_or("expected START..END")?;
    let a: u64 = a.parse().map_err(|_| "bad start")?;
    let b: u64 = b.parse().map_err(|_| "bad end")?;
    if a > b {
        return Err("start > end".into());
    }
    Ok(a..b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_mix() {
        let m: PriorityMix = "high=10,normal=60,low=30".parse().unwrap();
        assert_eq!(m.total(), 100);
        assert_eq!(m.pick(0), Priority::High);
        assert_eq!(m.pick(9), Priority::High);
        assert_eq!(m.pick(10), Priority::Normal);
        assert_eq!(m.pick(69), Priority::Normal);
        assert_eq!(m.pick(70), Priority::Low);
        assert_eq!(m.pick(99), Priority::Low);
        assert_eq!(m.to_string(), "high=10,normal=60,low=30");
        assert!("high=1,high=2".parse::<PriorityMix>().is_err());
        assert!("urgent=1".parse::<PriorityMix>().is_err());
        assert!("normal=0".parse::<PriorityMix>().is_err());
        assert!("normal".parse::<PriorityMix>().is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("10..20").unwrap(), 10..20);
        assert!(parse_range("20..10").is_err());
        assert!(parse_range("x").is_err());
    }

    #[test]
    fn cli_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        let c = Cli::try_parse_from([
            "roomcast-loadtest",
            "--members",
            "10",
            "--server-pid",
            "1,2",
            "--url",
            "ws://127.0.0.1:1/ws,ws://127.0.0.2:1/ws",
        ])
        .unwrap();
        assert_eq!(c.run.server_pids, vec![1, 2]);
        assert_eq!(c.run.urls.len(), 2);
        let c = Cli::try_parse_from([
            "roomcast-loadtest",
            "--storm-at",
            "5",
            "--storm-fraction",
            "0.5",
            "--likes",
        ])
        .unwrap();
        assert_eq!(c.run.storm_at, Some(5.0));
        assert_eq!((c.run.storm_away_ms, c.run.storm_spread_ms), (2500, 2000));
        assert!(c.run.likes && !c.run.no_recover);
        let c = Cli::try_parse_from(["roomcast-loadtest", "summarize", "a.json"]).unwrap();
        assert!(matches!(c.cmd, Some(Cmd::Summarize { .. })));
    }
}
