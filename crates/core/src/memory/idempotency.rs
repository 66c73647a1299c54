//! In-process idempotency for standalone mode.

use crate::error::Result;
use crate::limits::IDEMPOTENCY_WINDOW_MS;
use crate::ports::idempotency::{IdemClaim, IdemKey, Idempotency, SendOutcome};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use tokio::sync::watch;

enum Slot {
    InFlight(watch::Sender<Option<SendOutcome>>, u64),
    Done(SendOutcome),
}

struct Inner {
    map: HashMap<IdemKey, (Slot, i64)>,
    /// Insertion order, for expiry and for the size bound.
    order: VecDeque<(IdemKey, i64)>,
}

/// Bounded in time (the window) and in entries (oldest evicted first).
pub struct MemoryIdempotency {
    inner: Mutex<Inner>,
    max_entries: usize,
}

impl MemoryIdempotency {
    pub fn new(max_entries: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
            max_entries: max_entries.max(1),
        }
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

#[async_trait]
impl Idempotency for MemoryIdempotency {
    async fn claim(&self, key: &IdemKey, now_ms: i64) -> Result<IdemClaim> {
        loop {
            let mut rx = {
                let mut inner = self.inner.lock();
                Self::expire(&mut inner, now_ms, self.max_entries);
                match inner.map.get(key) {
                    Some((Slot::Done(o), _)) => return Ok(IdemClaim::Done(*o)),
                    Some((Slot::InFlight(tx, _), _)) => tx.subscribe(),
                    None => {
                        let (tx, _) = watch::channel(None);
                        let token = rand::random::<u64>();
                        inner.map.insert(key.clone(), (Slot::InFlight(tx, token), now_ms));
                        inner.order.push_back((key.clone(), now_ms));
                        return Ok(IdemClaim::New(token));
                    }
                }
            };
            // Released attempts drop the sender; then claim again.
            if let Ok(v) = rx.wait_for(Option::is_some).await
                && let Some(o) = *v
            {
                return Ok(IdemClaim::Done(o));
            }
        }
    }

    async fn complete(&self, key: &IdemKey, token: u64, outcome: SendOutcome) -> Result<()> {
        let mut inner = self.inner.lock();
        if let Some((slot, _)) = inner.map.get_mut(key)
            && let Slot::InFlight(tx, t) = slot
            && *t == token
        {
            let _ = tx.send(Some(outcome));
            *slot = Slot::Done(outcome);
        }
        Ok(())
    }

    async fn release(&self, key: &IdemKey, token: u64) -> Result<()> {
        let mut inner = self.inner.lock();
        if matches!(inner.map.get(key), Some((Slot::InFlight(_, t), _)) if *t == token) {
            inner.map.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sender: &str, k: &str) -> IdemKey {
        IdemKey {
            app: 1,
            sender: sender.into(),
            room: "r".into(),
            msg_key: k.into(),
        }
    }

    async fn new_claim(c: &MemoryIdempotency, k: &IdemKey, now: i64) -> u64 {
        match c.claim(k, now).await.unwrap() {
            IdemClaim::New(t) => t,
            other => panic!("expected a new claim, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn second_claim_waits_for_and_sees_first_result() {
        let c = std::sync::Arc::new(MemoryIdempotency::new(10));
        let token = new_claim(&c, &key("a", "k"), 0).await;
        let c2 = c.clone();
        let waiter = tokio::spawn(async move { c2.claim(&key("a", "k"), 1).await.unwrap() });
        tokio::task::yield_now().await;
        let done = SendOutcome::Delivered { seq: 7, time_ms: 0 };
        // Only the holder of the claim may settle it.
        c.complete(&key("a", "k"), token.wrapping_add(1), done).await.unwrap();
        c.complete(&key("a", "k"), token, done).await.unwrap();
        assert_eq!(waiter.await.unwrap(), IdemClaim::Done(done));
        assert_eq!(c.claim(&key("a", "k"), 2).await.unwrap(), IdemClaim::Done(done));
        new_claim(&c, &key("b", "k"), 2).await;
    }

    #[tokio::test]
    async fn released_key_is_new_again_and_expires() {
        let c = MemoryIdempotency::new(10);
        let t = new_claim(&c, &key("a", "k"), 0).await;
        c.release(&key("a", "k"), t).await.unwrap();
        let t = new_claim(&c, &key("a", "k"), 1).await;
        c.complete(&key("a", "k"), t, SendOutcome::Dropped { time_ms: 1 })
            .await
            .unwrap();
        assert!(matches!(
            c.claim(&key("a", "k"), IDEMPOTENCY_WINDOW_MS).await.unwrap(),
            IdemClaim::Done(_)
        ));
        new_claim(&c, &key("a", "k"), IDEMPOTENCY_WINDOW_MS + 2).await;
    }

    #[tokio::test]
    async fn bounded_by_entries() {
        let c = MemoryIdempotency::new(3);
        for i in 0..10 {
            let k = key("a", &i.to_string());
            let t = new_claim(&c, &k, 0).await;
            c.complete(&k, t, SendOutcome::Dropped { time_ms: 0 }).await.unwrap();
        }
        assert!(c.len() <= 3);
    }
}
