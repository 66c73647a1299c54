//! In-process room state for standalone mode.

use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::model::{BanEntry, MuteEntry, Room, RoomPatch, UserProfile};
use crate::ports::store::RoomStore;
use async_trait::async_trait;
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
struct RoomRecord {
    room: Room,
    mutes: HashMap<String, i64>,
    bans: HashMap<String, BanEntry>,
}

#[derive(Default)]
struct AppState {
    rooms: BTreeMap<String, RoomRecord>,
    profiles: HashMap<String, UserProfile>,
}

/// In-process store for standalone mode. One lock per app: room operations
/// are rare next to messages, which never touch the store's write side.
#[derive(Default)]
pub struct MemoryStore {
    apps: RwLock<HashMap<AppId, RwLock<AppState>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_app<R>(&self, app: AppId, f: impl FnOnce(&RwLock<AppState>) -> R) -> R {
        if let Some(state) = self.apps.read().get(&app) {
            return f(state);
        }
        let mut apps = self.apps.write();
        let state = apps.entry(app).or_default();
        f(state)
    }

    fn with_room_mut<R>(&self, app: AppId, id: &str, f: impl FnOnce(&mut RoomRecord) -> Result<R>) -> Result<R> {
        self.with_app(app, |s| {
            let mut s = s.write();
            let rec = s
                .rooms
                .get_mut(id)
                .ok_or_else(|| CoreError::RoomNotFound(id.to_string()))?;
            f(rec)
        })
    }

    fn with_room<R>(&self, app: AppId, id: &str, f: impl FnOnce(&RoomRecord) -> R) -> Result<R> {
        self.with_app(app, |s| {
            let s = s.read();
            let rec = s.rooms.get(id).ok_or_else(|| CoreError::RoomNotFound(id.to_string()))?;
            Ok(f(rec))
        })
    }
}

#[async_trait]
impl RoomStore for MemoryStore {
    async fn create_room(&self, app: AppId, room: Room) -> Result<()> {
        self.with_app(app, |s| {
            let mut s = s.write();
            if s.rooms.contains_key(&room.id) {
                return Err(CoreError::RoomExists(room.id));
            }
            s.rooms.insert(
                room.id.clone(),
                RoomRecord {
                    room,
                    ..Default::default()
                },
            );
            Ok(())
        })
    }

    async fn room(&self, app: AppId, id: &str) -> Result<Option<Room>> {
        Ok(self.with_app(app, |s| s.read().rooms.get(id).map(|r| r.room.clone())))
    }

    async fn exists(&self, app: AppId, id: &str) -> Result<bool> {
        Ok(self.with_app(app, |s| s.read().rooms.contains_key(id)))
    }

    async fn rooms_after(&self, app: AppId, after: Option<&str>, limit: usize) -> Result<Vec<Room>> {
        Ok(self.with_app(app, |s| {
            let s = s.read();
            let iter: Box<dyn Iterator<Item = (&String, &RoomRecord)>> = match after {
                Some(a) => Box::new(
                    s.rooms
                        .range::<str, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
                ),
                None => Box::new(s.rooms.iter()),
            };
            iter.take(limit).map(|(_, r)| r.room.clone()).collect()
        }))
    }

    async fn room_ids(&self, app: AppId) -> Result<Vec<String>> {
        Ok(self.with_app(app, |s| s.read().rooms.keys().cloned().collect()))
    }

    async fn update_room(&self, app: AppId, id: &str, patch: &RoomPatch) -> Result<Room> {
        self.with_room_mut(app, id, |rec| {
            patch.apply(&mut rec.room.profile)?;
            Ok(rec.room.clone())
        })
    }

    async fn delete_room(&self, app: AppId, id: &str) -> Result<Room> {
        self.with_app(app, |s| {
            s.write()
                .rooms
                .remove(id)
                .map(|r| r.room)
                .ok_or_else(|| CoreError::RoomNotFound(id.to_string()))
        })
    }

    async fn set_admin(&self, app: AppId, id: &str, user: &str, admin: bool) -> Result<bool> {
        self.with_room_mut(app, id, |rec| {
            Ok(if admin {
                rec.room.admins.insert(user.to_string())
            } else {
                rec.room.admins.remove(user)
            })
        })
    }

    async fn set_mutes(&self, app: AppId, id: &str, users: &[String], until: Option<i64>) -> Result<()> {
        self.with_room_mut(app, id, |rec| {
            for u in users {
                match until {
                    Some(t) => rec.mutes.insert(u.clone(), t),
                    None => rec.mutes.remove(u),
                };
            }
            Ok(())
        })
    }

    async fn mutes(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<MuteEntry>> {
        self.with_room_mut(app, id, |rec| {
            rec.mutes.retain(|_, until| *until > now_secs);
            let mut v: Vec<_> = rec
                .mutes
                .iter()
                .map(|(u, t)| MuteEntry {
                    user_id: u.clone(),
                    until: *t,
                })
                .collect();
            v.sort_by(|a, b| a.user_id.cmp(&b.user_id));
            Ok(v)
        })
    }

    async fn mute_until(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<i64>> {
        self.with_room(app, id, |rec| rec.mutes.get(user).copied().filter(|t| *t > now_secs))
    }

    async fn set_bans(&self, app: AppId, id: &str, users: &[String], until: i64, description: &str) -> Result<()> {
        self.with_room_mut(app, id, |rec| {
            for u in users {
                rec.bans.insert(
                    u.clone(),
                    BanEntry {
                        user_id: u.clone(),
                        until,
                        description: description.to_string(),
                    },
                );
            }
            Ok(())
        })
    }

    async fn remove_bans(&self, app: AppId, id: &str, users: &[String]) -> Result<Vec<String>> {
        self.with_room_mut(app, id, |rec| {
            Ok(users
                .iter()
                .filter(|u| rec.bans.remove(*u).is_some())
                .cloned()
                .collect())
        })
    }

    async fn bans(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<BanEntry>> {
        self.with_room_mut(app, id, |rec| {
            rec.bans.retain(|_, b| b.until > now_secs);
            let mut v: Vec<_> = rec.bans.values().cloned().collect();
            v.sort_by(|a, b| a.user_id.cmp(&b.user_id));
            Ok(v)
        })
    }

    async fn ban(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<BanEntry>> {
        self.with_room(app, id, |rec| {
            rec.bans.get(user).filter(|b| b.until > now_secs).cloned()
        })
    }

    async fn set_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<()> {
        self.with_app(app, |s| {
            s.write().profiles.insert(user.to_string(), profile.clone());
        });
        Ok(())
    }

    async fn profile(&self, app: AppId, user: &str) -> Result<Option<UserProfile>> {
        Ok(self.with_app(app, |s| s.read().profiles.get(user).cloned()))
    }
}
