//! How often a room delivers: the pacing window and what is held meanwhile.
//!
//! Separate from the room task so the window arithmetic, which decides what
//! a busy room costs, can be read and tested on its own.

use super::FanoutOptions;
use super::registry::LocalRoom;
use super::round::deliver;
use bytes::Bytes;
use std::time::Duration;
use tokio::time::Instant;

/// Fan-out pacing: a room that is idle is delivered to at once; a busy room
/// (its last delivery less than `window` ago) gathers events until `window`
/// has passed and delivers them together, so each member gets one write
/// carrying several events instead of one write per event.
///
/// The window scales with the room's local audience: the full window from
/// `full_members` members up, proportionally less below. A round costs about
/// one socket write per member, so this caps what one busy room can cost
/// (a share of a core, whatever its size) while small rooms, whose rounds
/// are cheap, are not held back.
pub(super) struct Pacer {
    room: String,
    full_window: Duration,
    full_members: usize,
    window: Duration,
    max_held: usize,
    last_flush: Option<Instant>,
    held: Vec<Bytes>,
}

impl Pacer {
    pub(super) fn new(room: String, opts: &FanoutOptions) -> Self {
        Self {
            room,
            full_window: opts.batch_window,
            full_members: opts.batch_full_members,
            window: Duration::ZERO,
            max_held: opts.max_per_frame,
            last_flush: None,
            held: Vec::new(),
        }
    }

    fn window_for(&self, members: usize) -> Duration {
        if members >= self.full_members {
            self.full_window
        } else {
            self.full_window.mul_f64(members as f64 / self.full_members as f64)
        }
    }

    pub(super) fn due(&self) -> Option<Instant> {
        match (self.held.is_empty(), self.last_flush) {
            (false, Some(t)) => Some(t + self.window),
            _ => None,
        }
    }

    pub(super) fn hold(&mut self, events: Vec<Bytes>) {
        self.held.extend(events);
    }

    /// Delivers what is held unless the room is busy; a full frame's worth
    /// goes out at once, so pacing never builds bursts larger than one push.
    pub(super) fn settle(&mut self, local: &LocalRoom, now: Instant) {
        let busy = self.last_flush.is_some_and(|t| now < t + self.window);
        if !busy || self.held.len() >= self.max_held {
            self.flush(local, now);
        }
    }

    pub(super) fn flush(&mut self, local: &LocalRoom, now: Instant) {
        if !self.held.is_empty() {
            let members = deliver(local, &self.room, std::mem::take(&mut self.held), self.max_held);
            self.window = self.window_for(members);
            self.last_flush = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing_window_scales_with_the_local_audience() {
        let p = Pacer {
            room: "r".into(),
            full_window: Duration::from_millis(100),
            full_members: 10_000,
            window: Duration::ZERO,
            max_held: 64,
            last_flush: None,
            held: Vec::new(),
        };
        assert_eq!(p.window_for(0), Duration::ZERO);
        assert_eq!(p.window_for(100), Duration::from_millis(1));
        assert_eq!(p.window_for(5_000), Duration::from_millis(50));
        assert_eq!(p.window_for(10_000), Duration::from_millis(100));
        assert_eq!(p.window_for(19_500), Duration::from_millis(100));
    }
}
