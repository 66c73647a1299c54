//! `Idempotency` over Redis, so a resend that reaches another moderator
//! still returns the first result.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use roomcast_core::idempotency::{IdemClaim, IdemKey, Idempotency, SendOutcome};
use roomcast_core::limits::IDEMPOTENCY_WINDOW_MS;
use roomcast_core::{CoreError, Result};
use std::time::Duration;

const PENDING: &str = "pending";

#[derive(Clone)]
pub struct RedisIdempotency {
    conn: ConnectionManager,
    /// How long to wait for an in-flight first attempt, and how long an
    /// unfinished claim lives: a moderator that dies mid-message must not
    /// block the sender's retry for the whole idempotency window.
    wait: Duration,
}

impl RedisIdempotency {
    pub fn new(conn: ConnectionManager, wait: Duration) -> Self {
        Self { conn, wait }
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
            let set: Option<String> = redis::cmd("SET")
                .arg(&k)
                .arg(PENDING)
                .arg("NX")
                .arg("PX")
                .arg(self.wait.as_millis() as u64)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            if set.is_some() {
                return Ok(IdemClaim::New);
            }
            let v: Option<String> = self.conn.clone().get(&k).await.map_err(redis_err)?;
            match v.as_deref() {
                Some(PENDING) => {
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

    async fn complete(&self, key: &IdemKey, outcome: SendOutcome) -> Result<()> {
        redis::cmd("SET")
            .arg(key_of(key))
            .arg(encode(outcome))
            .arg("PX")
            .arg(IDEMPOTENCY_WINDOW_MS)
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(redis_err)
    }

    async fn release(&self, key: &IdemKey) -> Result<()> {
        self.conn.clone().del::<_, ()>(key_of(key)).await.map_err(redis_err)
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
        assert_eq!(decode("pending"), None);
    }
}
