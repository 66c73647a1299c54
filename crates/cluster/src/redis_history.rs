//! `History` over Redis Streams: one stream per room whose entry IDs are
//! `<seq>-0` (so ranges by `seq` are plain `XRANGE`s), trimmed to the newest
//! `max_events` entries, each with its time (`t`) and client JSON (`j`).
//! The epoch is a key of its own, created with the first entry; both expire
//! `max_age_ms` after the room's last event, and both are deleted when the
//! room is dismissed or re-created, so a lost history always comes back with
//! a new epoch.
//!
//! Why Streams rather than JetStream: the rest of the room state already
//! lives in Redis, appends ride the same connection as the sequencer, and a
//! range read by `seq` is one command; JetStream would add a second store to
//! operate and keep consistent with the first.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use bytes::Bytes;
use redis::Script;
use redis::aio::ConnectionManager;
use roomcast_core::ids::AppId;
use roomcast_core::ports::history::{History, HistoryEvent, HistoryOptions, HistoryPage, new_epoch};
use roomcast_core::{CoreError, Result};
use std::sync::LazyLock;

/// KEYS: stream, epoch. ARGV: seq, time, json, max events, ttl ms, epoch if new.
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('SET', KEYS[2], ARGV[6], 'NX')
        redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[4], ARGV[1] .. '-0', 't', ARGV[2], 'j', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        return 1",
    )
});

/// KEYS: stream, epoch. ARGV: mode ('since' or 'before'), bound seq (0: none
/// for 'before'), limit, oldest time kept (ms), an epoch in case the room
/// has none yet (so an empty room's epoch is its first events' epoch), the
/// TTL of both keys (ms).
/// Returns {epoch, complete (1/0), seq1, json1, seq2, json2, …}, oldest first.
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('SET', KEYS[2], ARGV[5], 'NX', 'PX', ARGV[6])
        local epoch = redis.call('GET', KEYS[2])
        local bound = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        local oldest = tonumber(ARGV[4])
        local entries
        if ARGV[1] == 'since' then
          entries = redis.call('XRANGE', KEYS[1], '(' .. bound .. '-0', '+', 'COUNT', limit)
        elseif bound > 0 then
          entries = redis.call('XREVRANGE', KEYS[1], '(' .. bound .. '-0', '-', 'COUNT', limit)
        else
          entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', limit)
        end
        local out = {epoch, '1'}
        local expired = false
        local first = nil
        for _, e in ipairs(entries) do
          local seq = string.match(e[1], '^(%d+)')
          local f = e[2]
          local t, j = nil, nil
          for i = 1, #f, 2 do
            if f[i] == 't' then t = tonumber(f[i + 1]) elseif f[i] == 'j' then j = f[i + 1] end
          end
          if t ~= nil and t < oldest then
            expired = true
          else
            if first == nil then first = tonumber(seq) end
            table.insert(out, seq)
            table.insert(out, j)
          end
        end
        if ARGV[1] == 'since' then
          -- Complete when nothing after the bound was trimmed or expired:
          -- the oldest kept entry (or, if none is kept, the last appended)
          -- follows the bound directly.
          local kept = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
          local last = 0
          local info = redis.call('EXISTS', KEYS[1]) == 1 and redis.call('XINFO', 'STREAM', KEYS[1]) or {}
          for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then last = tonumber(string.match(info[i + 1], '^(%d+)')) end
          end
          local oldest_kept = last + 1
          if #kept > 0 then oldest_kept = tonumber(string.match(kept[1][1], '^(%d+)')) end
          if expired or (bound < last and oldest_kept > bound + 1) then out[2] = '0' end
        end
        return out",
    )
});

#[derive(Clone)]
pub struct RedisHistory {
    conn: ConnectionManager,
    opts: HistoryOptions,
}

impl RedisHistory {
    pub fn new(conn: ConnectionManager, opts: HistoryOptions) -> Self {
        Self { conn, opts }
    }

    async fn read(
        &self,
        app: AppId,
        room: &str,
        mode: &str,
        bound: u64,
        limit: usize,
        now_ms: i64,
    ) -> Result<HistoryPage> {
        let oldest = now_ms - self.opts.max_age_ms as i64;
        let reply: Vec<Vec<u8>> = READ
            .key(keys::history(app, room))
            .key(keys::history_epoch(app, room))
            .arg(mode)
            .arg(bound)
            .arg(limit)
            .arg(oldest)
            .arg(new_epoch())
            .arg(self.opts.max_age_ms)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        let bad = || CoreError::Storage(format!("malformed history of room {room}"));
        let mut it = reply.into_iter();
        let epoch = String::from_utf8(it.next().ok_or_else(bad)?).map_err(|_| bad())?;
        let complete = it.next().ok_or_else(bad)? == b"1";
        let mut events = Vec::new();
        while let (Some(seq), Some(json)) = (it.next(), it.next()) {
            let seq: u64 = std::str::from_utf8(&seq)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(bad)?;
            events.push(HistoryEvent {
                seq,
                json: Bytes::from(json),
            });
        }
        if mode == "before" {
            events.reverse();
        }
        Ok(HistoryPage {
            epoch,
            events,
            complete,
        })
    }
}

#[async_trait]
impl History for RedisHistory {
    async fn append(&self, app: AppId, room: &str, seq: u64, time_ms: i64, json: Bytes) -> Result<()> {
        if !self.opts.enabled() {
            return Ok(());
        }
        APPEND
            .key(keys::history(app, room))
            .key(keys::history_epoch(app, room))
            .arg(seq)
            .arg(time_ms)
            .arg(json.as_ref())
            .arg(self.opts.max_events)
            .arg(self.opts.max_age_ms)
            .arg(new_epoch())
            .invoke_async::<i64>(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(())
    }

    async fn since(&self, app: AppId, room: &str, after: u64, limit: usize, now_ms: i64) -> Result<HistoryPage> {
        self.read(app, room, "since", after, limit, now_ms).await
    }

    async fn before(
        &self,
        app: AppId,
        room: &str,
        before: Option<u64>,
        limit: usize,
        now_ms: i64,
    ) -> Result<HistoryPage> {
        self.read(app, room, "before", before.unwrap_or(0), limit, now_ms).await
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        redis::cmd("DEL")
            .arg(keys::history(app, room))
            .arg(keys::history_epoch(app, room))
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(redis_err)
    }
}
