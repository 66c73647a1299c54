//! In-process presence for standalone mode.

use crate::error::Result;
use crate::ids::AppId;
use crate::model::{OnlineMember, Page};
use crate::ports::presence::{ConnKey, MemberInfo, Presence, decode_cursor, encode_cursor};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::{BTreeSet, HashMap, HashSet};

struct Entry {
    joined_at_ms: i64,
    nick: String,
    avatar: String,
    conns: HashSet<ConnKey>,
}

#[derive(Default)]
struct RoomPresence {
    members: HashMap<String, Entry>,
    /// (joined_at_ms, user) ascending; pages walk it backwards.
    order: BTreeSet<(i64, String)>,
}

const SHARDS: usize = 64;

/// In-process presence, sharded by room so joins in different rooms never
/// contend on one lock.
pub struct MemoryPresence {
    shards: Vec<Mutex<HashMap<(AppId, String), RoomPresence>>>,
}

impl Default for MemoryPresence {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl MemoryPresence {
    pub fn new() -> Self {
        Self::default()
    }

    fn shard(&self, app: AppId, room: &str) -> &Mutex<HashMap<(AppId, String), RoomPresence>> {
        &self.shards[crate::shard::index(&(app, room), SHARDS)]
    }
}

#[async_trait]
impl Presence for MemoryPresence {
    async fn join(&self, app: AppId, room: &str, member: &MemberInfo, conn: ConnKey, now_ms: i64) -> Result<bool> {
        let mut shard = self.shard(app, room).lock();
        let rp = shard.entry((app, room.to_string())).or_default();
        if let Some(e) = rp.members.get_mut(&member.user_id) {
            e.conns.insert(conn);
            return Ok(false);
        }
        rp.order.insert((now_ms, member.user_id.clone()));
        rp.members.insert(
            member.user_id.clone(),
            Entry {
                joined_at_ms: now_ms,
                nick: member.nick.clone(),
                avatar: member.avatar.clone(),
                conns: HashSet::from([conn]),
            },
        );
        Ok(true)
    }

    async fn leave(&self, app: AppId, room: &str, user: &str, conn: ConnKey) -> Result<bool> {
        let mut shard = self.shard(app, room).lock();
        let key = (app, room.to_string());
        let Some(rp) = shard.get_mut(&key) else {
            return Ok(false);
        };
        let Some(e) = rp.members.get_mut(user) else {
            return Ok(false);
        };
        if !e.conns.remove(&conn) || !e.conns.is_empty() {
            return Ok(false);
        }
        let joined = e.joined_at_ms;
        rp.members.remove(user);
        rp.order.remove(&(joined, user.to_string()));
        if rp.members.is_empty() {
            shard.remove(&key);
        }
        Ok(true)
    }

    async fn count(&self, app: AppId, room: &str) -> Result<u64> {
        let shard = self.shard(app, room).lock();
        Ok(shard
            .get(&(app, room.to_string()))
            .map_or(0, |rp| rp.members.len() as u64))
    }

    async fn members(&self, app: AppId, room: &str, cursor: Option<&str>, limit: usize) -> Result<Page<OnlineMember>> {
        let bound = cursor.map(decode_cursor).transpose()?;
        let shard = self.shard(app, room).lock();
        let Some(rp) = shard.get(&(app, room.to_string())) else {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        };
        let iter: Box<dyn Iterator<Item = &(i64, String)>> = match &bound {
            Some(b) => Box::new(rp.order.range(..b.clone()).rev()),
            None => Box::new(rp.order.iter().rev()),
        };
        let mut items = Vec::with_capacity(limit.min(rp.members.len()));
        let mut last = None;
        for (t, u) in iter.take(limit + 1) {
            if items.len() == limit {
                last = Some(());
                break;
            }
            let e = &rp.members[u];
            items.push(OnlineMember {
                user_id: u.clone(),
                joined_at_ms: *t,
                nick: e.nick.clone(),
                avatar: e.avatar.clone(),
            });
        }
        let next_cursor = match (last, items.last()) {
            (Some(()), Some(m)) => Some(encode_cursor(m.joined_at_ms, &m.user_id)),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    async fn user_conns(&self, app: AppId, room: &str, user: &str) -> Result<Vec<ConnKey>> {
        let shard = self.shard(app, room).lock();
        Ok(shard
            .get(&(app, room.to_string()))
            .and_then(|rp| rp.members.get(user))
            .map(|e| e.conns.iter().copied().collect())
            .unwrap_or_default())
    }

    async fn remove_room(&self, app: AppId, room: &str) -> Result<()> {
        self.shard(app, room).lock().remove(&(app, room.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(u: &str) -> MemberInfo {
        MemberInfo {
            user_id: u.into(),
            nick: String::new(),
            avatar: String::new(),
        }
    }

    #[tokio::test]
    async fn multi_connection_user_is_one_member() {
        let p = MemoryPresence::new();
        assert!(p.join(1, "r", &m("a"), 1, 10).await.unwrap());
        assert!(!p.join(1, "r", &m("a"), 2, 11).await.unwrap());
        assert_eq!(p.count(1, "r").await.unwrap(), 1);
        assert!(!p.leave(1, "r", "a", 1).await.unwrap());
        assert_eq!(p.count(1, "r").await.unwrap(), 1);
        assert!(p.leave(1, "r", "a", 2).await.unwrap());
        assert_eq!(p.count(1, "r").await.unwrap(), 0);
    }

    #[tokio::test]
    async fn pages_most_recent_first() {
        let p = MemoryPresence::new();
        for i in 0..5 {
            p.join(1, "r", &m(&format!("u{i}")), i as u64, 100 + i).await.unwrap();
        }
        let first = p.members(1, "r", None, 2).await.unwrap();
        assert_eq!(
            first.items.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            ["u4", "u3"]
        );
        let second = p.members(1, "r", first.next_cursor.as_deref(), 2).await.unwrap();
        assert_eq!(
            second.items.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            ["u2", "u1"]
        );
        let third = p.members(1, "r", second.next_cursor.as_deref(), 2).await.unwrap();
        assert_eq!(
            third.items.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            ["u0"]
        );
        assert!(third.next_cursor.is_none());
        assert!(p.members(1, "r", Some("bogus"), 2).await.is_err());
    }
}
