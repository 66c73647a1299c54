//! History: a room's recent events for a late joiner, older pages on
//! request, and recovery of what a client (or a gateway) missed.

use super::Rooms;
use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::model::now_ms;
use crate::ports::history::{HistoryEvent, HistoryPage};

/// Most events one history request returns.
pub const HISTORY_PAGE_MAX: usize = 100;

/// What a client that saw events up to a `seq` of an epoch gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The history's current epoch: what the client remembers from now on.
    pub epoch: String,
    /// Every event after the client's `seq`, in order: nothing was lost. When
    /// false, `events` holds what is still kept, and the client must treat
    /// its view of the room as incomplete.
    pub recovered: bool,
    pub events: Vec<HistoryEvent>,
}

fn check_limit(limit: usize) -> Result<usize> {
    match limit {
        1..=HISTORY_PAGE_MAX => Ok(limit),
        _ => Err(CoreError::InvalidParameter(format!(
            "history limit must be 1..={HISTORY_PAGE_MAX}"
        ))),
    }
}

/// Whether `events` are exactly `after + 1, after + 2, …` (a store that
/// failed to keep an event shows a hole).
fn contiguous_from(after: u64, events: &[HistoryEvent]) -> bool {
    events.iter().zip(after + 1..).all(|(e, want)| e.seq == want)
}

impl Rooms {
    /// The newest `limit` events of the room (a late joiner's view of the
    /// chat so far), or older ones before `before`, oldest first.
    pub async fn history(&self, app: AppId, room_id: &str, before: Option<u64>, limit: usize) -> Result<HistoryPage> {
        let limit = check_limit(limit)?;
        self.room(app, room_id).await?;
        self.inner
            .deps
            .history
            .before(app, room_id, before, limit, now_ms())
            .await
    }

    /// Every event after `after`, if the history of `epoch` still holds them
    /// all. At most the history's size is returned (a client further behind
    /// than that cannot be recovered anyway).
    pub async fn recover(&self, app: AppId, room_id: &str, after: u64, epoch: &str) -> Result<Recovery> {
        self.room(app, room_id).await?;
        let limit = self.inner.opts.history.max_events.max(1);
        let page = self
            .inner
            .deps
            .history
            .since(app, room_id, after, limit, now_ms())
            .await?;
        let recovered = self.inner.opts.history.enabled()
            && page.epoch == epoch
            && page.complete
            && contiguous_from(after, &page.events);
        Ok(Recovery {
            epoch: page.epoch,
            recovered,
            events: page.events,
        })
    }

    /// Events `first..=last` of the room, for a gateway filling a gap in its
    /// own stream (a missed NATS delivery). Whatever is still kept.
    pub async fn missed_events(&self, app: AppId, room_id: &str, first: u64, last: u64) -> Result<Vec<HistoryEvent>> {
        if last < first || !self.inner.opts.history.enabled() {
            return Ok(Vec::new());
        }
        let want = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
        let page = self
            .inner
            .deps
            .history
            .since(
                app,
                room_id,
                first - 1,
                want.min(self.inner.opts.history.max_events),
                now_ms(),
            )
            .await?;
        Ok(page.events.into_iter().filter(|e| e.seq <= last).collect())
    }
}
