//! Rejoining with recovery (docs/protocol.md, "History and recovery") and
//! the reconnect storm: what a member remembers to rejoin with `since`, how
//! the overlap of `missed[]` and live pushes is told from duplicates, and
//! the counters and report figures of both.

use crate::stats::{self, Percentiles, ShardedHist, hist_to_pairs};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What one member remembers across connections to rejoin with `since`.
#[derive(Debug, Default, Clone)]
pub struct Rejoin {
    /// The room's epoch from the last join reply.
    pub epoch: Option<String>,
    /// After a rejoin with `since`: the highest seq the member already had
    /// once `missed[]` was processed. Live pushes up to it are the expected
    /// overlap of the subscription and the history read, not duplicates.
    pub overlap_upto: Option<u64>,
}

impl Rejoin {
    /// The `since` to send: the last room seq seen and the epoch it belongs
    /// to; none before the member saw an event or an epoch.
    pub fn since(&self, last_seq: Option<u64>) -> Option<(u64, &str)> {
        Some((last_seq?, self.epoch.as_deref()?))
    }

    /// Whether a sequenced event is overlap to skip.
    pub fn is_overlap(&self, seq: u64) -> bool {
        seq != 0 && self.overlap_upto.is_some_and(|u| seq <= u)
    }
}

/// Live counters of one process (all-time unless suffixed `_w`).
pub struct RecoveryShared {
    pub reconnects: AtomicU64,
    pub rejoins_since: AtomicU64,
    pub rejoins_plain: AtomicU64,
    pub recovered_ok: AtomicU64,
    pub recovered_failed: AtomicU64,
    pub missed_events: AtomicU64,
    pub recovered_deliveries: AtomicU64,
    pub recovered_deliveries_w: AtomicU64,
    pub overlap: AtomicU64,
    pub early_pushes: AtomicU64,
    pub early_dropped: AtomicU64,
    pub storm: StormShared,
}

pub struct StormShared {
    pub stormed: AtomicU64,
    pub rejoined: AtomicU64,
    pub ok: AtomicU64,
    pub failed: AtomicU64,
    pub missed_per_member: Mutex<Vec<u64>>,
    /// Unix ns of the first storm reconnect attempt (u64::MAX: none yet).
    pub first_ns: AtomicU64,
    /// Unix ns at which the last stormed member finished recovering.
    pub last_ns: AtomicU64,
    /// Reconnect start → join reply processed, µs.
    pub durations: Mutex<Histogram<u64>>,
    /// Window latency of the members that did not storm.
    pub control_latency: ShardedHist,
}

impl Default for RecoveryShared {
    fn default() -> Self {
        Self {
            reconnects: AtomicU64::new(0),
            rejoins_since: AtomicU64::new(0),
            rejoins_plain: AtomicU64::new(0),
            recovered_ok: AtomicU64::new(0),
            recovered_failed: AtomicU64::new(0),
            missed_events: AtomicU64::new(0),
            recovered_deliveries: AtomicU64::new(0),
            recovered_deliveries_w: AtomicU64::new(0),
            overlap: AtomicU64::new(0),
            early_pushes: AtomicU64::new(0),
            early_dropped: AtomicU64::new(0),
            storm: StormShared {
                stormed: AtomicU64::new(0),
                rejoined: AtomicU64::new(0),
                ok: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                missed_per_member: Mutex::new(Vec::new()),
                first_ns: AtomicU64::new(u64::MAX),
                last_ns: AtomicU64::new(0),
                durations: Mutex::new(stats::new_hist()),
                control_latency: ShardedHist::new(8),
            },
        }
    }
}

impl RecoveryShared {
    /// One stormed member finished recovering.
    pub fn storm_recovered(&self, started_ns: u64, done_ns: u64, missed: u64) {
        let s = &self.storm;
        s.rejoined.fetch_add(1, Relaxed);
        s.first_ns.fetch_min(started_ns, Relaxed);
        s.last_ns.fetch_max(done_ns, Relaxed);
        s.missed_per_member
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(missed);
        let mut h = s.durations.lock().unwrap_or_else(|e| e.into_inner());
        stats::record(&mut h, done_ns.saturating_sub(started_ns) / 1000);
    }

    pub fn counts(&self) -> RecoveryCounts {
        let s = &self.storm;
        let first = s.first_ns.load(Relaxed);
        RecoveryCounts {
            reconnects: self.reconnects.load(Relaxed),
            rejoins_with_since: self.rejoins_since.load(Relaxed),
            rejoins_without_since: self.rejoins_plain.load(Relaxed),
            recovered_ok: self.recovered_ok.load(Relaxed),
            recovered_failed: self.recovered_failed.load(Relaxed),
            missed_events: self.missed_events.load(Relaxed),
            recovered_deliveries: self.recovered_deliveries.load(Relaxed),
            recovered_deliveries_window: self.recovered_deliveries_w.load(Relaxed),
            recovery_overlap: self.overlap.load(Relaxed),
            early_pushes: self.early_pushes.load(Relaxed),
            early_pushes_dropped: self.early_dropped.load(Relaxed),
            storm: StormCounts {
                stormed: s.stormed.load(Relaxed),
                rejoined: s.rejoined.load(Relaxed),
                recovered_ok: s.ok.load(Relaxed),
                recovered_failed: s.failed.load(Relaxed),
                missed_per_member: s.missed_per_member.lock().unwrap_or_else(|e| e.into_inner()).clone(),
                first_reconnect_ns: if first == u64::MAX { 0 } else { first },
                last_recovered_ns: s.last_ns.load(Relaxed),
                duration_us: hist_to_pairs(&s.durations.lock().unwrap_or_else(|e| e.into_inner())),
                control_latency_us: hist_to_pairs(&s.control_latency.merged()),
            },
        }
    }
}

/// A process's recovery figures, as workers send them to the parent.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecoveryCounts {
    pub reconnects: u64,
    pub rejoins_with_since: u64,
    pub rejoins_without_since: u64,
    pub recovered_ok: u64,
    pub recovered_failed: u64,
    pub missed_events: u64,
    pub recovered_deliveries: u64,
    pub recovered_deliveries_window: u64,
    pub recovery_overlap: u64,
    pub early_pushes: u64,
    pub early_pushes_dropped: u64,
    pub storm: StormCounts,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct StormCounts {
    pub stormed: u64,
    pub rejoined: u64,
    pub recovered_ok: u64,
    pub recovered_failed: u64,
    pub missed_per_member: Vec<u64>,
    /// 0: none.
    pub first_reconnect_ns: u64,
    pub last_recovered_ns: u64,
    pub duration_us: Vec<(u64, u64)>,
    pub control_latency_us: Vec<(u64, u64)>,
}

impl RecoveryCounts {
    pub fn merge(&mut self, o: &RecoveryCounts) {
        self.reconnects += o.reconnects;
        self.rejoins_with_since += o.rejoins_with_since;
        self.rejoins_without_since += o.rejoins_without_since;
        self.recovered_ok += o.recovered_ok;
        self.recovered_failed += o.recovered_failed;
        self.missed_events += o.missed_events;
        self.recovered_deliveries += o.recovered_deliveries;
        self.recovered_deliveries_window += o.recovered_deliveries_window;
        self.recovery_overlap += o.recovery_overlap;
        self.early_pushes += o.early_pushes;
        self.early_pushes_dropped += o.early_pushes_dropped;
        let (s, t) = (&mut self.storm, &o.storm);
        s.stormed += t.stormed;
        s.rejoined += t.rejoined;
        s.recovered_ok += t.recovered_ok;
        s.recovered_failed += t.recovered_failed;
        s.missed_per_member.extend_from_slice(&t.missed_per_member);
        if t.first_reconnect_ns != 0 && (s.first_reconnect_ns == 0 || t.first_reconnect_ns < s.first_reconnect_ns) {
            s.first_reconnect_ns = t.first_reconnect_ns;
        }
        s.last_recovered_ns = s.last_recovered_ns.max(t.last_recovered_ns);
        for (dst, src) in [
            (&mut s.duration_us, &t.duration_us),
            (&mut s.control_latency_us, &t.control_latency_us),
        ] {
            let mut h = stats::new_hist();
            stats::hist_add_pairs(&mut h, dst);
            stats::hist_add_pairs(&mut h, src);
            *dst = hist_to_pairs(&h);
        }
    }
}

/// The report's `recovery` section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecoveryReport {
    /// Rejoins send `since` (false: `--no-recover`).
    pub recover: bool,
    /// Successful rejoins after a close by the server, the network or the storm.
    pub reconnects: u64,
    pub rejoins_with_since: u64,
    /// Rejoins without `since` (`--no-recover`, or nothing seen yet).
    pub rejoins_without_since: u64,
    /// Join replies with `recovered: true` / `false`.
    pub recovered_ok: u64,
    pub recovered_failed: u64,
    /// Events in the join replies' `missed[]` (messages, tips, notices).
    pub missed_events: u64,
    /// Load-test messages delivered through `missed[]` (counted for loss, not in the latency histogram).
    pub recovered_deliveries: u64,
    pub recovered_deliveries_window: u64,
    /// Live pushes of events already had (from before the close or from `missed[]`), skipped.
    pub recovery_overlap: u64,
    /// Pushes that arrived on a new connection before its join reply (kept, processed after `missed[]`).
    pub early_pushes: u64,
    pub early_pushes_dropped: u64,
    pub storm: Option<StormReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StormReport {
    pub at_secs: f64,
    pub away_ms: u64,
    pub spread_ms: u64,
    pub fraction: f64,
    /// Members that closed their socket at the storm time.
    pub stormed: u64,
    /// Stormed members that reconnected and rejoined before the end.
    pub rejoined: u64,
    pub recovered_ok: u64,
    pub recovered_failed: u64,
    /// Stormed members that never came back (disconnected: out of the loss figures).
    pub never_rejoined: u64,
    /// Events in the stormed members' `missed[]`, total and per member.
    pub missed_total: u64,
    pub missed_per_member_p50: u64,
    pub missed_per_member_max: u64,
    /// First storm reconnect attempt → the last stormed member's join reply processed.
    pub recovery_span_secs: f64,
    /// Per member: reconnect start → join reply (and its `missed[]`) processed.
    pub recovery_time: Percentiles,
    /// Window latency of the members that did not storm (senders included).
    pub control_latency: Percentiles,
}

/// Storm settings echoed in the report.
pub struct StormEcho {
    pub at_secs: f64,
    pub away_ms: u64,
    pub spread_ms: u64,
    pub fraction: f64,
}

pub fn report(c: &RecoveryCounts, recover: bool, storm: Option<StormEcho>) -> RecoveryReport {
    let storm = storm.map(|e| {
        let s = &c.storm;
        let mut missed = s.missed_per_member.clone();
        missed.sort_unstable();
        let q = |p: f64| -> u64 {
            if missed.is_empty() {
                0
            } else {
                missed[((missed.len() - 1) as f64 * p).round() as usize]
            }
        };
        let mut dur = stats::new_hist();
        stats::hist_add_pairs(&mut dur, &s.duration_us);
        let mut ctl = stats::new_hist();
        stats::hist_add_pairs(&mut ctl, &s.control_latency_us);
        StormReport {
            at_secs: e.at_secs,
            away_ms: e.away_ms,
            spread_ms: e.spread_ms,
            fraction: e.fraction,
            stormed: s.stormed,
            rejoined: s.rejoined,
            recovered_ok: s.recovered_ok,
            recovered_failed: s.recovered_failed,
            never_rejoined: s.stormed.saturating_sub(s.rejoined),
            missed_total: missed.iter().sum(),
            missed_per_member_p50: q(0.5),
            missed_per_member_max: missed.last().copied().unwrap_or(0),
            recovery_span_secs: if s.first_reconnect_ns == 0 {
                0.0
            } else {
                s.last_recovered_ns.saturating_sub(s.first_reconnect_ns) as f64 / 1e9
            },
            recovery_time: Percentiles::of_us(&dur),
            control_latency: Percentiles::of_us(&ctl),
        }
    });
    RecoveryReport {
        recover,
        reconnects: c.reconnects,
        rejoins_with_since: c.rejoins_with_since,
        rejoins_without_since: c.rejoins_without_since,
        recovered_ok: c.recovered_ok,
        recovered_failed: c.recovered_failed,
        missed_events: c.missed_events,
        recovered_deliveries: c.recovered_deliveries,
        recovered_deliveries_window: c.recovered_deliveries_window,
        recovery_overlap: c.recovery_overlap,
        early_pushes: c.early_pushes,
        early_pushes_dropped: c.early_pushes_dropped,
        storm,
    }
}

/// Table rows for the human-readable report.
pub fn rows(r: &RecoveryReport, pct: fn(&Percentiles) -> String) -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "reconnects",
        format!(
            "{} rejoined ({} with since, {} without{}) | recovered ok {} failed {} | missed events {} → recovered deliveries {} ({} of window messages) | overlap skipped {} | early pushes {}{}",
            r.reconnects,
            r.rejoins_with_since,
            r.rejoins_without_since,
            if r.recover { "" } else { ": --no-recover" },
            r.recovered_ok,
            r.recovered_failed,
            r.missed_events,
            r.recovered_deliveries,
            r.recovered_deliveries_window,
            r.recovery_overlap,
            r.early_pushes,
            if r.early_pushes_dropped > 0 {
                format!(" ({} dropped: over the bound)", r.early_pushes_dropped)
            } else {
                String::new()
            }
        ),
    )];
    if let Some(s) = &r.storm {
        let mut line = String::new();
        let _ = write!(
            line,
            "at +{} s, away {} ms, spread {} ms: {} stormed, {} rejoined ({} never), recovered ok {} failed {}; missed {} (per member p50 {} max {}); all recovered {:.2} s after the first reconnect",
            s.at_secs,
            s.away_ms,
            s.spread_ms,
            s.stormed,
            s.rejoined,
            s.never_rejoined,
            s.recovered_ok,
            s.recovered_failed,
            s.missed_total,
            s.missed_per_member_p50,
            s.missed_per_member_max,
            s.recovery_span_secs
        );
        out.push(("storm", line));
        out.push(("recovery time", pct(&s.recovery_time)));
        out.push(("control latency", pct(&s.control_latency)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_needs_a_seq_and_an_epoch() {
        let mut r = Rejoin::default();
        assert_eq!(r.since(Some(5)), None);
        r.epoch = Some("e1".into());
        assert_eq!(r.since(None), None);
        assert_eq!(r.since(Some(5)), Some((5, "e1")));
    }

    #[test]
    fn overlap_only_up_to_what_was_had() {
        let r = Rejoin {
            epoch: Some("e".into()),
            overlap_upto: Some(40),
        };
        assert!(r.is_overlap(39) && r.is_overlap(40));
        assert!(!r.is_overlap(41));
        assert!(!r.is_overlap(0), "counters events are outside the sequence");
        assert!(!Rejoin::default().is_overlap(3));
    }

    #[test]
    fn storm_figures_merge_and_summarize() {
        let a = RecoveryShared::default();
        a.storm.stormed.fetch_add(3, Relaxed);
        a.storm_recovered(1_000_000_000, 1_200_000_000, 100);
        a.storm_recovered(1_500_000_000, 2_000_000_000, 90);
        let b = RecoveryShared::default();
        b.storm.stormed.fetch_add(1, Relaxed);
        b.storm_recovered(1_100_000_000, 3_000_000_000, 120);
        b.storm.control_latency.record(1, 5_000);
        let mut m = a.counts();
        m.merge(&b.counts());
        assert_eq!(m.storm.first_reconnect_ns, 1_000_000_000);
        assert_eq!(m.storm.last_recovered_ns, 3_000_000_000);
        let r = report(
            &m,
            true,
            Some(StormEcho {
                at_secs: 5.0,
                away_ms: 2500,
                spread_ms: 2000,
                fraction: 0.9,
            }),
        );
        let s = r.storm.unwrap();
        assert_eq!((s.stormed, s.rejoined, s.never_rejoined), (4, 3, 1));
        assert_eq!(
            (s.missed_total, s.missed_per_member_p50, s.missed_per_member_max),
            (310, 100, 120)
        );
        assert!((s.recovery_span_secs - 2.0).abs() < 1e-9);
        assert_eq!(s.recovery_time.count, 3);
        assert!((s.recovery_time.max_ms - 1900.0).abs() < 2.0, "{:?}", s.recovery_time);
        assert_eq!(s.control_latency.count, 1);
        // An empty shard does not reset the first reconnect time.
        let mut e = RecoveryCounts::default();
        e.merge(&m);
        assert_eq!(e.storm.first_reconnect_ns, 1_000_000_000);
    }
}
