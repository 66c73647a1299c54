//! A read-through cache in front of the shared store, for the hot reads of
//! gateways and moderators (room, mute, ban). Every write through it
//! publishes a `ControlEvent`, and every process drops the affected entries
//! when it sees one, so a mute or ban takes effect everywhere within
//! milliseconds; a TTL bounds staleness if an event is ever missed.

use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::Mutex;
use prost::Message as _;
use roomcast_core::Result;
use roomcast_core::ids::AppId;
use roomcast_core::model::{BanEntry, MuteEntry, Room, RoomPatch, UserProfile};
use roomcast_core::ports::bus::Bus;
use roomcast_core::ports::store::RoomStore;
use roomcast_core::subject;
use roomcast_proto::internal::v1::ControlEvent;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

struct Cache<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
    /// Bumped by every invalidation: a value read from the store while an
    /// invalidation happened may already be stale and is not cached.
    generation: std::sync::atomic::AtomicU64,
    ttl: Duration,
    max: usize,
}

impl<K: Hash + Eq, V: Clone> Cache<K, V> {
    fn new(ttl: Duration, max: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
            ttl,
            max,
        }
    }

    fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock();
        map.get(k)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Caches `v` unless an invalidation happened since `generation` was read.
    fn put(&self, generation: u64, k: K, v: V) {
        let mut map = self.map.lock();
        if self.generation() != generation {
            return;
        }
        if map.len() >= self.max {
            // Crude but bounded: entries are cheap to refetch.
            map.clear();
        }
        map.insert(k, (v, Instant::now()));
    }

    fn retain(&self, f: impl Fn(&K) -> bool) {
        let mut map = self.map.lock();
        self.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        map.retain(|k, _| f(k));
    }
}

type RoomKey = (AppId, String);
type MemberKey = (AppId, String, String);

pub struct CachedStore {
    inner: Arc<dyn RoomStore>,
    bus: Arc<dyn Bus>,
    rooms: Cache<RoomKey, Option<Room>>,
    mutes: Cache<MemberKey, Option<i64>>,
    bans: Cache<MemberKey, Option<BanEntry>>,
}

impl CachedStore {
    pub fn new(inner: Arc<dyn RoomStore>, bus: Arc<dyn Bus>, ttl: Duration, max_entries: usize) -> Self {
        Self {
            inner,
            bus,
            rooms: Cache::new(ttl, max_entries),
            mutes: Cache::new(ttl, max_entries),
            bans: Cache::new(ttl, max_entries),
        }
    }

    fn invalidate(&self, app: AppId, room: &str, users: &[String]) {
        self.rooms.retain(|(a, r)| !(*a == app && r == room));
        let hit = |(a, r, u): &MemberKey| *a == app && r == room && (users.is_empty() || users.contains(u));
        self.mutes.retain(|k| !hit(k));
        self.bans.retain(|k| !hit(k));
    }

    /// Drops local entries and tells every other process to do the same.
    async fn changed(&self, app: AppId, room: &str, users: &[String]) {
        self.invalidate(app, room, users);
        let ev = ControlEvent {
            room_id: room.to_string(),
            user_ids: users.to_vec(),
        };
        if let Err(e) = self
            .bus
            .publish(&subject::control(app), Bytes::from(ev.encode_to_vec()))
            .await
        {
            // The TTL still bounds staleness elsewhere.
            tracing::warn!(app, room, error = %e, "control event not published");
        }
    }

    /// Applies control events from other processes until `shutdown`.
    pub async fn run_invalidation(self: Arc<Self>, apps: Vec<AppId>, shutdown: CancellationToken) -> Result<()> {
        let mut tasks = Vec::new();
        for app in apps {
            let mut sub = self.bus.subscribe(&subject::control(app)).await?;
            let this = self.clone();
            let stop = shutdown.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        msg = sub.next() => match msg {
                            Some(payload) => match ControlEvent::decode(payload.as_ref()) {
                                Ok(ev) => this.invalidate(app, &ev.room_id, &ev.user_ids),
                                Err(e) => tracing::warn!(app, error = %e, "undecodable control event"),
                            },
                            None => break,
                        }
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    }
}

#[async_trait]
impl RoomStore for CachedStore {
    async fn create_room(&self, app: AppId, room: Room) -> Result<()> {
        let id = room.id.clone();
        self.inner.create_room(app, room).await?;
        // A cached "does not exist" must go.
        self.changed(app, &id, &[]).await;
        Ok(())
    }

    async fn room(&self, app: AppId, id: &str) -> Result<Option<Room>> {
        let key = (app, id.to_string());
        if let Some(v) = self.rooms.get(&key) {
            return Ok(v);
        }
        let generation = self.rooms.generation();
        let v = self.inner.room(app, id).await?;
        self.rooms.put(generation, key, v.clone());
        Ok(v)
    }

    /// From the room cache: the hot path checks this before every
    /// publication. A dismissal drops the entry everywhere within
    /// milliseconds; the sequencer's own check closes that window.
    async fn exists(&self, app: AppId, id: &str) -> Result<bool> {
        Ok(self.room(app, id).await?.is_some())
    }

    async fn rooms_after(&self, app: AppId, after: Option<&str>, limit: usize) -> Result<Vec<Room>> {
        self.inner.rooms_after(app, after, limit).await
    }

    async fn room_ids(&self, app: AppId) -> Result<Vec<String>> {
        self.inner.room_ids(app).await
    }

    async fn update_room(&self, app: AppId, id: &str, patch: &RoomPatch) -> Result<Room> {
        let r = self.inner.update_room(app, id, patch).await?;
        self.changed(app, id, &[]).await;
        Ok(r)
    }

    async fn delete_room(&self, app: AppId, id: &str) -> Result<Room> {
        let r = self.inner.delete_room(app, id).await?;
        self.changed(app, id, &[]).await;
        Ok(r)
    }

    async fn set_admin(&self, app: AppId, id: &str, user: &str, admin: bool) -> Result<bool> {
        let r = self.inner.set_admin(app, id, user, admin).await?;
        self.changed(app, id, &[]).await;
        Ok(r)
    }

    async fn set_mutes(&self, app: AppId, id: &str, users: &[String], until: Option<i64>) -> Result<()> {
        self.inner.set_mutes(app, id, users, until).await?;
        self.changed(app, id, users).await;
        Ok(())
    }

    async fn mutes(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<MuteEntry>> {
        self.inner.mutes(app, id, now_secs).await
    }

    async fn mute_until(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<i64>> {
        let key = (app, id.to_string(), user.to_string());
        let until = match self.mutes.get(&key) {
            Some(v) => v,
            None => {
                // Cache the raw deadline (0 = none) and compare with `now` on read.
                let generation = self.mutes.generation();
                let v = self.inner.mute_until(app, id, user, i64::MIN).await?;
                self.mutes.put(generation, key, v);
                v
            }
        };
        Ok(until.filter(|t| *t > now_secs))
    }

    async fn set_bans(&self, app: AppId, id: &str, users: &[String], until: i64, description: &str) -> Result<()> {
        self.inner.set_bans(app, id, users, until, description).await?;
        self.changed(app, id, users).await;
        Ok(())
    }

    async fn remove_bans(&self, app: AppId, id: &str, users: &[String]) -> Result<Vec<String>> {
        let r = self.inner.remove_bans(app, id, users).await?;
        self.changed(app, id, users).await;
        Ok(r)
    }

    async fn bans(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<BanEntry>> {
        self.inner.bans(app, id, now_secs).await
    }

    async fn ban(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<BanEntry>> {
        let key = (app, id.to_string(), user.to_string());
        let ban = match self.bans.get(&key) {
            Some(v) => v,
            None => {
                let generation = self.bans.generation();
                let v = self.inner.ban(app, id, user, i64::MIN).await?;
                self.bans.put(generation, key, v.clone());
                v
            }
        };
        Ok(ban.filter(|b| b.until > now_secs))
    }

    async fn set_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<()> {
        self.inner.set_profile(app, user, profile).await
    }

    async fn profile(&self, app: AppId, user: &str) -> Result<Option<UserProfile>> {
        self.inner.profile(app, user).await
    }
}
