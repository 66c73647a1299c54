//! The gateway-wide budget for bytes held in incoming buffers.
//!
//! Each connection keeps a small read buffer at rest; only what it grows
//! beyond that (a large message, or one not finished yet) is charged here.
//! Without a shared cap, many sockets each holding an unfinished message of
//! just under the frame limit pin memory proportional to their number.

use crate::metrics as m;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct IncomingBudget {
    max: usize,
    used: AtomicUsize,
}

impl IncomingBudget {
    pub fn new(max: usize) -> Self {
        metrics::gauge!(m::INCOMING_BUFFER_BYTES).set(0.0);
        Self {
            max,
            used: AtomicUsize::new(0),
        }
    }

    /// No cap (unit tests, the fuzz entry point, the test-only echo route).
    pub fn unlimited() -> Self {
        Self::new(usize::MAX)
    }

    /// Charges `n` more bytes; false (and nothing charged) past the cap.
    pub fn try_grow(&self, n: usize) -> bool {
        let ok = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                u.checked_add(n).filter(|t| *t <= self.max)
            })
            .is_ok();
        if ok {
            metrics::gauge!(m::INCOMING_BUFFER_BYTES).increment(n as f64);
        }
        ok
    }

    pub fn shrink(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::Relaxed);
        metrics::gauge!(m::INCOMING_BUFFER_BYTES).decrement(n as f64);
    }

    #[cfg(test)]
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}
