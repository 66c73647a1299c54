//! One process's share of the members: spawns their connections at a paced
//! rate, tells them when to start and stop, and sums up what they saw.

use crate::conn::{ConnResult, run_conn};
use crate::likes::{LikesCounts, LikesShared};
use crate::plan::Plan;
use crate::recovery::{RecoveryCounts, RecoveryShared};
use crate::stats::{self, ShardedHist, hist_to_pairs};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The run's timeline in Unix nanoseconds (the same in every process).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct SchedUnix {
    /// Senders start.
    pub warm_ns: u64,
    /// Measured window [start, end).
    pub start_ns: u64,
    pub end_ns: u64,
    /// Everyone stops reading.
    pub stop_ns: u64,
}

impl SchedUnix {
    pub fn in_window(&self, ns: u64) -> bool {
        ns >= self.start_ns && ns < self.end_ns
    }
    pub fn window_secs(&self) -> f64 {
        (self.end_ns - self.start_ns) as f64 / 1e9
    }
}

/// The timeline as local monotonic instants.
#[derive(Debug, Clone, Copy)]
pub struct Sched {
    pub u: SchedUnix,
    pub warm: Instant,
    pub start: Instant,
    pub end: Instant,
    pub stop: Instant,
}

impl Sched {
    pub fn from_unix(u: SchedUnix) -> Self {
        let now_i = Instant::now();
        let now_u = now_ns();
        let at = |ns: u64| {
            if ns >= now_u {
                now_i + Duration::from_nanos(ns - now_u)
            } else {
                now_i.checked_sub(Duration::from_nanos(now_u - ns)).unwrap_or(now_i)
            }
        };
        Self {
            u,
            warm: at(u.warm_ns),
            start: at(u.start_ns),
            end: at(u.end_ns),
            stop: at(u.stop_ns),
        }
    }
}

/// Live counters (all-time unless suffixed `_w`: in the measured window).
#[derive(Default)]
pub struct Counters {
    pub attempted: AtomicU64,
    pub connected: AtomicU64,
    pub failed: AtomicU64,
    pub closed: AtomicU64,
    pub sent: AtomicU64,
    pub accepted: AtomicU64,
    pub dropped: AtomicU64,
    pub errors: AtomicU64,
    pub received: AtomicU64,
    pub sent_w: AtomicU64,
    pub accepted_w: AtomicU64,
    pub dropped_w: AtomicU64,
    pub errors_w: AtomicU64,
    pub unanswered_w: AtomicU64,
    pub recv_by_time_w: AtomicU64,
    pub room_gaps: AtomicU64,
    pub room_reorders: AtomicU64,
    pub room_dups: AtomicU64,
    pub sender_gaps: AtomicU64,
    pub sender_reorders: AtomicU64,
    pub sender_dups: AtomicU64,
    pub bad_frames: AtomicU64,
    pub kicked: AtomicU64,
    /// Window messages per priority: [sent, accepted, dropped].
    pub by_priority_w: [[AtomicU64; 3]; 4],
}

#[derive(Default)]
pub struct Maps {
    pub fail_reasons: BTreeMap<String, u64>,
    pub close_reasons: BTreeMap<String, u64>,
    pub error_codes: BTreeMap<String, u64>,
}

/// Everything the connections of one process share.
pub struct Shared {
    pub plan: Arc<Plan>,
    pub c: Counters,
    pub latency: ShardedHist,
    pub connect_time: Mutex<Histogram<u64>>,
    /// Messages accepted in the window, per room.
    pub accepted_per_room: Vec<AtomicU64>,
    pub maps: Mutex<Maps>,
    pub sched: watch::Receiver<Option<Sched>>,
    pub handshakes: Semaphore,
    pub stop_spawning: AtomicBool,
    pub rec: RecoveryShared,
    pub likes: LikesShared,
}

impl Shared {
    pub fn bump(&self, which: fn(&mut Maps) -> &mut BTreeMap<String, u64>, key: String) {
        let mut m = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        *which(&mut m).entry(key).or_default() += 1;
    }
}

/// A snapshot for the progress line.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Progress {
    pub attempted: u64,
    pub connected: u64,
    pub failed: u64,
    pub closed: u64,
    pub sent: u64,
    pub accepted: u64,
    pub dropped: u64,
    pub errors: u64,
    pub received: u64,
    /// p99 latency so far in the window, microseconds.
    pub p99_us: u64,
}

impl Progress {
    pub fn add(&mut self, o: &Progress) {
        self.attempted += o.attempted;
        self.connected += o.connected;
        self.failed += o.failed;
        self.closed += o.closed;
        self.sent += o.sent;
        self.accepted += o.accepted;
        self.dropped += o.dropped;
        self.errors += o.errors;
        self.received += o.received;
        self.p99_us = self.p99_us.max(o.p99_us);
    }
}

/// What a process reports at the end (workers send it to the parent as JSON).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ShardReport {
    pub members: u64,
    pub attempted: u64,
    pub connected: u64,
    pub failed: u64,
    /// Connected, but only after the window started.
    pub late: u64,
    /// Closed by the server or the network before the end of the drain.
    pub disconnected: u64,
    /// Connected before the window and still connected at the end.
    pub stable: u64,
    /// Tasks that had not finished by the deadline (aborted).
    pub unfinished: u64,
    pub fail_reasons: BTreeMap<String, u64>,
    pub close_reasons: BTreeMap<String, u64>,
    pub error_codes: BTreeMap<String, u64>,
    pub connect_us: Vec<(u64, u64)>,
    pub latency_us: Vec<(u64, u64)>,
    pub sent_w: u64,
    pub accepted_w: u64,
    pub dropped_w: u64,
    pub errors_w: u64,
    pub unanswered_w: u64,
    pub received_stable_w: u64,
    pub received_all_w: u64,
    pub recv_by_time_w: u64,
    pub room_gaps: u64,
    pub room_reorders: u64,
    pub room_dups: u64,
    pub sender_gaps: u64,
    pub sender_reorders: u64,
    pub sender_dups: u64,
    pub bad_frames: u64,
    pub kicked: u64,
    pub accepted_per_room: Vec<u64>,
    pub stable_per_room: Vec<u64>,
    /// Window messages per priority (High, Normal, Low, Lowest): [sent, accepted, dropped].
    #[serde(default)]
    pub by_priority_w: Vec<[u64; 3]>,
    #[serde(default)]
    pub recovery: RecoveryCounts,
    #[serde(default)]
    pub likes: LikesCounts,
}

pub struct Shard {
    pub shared: Arc<Shared>,
    sched_tx: watch::Sender<Option<Sched>>,
    spawner: JoinHandle<Vec<JoinHandle<ConnResult>>>,
    len: u64,
}

impl Shard {
    /// Starts connecting members `range` at `connect_rate` per second.
    pub fn start(plan: Arc<Plan>, range: Range<u64>, connect_rate: f64, concurrency: usize) -> Self {
        let (sched_tx, sched_rx) = watch::channel(None);
        let rooms = plan.rooms as usize;
        let shared = Arc::new(Shared {
            plan,
            c: Counters::default(),
            latency: ShardedHist::new(16),
            connect_time: Mutex::new(stats::new_hist()),
            accepted_per_room: (0..rooms).map(|_| AtomicU64::new(0)).collect(),
            maps: Mutex::new(Maps::default()),
            sched: sched_rx,
            handshakes: Semaphore::new(concurrency),
            stop_spawning: AtomicBool::new(false),
            rec: RecoveryShared::default(),
            likes: LikesShared::default(),
        });
        let len = range.end - range.start;
        let sh = shared.clone();
        let spawner = tokio::spawn(async move {
            let mut handles = Vec::with_capacity(len as usize);
            let t0 = Instant::now();
            for (k, member) in range.enumerate() {
                if sh.stop_spawning.load(Relaxed) {
                    break;
                }
                let due = t0 + Duration::from_secs_f64(k as f64 / connect_rate);
                if due > Instant::now() {
                    tokio::time::sleep_until(due).await;
                }
                handles.push(tokio::spawn(run_conn(sh.clone(), member)));
            }
            handles
        });
        Self {
            shared,
            sched_tx,
            spawner,
            len,
        }
    }

    pub fn progress(&self) -> Progress {
        progress_of(&self.shared)
    }

    /// True once every member has connected or failed.
    pub fn connect_done(&self) -> bool {
        let c = &self.shared.c;
        c.connected.load(Relaxed) + c.failed.load(Relaxed) >= self.len
    }

    /// Waits until every member connected or failed, or until `deadline`.
    pub async fn wait_connected(&self, deadline: Instant) {
        while !self.connect_done() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the timeline: senders begin at `warm`, everyone stops at `stop`.
    pub fn go(&self, u: SchedUnix) {
        self.shared.stop_spawning.store(true, Relaxed);
        let _ = self.sched_tx.send(Some(Sched::from_unix(u)));
    }

    /// Waits for every connection to stop and sums up.
    pub async fn finish(self, u: SchedUnix) -> ShardReport {
        let sched = Sched::from_unix(u);
        let deadline = sched.stop + self.shared.plan.connect_timeout + Duration::from_secs(5);
        let handles = self.spawner.await.unwrap_or_default();
        let mut results = Vec::with_capacity(handles.len());
        let mut unfinished = 0;
        for h in handles {
            let abort = h.abort_handle();
            match tokio::time::timeout_at(deadline, h).await {
                Ok(Ok(r)) => results.push(r),
                Ok(Err(_)) => unfinished += 1,
                Err(_) => {
                    abort.abort();
                    unfinished += 1;
                }
            }
        }
        drop(self.sched_tx);
        let mut rep = summarize(&self.shared, &results, u);
        rep.members = self.len;
        rep.unfinished = unfinished;
        rep
    }
}

pub fn progress_of(sh: &Shared) -> Progress {
    let c = &sh.c;
    let h = sh.latency.merged();
    Progress {
        attempted: c.attempted.load(Relaxed),
        connected: c.connected.load(Relaxed),
        failed: c.failed.load(Relaxed),
        closed: c.closed.load(Relaxed),
        sent: c.sent.load(Relaxed),
        accepted: c.accepted.load(Relaxed),
        dropped: c.dropped.load(Relaxed),
        errors: c.errors.load(Relaxed),
        received: c.received.load(Relaxed),
        p99_us: if h.is_empty() { 0 } else { h.value_at_quantile(0.99) },
    }
}

fn summarize(sh: &Shared, results: &[ConnResult], u: SchedUnix) -> ShardReport {
    let rooms = sh.plan.rooms as usize;
    let c = &sh.c;
    let mut rep = ShardReport {
        stable_per_room: vec![0; rooms],
        ..Default::default()
    };
    for r in results {
        rep.received_all_w += r.received_w;
        if r.ready_ns == 0 {
            continue;
        }
        let closed_early = r.closed_ns != 0 && r.closed_ns < u.stop_ns;
        if closed_early {
            rep.disconnected += 1;
        }
        if r.ready_ns >= u.start_ns {
            rep.late += 1;
        } else if !closed_early {
            rep.stable += 1;
            rep.stable_per_room[r.room as usize] += 1;
            rep.received_stable_w += r.received_w;
        }
    }
    let maps = sh.maps.lock().unwrap_or_else(|e| e.into_inner());
    rep.fail_reasons = maps.fail_reasons.clone();
    rep.close_reasons = maps.close_reasons.clone();
    rep.error_codes = maps.error_codes.clone();
    drop(maps);
    rep.connect_us = hist_to_pairs(&sh.connect_time.lock().unwrap_or_else(|e| e.into_inner()));
    rep.latency_us = hist_to_pairs(&sh.latency.merged());
    rep.attempted = c.attempted.load(Relaxed);
    rep.connected = c.connected.load(Relaxed);
    rep.failed = c.failed.load(Relaxed);
    rep.sent_w = c.sent_w.load(Relaxed);
    rep.accepted_w = c.accepted_w.load(Relaxed);
    rep.dropped_w = c.dropped_w.load(Relaxed);
    rep.errors_w = c.errors_w.load(Relaxed);
    rep.unanswered_w = c.unanswered_w.load(Relaxed);
    rep.recv_by_time_w = c.recv_by_time_w.load(Relaxed);
    rep.room_gaps = c.room_gaps.load(Relaxed);
    rep.room_reorders = c.room_reorders.load(Relaxed);
    rep.room_dups = c.room_dups.load(Relaxed);
    rep.sender_gaps = c.sender_gaps.load(Relaxed);
    rep.sender_reorders = c.sender_reorders.load(Relaxed);
    rep.sender_dups = c.sender_dups.load(Relaxed);
    rep.bad_frames = c.bad_frames.load(Relaxed);
    rep.kicked = c.kicked.load(Relaxed);
    rep.accepted_per_room = sh.accepted_per_room.iter().map(|a| a.load(Relaxed)).collect();
    rep.by_priority_w = c
        .by_priority_w
        .iter()
        .map(|p| [p[0].load(Relaxed), p[1].load(Relaxed), p[2].load(Relaxed)])
        .collect();
    rep.recovery = sh.rec.counts();
    rep.likes = sh.likes.counts();
    rep
}

/// Sums several shards' reports into one.
pub fn merge(reports: &[ShardReport]) -> ShardReport {
    let mut out = ShardReport::default();
    let mut conn = stats::new_hist();
    let mut lat = stats::new_hist();
    for r in reports {
        macro_rules! add {
            ($($f:ident),*) => { $( out.$f += r.$f; )* };
        }
        add!(
            members,
            attempted,
            connected,
            failed,
            late,
            disconnected,
            stable,
            unfinished,
            sent_w,
            accepted_w,
            dropped_w,
            errors_w,
            unanswered_w,
            received_stable_w,
            received_all_w,
            recv_by_time_w,
            room_gaps,
            room_reorders,
            room_dups,
            sender_gaps,
            sender_reorders,
            sender_dups,
            bad_frames,
            kicked
        );
        for (src, dst) in [
            (&r.fail_reasons, &mut out.fail_reasons),
            (&r.close_reasons, &mut out.close_reasons),
            (&r.error_codes, &mut out.error_codes),
        ] {
            for (k, v) in src {
                *dst.entry(k.clone()).or_default() += v;
            }
        }
        out.recovery.merge(&r.recovery);
        out.likes.merge(&r.likes);
        stats::hist_add_pairs(&mut conn, &r.connect_us);
        stats::hist_add_pairs(&mut lat, &r.latency_us);
        stats::add_vec(&mut out.accepted_per_room, &r.accepted_per_room);
        stats::add_vec(&mut out.stable_per_room, &r.stable_per_room);
        if out.by_priority_w.len() < r.by_priority_w.len() {
            out.by_priority_w.resize(r.by_priority_w.len(), [0; 3]);
        }
        for (o, p) in out.by_priority_w.iter_mut().zip(&r.by_priority_w) {
            for k in 0..3 {
                o[k] += p[k];
            }
        }
    }
    out.connect_us = hist_to_pairs(&conn);
    out.latency_us = hist_to_pairs(&lat);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_shards_keeps_rooms_apart() {
        // Shard A: the sender of room 0 (10 accepted) and 2 stable members
        // of room 1; shard B: 3 stable members of room 0, 5 accepted in room 1.
        let a = ShardReport {
            members: 3,
            stable: 2,
            accepted_per_room: vec![10, 0],
            stable_per_room: vec![0, 2],
            latency_us: vec![(1000, 4)],
            error_codes: [("10023".to_string(), 1)].into(),
            ..Default::default()
        };
        let b = ShardReport {
            members: 3,
            stable: 3,
            accepted_per_room: vec![0, 5],
            stable_per_room: vec![3, 0],
            latency_us: vec![(2000, 6)],
            error_codes: [("10023".to_string(), 2)].into(),
            ..Default::default()
        };
        let m = merge(&[a, b]);
        assert_eq!(m.members, 6);
        assert_eq!(m.accepted_per_room, vec![10, 5]);
        assert_eq!(m.stable_per_room, vec![3, 2]);
        // 10 × 3 + 5 × 2, although no shard alone could know it.
        assert_eq!(stats::expected_deliveries(&m.accepted_per_room, &m.stable_per_room), 40);
        assert_eq!(m.error_codes["10023"], 3);
        let n: u64 = m.latency_us.iter().map(|p| p.1).sum();
        assert_eq!(n, 10);
    }

    #[test]
    fn window_membership() {
        let u = SchedUnix {
            warm_ns: 0,
            start_ns: 100,
            end_ns: 200,
            stop_ns: 300,
        };
        assert!(!u.in_window(99) && u.in_window(100) && u.in_window(199) && !u.in_window(200));
        assert!((u.window_secs() - 1e-7).abs() < 1e-15);
    }
}
