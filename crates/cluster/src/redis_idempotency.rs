//! `Idempotency` over Redis, so a resend that reaches another moderator
//! still returns the first result.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use roomcast_core::limits::IDEMPOTENCY_WINDOW_MS;
use roomcast_core::ports::idempotency::{IdemClaim, IdemKey, Idempotency, SendOutcome};
use roomcast_core::{CoreError, Result};
use std::time::Duration;

/// Pending claims are `pending:<token>`.
const PENDING: &str = "pending:";

/// Replaces KEYS[1] with ARGV[2] (PX ARGV[3]) only if it still holds the
/// claim ARGV[1]; with ARGV[2] empty, deletes it instead.
static SETTLE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
        return 1",
    )
});

#[derive(Clone)]
pub struct RedisIdempotency {
    conn: ConnectionManager,
    /// How long a duplicate waits for an in-flight first attempt.
    wait: Duration,
    /// How long an unfinished claim lives: longer than any attempt can take
    /// (so a slow first attempt is never run twice), short enough that a
    /// moderator dying mid-message does not block retries for long.
    claim_ttl: Duration,
}

impl RedisIdempotency {
    pub fn new(conn: ConnectionManager, wait: Duration, claim_ttl: Duration) -> Self {
        Self { conn, wait, claim_ttl }
    }

    async fn settle(&self, key: &IdemKey, token: u64, value: &str) -> Result<()> {
        let _: i64 = SETTLE
            .key(key_of(key))
            .arg(format!("{PENDING}{token:x}"))
            .arg(value)
            .arg(IDEMPOTENCY_WINDOW_MS)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(())
    }
}

fn key_of(k: &IdemKey) -> String {
    keys::idempotency(k.app, &k.sender, &k.room, &k.msg_key)
}

fn encode(o: SendOutcome) -> String {
    match o {
        SendOutcome::Delivered { seq, time_ms } => format!("d:{seq}:{time_ms}"),
        SendOutcome::Dropped { time_ms } => format!("x:{time_ms}"),
    }
}

fn decode(s: &str) -> Option<SendOutcome> {
    let mut it = s.split(':');
    match it.next()? {
        "d" => Some(SendOutcome::Delivered {
            seq: it.next()?.parse().ok()?,
            time_ms: it.next()?.parse().ok()?,
        }),
        "x" => Some(SendOutcome::Dropped {
            time_ms: it.next()?.parse().ok()?,
        }),
        _ => None,
    }
}

#[async_trait]
impl Idempotency for RedisIdempotency {
    async fn claim(&self, key: &IdemKey, _now_ms: i64) -> Result<IdemClaim> {
        let k = key_of(key);
        let deadline = tokio::time::Instant::now() + self.wait;
        loop {
            let token = rand::random::<u64>();
            let set: Option<String> = redis::cmd("SET")
                .arg(&k)
                .arg(format!("{PENDING}{token:x}"))
                .arg("NX")
                .arg("PX")
                .arg(self.claim_ttl.as_millis() as u64)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            if set.is_some() {
                return Ok(IdemClaim::New(token));
            }
            let v: Option<String> = self.conn.clone().get(&k).await.map_err(redis_err)?;
            match v.as_deref() {
                Some(p) if p.starts_with(PENDING) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(CoreError::Internal(
                            "a send with this msgKey is still in flight; retry".into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Some(done) => {
                    return decode(done)
                        .map(IdemClaim::Done)
                        .ok_or_else(|| CoreError::Internal(format!("corrupt idempotency record at {k}")));
                }
                // Released or expired between SET and GET: claim again.
                None => {}
            }
        }
    }

    async fn complete(&self, key: &IdemKey, token: u64, outcome: SendOutcome) -> Result<()> {
        self.settle(key, token, &encode(outcome)).await
    }

    async fn release(&self, key: &IdemKey, token: u64) -> Result<()> {
        self.settle(key, token, "").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_round_trips() {
        for o in [
            SendOutcome::Delivered { seq: 9, time_ms: 12 },
            SendOutcome::Dropped { time_ms: 3 },
        ] {
            assert_eq!(decode(&encode(o)), Some(o));
        }
        assert_eq!(decode("pending:1f"), None);
    }
}
