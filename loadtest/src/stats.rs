//! Accounting shared by every target: sequence tracking (gaps, reordering,
//! duplicates), latency histograms and loss arithmetic.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// What one observed sequence number means relative to the previous one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeqObs {
    /// Numbers skipped (a jump from 4 to 7 is 2).
    pub gap: u64,
    /// Lower than the highest seen so far.
    pub reorder: bool,
    /// Equal to the highest seen so far.
    pub duplicate: bool,
}

/// Tracks one strictly increasing, gap-free sequence (a room's `seq` as
/// seen by one receiver). The first number observed sets the baseline.
#[derive(Debug, Default, Clone)]
pub struct SeqTracker {
    last: Option<u64>,
}

impl SeqTracker {
    /// The highest number seen so far.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    pub fn observe(&mut self, seq: u64) -> SeqObs {
        let Some(last) = self.last else {
            self.last = Some(seq);
            return SeqObs::default();
        };
        if seq == last {
            SeqObs {
                duplicate: true,
                ..Default::default()
            }
        } else if seq < last {
            SeqObs {
                reorder: true,
                ..Default::default()
            }
        } else {
            self.last = Some(seq);
            SeqObs {
                gap: seq - last - 1,
                ..Default::default()
            }
        }
    }
}

/// Tracks the per-sender sequence numbers one receiver sees from the
/// senders of its room (indexed by the sender's position in the room).
/// Sender sequences start at 0, so the first message seen from a sender is
/// compared against "nothing" and never counts as a gap (the receiver may
/// have joined after it started sending).
#[derive(Debug, Default, Clone)]
pub struct SenderTracker {
    /// last seq + 1 per sender; 0 = none seen yet.
    next: Vec<u64>,
}

impl SenderTracker {
    pub fn observe(&mut self, local_sender: usize, seq: u64) -> SeqObs {
        if self.next.len() <= local_sender {
            self.next.resize(local_sender + 1, 0);
        }
        let slot = &mut self.next[local_sender];
        if *slot == 0 {
            *slot = seq + 1;
            return SeqObs::default();
        }
        let last = *slot - 1;
        if seq == last {
            SeqObs {
                duplicate: true,
                ..Default::default()
            }
        } else if seq < last {
            SeqObs {
                reorder: true,
                ..Default::default()
            }
        } else {
            *slot = seq + 1;
            SeqObs {
                gap: seq - last - 1,
                ..Default::default()
            }
        }
    }
}

/// Highest value a histogram records: one hour in microseconds.
pub const HIST_MAX: u64 = 3_600_000_000;

pub fn new_hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX, 3).expect("valid histogram bounds")
}

/// Records `v` clamped into the histogram's range.
pub fn record(h: &mut Histogram<u64>, v: u64) {
    let _ = h.record(v.clamp(1, HIST_MAX));
}

/// A histogram as (value, count) pairs, for the worker → parent report.
pub fn hist_to_pairs(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect()
}

pub fn hist_add_pairs(h: &mut Histogram<u64>, pairs: &[(u64, u64)]) {
    for &(v, n) in pairs {
        let _ = h.record_n(v.clamp(1, HIST_MAX), n);
    }
}

/// Histograms sharded by a caller-chosen key to keep lock contention low.
pub struct ShardedHist {
    shards: Vec<Mutex<Histogram<u64>>>,
}

impl ShardedHist {
    pub fn new(n: usize) -> Self {
        Self {
            shards: (0..n.max(1)).map(|_| Mutex::new(new_hist())).collect(),
        }
    }

    pub fn record(&self, key: u64, v: u64) {
        let i = (key % self.shards.len() as u64) as usize;
        let mut h = self.shards[i].lock().unwrap_or_else(|e| e.into_inner());
        record(&mut h, v);
    }

    pub fn merged(&self) -> Histogram<u64> {
        let mut out = new_hist();
        for s in &self.shards {
            let h = s.lock().unwrap_or_else(|e| e.into_inner());
            let _ = out.add(&*h);
        }
        out
    }
}

/// Percentiles of a histogram of microseconds, reported in milliseconds.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Percentiles {
    pub fn of_us(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        }
    }
}

/// Deliveries expected from per-room accepted counts and per-room member
/// counts (members connected for the whole window).
pub fn expected_deliveries(accepted_per_room: &[u64], members_per_room: &[u64]) -> u64 {
    accepted_per_room
        .iter()
        .zip(members_per_room)
        .map(|(a, m)| a.saturating_mul(*m))
        .sum()
}

/// Loss figures: `lost` never goes negative; extra deliveries (duplicates)
/// show up as `excess` instead.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Loss {
    pub expected: u64,
    pub received: u64,
    pub lost: u64,
    pub excess: u64,
    pub loss_ratio: f64,
}

impl Loss {
    pub fn new(expected: u64, received: u64) -> Self {
        let lost = expected.saturating_sub(received);
        Self {
            expected,
            received,
            lost,
            excess: received.saturating_sub(expected),
            loss_ratio: if expected == 0 {
                0.0
            } else {
                lost as f64 / expected as f64
            },
        }
    }
}

/// Adds `b` into `a` element-wise, growing `a` as needed.
pub fn add_vec(a: &mut Vec<u64>, b: &[u64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_seq_gaps_reorders_duplicates() {
        let mut t = SeqTracker::default();
        let obs: Vec<SeqObs> = [10, 11, 14, 14, 12, 15].iter().map(|s| t.observe(*s)).collect();
        assert_eq!(obs[0], SeqObs::default());
        assert_eq!(obs[1], SeqObs::default());
        assert_eq!(obs[2].gap, 2);
        assert!(obs[3].duplicate);
        assert!(obs[4].reorder);
        assert_eq!(obs[5], SeqObs::default());
    }

    #[test]
    fn sender_seq_per_sender() {
        let mut t = SenderTracker::default();
        assert_eq!(t.observe(0, 5), SeqObs::default()); // first from sender 0
        assert_eq!(t.observe(2, 0), SeqObs::default()); // first from sender 2
        assert_eq!(t.observe(0, 6), SeqObs::default());
        assert_eq!(t.observe(0, 9).gap, 2);
        assert!(t.observe(0, 8).reorder);
        assert!(t.observe(2, 0).duplicate);
        assert_eq!(t.observe(2, 1), SeqObs::default());
    }

    #[test]
    fn percentiles_of_known_distribution() {
        let mut h = new_hist();
        for us in 1..=1000u64 {
            record(&mut h, us * 1000); // 1 ms .. 1000 ms
        }
        let p = Percentiles::of_us(&h);
        assert_eq!(p.count, 1000);
        let close = |a: f64, b: f64| (a - b).abs() / b < 0.01;
        assert!(close(p.p50_ms, 500.0), "{p:?}");
        assert!(close(p.p90_ms, 900.0), "{p:?}");
        assert!(close(p.p99_ms, 990.0), "{p:?}");
        assert!(close(p.p999_ms, 999.0), "{p:?}");
        assert!(close(p.max_ms, 1000.0), "{p:?}");
        assert_eq!(Percentiles::of_us(&new_hist()), Percentiles::default());
    }

    #[test]
    fn histogram_pairs_round_trip_and_merge() {
        let mut a = new_hist();
        for v in [5u64, 5, 70, 1_000_000, 0, u64::MAX] {
            record(&mut a, v);
        }
        let mut b = new_hist();
        hist_add_pairs(&mut b, &hist_to_pairs(&a));
        assert_eq!(a.len(), b.len());
        assert_eq!(a.max(), b.max());
        assert_eq!(a.value_at_quantile(0.5), b.value_at_quantile(0.5));
        let s = ShardedHist::new(4);
        for k in 0..100 {
            s.record(k, 10);
        }
        assert_eq!(s.merged().len(), 100);
    }

    #[test]
    fn loss_accounting() {
        // Room 0: 10 accepted × 3 members; room 1: 4 × 2; room 2: 5 × 0.
        let exp = expected_deliveries(&[10, 4, 5], &[3, 2, 0]);
        assert_eq!(exp, 38);
        let l = Loss::new(exp, 36);
        assert_eq!((l.lost, l.excess), (2, 0));
        assert!((l.loss_ratio - 2.0 / 38.0).abs() < 1e-12);
        let l = Loss::new(10, 12);
        assert_eq!((l.lost, l.excess, l.loss_ratio), (0, 2, 0.0));
        assert_eq!(Loss::new(0, 0).loss_ratio, 0.0);
        let mut v = vec![1, 2];
        add_vec(&mut v, &[1, 1, 1]);
        assert_eq!(v, vec![2, 3, 1]);
    }
}
