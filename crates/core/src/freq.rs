//! Per-room frequency control with priorities (AVChatRoom semantics), and the
//! room sequence counter it guards.
//!
//! Each room has a cap per one-second window (default 40). Over the cap,
//! higher priority wins: a lower-priority message is admitted only if the
//! window still has room after reserving what higher priorities asked for in
//! the previous window (plus a margin, see `expected_demand`). That keeps
//! high-priority traffic (gifts, kicks)
//! flowing during a flood without adding any delay. Normal, Low and Lowest
//! also have their own sub-cap per window; High and privileged senders
//! (owner, admins, the app admin) are exempt from the sub-cap.

use crate::model::Priority;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrequencyOptions {
    /// Messages per second per room, all priorities together.
    pub room_cap_per_sec: u32,
    /// Per-priority sub-caps for Normal, Low and Lowest.
    pub normal_cap_per_sec: u32,
    pub low_cap_per_sec: u32,
    pub lowest_cap_per_sec: u32,
}

impl Default for FrequencyOptions {
    fn default() -> Self {
        Self {
            room_cap_per_sec: 40,
            normal_cap_per_sec: 40,
            low_cap_per_sec: 40,
            lowest_cap_per_sec: 40,
        }
    }
}

impl FrequencyOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        for (name, v) in [
            ("room_cap_per_sec", self.room_cap_per_sec),
            ("normal_cap_per_sec", self.normal_cap_per_sec),
            ("low_cap_per_sec", self.low_cap_per_sec),
            ("lowest_cap_per_sec", self.lowest_cap_per_sec),
        ] {
            if v == 0 || v > 1_000_000 {
                return Err(format!("frequency.{name} must be 1..=1000000"));
            }
        }
        Ok(())
    }

    /// One cap for the room and every sub-cap (tests).
    #[cfg(test)]
    pub(crate) fn uniform(cap: u32) -> Self {
        Self {
            room_cap_per_sec: cap,
            normal_cap_per_sec: cap,
            low_cap_per_sec: cap,
            lowest_cap_per_sec: cap,
        }
    }

    fn sub_cap(&self, p: Priority) -> Option<u32> {
        match p {
            Priority::High => None,
            Priority::Normal => Some(self.normal_cap_per_sec),
            Priority::Low => Some(self.low_cap_per_sec),
            Priority::Lowest => Some(self.lowest_cap_per_sec),
        }
    }
}
/// What a priority is expected to ask for this window, given what it asked
/// for in the last one: that plus about two standard deviations of a Poisson
/// arrival count (2·√n + 2), at most the cap. Mirrored in the Redis
/// admission script.
pub fn expected_demand(prev_offered: u32, cap: u32) -> u32 {
    if prev_offered == 0 {
        return 0;
    }
    prev_offered
        .saturating_add(2 * prev_offered.isqrt())
        .saturating_add(2)
        .min(cap)
}

/// One room's window state; pure logic, testable with any clock.
#[derive(Debug, Default, Clone)]
pub struct FreqWindow {
    window: i64,
    admitted: [u32; 4],
    offered: [u32; 4],
    prev_offered: [u32; 4],
    total: u32,
}

impl FreqWindow {
    pub fn admit(&mut self, opts: &FrequencyOptions, priority: Priority, privileged: bool, now_ms: i64) -> bool {
        let window = now_ms.div_euclid(1000);
        if window != self.window {
            self.prev_offered = if window == self.window + 1 {
                self.offered
            } else {
                [0; 4]
            };
            self.window = window;
            self.admitted = [0; 4];
            self.offered = [0; 4];
            self.total = 0;
        }
        let p = priority.index();
        self.offered[p] = self.offered[p].saturating_add(1);
        if !privileged
            && let Some(cap) = opts.sub_cap(priority)
            && self.admitted[p] >= cap
        {
            return false;
        }
        let cap = opts.room_cap_per_sec;
        // Capacity still expected to be claimed this window by higher
        // priorities: last window's demand plus a margin, because demand
        // fluctuates from one second to the next.
        let reserved: u32 = (0..p)
            .map(|q| expected_demand(self.prev_offered[q], cap).saturating_sub(self.admitted[q]))
            .sum();
        if self.total.saturating_add(reserved) >= cap {
            return false;
        }
        self.admitted[p] += 1;
        self.total += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(cap: u32) -> FrequencyOptions {
        FrequencyOptions::uniform(cap)
    }

    #[test]
    fn caps_each_window() {
        let o = opts(40);
        let mut w = FreqWindow::default();
        let admitted = (0..100).filter(|_| w.admit(&o, Priority::Normal, false, 1_000)).count();
        assert_eq!(admitted, 40);
        assert!(w.admit(&o, Priority::Normal, false, 2_000));
    }

    #[test]
    fn high_priority_keeps_its_share_during_a_flood() {
        let o = opts(40);
        let mut w = FreqWindow::default();
        // Steady state: each second 10 High and 200 Low arrive, Low first.
        let mut high_ok = 0;
        let mut total_ok = 0;
        for sec in 0..10i64 {
            let t = sec * 1000;
            for _ in 0..200 {
                total_ok += w.admit(&o, Priority::Low, false, t) as u32;
            }
            for _ in 0..10 {
                let ok = w.admit(&o, Priority::High, false, t + 500);
                total_ok += ok as u32;
                if sec > 0 {
                    high_ok += ok as u32;
                }
            }
        }
        assert_eq!(
            high_ok, 90,
            "every high-priority message after the first window is admitted"
        );
        assert!(total_ok <= 400, "the room cap holds: {total_ok}");
    }

    #[test]
    fn fluctuating_high_demand_is_still_admitted() {
        let o = opts(40);
        let mut w = FreqWindow::default();
        // High demand alternates 20 and 24 per second (always below the cap)
        // while Normal floods first in every window.
        let mut high_dropped = 0;
        for sec in 0..20i64 {
            let t = sec * 1000;
            for _ in 0..300 {
                w.admit(&o, Priority::Normal, false, t);
            }
            let highs = if sec % 2 == 0 { 20 } else { 24 };
            for _ in 0..highs {
                if !w.admit(&o, Priority::High, false, t + 500) && sec > 0 {
                    high_dropped += 1;
                }
            }
        }
        assert_eq!(high_dropped, 0);
    }

    #[test]
    fn sub_cap_applies_but_not_to_privileged() {
        let o = FrequencyOptions {
            room_cap_per_sec: 100,
            normal_cap_per_sec: 5,
            low_cap_per_sec: 5,
            lowest_cap_per_sec: 5,
        };
        let mut w = FreqWindow::default();
        assert_eq!((0..10).filter(|_| w.admit(&o, Priority::Normal, false, 0)).count(), 5);
        assert_eq!((0..10).filter(|_| w.admit(&o, Priority::Normal, true, 0)).count(), 10);
        assert_eq!((0..10).filter(|_| w.admit(&o, Priority::High, false, 0)).count(), 10);
    }
}
