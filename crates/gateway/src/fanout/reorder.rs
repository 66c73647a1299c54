//! Restores room sequence order at the gateway. In cluster mode several
//! moderators publish a room's events, so two events can reach NATS in the
//! opposite order of their sequence numbers; members must still see them in
//! sequence order. Events after a gap wait for it at most `window` (the
//! missing one may never come, e.g. a moderator died between sequencing and
//! publishing), and at most `max_held` events wait at once.

use bytes::Bytes;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

pub struct Reorder {
    next: Option<u64>,
    held: BTreeMap<u64, Bytes>,
    since: Option<Instant>,
    window: Duration,
    max_held: usize,
}

impl Reorder {
    pub fn new(window: Duration, max_held: usize) -> Self {
        Self {
            next: None,
            held: BTreeMap::new(),
            since: None,
            window,
            max_held: max_held.max(1),
        }
    }

    /// Accepts one event; returns the events now deliverable, in order.
    /// `seq == 0` marks events outside the sequence (delivered at once).
    pub fn push(&mut self, seq: u64, event: Bytes, now: Instant) -> Vec<Bytes> {
        let mut out = Vec::new();
        match self.next {
            _ if seq == 0 => out.push(event),
            // The first event this gateway sees for the room sets the baseline.
            None => {
                self.next = Some(seq + 1);
                out.push(event);
            }
            // Too late to reorder (already skipped past it): deliver anyway.
            Some(n) if seq < n => out.push(event),
            Some(n) if seq == n => {
                self.next = Some(n + 1);
                out.push(event);
                self.release_contiguous(&mut out);
            }
            Some(_) => {
                self.held.insert(seq, event);
                self.since.get_or_insert(now);
                if self.held.len() > self.max_held {
                    self.flush(&mut out);
                }
            }
        }
        if self.held.is_empty() {
            self.since = None;
        }
        out
    }

    /// The missing `seq`s the held events wait for (first, last), if any.
    pub fn gap(&self) -> Option<(u64, u64)> {
        let next = self.next?;
        let (&first_held, _) = self.held.first_key_value()?;
        (first_held > next).then(|| (next, first_held - 1))
    }

    /// When held events must be released if the gap has not filled.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|s| s + self.window)
    }

    /// Gives up on the gap: releases everything held, in order.
    pub fn expire(&mut self) -> Vec<Bytes> {
        let mut out = Vec::new();
        self.flush(&mut out);
        out
    }

    fn release_contiguous(&mut self, out: &mut Vec<Bytes>) {
        while let Some(n) = self.next {
            match self.held.remove(&n) {
                Some(e) => {
                    out.push(e);
                    self.next = Some(n + 1);
                }
                None => break,
            }
        }
    }

    fn flush(&mut self, out: &mut Vec<Bytes>) {
        if let Some((&last, _)) = self.held.last_key_value() {
            self.next = Some(last + 1);
        }
        out.extend(std::mem::take(&mut self.held).into_values());
        self.since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(n: u64) -> Bytes {
        Bytes::from(n.to_string())
    }

    fn seqs(v: Vec<Bytes>) -> Vec<u64> {
        v.iter()
            .map(|b| std::str::from_utf8(b).unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn restores_order_and_releases_on_fill() {
        let now = Instant::now();
        let mut r = Reorder::new(Duration::from_millis(500), 100);
        assert_eq!(seqs(r.push(5, b(5), now)), [5]);
        assert_eq!(seqs(r.push(7, b(7), now)), Vec::<u64>::new());
        assert_eq!(seqs(r.push(8, b(8), now)), Vec::<u64>::new());
        assert!(r.deadline().is_some());
        assert_eq!(seqs(r.push(6, b(6), now)), [6, 7, 8]);
        assert!(r.deadline().is_none());
        assert_eq!(seqs(r.push(9, b(9), now)), [9]);
        assert_eq!(seqs(r.push(0, b(0), now)), [0]);
    }

    #[test]
    fn names_the_gap_that_history_can_fill() {
        let now = Instant::now();
        let mut r = Reorder::new(Duration::from_millis(500), 100);
        assert_eq!(r.gap(), None);
        r.push(1, b(1), now);
        assert_eq!(r.gap(), None);
        r.push(5, b(5), now);
        r.push(7, b(7), now);
        assert_eq!(r.gap(), Some((2, 4)), "up to the first held event");
        // Filling it (as from the room's history) releases everything in order.
        assert_eq!(seqs(r.push(2, b(2), now)), [2]);
        assert_eq!(seqs(r.push(3, b(3), now)), [3]);
        assert_eq!(seqs(r.push(4, b(4), now)), [4, 5]);
        assert_eq!(r.gap(), Some((6, 6)));
    }

    #[test]
    fn gives_up_on_a_gap_after_the_window_or_the_bound() {
        let now = Instant::now();
        let mut r = Reorder::new(Duration::from_millis(500), 2);
        r.push(1, b(1), now);
        r.push(3, b(3), now);
        assert_eq!(r.deadline(), Some(now + Duration::from_millis(500)));
        assert_eq!(seqs(r.expire()), [3]);
        assert_eq!(seqs(r.push(4, b(4), now)), [4]);
        assert_eq!(seqs(r.push(2, b(2), now)), [2], "late events are still delivered");
        r.push(6, b(6), now);
        r.push(7, b(7), now);
        assert_eq!(
            seqs(r.push(8, b(8), now)),
            [6, 7, 8],
            "over the bound everything is released"
        );
    }
}
