//! Local rooms: for every room with at least one member on this gateway, one
//! bus subscription and one task that fans each event out to the members.

use crate::conn::{Conn, ConnId, Out, Pushed};
use crate::protocol::{KickReason, close, kicked_push, reconnect_push};
use crate::reorder::Reorder;
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use roomcast_core::Result;
use roomcast_core::bus::{Subscription, subject};
use roomcast_core::ids::AppId;
use roomcast_core::metrics as m;
use roomcast_core::rooms::Rooms;
use roomcast_core::wire::decode_envelope;
use roomcast_proto::v1::room_event::Effect;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

type RoomKey = (AppId, String);

pub struct LocalRoom {
    members: RwLock<HashMap<ConnId, Arc<Conn>>>,
    /// The members as a list for fan-out, rebuilt after a membership change:
    /// delivery walks it without holding the membership lock, so joins and
    /// leaves never wait for a room's writes.
    listing: Mutex<Option<Arc<[Arc<Conn>]>>>,
    /// Bumped by every membership change, so a round can tell cheaply
    /// whether its snapshot may hold someone who has left since.
    generation: AtomicU64,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl LocalRoom {
    fn new(first: &Arc<Conn>) -> Self {
        Self {
            members: RwLock::new(HashMap::from([(first.id, first.clone())])),
            listing: Mutex::new(None),
            generation: AtomicU64::new(0),
            task: Mutex::new(None),
        }
    }

    fn insert(&self, conn: &Arc<Conn>) {
        self.members.write().insert(conn.id, conn.clone());
        self.membership_changed();
    }

    /// Called after (never while) changing `members`: `snapshot` takes the
    /// two locks in the other order.
    fn membership_changed(&self) {
        // Under the listing lock, so a snapshot and its generation always
        // agree: a round holding a list from before this change sees the
        // generation move on.
        let mut listing = self.listing.lock();
        *listing = None;
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The member list and the membership generation it belongs to.
    fn snapshot(&self) -> (u64, Arc<[Arc<Conn>]>) {
        let mut listing = self.listing.lock();
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(l) = listing.as_ref() {
            return (generation, l.clone());
        }
        let l: Arc<[Arc<Conn>]> = self.members.read().values().cloned().collect();
        *listing = Some(l.clone());
        (generation, l)
    }
}

const SHARDS: usize = 64;

pub struct LocalRooms {
    shards: Vec<Mutex<HashMap<RoomKey, Arc<LocalRoom>>>>,
    reorder_window: Duration,
    batch_window: Duration,
    batch_full_members: usize,
    batch_max: usize,
}

/// What the fan-out task must tell the session layer to do.
pub trait Evictor: Send + Sync + 'static {
    /// The connection was removed from the room by the server.
    fn evicted(&self, conn: &Arc<Conn>, app: AppId, room: &str, reason: KickReason);
}

impl LocalRooms {
    pub fn new(reorder_window: Duration, batch_window: Duration, batch_full_members: usize, batch_max: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            reorder_window,
            batch_window,
            batch_full_members: batch_full_members.max(1),
            batch_max: batch_max.max(1),
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
    pub async fn add(
        self: &Arc<Self>,
        rooms: &Rooms,
        evictor: Arc<dyn Evictor>,
        app: AppId,
        room: &str,
        conn: &Arc<Conn>,
    ) -> Result<()> {
        let key = (app, room.to_string());
        if let Some(r) = self.shard(&key).lock().get(&key) {
            r.insert(conn);
            return Ok(());
        }
        let sub = rooms.bus().subscribe(&subject::room(app, room)).await?;
        let mut shard = self.shard(&key).lock();
        if let Some(r) = shard.get(&key) {
            // Someone subscribed meanwhile; ours is dropped (unsubscribed).
            r.insert(conn);
            return Ok(());
        }
        let local = Arc::new(LocalRoom::new(conn));
        shard.insert(key.clone(), local.clone());
        metrics::gauge!(m::ROOMS_LOCAL).increment(1.0);
        let task = tokio::spawn(run_room(
            self.clone(),
            evictor,
            key,
            local.clone(),
            sub,
            self.reorder_window,
        ));
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
    fn take_all(&self, key: &RoomKey, local: &Arc<LocalRoom>) -> Vec<Arc<Conn>> {
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
    fn remove_if_empty(&self, key: &RoomKey, local: &Arc<LocalRoom>) -> bool {
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

/// Fan-out pacing: a room that is idle is delivered to at once; a busy room
/// (its last delivery less than `window` ago) gathers events until `window`
/// has passed and delivers them together, so each member gets one write
/// carrying several events instead of one write per event.
///
/// The window scales with the room's local audience: the full window from
/// `full_members` members up, proportionally less below. A round costs about
/// one socket write per member, so this caps what one busy room can cost
/// (a share of a core, whatever its size) while small rooms, whose rounds
/// are cheap, are not held back.
struct Pacer {
    room: String,
    full_window: Duration,
    full_members: usize,
    window: Duration,
    max_held: usize,
    last_flush: Option<Instant>,
    held: Vec<Bytes>,
}

impl Pacer {
    fn window_for(&self, members: usize) -> Duration {
        if members >= self.full_members {
            self.full_window
        } else {
            self.full_window.mul_f64(members as f64 / self.full_members as f64)
        }
    }

    fn due(&self) -> Option<Instant> {
        match (self.held.is_empty(), self.last_flush) {
            (false, Some(t)) => Some(t + self.window),
            _ => None,
        }
    }

    fn hold(&mut self, events: Vec<Bytes>) {
        self.held.extend(events);
    }

    /// Delivers what is held unless the room is busy; a full frame's worth
    /// goes out at once, so pacing never builds bursts larger than one push.
    fn settle(&mut self, local: &LocalRoom, now: Instant) {
        let busy = self.last_flush.is_some_and(|t| now < t + self.window);
        if !busy || self.held.len() >= self.max_held {
            self.flush(local, now);
        }
    }

    fn flush(&mut self, local: &LocalRoom, now: Instant) {
        if !self.held.is_empty() {
            let members = deliver(local, &self.room, std::mem::take(&mut self.held), self.max_held);
            self.window = self.window_for(members);
            self.last_flush = Some(now);
        }
    }
}

/// Most events taken off the subscription before delivering; the rest wait
/// for the next round (they are already counted against the room's rate).
const ROUND_MAX: usize = 1024;

async fn run_room(
    rooms: Arc<LocalRooms>,
    evictor: Arc<dyn Evictor>,
    key: RoomKey,
    local: Arc<LocalRoom>,
    mut sub: Subscription,
    reorder_window: Duration,
) {
    let mut reorder = Reorder::new(reorder_window, 4096);
    let mut pacer = Pacer {
        room: key.1.clone(),
        full_window: rooms.batch_window,
        full_members: rooms.batch_full_members,
        window: Duration::ZERO,
        max_held: rooms.batch_max,
        last_flush: None,
        held: Vec::new(),
    };
    loop {
        let deadline = reorder.deadline();
        let due = pacer.due();
        let payload = tokio::select! {
            p = sub.next() => p,
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                pacer.flush(&local, Instant::now());
                continue;
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                tracing::debug!(app = key.0, room = %key.1, "gave up waiting for a missing room event");
                pacer.hold(reorder.expire());
                pacer.settle(&local, Instant::now());
                continue;
            }
        };
        let Some(mut payload) = payload else { break };
        // Everything already waiting joins this round: events that queued up
        // while the previous delivery was being written go out together,
        // one write per member, instead of one write per event.
        let mut taken = 1;
        loop {
            'one: {
                let Some(ev) = decode_envelope(&payload) else {
                    tracing::warn!(app = key.0, room = %key.1, "undecodable room event skipped");
                    break 'one;
                };
                if ev.effect.is_some() {
                    // Effects act on membership: deliver what came before them first.
                    pacer.flush(&local, Instant::now());
                }
                match ev.effect {
                    None => pacer.hold(reorder.push(ev.seq, ev.client_json, Instant::now())),
                    Some(Effect::Kick(kick)) => {
                        // Bans are the only kick the room service issues today.
                        let reason = KickReason::Banned;
                        let kicked: Vec<Arc<Conn>> = {
                            let mut members = local.members.write();
                            let ids: Vec<ConnId> = members
                                .values()
                                .filter(|c| {
                                    let s = c.session.lock();
                                    kick.user_ids.iter().any(|u| u == s.member_id())
                                })
                                .map(|c| c.id)
                                .collect();
                            ids.iter().filter_map(|id| members.remove(id)).collect()
                        };
                        local.membership_changed();
                        for c in &kicked {
                            c.out.push(Out::Frame(kicked_push(Some(&key.1), reason.as_str())));
                            evictor.evicted(c, key.0, &key.1, reason);
                        }
                        if rooms.remove_if_empty(&key, &local) {
                            return;
                        }
                    }
                    Some(Effect::Dismissed(_)) => {
                        for c in rooms.take_all(&key, &local) {
                            c.out
                                .push(Out::Frame(kicked_push(Some(&key.1), KickReason::Dismissed.as_str())));
                            evictor.evicted(&c, key.0, &key.1, KickReason::Dismissed);
                        }
                        return;
                    }
                }
            }
            if taken >= ROUND_MAX {
                break;
            }
            match sub.ready() {
                Some(p) => {
                    payload = p;
                    taken += 1;
                }
                None => break,
            }
        }
        pacer.settle(&local, Instant::now());
    }
    // The bus closed the subscription (it is shutting down): members could
    // no longer be served here, so send them elsewhere rather than go silent.
    tracing::warn!(app = key.0, room = %key.1, "room subscription ended");
    for c in rooms.take_all(&key, &local) {
        c.out.push(Out::Frame(reconnect_push("room subscription lost")));
        c.out.push(Out::Close(close::GOING_AWAY, "room subscription lost"));
    }
}

/// Frames the events once (at most `max_per_frame` per `messages` push) and
/// hands the same bytes to every member. Returns the number of members.
fn deliver(local: &LocalRoom, room: &str, events: Vec<Bytes>, max_per_frame: usize) -> usize {
    if events.is_empty() {
        return 0;
    }
    let started = std::time::Instant::now();
    let (generation, members) = local.snapshot();
    let frames: Vec<(Bytes, u64)> = events
        .chunks(max_per_frame)
        .map(|chunk| (crate::ws::frame::messages(chunk), chunk.len() as u64))
        .collect();
    let round = write_round(local, room, generation, &members, &frames);
    // Counted once per round, not per member: the loop above is the hot path.
    metrics::counter!(m::MESSAGES_DELIVERED).increment(round.events);
    metrics::counter!(m::FANOUT_WRITES, "path" => "direct").increment(round.direct);
    metrics::counter!(m::FANOUT_WRITES, "path" => "queued").increment(round.queued);
    metrics::histogram!(m::FANOUT_SECONDS).record(started.elapsed().as_secs_f64());
    members.len()
}

/// What one round handed to the members.
#[derive(Debug, Default, PartialEq)]
struct Round {
    /// Events delivered, counted per member.
    events: u64,
    /// Frames that went straight into a member's socket.
    direct: u64,
    /// Frames queued behind earlier data (the member's socket was full).
    queued: u64,
}

/// Hands the frames to every member of a snapshot taken at `generation`.
fn write_round(
    local: &LocalRoom,
    room: &str,
    generation: u64,
    members: &[Arc<Conn>],
    frames: &[(Bytes, u64)],
) -> Round {
    let mut round = Round::default();
    for c in members {
        if local.generation.load(Ordering::Acquire) == generation {
            push_frames(c, frames, &mut round);
            continue;
        }
        // Membership changed during this round, so the list may hold someone
        // who has quit since. Quit leaves the session's room set before it
        // is answered; holding the session across the check and the pushes
        // puts every push either before that or not at all.
        let session = c.session.lock();
        if session.rooms.contains(room) {
            push_frames(c, frames, &mut round);
        }
        drop(session);
    }
    round
}

/// Hands the round's frames to one member.
fn push_frames(c: &Conn, frames: &[(Bytes, u64)], round: &mut Round) {
    for (wire, events) in frames {
        match c.out.push(Out::Wire(wire.clone())) {
            Pushed::Written => {
                round.events += events;
                round.direct += 1;
            }
            Pushed::Queued => {
                round.events += events;
                round.queued += 1;
            }
            Pushed::Overflow => {
                metrics::counter!(m::SLOW_DISCONNECTS).increment(1);
                metrics::counter!(m::MESSAGES_DROPPED, "reason" => "slow_consumer").increment(1);
            }
            Pushed::Closed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: ConnId, room: &str) -> (Arc<Conn>, tokio::io::DuplexStream) {
        let c = Conn::new(id, 1 << 20, format!("g{id}"));
        c.session.lock().rooms.insert(room.to_string());
        let (w, r) = tokio::io::duplex(1 << 16);
        c.out.attach(Box::pin(w));
        (c, r)
    }

    fn received(r: &mut tokio::io::DuplexStream) -> usize {
        use tokio::io::AsyncRead;
        let mut buf = [0u8; 4096];
        let mut rb = tokio::io::ReadBuf::new(&mut buf);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::Pin::new(r).poll_read(&mut cx, &mut rb) {
            std::task::Poll::Ready(Ok(())) => rb.filled().len(),
            _ => 0,
        }
    }

    #[tokio::test]
    async fn a_member_who_quit_during_a_round_gets_nothing_more() {
        let (a, mut ra) = member(1, "r");
        let (b, mut rb) = member(2, "r");
        let local = LocalRoom::new(&a);
        local.insert(&b);
        let frames = frames_of_one();
        // The round starts with both in its list; then `a` quits the way the
        // session does: session first, then the member map, then the change
        // is announced.
        let (generation, members) = local.snapshot();
        a.session.lock().rooms.remove("r");
        local.members.write().remove(&a.id);
        local.membership_changed();
        assert_eq!(write_round(&local, "r", generation, &members, &frames).events, 1);
        assert_eq!(received(&mut ra), 0);
        assert!(received(&mut rb) > 0);
    }

    #[tokio::test]
    async fn a_cached_list_still_holding_a_departed_member_is_checked() {
        let (a, mut ra) = member(1, "r");
        let (b, mut rb) = member(2, "r");
        let local = LocalRoom::new(&a);
        local.insert(&b);
        let _ = local.snapshot();
        // `a` has left the map, but the change is not announced yet: the round
        // gets the cached list that still holds `a`.
        a.session.lock().rooms.remove("r");
        local.members.write().remove(&a.id);
        let (generation, members) = local.snapshot();
        assert_eq!(members.len(), 2);
        local.membership_changed();
        let round = write_round(&local, "r", generation, &members, &frames_of_one());
        assert_eq!(
            round,
            Round {
                events: 1,
                direct: 1,
                queued: 0
            }
        );
        assert_eq!(received(&mut ra), 0);
        assert!(received(&mut rb) > 0);
    }

    fn frames_of_one() -> [(Bytes, u64); 1] {
        [(crate::ws::frame::messages(&[Bytes::from_static(b"{}")]), 1)]
    }

    #[test]
    fn pacing_window_scales_with_the_local_audience() {
        let p = Pacer {
            room: "r".into(),
            full_window: Duration::from_millis(100),
            full_members: 10_000,
            window: Duration::ZERO,
            max_held: 64,
            last_flush: None,
            held: Vec::new(),
        };
        assert_eq!(p.window_for(0), Duration::ZERO);
        assert_eq!(p.window_for(100), Duration::from_millis(1));
        assert_eq!(p.window_for(5_000), Duration::from_millis(50));
        assert_eq!(p.window_for(10_000), Duration::from_millis(100));
        assert_eq!(p.window_for(19_500), Duration::from_millis(100));
    }
}
