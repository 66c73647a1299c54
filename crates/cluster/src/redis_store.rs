//! `RoomStore` over Redis. Multi-key changes run as Lua scripts, so every
//! method is atomic and several control replicas can share one Redis.

use crate::error::{ClusterError, redis_err};
use crate::keys;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use roomcast_core::ids::AppId;
use roomcast_core::model::{BanEntry, MuteEntry, Room, RoomPatch, UserProfile};
use roomcast_core::ports::store::RoomStore;
use roomcast_core::{CoreError, Result};
use std::sync::LazyLock;

static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        redis.call('ZADD', KEYS[2], 0, ARGV[1])
        redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6])
        -- Presence left by a join that raced the previous room's dismissal.
        for _, user in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
          redis.call('DEL', ARGV[3] .. user)
        end
        redis.call('DEL', KEYS[7], KEYS[8])
        -- History of a previous room of the same ID: the new one starts afresh.
        redis.call('DEL', KEYS[9], KEYS[10])
        return 1",
    )
});

static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local v = redis.call('GET', KEYS[1])
        if not v then return false end
        redis.call('DEL', KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return v",
    )
});

/// Compare-and-set of a room record.
static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1",
    )
});

/// HSET field/value pairs (or HDEL fields when ARGV[1] is 'del') on KEYS[2]
/// if the room KEYS[1] exists. Returns -1 for a missing room, else the
/// number of fields deleted.
static HASH_IF_ROOM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if ARGV[1] == 'del' then
          local n = 0
          for i = 2, #ARGV do n = n + redis.call('HDEL', KEYS[2], ARGV[i]) end
          return n
        end
        for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
        return 0",
    )
});

#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
}

impl RedisStore {
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn }
    }

    fn decode<T: serde::de::DeserializeOwned>(key: &str, v: &str) -> Result<T> {
        serde_json::from_str(v).map_err(|e| {
            ClusterError::Corrupt {
                key: key.to_string(),
                reason: e.to_string(),
            }
            .into()
        })
    }

    fn encode<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("domain types serialize")
    }

    async fn room_raw(&self, key: &str) -> Result<Option<String>> {
        self.conn.clone().get(key).await.map_err(redis_err)
    }

    /// Read-modify-write of a room record, retried on concurrent changes.
    async fn modify_room<R>(
        &self,
        app: AppId,
        id: &str,
        mut f: impl FnMut(&mut Room) -> Result<R>,
    ) -> Result<(Room, R)> {
        let key = keys::room(app, id);
        for _ in 0..32 {
            let Some(old) = self.room_raw(&key).await? else {
                return Err(CoreError::RoomNotFound(id.to_string()));
            };
            let mut room: Room = Self::decode(&key, &old)?;
            let r = f(&mut room)?;
            let new = Self::encode(&room);
            let ok: i64 = CAS
                .key(&key)
                .arg(&old)
                .arg(&new)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            if ok == 1 {
                return Ok((room, r));
            }
        }
        Err(CoreError::Storage(format!("room {id} is changing too fast; retry")))
    }

    async fn hash_if_room(&self, app: AppId, id: &str, hash: &str, args: Vec<String>) -> Result<i64> {
        let mut inv = HASH_IF_ROOM.key(keys::room(app, id));
        inv.key(hash);
        for a in args {
            inv.arg(a);
        }
        let n: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(redis_err)?;
        if n < 0 {
            return Err(CoreError::RoomNotFound(id.to_string()));
        }
        Ok(n)
    }
}

fn room_keys(app: AppId, id: &str) -> [String; 6] {
    [
        keys::room(app, id),
        keys::rooms(app),
        keys::mutes(app, id),
        keys::bans(app, id),
        keys::seq(app, id),
        keys::freq(app, id),
    ]
}

#[async_trait]
impl RoomStore for RedisStore {
    async fn create_room(&self, app: AppId, room: Room) -> Result<()> {
        let mut inv = CREATE.prepare_invoke();
        for k in room_keys(app, &room.id) {
            inv.key(k);
        }
        inv.key(keys::presence(app, &room.id))
            .key(keys::presence_info(app, &room.id))
            .key(keys::history(app, &room.id))
            .key(keys::history_epoch(app, &room.id));
        inv.arg(&room.id)
            .arg(Self::encode(&room))
            .arg(keys::presence_conns(app, &room.id, ""));
        let created: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(redis_err)?;
        if created == 0 {
            return Err(CoreError::RoomExists(room.id));
        }
        Ok(())
    }

    async fn room(&self, app: AppId, id: &str) -> Result<Option<Room>> {
        let key = keys::room(app, id);
        self.room_raw(&key).await?.map(|v| Self::decode(&key, &v)).transpose()
    }

    async fn exists(&self, app: AppId, id: &str) -> Result<bool> {
        redis::cmd("EXISTS")
            .arg(keys::room(app, id))
            .query_async::<bool>(&mut self.conn.clone())
            .await
            .map_err(redis_err)
    }

    async fn rooms_after(&self, app: AppId, after: Option<&str>, limit: usize) -> Result<Vec<Room>> {
        let min = match after {
            Some(a) => format!("({a}"),
            None => "-".to_string(),
        };
        let ids: Vec<String> = redis::cmd("ZRANGEBYLEX")
            .arg(keys::rooms(app))
            .arg(min)
            .arg("+")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let room_keys: Vec<String> = ids.iter().map(|id| keys::room(app, id)).collect();
        let values: Vec<Option<String>> = self.conn.clone().mget(&room_keys).await.map_err(redis_err)?;
        let mut out = Vec::with_capacity(values.len());
        for (k, v) in room_keys.iter().zip(values) {
            if let Some(v) = v {
                out.push(Self::decode(k, &v)?);
            }
        }
        Ok(out)
    }

    async fn room_ids(&self, app: AppId) -> Result<Vec<String>> {
        self.conn
            .clone()
            .zrange(keys::rooms(app), 0, -1)
            .await
            .map_err(redis_err)
    }

    async fn update_room(&self, app: AppId, id: &str, patch: &RoomPatch) -> Result<Room> {
        Ok(self
            .modify_room(app, id, |room| patch.apply(&mut room.profile))
            .await?
            .0)
    }

    async fn delete_room(&self, app: AppId, id: &str) -> Result<Room> {
        let mut inv = DELETE.prepare_invoke();
        for k in room_keys(app, id) {
            inv.key(k);
        }
        inv.key(keys::history(app, id)).key(keys::history_epoch(app, id));
        inv.arg(id);
        let old: Option<String> = inv.invoke_async(&mut self.conn.clone()).await.map_err(redis_err)?;
        let old = old.ok_or_else(|| CoreError::RoomNotFound(id.to_string()))?;
        Self::decode(&keys::room(app, id), &old)
    }

    async fn set_admin(&self, app: AppId, id: &str, user: &str, admin: bool) -> Result<bool> {
        Ok(self
            .modify_room(app, id, |room| {
                Ok(if admin {
                    room.admins.insert(user.to_string())
                } else {
                    room.admins.remove(user)
                })
            })
            .await?
            .1)
    }

    async fn set_mutes(&self, app: AppId, id: &str, users: &[String], until: Option<i64>) -> Result<()> {
        let args = match until {
            Some(t) => std::iter::once("set".to_string())
                .chain(users.iter().flat_map(|u| [u.clone(), t.to_string()]))
                .collect(),
            None => std::iter::once("del".to_string())
                .chain(users.iter().cloned())
                .collect(),
        };
        self.hash_if_room(app, id, &keys::mutes(app, id), args)
            .await
            .map(|_| ())
    }

    async fn mutes(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<MuteEntry>> {
        let all: Vec<(String, i64)> = self
            .conn
            .clone()
            .hgetall(keys::mutes(app, id))
            .await
            .map_err(redis_err)?;
        let mut v: Vec<MuteEntry> = all
            .into_iter()
            .filter(|(_, t)| *t > now_secs)
            .map(|(user_id, until)| MuteEntry { user_id, until })
            .collect();
        v.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Ok(v)
    }

    async fn mute_until(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<i64>> {
        let t: Option<i64> = self
            .conn
            .clone()
            .hget(keys::mutes(app, id), user)
            .await
            .map_err(redis_err)?;
        Ok(t.filter(|t| *t > now_secs))
    }

    async fn set_bans(&self, app: AppId, id: &str, users: &[String], until: i64, description: &str) -> Result<()> {
        let args = std::iter::once("set".to_string())
            .chain(users.iter().flat_map(|u| {
                let e = BanEntry {
                    user_id: u.clone(),
                    until,
                    description: description.to_string(),
                };
                [u.clone(), Self::encode(&e)]
            }))
            .collect();
        self.hash_if_room(app, id, &keys::bans(app, id), args).await.map(|_| ())
    }

    async fn remove_bans(&self, app: AppId, id: &str, users: &[String]) -> Result<Vec<String>> {
        // Which of them are banned, then delete; the room check is atomic
        // with the delete, and a concurrent ban of the same user is rare
        // enough that reporting it as removed is harmless.
        let present: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(keys::bans(app, id))
            .arg(users)
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        let args = std::iter::once("del".to_string())
            .chain(users.iter().cloned())
            .collect();
        self.hash_if_room(app, id, &keys::bans(app, id), args).await?;
        Ok(users
            .iter()
            .zip(present)
            .filter(|(_, p)| p.is_some())
            .map(|(u, _)| u.clone())
            .collect())
    }

    async fn bans(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<BanEntry>> {
        let key = keys::bans(app, id);
        let all: Vec<(String, String)> = self.conn.clone().hgetall(&key).await.map_err(redis_err)?;
        let mut v = Vec::new();
        for (_, raw) in all {
            let e: BanEntry = Self::decode(&key, &raw)?;
            if e.until > now_secs {
                v.push(e);
            }
        }
        v.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        Ok(v)
    }

    async fn ban(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<BanEntry>> {
        let key = keys::bans(app, id);
        let raw: Option<String> = self.conn.clone().hget(&key, user).await.map_err(redis_err)?;
        Ok(raw
            .map(|r| Self::decode::<BanEntry>(&key, &r))
            .transpose()?
            .filter(|b| b.until > now_secs))
    }

    async fn set_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<()> {
        self.conn
            .clone()
            .hset::<_, _, _, ()>(keys::profiles(app), user, Self::encode(profile))
            .await
            .map_err(redis_err)
    }

    async fn profile(&self, app: AppId, user: &str) -> Result<Option<UserProfile>> {
        let key = keys::profiles(app);
        let raw: Option<String> = self.conn.clone().hget(&key, user).await.map_err(redis_err)?;
        raw.map(|r| Self::decode(&key, &r)).transpose()
    }
}
