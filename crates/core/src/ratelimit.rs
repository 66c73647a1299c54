//! Per-key token buckets (per-user send rate).

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateOptions {
    pub per_sec: f64,
    pub burst: u32,
}

impl Default for RateOptions {
    fn default() -> Self {
        Self {
            per_sec: 10.0,
            burst: 20,
        }
    }
}

impl RateOptions {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.per_sec > 0.0 && self.per_sec <= 1e6) || self.burst == 0 {
            return Err("rate limit needs per_sec in (0, 1e6] and burst >= 1".into());
        }
        Ok(())
    }
}

struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// One token bucket (a connection's own limits: no key, no lock of its own).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    opts: RateOptions,
    tokens: f64,
    at_ms: i64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(opts: RateOptions, now_ms: i64) -> Self {
        Self {
            opts,
            tokens: f64::from(opts.burst),
            at_ms: now_ms,
        }
    }

    /// Takes a token if there is one.
    pub fn try_acquire(&mut self, now_ms: i64) -> bool {
        let elapsed = (now_ms - self.at_ms).max(0) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.opts.per_sec).min(f64::from(self.opts.burst));
        self.at_ms = now_ms;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

const SHARDS: usize = 32;

/// Keyed token buckets. Idle full buckets are swept so the map stays bounded
/// by the number of recently active keys.
pub struct KeyedRateLimiter<K> {
    opts: RateOptions,
    shards: Vec<Mutex<HashMap<K, Bucket>>>,
}

impl<K: Hash + Eq + Clone> KeyedRateLimiter<K> {
    pub fn new(opts: RateOptions) -> Self {
        Self {
            opts,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &K) -> &Mutex<HashMap<K, Bucket>> {
        &self.shards[crate::shard::index(key, SHARDS)]
    }

    pub fn try_acquire(&self, key: &K, now_ms: i64) -> bool {
        let burst = f64::from(self.opts.burst);
        let mut shard = self.shard(key).lock();
        let b = shard.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            at_ms: now_ms,
        });
        let elapsed = (now_ms - b.at_ms).max(0) as f64 / 1000.0;
        b.tokens = (b.tokens + elapsed * self.opts.per_sec).min(burst);
        b.at_ms = now_ms;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Drops buckets that have refilled completely; call periodically.
    pub fn sweep(&self, now_ms: i64) {
        let burst = f64::from(self.opts.burst);
        for shard in &self.shards {
            shard.lock().retain(|_, b| {
                let elapsed = (now_ms - b.at_ms).max(0) as f64 / 1000.0;
                b.tokens + elapsed * self.opts.per_sec < burst
            });
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_bucket_bursts_then_refills() {
        let mut b = TokenBucket::new(RateOptions { per_sec: 2.0, burst: 3 }, 0);
        assert_eq!((0..5).filter(|_| b.try_acquire(0)).count(), 3);
        assert!(!b.try_acquire(100));
        assert!(b.try_acquire(600));
    }

    #[test]
    fn burst_then_refill() {
        let l = KeyedRateLimiter::new(RateOptions { per_sec: 2.0, burst: 3 });
        assert_eq!((0..5).filter(|_| l.try_acquire(&"a", 0)).count(), 3);
        assert!(l.try_acquire(&"b", 0));
        assert!(!l.try_acquire(&"a", 100));
        assert!(l.try_acquire(&"a", 600));
        l.sweep(100_000);
        assert!(l.is_empty());
    }
}
