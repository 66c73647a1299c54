//! roomcast-loadtest: opens many member connections to Roomcast (or to a
//! NATS-over-WebSocket or socket.io peer), sends paced messages that carry
//! their send time and a per-sender sequence number, and reports loss,
//! ordering, end-to-end latency and the server's CPU and memory cost.
//! See docs/benchmarks.md.

mod admin;
mod cli;
mod conn;
mod coord;
mod engineio;
mod likes;
mod nats;
mod payload;
mod plan;
mod procfs;
mod rcproto;
mod recovery;
mod report;
mod shard;
mod stats;
mod worker;

use clap::Parser;
use cli::{Cli, Cmd};
use std::io::Write;
use std::process::ExitCode;

fn summarize(files: &[std::path::PathBuf], json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        let r: report::Report =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: not a report: {e}", f.display()))?;
        rows.push(report::row(&r));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", report::comparison_table(&rows));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Cmd::Summarize { files, json }) = &cli.cmd {
        return match summarize(files, *json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let args = cli.run;
    if args.worker {
        let code = match rt.block_on(worker::run(args)) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("worker error: {e:#}");
                1
            }
        };
        let _ = std::io::stdout().flush();
        // Skip tearing down thousands of sockets one by one.
        std::process::exit(code);
    }
    match rt.block_on(coord::run(args.clone())) {
        Ok(r) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                print!("{}", report::table(&r));
            }
            let _ = std::io::stdout().flush();
            std::process::exit(if r.connect.connected == 0 { 2 } else { 0 });
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
