//! The parent process: plans the run, creates rooms, starts the members
//! in-process or in worker processes, drives the timeline, samples the
//! server's and its own CPU and memory, and builds the report.

use crate::admin;
use crate::cli::{RunArgs, Target};
use crate::plan::{self, Plan};
use crate::procfs;
use crate::recovery::StormEcho;
use crate::report::{self, Extra, Report, RunConfig, ServerStats, ToolStats};
use crate::shard::{self, Progress, SchedUnix, Shard, ShardReport, now_ns, progress_of};
use crate::worker::{WorkerMsg, go_line};
use anyhow::{Context, bail};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Default)]
struct WState {
    progress: Vec<Progress>,
    ready: Vec<bool>,
    reports: Vec<Option<ShardReport>>,
    /// stdout closed (the worker exited).
    gone: Vec<bool>,
}

struct WorkerSet {
    children: Vec<Child>,
    stdins: Vec<Option<ChildStdin>>,
    pids: Vec<u32>,
    state: Arc<Mutex<WState>>,
    readers: Vec<JoinHandle<()>>,
}

enum Runner {
    Local(Box<Shard>),
    Workers(WorkerSet),
}

type Source = Arc<dyn Fn() -> Progress + Send + Sync>;

impl Runner {
    fn source(&self) -> Source {
        match self {
            Runner::Local(s) => {
                let sh = s.shared.clone();
                Arc::new(move || progress_of(&sh))
            }
            Runner::Workers(w) => {
                let st = w.state.clone();
                Arc::new(move || {
                    let st = st.lock().unwrap_or_else(|e| e.into_inner());
                    let mut total = Progress::default();
                    for p in &st.progress {
                        total.add(p);
                    }
                    total
                })
            }
        }
    }

    fn pids(&self) -> Vec<u32> {
        match self {
            Runner::Local(_) => vec![],
            Runner::Workers(w) => w.pids.clone(),
        }
    }

    async fn wait_ready(&self, deadline: Instant) {
        match self {
            Runner::Local(s) => s.wait_connected(deadline).await,
            Runner::Workers(w) => {
                while Instant::now() < deadline {
                    {
                        let st = w.state.lock().unwrap_or_else(|e| e.into_inner());
                        if st.ready.iter().zip(&st.gone).all(|(r, g)| *r || *g) {
                            return;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn go(&mut self, u: SchedUnix) {
        match self {
            Runner::Local(s) => s.go(u),
            Runner::Workers(w) => {
                let line = go_line(&u);
                for stdin in w.stdins.iter_mut().flatten() {
                    let _ = stdin.write_all(line.as_bytes()).await;
                    let _ = stdin.flush().await;
                }
            }
        }
    }

    /// The shards' reports, plus notes about workers that failed.
    async fn finish(self, u: SchedUnix, grace: Duration) -> (Vec<ShardReport>, Vec<String>) {
        match self {
            Runner::Local(s) => (vec![s.finish(u).await], vec![]),
            Runner::Workers(mut w) => {
                let deadline = shard::Sched::from_unix(u).stop + grace;
                loop {
                    {
                        let st = w.state.lock().unwrap_or_else(|e| e.into_inner());
                        if st.reports.iter().zip(&st.gone).all(|(r, g)| r.is_some() || *g) {
                            break;
                        }
                    }
                    if Instant::now() >= deadline {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let mut notes = Vec::new();
                for (i, child) in w.children.iter_mut().enumerate() {
                    match tokio::time::timeout(Duration::from_secs(10), child.wait()).await {
                        Ok(_) => {}
                        Err(_) => {
                            let _ = child.start_kill();
                            let _ = child.wait().await;
                            notes.push(format!("worker {i} did not exit and was killed"));
                        }
                    }
                }
                w.stdins.clear();
                for r in w.readers {
                    r.abort();
                }
                let mut st = w.state.lock().unwrap_or_else(|e| e.into_inner());
                let mut reports = Vec::new();
                for (i, r) in st.reports.iter_mut().enumerate() {
                    match r.take() {
                        Some(r) => reports.push(r),
                        None => notes.push(format!("worker {i} ended without a report; its members are missing")),
                    }
                }
                (reports, notes)
            }
        }
    }
}

fn spawn_workers(args: &RunArgs, count: u32) -> anyhow::Result<WorkerSet> {
    let exe = std::env::current_exe().context("locating my own executable")?;
    let base: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let n = args.members;
    let k = u64::from(count);
    let state = Arc::new(Mutex::new(WState {
        progress: vec![Progress::default(); count as usize],
        ready: vec![false; count as usize],
        reports: vec![None; count as usize],
        gone: vec![false; count as usize],
    }));
    let mut set = WorkerSet {
        children: Vec::new(),
        stdins: Vec::new(),
        pids: Vec::new(),
        state: state.clone(),
        readers: Vec::new(),
    };
    for i in 0..k {
        let (a, b) = (n * i / k, n * (i + 1) / k);
        let mut child = Command::new(&exe)
            .args(&base)
            .arg("--worker")
            .arg("--shard")
            .arg(format!("{a}..{b}"))
            .arg("--worker-count")
            .arg(count.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting a worker process")?;
        set.pids.push(child.id().unwrap_or(0));
        set.stdins.push(child.stdin.take());
        let stdout = child.stdout.take().context("worker stdout")?;
        let st = state.clone();
        let idx = i as usize;
        set.readers.push(tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Ok(msg) = serde_json::from_str::<WorkerMsg>(&line) else {
                    eprintln!(
                        "worker {idx}: unexpected output: {}",
                        line.chars().take(200).collect::<String>()
                    );
                    continue;
                };
                let mut st = st.lock().unwrap_or_else(|e| e.into_inner());
                match msg {
                    WorkerMsg::Progress { progress } => st.progress[idx] = progress,
                    WorkerMsg::Ready { progress } => {
                        st.progress[idx] = progress;
                        st.ready[idx] = true;
                    }
                    WorkerMsg::Report { report } => st.reports[idx] = Some(*report),
                }
            }
            st.lock().unwrap_or_else(|e| e.into_inner()).gone[idx] = true;
        }));
        set.children.push(child);
    }
    Ok(set)
}

fn sum_opt(vals: impl Iterator<Item = Option<u64>>) -> Option<u64> {
    let mut total = 0;
    let mut any = false;
    for v in vals.flatten() {
        total += v;
        any = true;
    }
    any.then_some(total)
}

fn server_ticks(pids: &[u32]) -> Option<u64> {
    sum_opt(pids.iter().map(|p| procfs::cpu_ticks(Some(*p))))
}

fn server_rss(pids: &[u32]) -> Option<u64> {
    sum_opt(pids.iter().map(|p| procfs::rss_kib(Some(*p))))
}

fn tool_ticks(workers: &[u32]) -> u64 {
    procfs::cpu_ticks(None).unwrap_or(0) + workers.iter().filter_map(|p| procfs::cpu_ticks(Some(*p))).sum::<u64>()
}

/// What the progress printer needs to know about the timeline.
#[derive(Default, Clone, Copy)]
struct Timeline {
    sched: Option<SchedUnix>,
}

fn spawn_printer(
    source: Source,
    members: u64,
    timeline: Arc<Mutex<Timeline>>,
    tool_pids: Vec<u32>,
    server_pids: Vec<u32>,
    clk: f64,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let t0 = Instant::now();
        let mut iv = tokio::time::interval(Duration::from_secs(1));
        iv.tick().await;
        let mut last = source();
        let mut last_t = Instant::now();
        let mut last_tool = tool_ticks(&tool_pids);
        let mut last_srv = server_ticks(&server_pids);
        let mut last_mach = procfs::machine_busy_ticks();
        loop {
            iv.tick().await;
            let p = source();
            let now = Instant::now();
            let dt = (now - last_t).as_secs_f64().max(1e-3);
            let rate = |a: u64, b: u64| a.saturating_sub(b) as f64 / dt;
            let tool = tool_ticks(&tool_pids);
            let srv = server_ticks(&server_pids);
            let tool_pct = (tool.saturating_sub(last_tool)) as f64 / clk / dt * 100.0;
            let srv_ticks = match (srv, last_srv) {
                (Some(a), Some(b)) => Some(a.saturating_sub(b)),
                _ => None,
            };
            let srv_pct = srv_ticks
                .map(|t| format!("{:.0}%", t as f64 / clk / dt * 100.0))
                .unwrap_or("-".into());
            let mach = procfs::machine_busy_ticks();
            let other_pct = match (mach, last_mach) {
                (Some(a), Some(b)) => {
                    let other = a.saturating_sub(b) as f64
                        - tool.saturating_sub(last_tool) as f64
                        - srv_ticks.unwrap_or(0) as f64;
                    format!("{:.0}%", (other / clk / dt * 100.0).max(0.0))
                }
                _ => "-".into(),
            };
            let phase = match timeline.lock().unwrap_or_else(|e| e.into_inner()).sched {
                None => "connect",
                Some(u) => {
                    let n = now_ns();
                    if n < u.start_ns {
                        "warmup"
                    } else if n < u.end_ns {
                        "window"
                    } else {
                        "drain"
                    }
                }
            };
            let p99 = if p.p99_us > 0 {
                format!("{:.1}ms", p.p99_us as f64 / 1000.0)
            } else {
                "-".into()
            };
            eprintln!(
                "[{:>5.0}s] {phase:<7} conns {}/{} fail {} closed {} | sent {:.0}/s acc {:.0}/s drop {:.0}/s err {:.0}/s | recv {:.0}/s | p99 {p99} | cpu tool {tool_pct:.0}% server {srv_pct} other {other_pct}",
                t0.elapsed().as_secs_f64(),
                p.connected,
                members,
                p.failed,
                p.closed,
                rate(p.sent, last.sent),
                rate(p.accepted, last.accepted),
                rate(p.dropped, last.dropped),
                rate(p.errors, last.errors),
                rate(p.received, last.received),
            );
            last = p;
            last_t = now;
            last_tool = tool;
            last_srv = srv;
            last_mach = mach;
        }
    })
}

pub async fn run(args: RunArgs) -> anyhow::Result<Report> {
    let plan = Arc::new(Plan::from_args(&args)?);
    if let Some(ep) = &args.admin_endpoint {
        plan::check_admin_endpoint(ep)?;
        if plan.target != Target::Roomcast {
            bail!("--admin-endpoint only applies to --target roomcast");
        }
        let t = Instant::now();
        let c = admin::create_rooms(ep, args.admin_token.as_deref(), plan.sdkappid, &plan.room_names).await?;
        if !args.quiet {
            eprintln!(
                "rooms: {} created, {} already existed ({:.1} s)",
                c.created,
                c.existing,
                t.elapsed().as_secs_f64()
            );
        }
    }
    let nofile = procfs::nofile_limit().unwrap_or(1024);
    let per_proc = args
        .conns_per_process
        .unwrap_or_else(|| nofile.saturating_sub(256).max(64))
        .max(1);
    let workers = match args.workers {
        Some(w) => w,
        None if args.members > per_proc => args.members.div_ceil(per_proc) as u32,
        None => 0,
    };
    let mut notes = Vec::new();
    if workers == 0 && args.members + 64 > nofile {
        notes.push(format!(
            "{} members in one process with an open-file limit of {nofile}: expect connect failures",
            args.members
        ));
    } else if workers > 0 && args.members.div_ceil(u64::from(workers)) + 64 > nofile {
        notes.push(format!(
            "{} members over {workers} workers exceeds the open-file limit of {nofile} per process",
            args.members
        ));
    }
    let clk = procfs::clk_tck() as f64;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let spids = args.server_pids.clone();
    for p in &spids {
        if procfs::cpu_ticks(Some(*p)).is_none() {
            bail!("--server-pid {p}: no such process (or /proc/{p}/stat unreadable)");
        }
    }
    let rss_before = server_rss(&spids);

    if !args.quiet {
        eprintln!(
            "{} members → {} ({} in-process{}), {} room(s), {} sender(s) at {} msg/s",
            args.members,
            plan.endpoints
                .iter()
                .map(|e| e.url.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            if workers == 0 { "all" } else { "none" },
            if workers > 0 {
                format!(", {workers} worker processes")
            } else {
                String::new()
            },
            args.rooms,
            args.senders,
            args.rate
        );
    }
    let connect_t0 = Instant::now();
    let mut runner = if workers == 0 {
        Runner::Local(Box::new(Shard::start(
            plan.clone(),
            0..args.members,
            args.connect_rate,
            args.connect_concurrency,
        )))
    } else {
        Runner::Workers(spawn_workers(&args, workers)?)
    };
    let timeline = Arc::new(Mutex::new(Timeline::default()));
    let printer = (!args.quiet).then(|| {
        spawn_printer(
            runner.source(),
            args.members,
            timeline.clone(),
            runner.pids(),
            spids.clone(),
            clk,
        )
    });

    runner
        .wait_ready(connect_t0 + Duration::from_secs(args.connect_phase_secs))
        .await;
    let connect_phase_secs = connect_t0.elapsed().as_secs_f64();
    // Let the server settle (allocations from the connect burst) before sampling RSS.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected = server_rss(&spids);
    let connected_now = runner.source()().connected;

    let warm_ns = now_ns() + 300_000_000;
    let start_ns = warm_ns + args.warmup_secs * 1_000_000_000;
    let end_ns = start_ns + args.duration_secs * 1_000_000_000;
    let stop_ns = end_ns + args.drain_secs * 1_000_000_000;
    let u = SchedUnix {
        warm_ns,
        start_ns,
        end_ns,
        stop_ns,
    };
    timeline.lock().unwrap_or_else(|e| e.into_inner()).sched = Some(u);
    runner.go(u).await;
    let sched = shard::Sched::from_unix(u);
    let tool_pids = runner.pids();

    tokio::time::sleep_until(sched.start).await;
    let (srv0, tool0, mach0, t0) = (
        server_ticks(&spids),
        tool_ticks(&tool_pids),
        procfs::machine_busy_ticks(),
        Instant::now(),
    );
    tokio::time::sleep_until(sched.end).await;
    let (srv1, tool1, mach1, t1) = (
        server_ticks(&spids),
        tool_ticks(&tool_pids),
        procfs::machine_busy_ticks(),
        Instant::now(),
    );
    let rss_end = server_rss(&spids);
    let tool_rss =
        procfs::rss_kib(None).unwrap_or(0) + tool_pids.iter().filter_map(|p| procfs::rss_kib(Some(*p))).sum::<u64>();
    let measured = (t1 - t0).as_secs_f64().max(1e-3);

    let grace = plan.connect_timeout + Duration::from_secs(60);
    let (reports, worker_notes) = runner.finish(u, grace).await;
    notes.extend(worker_notes);
    if let Some(p) = printer {
        p.abort();
    }
    let merged = shard::merge(&reports);

    let window_secs = u.window_secs();
    let deliveries = merged.recv_by_time_w;
    let server = match (srv0, srv1) {
        (Some(a), Some(b)) if !spids.is_empty() => {
            let cpu = b.saturating_sub(a) as f64 / clk;
            let before = rss_before.unwrap_or(0);
            let connected_kib = rss_connected.unwrap_or(0);
            let delta = connected_kib as i64 - before as i64;
            Some(ServerStats {
                pids: spids.clone(),
                cpu_secs: cpu,
                cpu_cores: cpu / measured,
                cpu_secs_per_million_deliveries: (deliveries > 0).then(|| cpu / (deliveries as f64 / 1e6)),
                rss_before_kib: before,
                rss_connected_kib: connected_kib,
                rss_window_end_kib: rss_end.unwrap_or(0),
                rss_delta_kib: delta,
                rss_per_connection_bytes: (connected_now > 0).then(|| delta as f64 * 1024.0 / connected_now as f64),
            })
        }
        _ => None,
    };
    let tool_cpu = tool1.saturating_sub(tool0) as f64 / clk;
    let tool_cores = tool_cpu / measured;
    let machine_cores_busy = match (mach0, mach1) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / clk / measured),
        _ => None,
    };
    let machine_busy = machine_cores_busy.map(|c| c / cores as f64);
    let server_cores = server.as_ref().map(|s| s.cpu_cores).unwrap_or(0.0);
    let other_cores = machine_cores_busy.map(|c| (c - tool_cores - server_cores).max(0.0));
    if let Some(b) = machine_busy
        && b >= 0.9
    {
        notes.push(format!(
            "the machine's {cores} cores were {:.0}% busy: throughput and latency are lower bounds, and the tool competed with the server for CPU",
            b * 100.0
        ));
    }
    if let Some(o) = other_cores
        && o >= 0.2
    {
        notes.push(format!(
            "other processes (not the tool{}) used {o:.2} cores during the window: the results are disturbed",
            if spids.is_empty() { "" } else { ", not the server" }
        ));
    }
    if let Some(s) = &server
        && tool_cores > s.cpu_cores
        && tool_cores >= 0.05
    {
        notes.push(format!(
            "the tool used more CPU ({tool_cores:.2} cores) than the server ({:.2} cores)",
            s.cpu_cores
        ));
    }
    if machine_busy.is_none() && tool_cores >= 0.8 * cores as f64 {
        notes.push(format!(
            "the tool used {tool_cores:.2} of {cores} cores: it was probably the bottleneck"
        ));
    }
    if merged.connected < args.members {
        notes.push(format!(
            "only {} of {} members connected",
            merged.connected, args.members
        ));
    }
    if plan.storm.is_some() {
        notes.push(
            "loss: stormed members that rejoined before the end stay stable members (expected = every accepted message); \
             their missed messages count as received only through recovery (`missed[]`). Stormed members that never rejoined are \
             disconnected and out of the loss figures (storm: never)"
                .into(),
        );
    }
    if plan.target == Target::Roomcast && merged.dropped_w + merged.errors_w > 0 {
        notes.push("sender seq gaps include messages dropped by frequency control or rejected".into());
    }
    let config = RunConfig {
        members: args.members,
        rooms: args.rooms,
        senders: args.senders,
        rate: args.rate,
        priority_mix: args.priority_mix.to_string(),
        msg_bytes: args.msg_bytes,
        body: format!("{:?}", args.body).to_lowercase(),
        guests: args.guests,
        warmup_secs: args.warmup_secs,
        duration_secs: args.duration_secs,
        drain_secs: args.drain_secs,
        urls: plan.endpoints.iter().map(|e| e.url.clone()).collect(),
    };
    Ok(report::build(
        &merged,
        Extra {
            label: args.label.clone().unwrap_or_else(|| plan.target.name().to_string()),
            target: plan.target.name().to_string(),
            config,
            window_secs,
            connect_phase_secs,
            server,
            tool: ToolStats {
                workers,
                cpu_secs: tool_cpu,
                cpu_cores: tool_cores,
                machine_cores: cores,
                machine_busy,
                other_cores,
                rss_kib: tool_rss,
                cpu_model: procfs::cpu_model(),
                mem_total_kib: procfs::mem_total_kib(),
                nofile,
                notes,
            },
            reconnect: plan.reconnect,
            recover: plan.recover,
            storm: plan.storm.as_ref().map(|st| StormEcho {
                at_secs: st.at.as_secs_f64(),
                away_ms: st.away.as_millis() as u64,
                spread_ms: st.spread.as_millis() as u64,
                fraction: st.fraction,
            }),
            likes: plan.likes,
        },
    ))
}
