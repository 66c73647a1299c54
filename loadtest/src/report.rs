//! The final report: one JSON object (`--json`) or a human-readable table,
//! and the comparison table (`summarize`).

use crate::likes::{self, LikesReport};
use crate::rcproto::Priority;
use crate::recovery::{self, RecoveryReport, StormEcho};
use crate::shard::ShardReport;
use crate::stats::{self, Loss, Percentiles};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    pub members: u64,
    pub rooms: u32,
    pub senders: u32,
    pub rate: f64,
    pub priority_mix: String,
    pub msg_bytes: usize,
    pub body: String,
    pub guests: bool,
    pub warmup_secs: u64,
    pub duration_secs: u64,
    pub drain_secs: u64,
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectStats {
    pub attempted: u64,
    pub connected: u64,
    pub failed: u64,
    /// Connected before the window and still connected at the end of the drain.
    pub stable: u64,
    /// Connected only after the window had started.
    pub late: u64,
    /// Closed by the server or the network during the run.
    pub disconnected: u64,
    pub unfinished: u64,
    pub fail_reasons: BTreeMap<String, u64>,
    pub close_reasons: BTreeMap<String, u64>,
    /// TCP connect + WebSocket upgrade + login/subscribe/join.
    pub time: Percentiles,
    /// Wall time of the whole connect phase.
    pub phase_secs: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriorityStats {
    pub sent: u64,
    pub accepted: u64,
    pub dropped_freq_ctrl: u64,
}

/// Messages whose send time falls in the window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MessageStats {
    pub sent: u64,
    pub accepted: u64,
    pub dropped_freq_ctrl: u64,
    pub errors: u64,
    /// No reply by the end of the drain.
    pub unanswered: u64,
    pub error_codes: BTreeMap<String, u64>,
    /// Roomcast: per priority (only those in the mix).
    pub by_priority: BTreeMap<String, PriorityStats>,
    pub sent_per_sec: f64,
    pub accepted_per_sec: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryStats {
    /// accepted × stable members of the room, summed over rooms.
    pub expected: u64,
    /// Deliveries of window messages to stable members.
    pub received: u64,
    pub lost: u64,
    pub excess: u64,
    pub loss_ratio: f64,
    /// Deliveries of window messages to any member (stable or not).
    pub received_any_member: u64,
    /// Load-test deliveries whose receive time fell in the window, per second.
    pub per_sec: f64,
    pub bad_frames: u64,
    pub kicked: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderingStats {
    /// Roomcast: gaps in the room `seq` as seen by each receiver (missed events).
    pub room_seq_gaps: u64,
    pub room_seq_reorders: u64,
    pub room_seq_duplicates: u64,
    /// Per receiver and sender: skipped sender sequence numbers. For Roomcast
    /// this includes messages dropped by frequency control or rejected.
    pub sender_seq_gaps: u64,
    pub sender_seq_reorders: u64,
    pub sender_seq_duplicates: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerStats {
    pub pids: Vec<u32>,
    pub cpu_secs: f64,
    /// cpu_secs / window seconds.
    pub cpu_cores: f64,
    pub cpu_secs_per_million_deliveries: Option<f64>,
    pub rss_before_kib: u64,
    pub rss_connected_kib: u64,
    pub rss_window_end_kib: u64,
    pub rss_delta_kib: i64,
    pub rss_per_connection_bytes: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolStats {
    /// Worker processes (0: everything ran in one process).
    pub workers: u32,
    pub cpu_secs: f64,
    pub cpu_cores: f64,
    pub machine_cores: usize,
    /// Busy share of all the machine's cores over the window (/proc/stat).
    pub machine_busy: Option<f64>,
    /// CPU used by processes other than the tool and the server (cores).
    #[serde(default)]
    pub other_cores: Option<f64>,
    /// RSS of the tool's processes at the end of the window.
    #[serde(default)]
    pub rss_kib: u64,
    pub cpu_model: Option<String>,
    pub mem_total_kib: Option<u64>,
    /// Open-file limit per process.
    pub nofile: u64,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub label: String,
    pub target: String,
    pub config: RunConfig,
    pub window_secs: f64,
    pub connect: ConnectStats,
    pub messages: MessageStats,
    pub deliveries: DeliveryStats,
    pub ordering: OrderingStats,
    /// End-to-end: sender's send time to receiver's read time.
    pub latency: Percentiles,
    pub server: Option<ServerStats>,
    pub tool: ToolStats,
    /// `--reconnect` / `--storm-at`: rejoins, recovery, the storm.
    #[serde(default)]
    pub recovery: Option<RecoveryReport>,
    /// `--likes`.
    #[serde(default)]
    pub likes: Option<LikesReport>,
}

/// The pieces of a report that come from outside the shards.
pub struct Extra {
    pub label: String,
    pub target: String,
    pub config: RunConfig,
    pub window_secs: f64,
    pub connect_phase_secs: f64,
    pub server: Option<ServerStats>,
    pub tool: ToolStats,
    /// Members reconnect (`--reconnect` or a storm); `recover`: with `since`.
    pub reconnect: bool,
    pub recover: bool,
    pub storm: Option<StormEcho>,
    pub likes: bool,
}

pub fn build(m: &ShardReport, x: Extra) -> Report {
    let mut conn = stats::new_hist();
    stats::hist_add_pairs(&mut conn, &m.connect_us);
    let mut lat = stats::new_hist();
    stats::hist_add_pairs(&mut lat, &m.latency_us);
    let expected = stats::expected_deliveries(&m.accepted_per_room, &m.stable_per_room);
    let loss = Loss::new(expected, m.received_stable_w);
    let w = x.window_secs.max(1e-9);
    Report {
        label: x.label,
        target: x.target,
        config: x.config,
        window_secs: x.window_secs,
        connect: ConnectStats {
            attempted: m.attempted,
            connected: m.connected,
            failed: m.failed,
            stable: m.stable,
            late: m.late,
            disconnected: m.disconnected,
            unfinished: m.unfinished,
            fail_reasons: m.fail_reasons.clone(),
            close_reasons: m.close_reasons.clone(),
            time: Percentiles::of_us(&conn),
            phase_secs: x.connect_phase_secs,
        },
        messages: MessageStats {
            sent: m.sent_w,
            accepted: m.accepted_w,
            dropped_freq_ctrl: m.dropped_w,
            errors: m.errors_w,
            unanswered: m.unanswered_w,
            error_codes: m.error_codes.clone(),
            by_priority: Priority::ALL
                .iter()
                .zip(&m.by_priority_w)
                .filter(|(_, v)| v[0] > 0)
                .map(|(p, v)| {
                    (
                        p.as_str().to_string(),
                        PriorityStats {
                            sent: v[0],
                            accepted: v[1],
                            dropped_freq_ctrl: v[2],
                        },
                    )
                })
                .collect(),
            sent_per_sec: m.sent_w as f64 / w,
            accepted_per_sec: m.accepted_w as f64 / w,
        },
        deliveries: DeliveryStats {
            expected: loss.expected,
            received: loss.received,
            lost: loss.lost,
            excess: loss.excess,
            loss_ratio: loss.loss_ratio,
            received_any_member: m.received_all_w,
            per_sec: m.recv_by_time_w as f64 / w,
            bad_frames: m.bad_frames,
            kicked: m.kicked,
        },
        ordering: OrderingStats {
            room_seq_gaps: m.room_gaps,
            room_seq_reorders: m.room_reorders,
            room_seq_duplicates: m.room_dups,
            sender_seq_gaps: m.sender_gaps,
            sender_seq_reorders: m.sender_reorders,
            sender_seq_duplicates: m.sender_dups,
        },
        latency: Percentiles::of_us(&lat),
        server: x.server,
        tool: x.tool,
        recovery: x.reconnect.then(|| recovery::report(&m.recovery, x.recover, x.storm)),
        likes: x.likes.then(|| likes::report(&m.likes, m.stable, x.window_secs)),
    }
}

fn map_str(m: &BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "-".into();
    }
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1));
    v.iter()
        .take(6)
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pct(p: &Percentiles) -> String {
    if p.count == 0 {
        return "-".into();
    }
    format!(
        "p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  p99.9 {:.2} ms  max {:.2} ms  (n={})",
        p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.max_ms, p.count
    )
}

pub fn kib(k: u64) -> String {
    if k >= 1024 * 1024 {
        format!("{:.2} GiB", k as f64 / 1024.0 / 1024.0)
    } else if k >= 1024 {
        format!("{:.1} MiB", k as f64 / 1024.0)
    } else {
        format!("{k} KiB")
    }
}

pub fn bytes(b: f64) -> String {
    if b.abs() >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", b / 1024.0 / 1024.0)
    } else if b.abs() >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// The human-readable report.
pub fn table(r: &Report) -> String {
    let c = &r.config;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "roomcast-loadtest: {} ({}) — {} members in {} room(s), {} sender(s) at {} msg/s total, {} B payloads, priorities {}",
        r.label, r.target, c.members, c.rooms, c.senders, c.rate, c.msg_bytes, c.priority_mix
    );
    let _ = writeln!(
        s,
        "window {:.1} s after {} s warm-up, {} s drain; url(s) {}",
        r.window_secs,
        c.warmup_secs,
        c.drain_secs,
        c.urls.join(" ")
    );
    let k = &r.connect;
    let rows: Vec<(&str, String)> = vec![
        (
            "connections",
            format!(
                "attempted {}  connected {}  failed {}  stable {}  late {}  disconnected {}{}",
                k.attempted,
                k.connected,
                k.failed,
                k.stable,
                k.late,
                k.disconnected,
                if k.unfinished > 0 {
                    format!("  unfinished {}", k.unfinished)
                } else {
                    String::new()
                }
            ),
        ),
        ("connect time", format!("{}; phase {:.1} s", pct(&k.time), k.phase_secs)),
        ("connect fails", map_str(&k.fail_reasons)),
        ("closed by peer", map_str(&k.close_reasons)),
        (
            "messages",
            format!(
                "sent {}  accepted {}  dropped (freq ctrl) {}  errors {}  unanswered {}  ({:.1} sent/s)",
                r.messages.sent,
                r.messages.accepted,
                r.messages.dropped_freq_ctrl,
                r.messages.errors,
                r.messages.unanswered,
                r.messages.sent_per_sec
            ),
        ),
        ("error codes", map_str(&r.messages.error_codes)),
        (
            "by priority",
            if r.messages.by_priority.len() > 1 {
                r.messages
                    .by_priority
                    .iter()
                    .map(|(p, v)| {
                        format!(
                            "{p}: sent {} accepted {} dropped {}",
                            v.sent, v.accepted, v.dropped_freq_ctrl
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            } else {
                "-".into()
            },
        ),
        (
            "deliveries",
            format!(
                "expected {}  received {}  lost {} ({:.4}%)  excess {}  {:.0}/s",
                r.deliveries.expected,
                r.deliveries.received,
                r.deliveries.lost,
                r.deliveries.loss_ratio * 100.0,
                r.deliveries.excess,
                r.deliveries.per_sec
            ),
        ),
        (
            "ordering",
            format!(
                "room seq: gaps {} reorders {} dups {} | sender seq: gaps {} reorders {} dups {}",
                r.ordering.room_seq_gaps,
                r.ordering.room_seq_reorders,
                r.ordering.room_seq_duplicates,
                r.ordering.sender_seq_gaps,
                r.ordering.sender_seq_reorders,
                r.ordering.sender_seq_duplicates
            ),
        ),
        ("latency e2e", pct(&r.latency)),
        (
            "server",
            match &r.server {
                None => "- (no --server-pid)".into(),
                Some(sv) => format!(
                    "pid {:?}: cpu {:.2} s ({:.2} cores) = {} cpu-s per million deliveries; rss {} → {} connected ({} at window end), {} per connection",
                    sv.pids,
                    sv.cpu_secs,
                    sv.cpu_cores,
                    sv.cpu_secs_per_million_deliveries
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or("-".into()),
                    kib(sv.rss_before_kib),
                    kib(sv.rss_connected_kib),
                    kib(sv.rss_window_end_kib),
                    sv.rss_per_connection_bytes.map(bytes).unwrap_or("-".into())
                ),
            },
        ),
        (
            "tool",
            format!(
                "{} worker process(es): cpu {:.2} s ({:.2} cores), rss {}, of {} cores ({}, {} RAM, nofile {}){}",
                r.tool.workers,
                r.tool.cpu_secs,
                r.tool.cpu_cores,
                kib(r.tool.rss_kib),
                r.tool.machine_cores,
                r.tool.cpu_model.as_deref().unwrap_or("?"),
                r.tool.mem_total_kib.map(kib).unwrap_or("?".into()),
                r.tool.nofile,
                r.tool
                    .machine_busy
                    .map(|b| format!(
                        "; machine busy {:.0}% (others {:.2} cores)",
                        b * 100.0,
                        r.tool.other_cores.unwrap_or(0.0)
                    ))
                    .unwrap_or_default()
            ),
        ),
    ];
    let mut rows = rows;
    if let Some(rec) = &r.recovery {
        rows.extend(recovery::rows(rec, pct));
    }
    if let Some(l) = &r.likes {
        rows.push(("likes", likes::row(l)));
    }
    for (k, v) in rows {
        let _ = writeln!(s, "  {k:<15} {v}");
    }
    for n in &r.tool.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    s
}

/// One row of the comparison table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub server: String,
    pub members: u64,
    pub connected: u64,
    pub msg_per_sec: f64,
    pub accepted_per_sec: f64,
    pub deliveries_per_sec: f64,
    pub loss_ratio: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub server_cpu_secs_per_million: Option<f64>,
    pub rss_per_connection_bytes: Option<f64>,
    pub tool_cores: f64,
    pub server_cores: Option<f64>,
    pub other_cores: Option<f64>,
}

pub fn row(r: &Report) -> Row {
    Row {
        server: r.label.clone(),
        members: r.config.members,
        connected: r.connect.connected,
        msg_per_sec: r.config.rate,
        accepted_per_sec: r.messages.accepted_per_sec,
        deliveries_per_sec: r.deliveries.per_sec,
        loss_ratio: r.deliveries.loss_ratio,
        p50_ms: r.latency.p50_ms,
        p99_ms: r.latency.p99_ms,
        server_cpu_secs_per_million: r.server.as_ref().and_then(|s| s.cpu_secs_per_million_deliveries),
        rss_per_connection_bytes: r.server.as_ref().and_then(|s| s.rss_per_connection_bytes),
        tool_cores: r.tool.cpu_cores,
        server_cores: r.server.as_ref().map(|s| s.cpu_cores),
        other_cores: r.tool.other_cores,
    }
}

/// A Markdown table of several runs.
pub fn comparison_table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| server | members (connected) | msg/s (accepted) | deliveries/s | loss | p50 ms | p99 ms | server CPU-s / M deliveries | server cores | RSS / conn | tool cores | other cores |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} ({}) | {} ({:.1}) | {:.0} | {:.4}% | {:.2} | {:.2} | {} | {} | {} | {:.2} | {} |",
            r.server,
            r.members,
            r.connected,
            r.msg_per_sec,
            r.accepted_per_sec,
            r.deliveries_per_sec,
            r.loss_ratio * 100.0,
            r.p50_ms,
            r.p99_ms,
            r.server_cpu_secs_per_million
                .map(|v| format!("{v:.2}"))
                .unwrap_or("-".into()),
            r.server_cores.map(|v| format!("{v:.2}")).unwrap_or("-".into()),
            r.rss_per_connection_bytes.map(bytes).unwrap_or("-".into()),
            r.tool_cores,
            r.other_cores.map(|v| format!("{v:.2}")).unwrap_or("-".into())
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let m = ShardReport {
            members: 4,
            attempted: 4,
            connected: 4,
            stable: 4,
            sent_w: 10,
            accepted_w: 9,
            dropped_w: 1,
            received_stable_w: 35,
            received_all_w: 35,
            recv_by_time_w: 36,
            accepted_per_room: vec![9],
            stable_per_room: vec![4],
            latency_us: vec![(1000, 30), (5000, 5)],
            connect_us: vec![(2000, 4)],
            ..Default::default()
        };
        build(
            &m,
            Extra {
                label: "roomcast".into(),
                target: "roomcast".into(),
                config: RunConfig {
                    members: 4,
                    rooms: 1,
                    senders: 1,
                    rate: 10.0,
                    priority_mix: "normal=100".into(),
                    msg_bytes: 100,
                    body: "custom".into(),
                    guests: false,
                    warmup_secs: 1,
                    duration_secs: 1,
                    drain_secs: 1,
                    urls: vec!["ws://127.0.0.1:1/ws".into()],
                },
                window_secs: 1.0,
                connect_phase_secs: 0.5,
                server: Some(ServerStats {
                    pids: vec![1],
                    cpu_secs: 0.5,
                    cpu_cores: 0.5,
                    cpu_secs_per_million_deliveries: Some(13888.9),
                    rss_before_kib: 1000,
                    rss_connected_kib: 1100,
                    rss_window_end_kib: 1100,
                    rss_delta_kib: 100,
                    rss_per_connection_bytes: Some(25600.0),
                }),
                tool: ToolStats {
                    workers: 0,
                    cpu_secs: 0.1,
                    cpu_cores: 0.1,
                    machine_cores: 2,
                    machine_busy: Some(0.3),
                    other_cores: Some(0.0),
                    rss_kib: 0,
                    cpu_model: None,
                    mem_total_kib: None,
                    nofile: 1024,
                    notes: vec![],
                },
                reconnect: false,
                recover: true,
                storm: None,
                likes: false,
            },
        )
    }

    #[test]
    fn builds_loss_and_rates() {
        let r = sample();
        assert_eq!(r.deliveries.expected, 36);
        assert_eq!(r.deliveries.received, 35);
        assert_eq!(r.deliveries.lost, 1);
        assert!((r.deliveries.loss_ratio - 1.0 / 36.0).abs() < 1e-12);
        assert_eq!(r.deliveries.per_sec, 36.0);
        assert_eq!(r.latency.count, 35);
        let t = table(&r);
        assert!(t.contains("expected 36  received 35  lost 1"), "{t}");
        // JSON round trip (summarize reads what --json writes).
        let back: Report = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        let ct = comparison_table(&[row(&back)]);
        assert!(ct.contains("| roomcast | 4 (4) | 10 (9.0) | 36 | 2.7778% |"), "{ct}");
        assert!(ct.contains("25.0 KiB"), "{ct}");
    }
}
