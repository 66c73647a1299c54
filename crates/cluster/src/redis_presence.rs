//! `Presence` over Redis, shared by every gateway. Each gateway registers
//! the connections it holds, so a gateway that dies without cleaning up is
//! reaped by control once its heartbeat expires.

use crate::error::redis_err;
use crate::keys;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use roomcast_core::Result;
use roomcast_core::ids::AppId;
use roomcast_core::model::{OnlineMember, Page};
use roomcast_core::ports::presence::{ConnKey, MemberInfo, Presence, decode_cursor, encode_cursor};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// KEYS: presence zset, user's conn set, info hash, gateway conn set.
/// ARGV: user, conn, joined_ms, info json, gateway entry.
static JOIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local added = redis.call('SADD', KEYS[2], ARGV[2])
        redis.call('SADD', KEYS[4], ARGV[5])
        if added == 1 and redis.call('SCARD', KEYS[2]) == 1 then
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
          redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
          return 1
        end
        return 0",
    )
});

/// KEYS as JOIN. ARGV: user, conn, gateway entry.
pub(crate) static LEAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('SREM', KEYS[4], ARGV[3])
        local removed = redis.call('SREM', KEYS[2], ARGV[2])
        if removed == 1 and redis.call('SCARD', KEYS[2]) == 0 then
          redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[3], ARGV[1])
          return 1
        end
        return 0",
    )
});

#[derive(Serialize, Deserialize)]
struct Info {
    nick: String,
    avatar: String,
}

/// One connection as the gateway registers it, for the reaper.
pub(crate) fn gateway_entry(app: AppId, room: &str, user: &str, conn: &str) -> String {
    // Tabs never occur in user IDs or room IDs (visible ASCII only).
    format!("{app}\t{room}\t{user}\t{conn}")
}

pub(crate) fn parse_gateway_entry(e: &str) -> Option<(AppId, String, String, String)> {
    let mut it = e.split('\t');
    let app = it.next()?.parse().ok()?;
    Some((
        app,
        it.next()?.to_string(),
        it.next()?.to_string(),
        it.next()?.to_string(),
    ))
}

#[derive(Clone)]
pub struct RedisPresence {
    conn: ConnectionManager,
    /// This process's ID; connection keys are `<gateway>:<conn>`.
    gateway: String,
}

impl RedisPresence {
    pub fn new(conn: ConnectionManager, gateway: impl Into<String>) -> Self {
        Self {
            conn,
            gateway: gateway.into(),
        }
    }

    fn conn_key(&self, conn: ConnKey) -> String {
        format!("{}:{conn}", self.gateway)
    }

    pub(crate) async fn leave_raw(
        conn: &mut ConnectionManager,
        gateway: &str,
        app: AppId,
        room: &str,
        user: &str,
        conn_key: &str,
    ) -> Result<bool> {
        let n: i64 = LEAVE
            .key(keys::presence(app, room))
            .key(keys::presence_conns(app, room, user))
            .key(keys::presence_info(app, room))
            .key(keys::gateway_conns(gateway))
            .arg(user)
            .arg(conn_key)
            .arg(gateway_entry(app, room, user, conn_key))
            .invoke_async(conn)
            .await
            .map_err(redis_err)?;
        Ok(n == 1)
    }
}

#[async_trait]
impl Presence for RedisPresence {
    async fn join(&self, app: AppId, room: &str, member: &MemberInfo, conn: ConnKey, now_ms: i64) -> Result<bool> {
        let conn_key = self.conn_key(conn);
        let info = serde_json::to_string(&Info {
            nick: member.nick.clone(),
            avatar: member.avatar.clone(),
        })
        .expect("info serializes");
        let n: i64 = JOIN
            .key(keys::presence(app, room))
            .key(keys::presence_conns(app, room, &member.user_id))
            .key(keys::presence_info(app, room))
            .key(keys::gateway_conns(&self.gateway))
            .arg(&member.user_id)
            .arg(&conn_key)
            .arg(now_ms)
            .arg(info)
            .arg(gateway_entry(app, room, &member.user_id, &conn_key))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(n == 1)
    }

    async fn leave(&self, app: AppId, room: &str, user: &str, conn: ConnKey) -> Result<bool> {
        Self::leave_raw(
            &mut self.conn.clone(),
            &self.gateway,
            app,
            room,
            user,
            &self.conn_key(conn),
        )
        .await
    }

    async fn count(&self, app: AppId, room: &str) -> Result<u64> {
        self.conn
            .clone()
            .zcard(keys::presence(app, room))
            .await
            .map_err(redis_err)
    }

    async fn members(&self, app: AppId, room: &str, cursor: Option<&str>, limit: usize) -> Result<Page<OnlineMember>> {
        let bound = cursor.map(decode_cursor).transpose()?;
        let key = keys::presence(app, room);
        let max = bound.as_ref().map_or("+inf".to_string(), |(t, _)| t.to_string());
        // Order: joined desc, then user desc (Redis's order for equal scores).
        let mut picked: Vec<(String, i64)> = Vec::with_capacity(limit + 1);
        let mut offset = 0usize;
        let batch = limit + 1;
        loop {
            let rows: Vec<(String, i64)> = redis::cmd("ZREVRANGEBYSCORE")
                .arg(&key)
                .arg(&max)
                .arg("-inf")
                .arg("WITHSCORES")
                .arg("LIMIT")
                .arg(offset)
                .arg(batch)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?;
            let n = rows.len();
            for (user, t) in rows {
                let after_cursor = match &bound {
                    Some((bt, bu)) => t < *bt || (t == *bt && user < *bu),
                    None => true,
                };
                if after_cursor && picked.len() <= limit {
                    picked.push((user, t));
                }
            }
            if picked.len() > limit || n < batch {
                break;
            }
            offset += n;
        }
        let more = picked.len() > limit;
        picked.truncate(limit);
        let infos: Vec<Option<String>> = if picked.is_empty() {
            vec![]
        } else {
            redis::cmd("HMGET")
                .arg(keys::presence_info(app, room))
                .arg(picked.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>())
                .query_async(&mut self.conn.clone())
                .await
                .map_err(redis_err)?
        };
        let items: Vec<OnlineMember> = picked
            .into_iter()
            .zip(infos.into_iter().chain(std::iter::repeat(None)))
            .map(|((user_id, joined_at_ms), info)| {
                let info: Option<Info> = info.and_then(|i| serde_json::from_str(&i).ok());
                let (nick, avatar) = info.map(|i| (i.nick, i.avatar)).unwrap_or_default();
                OnlineMember {
                    user_id,
                    joined_at_ms,
                    nick,
                    avatar,
                }
            })
            .collect();
        let next_cursor = if more {
            items.last().map(|m| encode_cursor(m.joined_at_ms, &m.user_id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn user_conns(&self, app: AppId, room: &str, user: &str) -> Result<Vec<ConnKey>> {
        let all: Vec<String> = self
            .conn
            .clone()
            .smembers(keys::presence_conns(app, room, user))
            .await
            .map_err(redis_err)?;
        let prefix = format!("{}:", self.gateway);
        Ok(all
            .iter()
            .filter_map(|c| c.strip_prefix(&prefix))
            .filter_map(|c| c.parse().ok())
            .collect())
    }

    async fn remove_room(&self, app: AppId, room: &str) -> Result<()> {
        let users: Vec<String> = self
            .conn
            .clone()
            .zrange(keys::presence(app, room), 0, -1)
            .await
            .map_err(redis_err)?;
        let mut del: Vec<String> = users.iter().map(|u| keys::presence_conns(app, room, u)).collect();
        del.push(keys::presence(app, room));
        del.push(keys::presence_info(app, room));
        for chunk in del.chunks(512) {
            self.conn.clone().del::<_, ()>(chunk).await.map_err(redis_err)?;
        }
        Ok(())
    }
}
