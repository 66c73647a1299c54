//! Worker mode (`--worker --shard A..B`): holds a shard of the members and
//! talks to the parent over stdin/stdout, one JSON object per line.
//!
//! worker → parent: `{"kind":"progress",…}` every second, `{"kind":"ready",…}`
//! when every member of the shard connected or failed, `{"kind":"report",…}`
//! at the end. parent → worker: `GO {schedule}`. The worker exits when its
//! stdin closes (the parent went away).

use crate::cli::{RunArgs, parse_range};
use crate::plan::Plan;
use crate::shard::{Progress, SchedUnix, Shard, ShardReport, progress_of};
use anyhow::{Context, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum WorkerMsg {
    Progress { progress: Progress },
    Ready { progress: Progress },
    Report { report: Box<ShardReport> },
}

fn emit(m: &WorkerMsg) {
    if let Ok(s) = serde_json::to_string(m) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    }
}

pub fn go_line(u: &SchedUnix) -> String {
    format!("GO {}\n", serde_json::to_string(u).expect("schedule serializes"))
}

pub fn parse_go(line: &str) -> anyhow::Result<SchedUnix> {
    let json = line
        .trim()
        .strip_prefix("GO ")
        .ok_or_else(|| anyhow!("expected GO, got {line:?}"))?;
    Ok(serde_json::from_str(json)?)
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let plan = Arc::new(Plan::from_args(&args)?);
    let range = parse_range(args.shard.as_deref().context("--worker needs --shard")?).map_err(|e| anyhow!(e))?;
    let share = f64::from(args.worker_count.unwrap_or(1).max(1));
    let shard = Shard::start(plan, range, args.connect_rate / share, args.connect_concurrency);
    let sh = shard.shared.clone();
    let ticker = tokio::spawn(async move {
        // More often than the parent prints, so its per-second rates are not stale.
        let mut iv = tokio::time::interval(Duration::from_millis(250));
        loop {
            iv.tick().await;
            emit(&WorkerMsg::Progress {
                progress: progress_of(&sh),
            });
        }
    });
    let phase = Duration::from_secs(args.connect_phase_secs);
    shard.wait_connected(Instant::now() + phase).await;
    emit(&WorkerMsg::Ready {
        progress: shard.progress(),
    });
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let line = match tokio::time::timeout(phase + Duration::from_secs(120), lines.next_line()).await {
        Ok(Ok(Some(l))) => l,
        Ok(_) => bail!("parent closed stdin before GO"),
        Err(_) => bail!("no GO from the parent in time"),
    };
    let u = parse_go(&line)?;
    shard.go(u);
    // The parent going away ends the worker.
    tokio::spawn(async move {
        while let Ok(Some(_)) = lines.next_line().await {}
        std::process::exit(3);
    });
    let report = shard.finish(u).await;
    ticker.abort();
    emit(&WorkerMsg::Report {
        report: Box::new(report),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_lines_round_trip() {
        let u = SchedUnix {
            warm_ns: 1,
            start_ns: 2,
            end_ns: 3,
            stop_ns: 4,
        };
        assert_eq!(parse_go(&go_line(&u)).unwrap(), u);
        assert!(parse_go("STOP").is_err());
        let m = WorkerMsg::Ready {
            progress: Progress {
                connected: 5,
                ..Default::default()
            },
        };
        let s = serde_json::to_string(&m).unwrap();
        assert!(s.starts_with("{\"kind\":\"ready\""), "{s}");
        match serde_json::from_str::<WorkerMsg>(&s).unwrap() {
            WorkerMsg::Ready { progress } => assert_eq!(progress.connected, 5),
            other => panic!("{other:?}"),
        }
    }
}
