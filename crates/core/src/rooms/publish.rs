//! Publication: admission by frequency control, a room sequence number,
//! one encoding and the bus, all under a per-room stripe lock so events
//! reach the bus in sequence order. Tips and effects publish through here.

use super::Rooms;
use crate::client::events::{self, Payload, Tip};
use crate::error::{CoreError, Result};
use crate::event::RoomEvent;
use crate::ids::AppId;
use crate::metrics as m;
use crate::model::{Priority, now_ms, unix_secs};
use crate::ports::sequencer::{Admission, AdmitClass};
use bytes::Bytes;

const PUBLISH_STRIPES: usize = 256;

/// Striped locks: rooms sharing a stripe serialize their publications,
/// which is rare and harmless; a room never publishes out of order.
pub(super) struct PublishLocks(Vec<tokio::sync::Mutex<()>>);

impl PublishLocks {
    pub(super) fn new() -> Self {
        Self((0..PUBLISH_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect())
    }

    pub(super) async fn lock(&self, app: AppId, room_id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        self.0[crate::shard::index(&(app, room_id), PUBLISH_STRIPES)]
            .lock()
            .await
    }
}

impl Rooms {
    pub(super) async fn publish_tip(&self, app: AppId, room_id: &str, tip: &Tip, class: AdmitClass) -> Result<()> {
        let priority = match class {
            AdmitClass::Message { priority, .. } => priority,
            AdmitClass::Exempt => Priority::High,
        };
        self.publish_event(app, room_id, class, None, "tip", |seq, time| {
            events::encode_event(room_id, seq, time, priority, &Payload::Tip(tip))
        })
        .await
        .map(|_| ())
    }

    /// Join/quit tips ride at Lowest priority and may be dropped, like in
    /// AVChatRoom; failing to publish one never fails the join or quit.
    pub(super) async fn publish_member_tip(&self, app: AppId, room_id: &str, tip: &Tip) {
        let class = AdmitClass::Message {
            priority: Priority::Lowest,
            privileged: false,
        };
        if let Err(e) = self.publish_tip(app, room_id, tip, class).await {
            tracing::warn!(app, room = %room_id, error = %e, "member tip not published");
        }
    }

    /// Admits, sequences, encodes once and publishes, in sequence order.
    /// Returns the event's `seq`, or `None` when frequency control dropped
    /// it, with the time it was stamped with. `sender`: a user whose message
    /// this is, checked for a ban once more under the lock.
    pub(super) async fn publish_event(
        &self,
        app: AppId,
        room_id: &str,
        class: AdmitClass,
        sender: Option<&str>,
        kind: &'static str,
        encode: impl FnOnce(u64, i64) -> Vec<u8>,
    ) -> Result<(Option<u64>, i64)> {
        let _order = self.inner.publish_locks.lock(app, room_id).await;
        // The room and the sender were checked when the request arrived;
        // the room may have been dismissed, or the sender banned, while the
        // message was screened or hooked. Checked again here, after any
        // dismissal's or kick's publication, so nothing is published after
        // `Dismissed` or after the sender's kick (the Redis sequencer also
        // refuses gone rooms).
        if !self.store().exists(app, room_id).await? {
            return Err(CoreError::RoomNotFound(room_id.to_string()));
        }
        if let Some(user) = sender
            && let Some(ban) = self.store().ban(app, room_id, user, unix_secs()).await?
        {
            return Err(CoreError::Banned { until: ban.until });
        }
        let time = now_ms();
        let admission = self.inner.deps.sequencer.admit(app, room_id, class, time).await?;
        let seq = match admission {
            Admission::Accepted { seq } => seq,
            Admission::Dropped => return Ok((None, time)),
            Admission::RoomGone => return Err(CoreError::RoomNotFound(room_id.to_string())),
        };
        let json = Bytes::from(encode(seq, time));
        // Kept before it is published, so whoever sees it live can also find
        // it in the history. A history that could not keep it (a store
        // hiccup) shows a hole there, which recovery reports as incomplete.
        if self.inner.opts.history.enabled()
            && let Err(e) = self
                .inner
                .deps
                .history
                .append(app, room_id, seq, time, json.clone())
                .await
        {
            tracing::warn!(app, room = %room_id, seq, error = %e, "event not kept in history");
        }
        self.publish_in_order(app, room_id, RoomEvent::Deliver { seq, json }, kind)
            .await?;
        Ok((Some(seq), time))
    }

    /// Publishes an effect (kick, dismissal): no sequence number, but after
    /// every event published before it.
    pub(super) async fn publish_effect(
        &self,
        app: AppId,
        room_id: &str,
        event: RoomEvent,
        kind: &'static str,
    ) -> Result<()> {
        let _order = self.inner.publish_locks.lock(app, room_id).await;
        self.publish_in_order(app, room_id, event, kind).await
    }

    /// Publishes a state snapshot (counters, attributes) outside the room's
    /// sequence: it takes no `seq`, is not kept in history and skips
    /// frequency control; the latest snapshot supersedes the earlier ones.
    pub(super) async fn publish_unsequenced(
        &self,
        app: AppId,
        room_id: &str,
        json: Bytes,
        kind: &'static str,
    ) -> Result<()> {
        self.publish_in_order(app, room_id, RoomEvent::Deliver { seq: 0, json }, kind)
            .await
    }

    async fn publish_in_order(&self, app: AppId, room_id: &str, event: RoomEvent, kind: &'static str) -> Result<()> {
        self.bus().publish_event(app, room_id, event).await?;
        metrics::counter!(m::PUBLISHED, "kind" => kind).increment(1);
        Ok(())
    }
}
