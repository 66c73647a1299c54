//! `Attributes` over Redis: one hash per room (`rc:<app>:attr:<room>`,
//! fields `v` = version and `j` = the attributes as JSON). Room control
//! computes the next map under the rules' limits and stores it with a
//! compare-and-set script on the version (which also refuses rooms that no
//! longer exist).

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;
use roomcast_core::ids::AppId;
use roomcast_core::ports::attributes::{AttributeSnapshot, AttributeValues, Attributes};
use roomcast_core::{CoreError, Result};
use std::sync::LazyLock;

/// KEYS: attributes hash, room. ARGV: expected version, next version, JSON.
/// Returns 1 (stored), 0 (version moved on) or -1 (room gone).
static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
        local v = redis.call('HGET', KEYS[1], 'v') or '0'
        if v ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[2], 'j', ARGV[3])
        return 1",
    )
});

pub struct RedisAttributes {
    conn: ConnectionManager,
}

impl RedisAttributes {
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn }
    }
}

#[async_trait]
impl Attributes for RedisAttributes {
    async fn get(&self, app: AppId, room: &str) -> Result<AttributeSnapshot> {
        let key = keys::attributes(app, room);
        let (v, j): (Option<u64>, Option<String>) = redis::cmd("HMGET")
            .arg(&key)
            .arg("v")
            .arg("j")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        let values: AttributeValues = match j {
            Some(j) => serde_json::from_str(&j)
                .map_err(|e| CoreError::Internal(format!("corrupt attributes at {key}: {e}")))?,
            None => AttributeValues::new(),
        };
        Ok(AttributeSnapshot {
            version: v.unwrap_or(0),
            values,
        })
    }

    async fn compare_and_set(&self, app: AppId, room: &str, expected: u64, next: &AttributeSnapshot) -> Result<bool> {
        let json = serde_json::to_string(&next.values).map_err(|e| CoreError::Internal(e.to_string()))?;
        let r: i64 = CAS
            .key(keys::attributes(app, room))
            .key(keys::room(app, room))
            .arg(expected)
            .arg(next.version)
            .arg(json)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        match r {
            -1 => Err(CoreError::RoomNotFound(room.to_string())),
            r => Ok(r == 1),
        }
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        let _: () = redis::cmd("DEL")
            .arg(keys::attributes(app, room))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(())
    }
}
