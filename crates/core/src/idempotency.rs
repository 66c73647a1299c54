//! Idempotent send: a resend with the same client message key inside the
//! window returns the first result and is never delivered twice.

use crate::ids::AppId;
use crate::limits::IDEMPOTENCY_WINDOW_MS;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    Delivered {
        seq: u64,
        time_ms: i64,
    },
    /// Dropped by room frequency control.
    Dropped {
        time_ms: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    app: AppId,
    sender: String,
    room: String,
    msg_key: String,
}

enum Slot {
    InFlight(watch::Receiver<Option<SendOutcome>>),
    Done(SendOutcome),
}

struct Inner {
    map: HashMap<Key, (Slot, i64)>,
    /// Insertion order, for expiry and for the size bound.
    order: VecDeque<(Key, i64)>,
}

/// Bounded in time (the window) and in entries (oldest evicted first).
#[derive(Clone)]
pub struct IdempotencyCache {
    inner: Arc<Mutex<Inner>>,
    max_entries: usize,
}

pub enum Claim {
    /// First sighting: do the work, then `complete` (or drop to release).
    New(ClaimGuard),
    /// Already done: return this.
    Done(SendOutcome),
    /// The first copy is still being processed: wait for it.
    InFlight(watch::Receiver<Option<SendOutcome>>),
}

pub struct ClaimGuard {
    cache: IdempotencyCache,
    key: Key,
    tx: Option<watch::Sender<Option<SendOutcome>>>,
}

impl ClaimGuard {
    pub fn complete(mut self, outcome: SendOutcome) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Some(outcome));
            let mut inner = self.cache.inner.lock();
            if let Some(entry) = inner.map.get_mut(&self.key) {
                entry.0 = Slot::Done(outcome);
            }
        }
    }
}

impl Drop for ClaimGuard {
    /// Not completed (the send failed): forget the key so a retry runs again.
    fn drop(&mut self) {
        if self.tx.is_some() {
            self.cache.inner.lock().map.remove(&self.key);
        }
    }
}

impl IdempotencyCache {
    pub fn new(max_entries: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
            })),
            max_entries: max_entries.max(1),
        }
    }

    pub fn claim(&self, app: AppId, sender: &str, room: &str, msg_key: &str, now_ms: i64) -> Claim {
        let key = Key {
            app,
            sender: sender.into(),
            room: room.into(),
            msg_key: msg_key.into(),
        };
        let mut inner = self.inner.lock();
        Self::expire(&mut inner, now_ms, self.max_entries);
        if let Some((slot, _)) = inner.map.get(&key) {
            return match slot {
                Slot::Done(o) => Claim::Done(*o),
                Slot::InFlight(rx) => Claim::InFlight(rx.clone()),
            };
        }
        let (tx, rx) = watch::channel(None);
        inner.map.insert(key.clone(), (Slot::InFlight(rx), now_ms));
        inner.order.push_back((key.clone(), now_ms));
        Claim::New(ClaimGuard {
            cache: self.clone(),
            key,
            tx: Some(tx),
        })
    }

    fn expire(inner: &mut Inner, now_ms: i64, max_entries: usize) {
        while let Some((key, at)) = inner.order.front() {
            let too_old = now_ms - *at > IDEMPOTENCY_WINDOW_MS;
            if !too_old && inner.order.len() < max_entries {
                break;
            }
            let (key, at) = (key.clone(), *at);
            inner.order.pop_front();
            // Only remove the map entry if it is the same generation.
            if inner.map.get(&key).is_some_and(|(_, t)| *t == at) {
                inner.map.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_claim_sees_first_result() {
        let c = IdempotencyCache::new(10);
        let Claim::New(g) = c.claim(1, "a", "r", "k", 0) else {
            panic!("first claim must be new")
        };
        assert!(matches!(c.claim(1, "a", "r", "k", 1), Claim::InFlight(_)));
        g.complete(SendOutcome::Delivered { seq: 7, time_ms: 0 });
        assert!(matches!(
            c.claim(1, "a", "r", "k", 2),
            Claim::Done(SendOutcome::Delivered { seq: 7, .. })
        ));
        assert!(matches!(c.claim(1, "b", "r", "k", 2), Claim::New(_)));
    }

    #[test]
    fn expires_and_releases() {
        let c = IdempotencyCache::new(10);
        let Claim::New(g) = c.claim(1, "a", "r", "k", 0) else {
            panic!()
        };
        drop(g);
        let Claim::New(g) = c.claim(1, "a", "r", "k", 1) else {
            panic!("released key is new again")
        };
        g.complete(SendOutcome::Dropped { time_ms: 1 });
        assert!(matches!(
            c.claim(1, "a", "r", "k", IDEMPOTENCY_WINDOW_MS),
            Claim::Done(_)
        ));
        assert!(matches!(
            c.claim(1, "a", "r", "k", IDEMPOTENCY_WINDOW_MS + 2),
            Claim::New(_)
        ));
    }

    #[test]
    fn bounded_by_entries() {
        let c = IdempotencyCache::new(3);
        for i in 0..10 {
            if let Claim::New(g) = c.claim(1, "a", "r", &i.to_string(), 0) {
                g.complete(SendOutcome::Dropped { time_ms: 0 });
            }
        }
        assert!(c.len() <= 3);
    }
}
