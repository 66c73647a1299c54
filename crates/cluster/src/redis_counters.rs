//! `Counters` over Redis: one hash per room (`rc:<app>:ctr:<room>`, counter
//! → decimal `i64`) and one set of dirty rooms for the whole cluster
//! (`rc:ctrdirty`, members `<app>:<room>`). Each change is one script that
//! checks the room exists and the key limit, applies every entry all or
//! none (an overflowing `HINCRBY` rolls the earlier entries back) and marks
//! the room dirty. Gateways run it directly (counters are high-rate data,
//! not moderation state; see docs/architecture.md); room control takes the
//! dirty set with `SPOP`, so every mark is published once, by one replica.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;
use roomcast_core::ids::AppId;
use roomcast_core::ports::counters::{CounterValues, Counters};
use roomcast_core::{CoreError, Result};
use std::sync::LazyLock;

/// KEYS: counters hash, room, dirty set. ARGV: 's' (set) or 'i' (add),
/// max keys, dirty member, then key, value pairs.
/// Returns {'ok', key1, value1, …}, {'gone'}, {'full'} or {'overflow', key}.
static UPDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[2]) == 0 then return {'gone'} end
        local new = 0
        for i = 4, #ARGV, 2 do
          if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then new = new + 1 end
        end
        if redis.call('HLEN', KEYS[1]) + new > tonumber(ARGV[2]) then return {'full'} end
        local old = {}
        for i = 4, #ARGV, 2 do
          local k = ARGV[i]
          table.insert(old, {k, redis.call('HGET', KEYS[1], k)})
          if ARGV[1] == 's' then
            redis.call('HSET', KEYS[1], k, ARGV[i + 1])
          else
            local r = redis.pcall('HINCRBY', KEYS[1], k, ARGV[i + 1])
            if type(r) == 'table' and r.err then
              for _, o in ipairs(old) do
                if o[2] then redis.call('HSET', KEYS[1], o[1], o[2]) else redis.call('HDEL', KEYS[1], o[1]) end
              end
              return {'overflow', k}
            end
          end
        end
        local out = {'ok'}
        for i = 4, #ARGV, 2 do
          table.insert(out, ARGV[i])
          table.insert(out, redis.call('HGET', KEYS[1], ARGV[i]))
        end
        redis.call('SADD', KEYS[3], ARGV[3])
        return out",
    )
});

/// KEYS: counters hash, dirty set. ARGV: dirty member, keys.
static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local n = 0
        for i = 2, #ARGV do n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
        if n > 0 then redis.call('SADD', KEYS[2], ARGV[1]) end
        return n",
    )
});

pub struct RedisCounters {
    conn: ConnectionManager,
}

impl RedisCounters {
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn }
    }
}

fn dirty_member(app: AppId, room: &str) -> String {
    format!("{app}:{room}")
}

fn parse_value(key: &str, v: &str) -> Result<i64> {
    v.parse()
        .map_err(|_| CoreError::Internal(format!("counter {key} holds a non-integer")))
}

fn pairs(flat: &[String]) -> Result<CounterValues> {
    flat.chunks_exact(2)
        .map(|kv| Ok((kv[0].clone(), parse_value(&kv[0], &kv[1])?)))
        .collect()
}

#[async_trait]
impl Counters for RedisCounters {
    async fn update(
        &self,
        app: AppId,
        room: &str,
        set: bool,
        entries: &[(String, i64)],
        max_keys: usize,
    ) -> Result<CounterValues> {
        let mut inv = UPDATE.prepare_invoke();
        inv.key(keys::counters(app, room))
            .key(keys::room(app, room))
            .key(keys::counters_dirty())
            .arg(if set { "s" } else { "i" })
            .arg(max_keys)
            .arg(dirty_member(app, room));
        for (k, v) in entries {
            inv.arg(k).arg(v);
        }
        let out: Vec<String> = inv.invoke_async(&mut self.conn.clone()).await.map_err(redis_err)?;
        match out.first().map(String::as_str) {
            Some("ok") => pairs(&out[1..]),
            Some("gone") => Err(CoreError::RoomNotFound(room.to_string())),
            Some("full") => Err(CoreError::InvalidParameter(format!(
                "a room holds at most {max_keys} counters"
            ))),
            Some("overflow") => Err(CoreError::InvalidParameter(format!(
                "counter {} would overflow int64",
                out.get(1).map(String::as_str).unwrap_or("")
            ))),
            _ => Err(CoreError::Internal("unexpected counter script reply".into())),
        }
    }

    async fn delete(&self, app: AppId, room: &str, keys_: &[String]) -> Result<()> {
        let mut inv = DELETE.prepare_invoke();
        inv.key(keys::counters(app, room))
            .key(keys::counters_dirty())
            .arg(dirty_member(app, room));
        for k in keys_ {
            inv.arg(k);
        }
        let _: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(redis_err)?;
        Ok(())
    }

    async fn get(&self, app: AppId, room: &str, keys_: &[String]) -> Result<CounterValues> {
        let mut conn = self.conn.clone();
        let key = keys::counters(app, room);
        if keys_.is_empty() {
            let all: Vec<String> = redis::cmd("HGETALL")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(redis_err)?;
            return pairs(&all);
        }
        let values: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(&key)
            .arg(keys_)
            .query_async(&mut conn)
            .await
            .map_err(redis_err)?;
        keys_
            .iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| parse_value(k, &v).map(|v| (k.clone(), v))))
            .collect()
    }

    async fn take_dirty(&self, max: usize) -> Result<Vec<(AppId, String)>> {
        let taken: Vec<String> = redis::cmd("SPOP")
            .arg(keys::counters_dirty())
            .arg(max)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(taken
            .into_iter()
            .filter_map(|m| {
                let (app, room) = m.split_once(':')?;
                Some((app.parse().ok()?, room.to_string()))
            })
            .collect())
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        let _: () = redis::pipe()
            .cmd("DEL")
            .arg(keys::counters(app, room))
            .ignore()
            .cmd("SREM")
            .arg(keys::counters_dirty())
            .arg(dirty_member(app, room))
            .ignore()
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(())
    }
}
