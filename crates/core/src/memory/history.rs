//! In-process history for standalone mode: per room, the newest
//! `max_events` events younger than `max_age_ms`; in total at most
//! `max_total_bytes` of event JSON, past which the rooms appended to least
//! recently lose their history (and get a new epoch when they next append).

use crate::error::Result;
use crate::ids::AppId;
use crate::ports::history::{History, HistoryEvent, HistoryOptions, HistoryPage, new_epoch};
use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap, VecDeque};

type RoomKey = (AppId, String);

struct Kept {
    seq: u64,
    time_ms: i64,
    json: Bytes,
}

struct RoomHistory {
    epoch: String,
    events: VecDeque<Kept>,
    bytes: usize,
    /// The last `seq` appended, kept when its event is evicted: the
    /// difference between "evicted" and "never happened".
    last_seq: u64,
    /// Position in the least-recently-appended order.
    tick: u64,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomKey, RoomHistory>,
    by_tick: BTreeMap<u64, RoomKey>,
    total_bytes: usize,
    next_tick: u64,
}

pub struct MemoryHistory {
    opts: HistoryOptions,
    state: Mutex<State>,
}

impl MemoryHistory {
    pub fn new(opts: HistoryOptions) -> Self {
        Self {
            opts,
            state: Mutex::new(State::default()),
        }
    }

    /// Bytes of event JSON held (for tests and benchmarks).
    pub fn total_bytes(&self) -> usize {
        self.state.lock().total_bytes
    }
}

impl State {
    /// The room's history, created empty (with its epoch) if it has none:
    /// a client that reads an empty room's epoch must find the same epoch
    /// on the events that follow.
    fn room(&mut self, key: &RoomKey) -> &mut RoomHistory {
        let tick = self.next_tick;
        if !self.rooms.contains_key(key) {
            self.next_tick += 1;
            self.by_tick.insert(tick, key.clone());
        }
        self.rooms.entry(key.clone()).or_insert_with(|| RoomHistory {
            epoch: new_epoch(),
            events: VecDeque::new(),
            bytes: 0,
            last_seq: 0,
            tick,
        })
    }

    fn evict_front(&mut self, key: &RoomKey) {
        if let Some(h) = self.rooms.get_mut(key)
            && let Some(old) = h.events.pop_front()
        {
            h.bytes -= old.json.len();
            self.total_bytes -= old.json.len();
        }
    }

    fn drop_room(&mut self, key: &RoomKey) {
        if let Some(h) = self.rooms.remove(key) {
            self.by_tick.remove(&h.tick);
            self.total_bytes -= h.bytes;
        }
    }

    /// Drops events past the age limit from the front.
    fn expire(&mut self, key: &RoomKey, oldest_ms: i64) {
        while self
            .rooms
            .get(key)
            .and_then(|h| h.events.front())
            .is_some_and(|e| e.time_ms < oldest_ms)
        {
            self.evict_front(key);
        }
    }
}

fn page(h: &RoomHistory, events: Vec<HistoryEvent>, complete: bool) -> HistoryPage {
    HistoryPage {
        epoch: h.epoch.clone(),
        events,
        complete,
    }
}

#[async_trait]
impl History for MemoryHistory {
    async fn append(&self, app: AppId, room: &str, seq: u64, time_ms: i64, json: Bytes) -> Result<()> {
        if !self.opts.enabled() {
            return Ok(());
        }
        let key = (app, room.to_string());
        let mut st = self.state.lock();
        let st = &mut *st;
        let tick = st.next_tick;
        st.next_tick += 1;
        let h = st.room(&key);
        let old_tick = std::mem::replace(&mut h.tick, tick);
        st.by_tick.remove(&old_tick);
        st.by_tick.insert(tick, key.clone());
        let h = st.rooms.get_mut(&key).expect("just created");
        h.bytes += json.len();
        h.last_seq = seq;
        st.total_bytes += json.len();
        h.events.push_back(Kept { seq, time_ms, json });
        while st.rooms[&key].events.len() > self.opts.max_events {
            st.evict_front(&key);
        }
        st.expire(&key, time_ms - self.opts.max_age_ms as i64);
        // Over the total: whole rooms go, least recently appended first
        // (this one last), so what is kept stays consistent per room.
        while st.total_bytes > self.opts.max_total_bytes {
            let Some((_, victim)) = st.by_tick.first_key_value().map(|(t, k)| (*t, k.clone())) else {
                break;
            };
            st.drop_room(&victim);
        }
        Ok(())
    }

    async fn since(&self, app: AppId, room: &str, after: u64, limit: usize, now_ms: i64) -> Result<HistoryPage> {
        let key = (app, room.to_string());
        let mut st = self.state.lock();
        st.expire(&key, now_ms - self.opts.max_age_ms as i64);
        let h = &*st.room(&key);
        let first_kept = h.events.front().map_or(h.last_seq + 1, |e| e.seq);
        let complete = after >= h.last_seq || first_kept <= after + 1;
        let events = h
            .events
            .iter()
            .filter(|e| e.seq > after)
            .take(limit)
            .map(|e| HistoryEvent {
                seq: e.seq,
                json: e.json.clone(),
            })
            .collect();
        Ok(page(h, events, complete))
    }

    async fn before(
        &self,
        app: AppId,
        room: &str,
        before: Option<u64>,
        limit: usize,
        now_ms: i64,
    ) -> Result<HistoryPage> {
        let key = (app, room.to_string());
        let mut st = self.state.lock();
        st.expire(&key, now_ms - self.opts.max_age_ms as i64);
        let h = &*st.room(&key);
        let mut events: Vec<HistoryEvent> = h
            .events
            .iter()
            .rev()
            .filter(|e| before.is_none_or(|b| e.seq < b))
            .take(limit)
            .map(|e| HistoryEvent {
                seq: e.seq,
                json: e.json.clone(),
            })
            .collect();
        events.reverse();
        Ok(page(h, events, true))
    }

    async fn forget(&self, app: AppId, room: &str) -> Result<()> {
        self.state.lock().drop_room(&(app, room.to_string()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(max_events: usize, max_total_bytes: usize) -> HistoryOptions {
        HistoryOptions {
            max_events,
            max_age_ms: 1000,
            max_total_bytes,
        }
    }

    fn ev(seq: u64) -> Bytes {
        Bytes::from(format!("{{\"seq\":{seq}}}"))
    }

    async fn seqs(p: &HistoryPage) -> Vec<u64> {
        p.events.iter().map(|e| e.seq).collect()
    }

    #[tokio::test]
    async fn keeps_the_newest_events_and_knows_what_was_evicted() {
        let h = MemoryHistory::new(opts(3, 1 << 20));
        for seq in 1..=5 {
            h.append(1, "r", seq, 0, ev(seq)).await.unwrap();
        }
        let all = h.since(1, "r", 0, 10, 0).await.unwrap();
        assert_eq!(seqs(&all).await, [3, 4, 5]);
        assert!(!all.complete, "1 and 2 were evicted");
        let recent = h.since(1, "r", 2, 10, 0).await.unwrap();
        assert_eq!(seqs(&recent).await, [3, 4, 5]);
        assert!(recent.complete);
        assert!(h.since(1, "r", 5, 10, 0).await.unwrap().complete, "nothing missed");
        assert_eq!(recent.epoch, all.epoch);
        let older = h.before(1, "r", Some(5), 1, 0).await.unwrap();
        assert_eq!(seqs(&older).await, [4]);
        let newest = h.before(1, "r", None, 2, 0).await.unwrap();
        assert_eq!(seqs(&newest).await, [4, 5]);
    }

    #[tokio::test]
    async fn old_events_expire_and_forgetting_changes_the_epoch() {
        let h = MemoryHistory::new(opts(10, 1 << 20));
        h.append(1, "r", 1, 0, ev(1)).await.unwrap();
        h.append(1, "r", 2, 900, ev(2)).await.unwrap();
        let p = h.since(1, "r", 0, 10, 1500).await.unwrap();
        assert_eq!(seqs(&p).await, [2]);
        assert!(!p.complete, "1 expired");
        let epoch = p.epoch;
        h.forget(1, "r").await.unwrap();
        assert_eq!(h.total_bytes(), 0);
        h.append(1, "r", 1, 2000, ev(1)).await.unwrap();
        assert_ne!(h.since(1, "r", 0, 10, 2000).await.unwrap().epoch, epoch);
    }

    #[tokio::test]
    async fn the_total_is_bounded_by_dropping_the_least_recent_rooms() {
        let per_event = ev(1).len();
        let h = MemoryHistory::new(opts(100, per_event * 5));
        for seq in 1..=3 {
            h.append(1, "a", seq, 0, ev(seq)).await.unwrap();
        }
        for seq in 1..=3 {
            h.append(1, "b", seq, 0, ev(seq)).await.unwrap();
        }
        assert!(h.total_bytes() <= per_event * 5);
        assert!(
            h.since(1, "a", 0, 10, 0).await.unwrap().events.is_empty(),
            "a went first"
        );
        assert_eq!(h.since(1, "b", 0, 10, 0).await.unwrap().events.len(), 3);
    }

    #[tokio::test]
    async fn an_empty_rooms_epoch_is_the_epoch_of_its_first_events() {
        let h = MemoryHistory::new(opts(10, 1 << 20));
        let before = h.since(1, "r", 0, 10, 0).await.unwrap();
        assert!(!before.epoch.is_empty());
        h.append(1, "r", 1, 0, ev(1)).await.unwrap();
        let after = h.since(1, "r", 0, 10, 0).await.unwrap();
        assert_eq!(after.epoch, before.epoch);
        assert!(after.complete);
    }

    #[tokio::test]
    async fn off_keeps_nothing() {
        let h = MemoryHistory::new(opts(0, 1 << 20));
        h.append(1, "r", 1, 0, ev(1)).await.unwrap();
        assert!(h.since(1, "r", 0, 10, 0).await.unwrap().events.is_empty());
    }
}
