//! `RoomSequencer` over Redis: the same frequency-control rules as
//! `roomcast_core::freq::FreqWindow`, in one Lua script with the sequence
//! increment, so the cap holds per room across every moderator.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;
use roomcast_core::Result;
use roomcast_core::freq::FrequencyOptions;
use roomcast_core::ids::AppId;
use roomcast_core::model::Priority;
use roomcast_core::ports::sequencer::{Admission, AdmitClass, RoomSequencer};
use std::sync::LazyLock;

/// KEYS: seq counter, window hash, room. ARGV: exempt, priority index (0 =
/// High), privileged, now_ms, room cap, sub-caps for Normal, Low, Lowest.
/// Returns the new seq, 0 when dropped, -1 when the room is gone (so a
/// message screened while its room was dismissed is never sequenced).
static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
        if ARGV[1] == '0' then
          local p = tonumber(ARGV[2])
          local privileged = ARGV[3] == '1'
          local window = math.floor(tonumber(ARGV[4]) / 1000)
          local cap = tonumber(ARGV[5])
          local f = redis.call('HGETALL', KEYS[2])
          local h = {}
          for i = 1, #f, 2 do h[f[i]] = tonumber(f[i + 1]) end
          local a, o, prev = {}, {}, {}
          for i = 0, 3 do
            a[i] = h['a' .. i] or 0
            o[i] = h['o' .. i] or 0
            prev[i] = h['p' .. i] or 0
          end
          local total = h['t'] or 0
          local w = h['w']
          if w ~= window then
            for i = 0, 3 do
              if w ~= nil and window == w + 1 then prev[i] = o[i] else prev[i] = 0 end
              a[i] = 0
              o[i] = 0
            end
            total = 0
          end
          o[p] = o[p] + 1
          local ok = true
          if (not privileged) and p > 0 and a[p] >= tonumber(ARGV[5 + p]) then ok = false end
          if ok then
            local reserved = 0
            for q = 0, p - 1 do
              local expect = 0
              if prev[q] > 0 then expect = math.min(prev[q] + 2 * math.floor(math.sqrt(prev[q])) + 2, cap) end
              local want = expect - a[q]
              if want > 0 then reserved = reserved + want end
            end
            if total + reserved >= cap then ok = false end
          end
          if ok then
            a[p] = a[p] + 1
            total = total + 1
          end
          redis.call('HSET', KEYS[2], 'w', window, 't', total,
            'a0', a[0], 'a1', a[1], 'a2', a[2], 'a3', a[3],
            'o0', o[0], 'o1', o[1], 'o2', o[2], 'o3', o[3],
            'p0', prev[0], 'p1', prev[1], 'p2', prev[2], 'p3', prev[3])
          redis.call('PEXPIRE', KEYS[2], 10000)
          if not ok then return 0 end
        end
        return redis.call('INCR', KEYS[1])",
    )
});

#[derive(Clone)]
pub struct RedisSequencer {
    conn: ConnectionManager,
    opts: FrequencyOptions,
}

impl RedisSequencer {
    pub fn new(conn: ConnectionManager, opts: FrequencyOptions) -> Self {
        Self { conn, opts }
    }
}

#[async_trait]
impl RoomSequencer for RedisSequencer {
    async fn admit(&self, app: AppId, room: &str, class: AdmitClass, now_ms: i64) -> Result<Admission> {
        let (exempt, priority, privileged) = match class {
            AdmitClass::Exempt => (1, Priority::High, false),
            AdmitClass::Message { priority, privileged } => (0, priority, privileged),
        };
        let seq: i64 = ADMIT
            .key(keys::seq(app, room))
            .key(keys::freq(app, room))
            .key(keys::room(app, room))
            .arg(exempt)
            .arg(priority.index())
            .arg(u8::from(privileged))
            .arg(now_ms)
            .arg(self.opts.room_cap_per_sec)
            .arg(self.opts.normal_cap_per_sec)
            .arg(self.opts.low_cap_per_sec)
            .arg(self.opts.lowest_cap_per_sec)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(match seq {
            -1 => Admission::RoomGone,
            0 => Admission::Dropped,
            seq => Admission::Accepted { seq: seq as u64 },
        })
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        redis::cmd("DEL")
            .arg(keys::seq(app, room))
            .arg(keys::freq(app, room))
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(redis_err)
    }
}
