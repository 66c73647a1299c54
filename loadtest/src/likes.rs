//! Likes mode (`--likes`): senders send `increaseCounter {key: "likes",
//! value: 1}` at the paced rate; receivers count the room's `counters`
//! pushes (seq 0, pushed at most once per publish interval) and the newest
//! `likes` value each saw.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

pub const KEY: &str = "likes";

pub struct LikesShared {
    pub sent: AtomicU64,
    pub sent_w: AtomicU64,
    pub accepted: AtomicU64,
    pub accepted_w: AtomicU64,
    pub refused: Mutex<BTreeMap<String, u64>>,
    /// Smallest and largest `value` in the accepted replies (i64::MAX / MIN: none).
    pub reply_min: AtomicI64,
    pub reply_max: AtomicI64,
    pub pushes: AtomicU64,
    /// Pushes whose receive time fell in the window.
    pub pushes_w: AtomicU64,
    /// Largest of the members' newest `likes` values (i64::MIN: none seen).
    pub seen_max: AtomicI64,
    /// Smallest of the members' newest `likes` values at the end.
    pub final_min: AtomicI64,
}

impl Default for LikesShared {
    fn default() -> Self {
        Self {
            sent: AtomicU64::new(0),
            sent_w: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            accepted_w: AtomicU64::new(0),
            refused: Mutex::new(BTreeMap::new()),
            reply_min: AtomicI64::new(i64::MAX),
            reply_max: AtomicI64::new(i64::MIN),
            pushes: AtomicU64::new(0),
            pushes_w: AtomicU64::new(0),
            seen_max: AtomicI64::new(i64::MIN),
            final_min: AtomicI64::new(i64::MAX),
        }
    }
}

/// One member's view of the counter: the newest `counters` event by `time`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Seen {
    pub time: u64,
    pub value: Option<i64>,
}

impl Seen {
    /// Applies a `counters` event; true when it was the newest so far.
    pub fn apply(&mut self, time: u64, likes: i64) -> bool {
        if self.value.is_some() && time < self.time {
            return false;
        }
        self.time = time;
        self.value = Some(likes);
        true
    }
}

impl LikesShared {
    pub fn reply(&self, code: i64, value: Option<i64>, in_window: bool) {
        if code == 0 {
            self.accepted.fetch_add(1, Relaxed);
            if in_window {
                self.accepted_w.fetch_add(1, Relaxed);
            }
            if let Some(v) = value {
                self.reply_min.fetch_min(v, Relaxed);
                self.reply_max.fetch_max(v, Relaxed);
            }
        } else {
            *self
                .refused
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(code.to_string())
                .or_default() += 1;
        }
    }

    /// A member's connection ended for good: its newest value counts for the final figure.
    pub fn member_final(&self, seen: &Seen) {
        if let Some(v) = seen.value {
            self.final_min.fetch_min(v, Relaxed);
        }
    }

    pub fn counts(&self) -> LikesCounts {
        let opt = |v: i64, none: i64| (v != none).then_some(v);
        LikesCounts {
            sent: self.sent.load(Relaxed),
            sent_window: self.sent_w.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            accepted_window: self.accepted_w.load(Relaxed),
            refused: self.refused.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            reply_value_min: opt(self.reply_min.load(Relaxed), i64::MAX),
            reply_value_max: opt(self.reply_max.load(Relaxed), i64::MIN),
            pushes: self.pushes.load(Relaxed),
            pushes_window: self.pushes_w.load(Relaxed),
            seen_max: opt(self.seen_max.load(Relaxed), i64::MIN),
            final_min: opt(self.final_min.load(Relaxed), i64::MAX),
        }
    }
}

/// One process's likes figures (merged across workers).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct LikesCounts {
    pub sent: u64,
    pub sent_window: u64,
    pub accepted: u64,
    pub accepted_window: u64,
    /// Refused increases by error code.
    pub refused: BTreeMap<String, u64>,
    pub reply_value_min: Option<i64>,
    pub reply_value_max: Option<i64>,
    pub pushes: u64,
    pub pushes_window: u64,
    pub seen_max: Option<i64>,
    pub final_min: Option<i64>,
}

fn merge_opt(a: Option<i64>, b: Option<i64>, f: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, y) => x.or(y),
    }
}

impl LikesCounts {
    pub fn merge(&mut self, o: &LikesCounts) {
        self.sent += o.sent;
        self.sent_window += o.sent_window;
        self.accepted += o.accepted;
        self.accepted_window += o.accepted_window;
        for (k, v) in &o.refused {
            *self.refused.entry(k.clone()).or_default() += v;
        }
        self.reply_value_min = merge_opt(self.reply_value_min, o.reply_value_min, i64::min);
        self.reply_value_max = merge_opt(self.reply_value_max, o.reply_value_max, i64::max);
        self.pushes += o.pushes;
        self.pushes_window += o.pushes_window;
        self.seen_max = merge_opt(self.seen_max, o.seen_max, i64::max);
        self.final_min = merge_opt(self.final_min, o.final_min, i64::min);
    }
}

/// The report's `likes` section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LikesReport {
    /// `increaseCounter` requests over the whole run (warm-up included) and in the window.
    pub sent: u64,
    pub sent_window: u64,
    pub accepted: u64,
    pub accepted_window: u64,
    pub accepted_per_sec: f64,
    pub refused: BTreeMap<String, u64>,
    /// The counter before the run: the smallest accepted reply value − 1.
    pub value_before: Option<i64>,
    /// The largest accepted reply value (the counter after the last increase).
    pub value_after: Option<i64>,
    /// value_after − value_before: should equal `accepted` when the room was used by this run alone.
    pub increase_by_replies: Option<i64>,
    /// The newest `likes` a member saw in a `counters` push: the largest and the smallest over members.
    pub final_seen_max: Option<i64>,
    pub final_seen_min: Option<i64>,
    /// `counters` pushes received by all members (whole run, and with receive time in the window).
    pub pushes: u64,
    pub pushes_window: u64,
    /// pushes_window ÷ stable members ÷ window seconds (≈ 1/publish interval when the counter changes every interval).
    pub pushes_per_member_per_sec: f64,
}

pub fn report(c: &LikesCounts, members: u64, window_secs: f64) -> LikesReport {
    let before = c.reply_value_min.map(|v| v - 1);
    LikesReport {
        sent: c.sent,
        sent_window: c.sent_window,
        accepted: c.accepted,
        accepted_window: c.accepted_window,
        accepted_per_sec: c.accepted_window as f64 / window_secs.max(1e-9),
        refused: c.refused.clone(),
        value_before: before,
        value_after: c.reply_value_max,
        increase_by_replies: before.zip(c.reply_value_max).map(|(b, a)| a - b),
        final_seen_max: c.seen_max,
        final_seen_min: c.final_min,
        pushes: c.pushes,
        pushes_window: c.pushes_window,
        pushes_per_member_per_sec: if members == 0 {
            0.0
        } else {
            c.pushes_window as f64 / members as f64 / window_secs.max(1e-9)
        },
    }
}

pub fn row(r: &LikesReport) -> String {
    let o = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or("-".into());
    format!(
        "sent {} ({} in window)  accepted {} ({} in window, {:.0}/s)  refused {:?} | counter {} → {} by replies (+{}), newest seen by members {}..{} | counters pushes {} ({} in window, {:.2} per member per s)",
        r.sent,
        r.sent_window,
        r.accepted,
        r.accepted_window,
        r.accepted_per_sec,
        r.refused,
        o(r.value_before),
        o(r.value_after),
        o(r.increase_by_replies),
        o(r.final_seen_min),
        o(r.final_seen_max),
        r.pushes,
        r.pushes_window,
        r.pushes_per_member_per_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_counters_event_wins() {
        let mut s = Seen::default();
        assert!(s.apply(10, 5));
        assert!(!s.apply(9, 4), "older event ignored");
        assert!(s.apply(11, 7));
        assert_eq!(s.value, Some(7));
    }

    #[test]
    fn replies_pushes_and_merge() {
        let a = LikesShared::default();
        a.sent.fetch_add(3, Relaxed);
        a.reply(0, Some(101), true);
        a.reply(0, Some(102), false);
        a.reply(10007, None, true);
        a.pushes_w.fetch_add(20, Relaxed);
        a.seen_max.fetch_max(102, Relaxed);
        a.member_final(&Seen {
            time: 1,
            value: Some(101),
        });
        let b = LikesShared::default();
        b.reply(0, Some(103), true);
        b.pushes_w.fetch_add(20, Relaxed);
        let mut m = a.counts();
        m.merge(&b.counts());
        let r = report(&m, 4, 5.0);
        assert_eq!((r.accepted, r.accepted_window), (3, 2));
        assert_eq!(r.refused["10007"], 1);
        assert_eq!(
            (r.value_before, r.value_after, r.increase_by_replies),
            (Some(100), Some(103), Some(3))
        );
        assert_eq!((r.final_seen_min, r.final_seen_max), (Some(101), Some(102)));
        assert!((r.pushes_per_member_per_sec - 2.0).abs() < 1e-12);
        assert!(row(&r).contains("100 → 103"));
    }
}
