//! The connections of one listener that are not served yet (no upgrade, no
//! HTTP/2 preface): bounded, and at the bound the oldest is closed, so a
//! flood of half-open connections costs the attacker its own connections
//! and never a client that completes its request promptly.

use super::metrics;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_util::sync::CancellationToken;

type Capacity = Arc<dyn Fn() -> usize + Send + Sync>;

pub(crate) struct Pending {
    listener: &'static str,
    max: usize,
    capacity: Option<Capacity>,
    /// By admission order: the first entry is the oldest.
    table: Mutex<BTreeMap<u64, CancellationToken>>,
    next: AtomicU64,
}

impl Pending {
    pub fn new(listener: &'static str, max: usize, capacity: Option<Capacity>) -> Self {
        Self {
            listener,
            max,
            capacity,
            table: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
        }
    }

    /// Registers a new connection, closing the oldest pending ones while the
    /// listener is at its cap. The cap is `max`, lowered to what the service
    /// behind can still take (but at least one, so a full gateway still
    /// answers its 503).
    pub fn admit(self: &Arc<Self>) -> Slot {
        let cap = match &self.capacity {
            Some(room) => room().clamp(1, self.max),
            None => self.max,
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        let len = {
            let mut table = self.table.lock();
            while table.len() >= cap {
                let Some((_, oldest)) = table.pop_first() else { break };
                oldest.cancel();
                metrics::refused(self.listener, "evicted");
            }
            table.insert(id, token.clone());
            table.len()
        };
        ::metrics::gauge!(metrics::PENDING, "listener" => self.listener).set(len as f64);
        Slot {
            pending: self.clone(),
            id,
            evicted: token,
        }
    }

    fn remove(&self, id: u64) {
        let len = {
            let mut table = self.table.lock();
            table.remove(&id);
            table.len()
        };
        ::metrics::gauge!(metrics::PENDING, "listener" => self.listener).set(len as f64);
    }
}

/// One pending connection; dropping it (served, upgraded, closed) frees its place.
pub(crate) struct Slot {
    pending: Arc<Pending>,
    id: u64,
    evicted: CancellationToken,
}

impl Slot {
    /// Cancelled when the connection was closed to make room.
    pub fn evicted(&self) -> CancellationToken {
        self.evicted.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pending.remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_makes_room() {
        let p = Arc::new(Pending::new("http", 2, None));
        let a = p.admit();
        let b = p.admit();
        let c = p.admit();
        assert!(a.evicted().is_cancelled());
        assert!(!b.evicted().is_cancelled() && !c.evicted().is_cancelled());
        drop(b);
        let d = p.admit();
        assert!(!c.evicted().is_cancelled() && !d.evicted().is_cancelled());
    }

    #[test]
    fn the_service_capacity_lowers_the_cap_but_never_to_zero() {
        let p = Arc::new(Pending::new("http", 10, Some(Arc::new(|| 0))));
        let a = p.admit();
        let b = p.admit();
        assert!(a.evicted().is_cancelled());
        assert!(!b.evicted().is_cancelled());
    }
}
