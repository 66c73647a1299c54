//! Coalescing of one user's join/quit tips in one room.
//!
//! Tips ride at Lowest priority but still count against the room's
//! frequency-control window: a user joining and quitting hundreds of times
//! a second would fill the window with tips and crowd out members' chat
//! (Normal messages dropped with 200001). So at most one tip per user and
//! room goes out per `rooms.member_tip_interval_ms`: the first at once,
//! later ones wait for the interval's end, where only the latest state is
//! announced, and only if it differs from what was last announced (a quit
//! and a rejoin within the interval announce nothing). Members' view of who
//! is in the room stays right; it just lags by at most one interval.

use super::Rooms;
use crate::client::events::{Tip, TipKind};
use crate::ids::AppId;
use crate::metrics as m;
use crate::model::now_ms;
use parking_lot::Mutex;
use std::collections::HashMap;

type Key = (AppId, String, String);

struct Entry {
    /// The kind of the last tip published for this user and room.
    announced: TipKind,
    at_ms: i64,
    /// The latest tip held back until the interval ends (a flush is scheduled).
    pending: Option<Tip>,
}

pub(super) struct MemberTips {
    interval_ms: i64,
    entries: Mutex<HashMap<Key, Entry>>,
    /// Map size after the last cleanup: the next one runs when it doubles.
    swept_len: Mutex<usize>,
}

enum Decision {
    Publish,
    /// Held back; the caller schedules the flush at this time.
    Hold(i64),
    /// Replaced a tip already held back.
    Merged,
}

impl MemberTips {
    pub(super) fn new(interval_ms: u64) -> Self {
        Self {
            interval_ms: interval_ms.min(i64::MAX as u64) as i64,
            entries: Mutex::new(HashMap::new()),
            swept_len: Mutex::new(0),
        }
    }

    fn decide(&self, key: &Key, tip: &Tip, now: i64) -> Decision {
        let mut entries = self.entries.lock();
        self.cleanup(&mut entries, now);
        match entries.get_mut(key) {
            Some(e) if e.pending.is_some() => {
                e.pending = Some(tip.clone());
                Decision::Merged
            }
            Some(e) if now - e.at_ms < self.interval_ms => {
                e.pending = Some(tip.clone());
                Decision::Hold(e.at_ms + self.interval_ms)
            }
            _ => {
                entries.insert(
                    key.clone(),
                    Entry {
                        announced: tip.kind,
                        at_ms: now,
                        pending: None,
                    },
                );
                Decision::Publish
            }
        }
    }

    /// The held tip to publish at the end of the interval, if it changes
    /// what members were told.
    fn take_due(&self, key: &Key, now: i64) -> Option<Tip> {
        let mut entries = self.entries.lock();
        let e = entries.get_mut(key)?;
        let tip = e.pending.take()?;
        if tip.kind == e.announced {
            return None;
        }
        e.announced = tip.kind;
        e.at_ms = now;
        Some(tip)
    }

    /// Forgets entries whose interval is over and that hold nothing, once
    /// the map has doubled since the last cleanup (amortized O(1)).
    fn cleanup(&self, entries: &mut HashMap<Key, Entry>, now: i64) {
        let mut swept = self.swept_len.lock();
        if entries.len() < (*swept * 2).max(1024) {
            return;
        }
        entries.retain(|_, e| e.pending.is_some() || now - e.at_ms < self.interval_ms);
        *swept = entries.len();
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.lock().len()
    }
}

impl Rooms {
    /// Publishes a join/quit tip now, or coalesces it (see the module docs).
    pub(super) async fn announce_member(&self, app: AppId, room_id: &str, user: &str, tip: Tip) {
        let tips = &self.inner.member_tips;
        if tips.interval_ms == 0 {
            return self.publish_member_tip(app, room_id, &tip).await;
        }
        let key = (app, room_id.to_string(), user.to_string());
        match tips.decide(&key, &tip, now_ms()) {
            Decision::Publish => self.publish_member_tip(app, room_id, &tip).await,
            Decision::Merged => metrics::counter!(m::MEMBER_TIPS_COALESCED).increment(1),
            Decision::Hold(at_ms) => {
                metrics::counter!(m::MEMBER_TIPS_COALESCED).increment(1);
                let rooms = self.clone();
                tokio::spawn(async move {
                    let wait = (at_ms - now_ms()).max(0) as u64;
                    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    let due = rooms.inner.member_tips.take_due(&key, now_ms());
                    if let Some(tip) = due {
                        rooms.publish_member_tip(key.0, &key.1, &tip).await;
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tip(kind: TipKind) -> Tip {
        Tip::member(kind, "u", "", "")
    }

    #[test]
    fn one_tip_per_interval_and_only_a_net_change() {
        let t = MemberTips::new(1000);
        let key = (1, "r".to_string(), "u".to_string());
        assert!(matches!(
            t.decide(&key, &tip(TipKind::MemberJoined), 0),
            Decision::Publish
        ));
        assert!(matches!(
            t.decide(&key, &tip(TipKind::MemberQuit), 10),
            Decision::Hold(1000)
        ));
        assert!(matches!(
            t.decide(&key, &tip(TipKind::MemberJoined), 20),
            Decision::Merged
        ));
        assert!(t.take_due(&key, 1000).is_none(), "quit + rejoin announce nothing");
        assert!(matches!(
            t.decide(&key, &tip(TipKind::MemberQuit), 1500),
            Decision::Publish
        ));
        assert!(matches!(
            t.decide(&key, &tip(TipKind::MemberJoined), 1600),
            Decision::Hold(2500)
        ));
        assert_eq!(t.take_due(&key, 2500).map(|t| t.kind), Some(TipKind::MemberJoined));
        assert_eq!(t.len(), 1);
    }
}
