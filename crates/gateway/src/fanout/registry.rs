//! Which local connections are in which room: for every room with at least
//! one member on this gateway, its member map, the member list the fan-out
//! walks, and the handle of the room's task.
//!
//! Membership changes (join, quit, kick, dismissal) go through here, so the
//! listing/generation pair that lets a delivery round run without the
//! membership lock is kept in one place.

use super::room_task::run_room;
use super::{Evictor, FanoutOptions};
use crate::conn::{Conn, ConnId};
use crate::metrics as m;
use parking_lot::{Mutex, RwLock};
use roomcast_core::Result;
use roomcast_core::ids::AppId;
use roomcast_core::rooms::Rooms;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) type RoomKey = (AppId, String);

pub struct LocalRoom {
    pub(super) members: RwLock<HashMap<ConnId, Arc<Conn>>>,
    /// The members as a list for fan-out, rebuilt after a membership change:
    /// delivery walks it without holding the membership lock, so joins and
    /// leaves never wait for a room's writes.
    listing: Mutex<Option<Arc<[Arc<Conn>]>>>,
    /// Bumped by every membership change, so a round can tell cheaply
    /// whether its snapshot may hold someone who has left since.
    pub(super) generation: AtomicU64,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl LocalRoom {
    pub(super) fn new(first: &Arc<Conn>) -> Self {
        Self {
            members: RwLock::new(HashMap::from([(first.id, first.clone())])),
            listing: Mutex::new(None),
            generation: AtomicU64::new(0),
            task: Mutex::new(None),
        }
    }

    pub(super) fn insert(&self, conn: &Arc<Conn>) {
        self.members.write().insert(conn.id, conn.clone());
        self.membership_changed();
    }

    /// Called after (never while) changing `members`: `snapshot` takes the
    /// two locks in the other order.
    pub(super) fn membership_changed(&self) {
        // Under the listing lock, so a snapshot and its generation always
        // agree: a round holding a list from before this change sees the
        // generation move on.
        let mut listing = self.listing.lock();
        *listing = None;
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The member list and the membership generation it belongs to.
    pub(super) fn snapshot(&self) -> (u64, Arc<[Arc<Conn>]>) {
        let mut listing = self.listing.lock();
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(l) = listing.as_ref() {
            return (generation, l.clone());
        }
        let l: Arc<[Arc<Conn>]> = self.members.read().values().cloned().collect();
        *listing = Some(l.clone());
        (generation, l)
    }

    /// Removes the members whose member ID (user ID, or guest ID) is one of
    /// `users`, and returns them.
    pub(super) fn remove_users(&self, users: &[String]) -> Vec<Arc<Conn>> {
        let kicked: Vec<Arc<Conn>> = {
            let mut members = self.members.write();
            let ids: Vec<ConnId> = members
                .values()
                .filter(|c| {
                    let s = c.session.lock();
                    users.iter().any(|u| u == s.member_id())
                })
                .map(|c| c.id)
                .collect();
            ids.iter().filter_map(|id| members.remove(id)).collect()
        };
        self.membership_changed();
        kicked
    }
}

const SHARDS: usize = 64;

pub struct LocalRooms {
    shards: Vec<Mutex<HashMap<RoomKey, Arc<LocalRoom>>>>,
    pub(super) opts: FanoutOptions,
    /// Told about every connection a room task removes.
    pub(super) evictor: Arc<dyn Evictor>,
}

impl LocalRooms {
    pub fn new(opts: FanoutOptions, evictor: Arc<dyn Evictor>) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            opts: FanoutOptions {
                batch_full_members: opts.batch_full_members.max(1),
                max_per_frame: opts.max_per_frame.max(1),
                ..opts
            },
            evictor,
        }
    }

    fn shard(&self, key: &RoomKey) -> &Mutex<HashMap<RoomKey, Arc<LocalRoom>>> {
        &self.shards[roomcast_core::shard::index(key, SHARDS)]
    }

    pub fn room_count(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Adds the connection to the room, subscribing first if it is the
    /// room's first local member. Returns once events will be delivered.
    pub async fn add(self: &Arc<Self>, rooms: &Rooms, app: AppId, room: &str, conn: &Arc<Conn>) -> Result<()> {
        let key = (app, room.to_string());
        if let Some(r) = self.shard(&key).lock().get(&key) {
            r.insert(conn);
            return Ok(());
        }
        let sub = rooms.bus().subscribe_room(app, room).await?;
        let mut shard = self.shard(&key).lock();
        if let Some(r) = shard.get(&key) {
            // Someone subscribed meanwhile; ours is dropped (unsubscribed).
            r.insert(conn);
            return Ok(());
        }
        let local = Arc::new(LocalRoom::new(conn));
        shard.insert(key.clone(), local.clone());
        metrics::gauge!(m::ROOMS_LOCAL).increment(1.0);
        let task = tokio::spawn(run_room(self.clone(), key, local.clone(), sub, rooms.clone()));
        *local.task.lock() = Some(task.abort_handle());
        Ok(())
    }

    /// Removes the connection; the last member takes the subscription with it.
    pub fn remove(&self, app: AppId, room: &str, conn: ConnId) {
        let key = (app, room.to_string());
        let mut shard = self.shard(&key).lock();
        let Some(r) = shard.get(&key) else { return };
        let mut members = r.members.write();
        members.remove(&conn);
        let empty = members.is_empty();
        drop(members);
        r.membership_changed();
        if empty && let Some(r) = shard.remove(&key) {
            metrics::gauge!(m::ROOMS_LOCAL).decrement(1.0);
            if let Some(t) = r.task.lock().take() {
                t.abort();
            }
        }
    }

    /// Removes this room (only if `local` is still the registered one) and
    /// returns its members. Holding the shard lock keeps a concurrent `add`
    /// from slipping a member in between.
    pub(super) fn take_all(&self, key: &RoomKey, local: &Arc<LocalRoom>) -> Vec<Arc<Conn>> {
        let mut shard = self.shard(key).lock();
        if !shard.get(key).is_some_and(|r| Arc::ptr_eq(r, local)) {
            return vec![];
        }
        shard.remove(key);
        metrics::gauge!(m::ROOMS_LOCAL).decrement(1.0);
        let all = local.members.write().drain().map(|(_, c)| c).collect();
        local.membership_changed();
        all
    }

    /// Removes this room if it has no members left; false if someone joined.
    pub(super) fn remove_if_empty(&self, key: &RoomKey, local: &Arc<LocalRoom>) -> bool {
        let mut shard = self.shard(key).lock();
        if !shard.get(key).is_some_and(|r| Arc::ptr_eq(r, local)) {
            return true;
        }
        if !local.members.read().is_empty() {
            return false;
        }
        shard.remove(key);
        metrics::gauge!(m::ROOMS_LOCAL).decrement(1.0);
        true
    }
}
