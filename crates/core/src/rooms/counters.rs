//! Group counters: named `i64` values per room (likes, views, gifts) that
//! members change at high rate. Who may change which counter is the app's
//! `counters` policy; changes are not published one by one: the room is
//! marked dirty, and `publish_counters` (run once per interval by one
//! publisher: the standalone process, or room control in cluster mode)
//! pushes one `counters` event per dirty room with the current values. The
//! event is outside the room's sequence (`seq` 0): it takes no `seq`, is not
//! kept in history and does not count against frequency control.

use super::Rooms;
use crate::apps::CounterOp;
use crate::client::events;
use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::limits::{COUNTER_KEYS_MAX, validate_counter_key};
use crate::metrics as m;
use crate::model::{Actor, Role, now_ms};
use crate::ports::counters::{CounterMode, CounterValues};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;

/// Dirty rooms taken from the store per read while publishing.
const DIRTY_BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CountersOptions {
    /// How often changed counters are pushed to members, at most once per
    /// room per interval (ms).
    pub publish_interval_ms: u64,
}

impl Default for CountersOptions {
    fn default() -> Self {
        Self {
            publish_interval_ms: 1000,
        }
    }
}

impl CountersOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !(50..=60_000).contains(&self.publish_interval_ms) {
            return Err("rooms.counters.publish_interval_ms must be 50..=60000".into());
        }
        Ok(())
    }
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidParameter(msg.into())
}

fn check_keys<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<()> {
    let mut seen = HashSet::new();
    for k in keys {
        validate_counter_key(k).map_err(invalid)?;
        if !seen.insert(k) {
            return Err(invalid(format!("counter key {k} appears twice")));
        }
    }
    if seen.len() > COUNTER_KEYS_MAX {
        return Err(invalid(format!("at most {COUNTER_KEYS_MAX} counters per request")));
    }
    Ok(())
}

impl Rooms {
    /// Whether `actor` may apply `op` to every key: the owner, admins and
    /// the app admin always; members as the app's policy grants.
    async fn check_counter_rights(
        &self,
        app: AppId,
        actor: &Actor,
        room_id: &str,
        op: CounterOp,
        keys: &[&String],
    ) -> Result<()> {
        let room = self.room(app, room_id).await?;
        let Actor::User(user) = actor else {
            return Ok(());
        };
        if room.role_of(user) != Role::Member {
            return Ok(());
        }
        let policy = &self.apps().get(app)?.counters;
        match keys.iter().find(|k| !policy.member_may(op, k)) {
            None => Ok(()),
            Some(k) => Err(CoreError::PermissionDenied(format!(
                "members may not {} counter {k}",
                op.as_str()
            ))),
        }
    }

    /// Changes counters (Tencent's `update_group_counter`): all or none.
    /// Increases and decreases take values ≥ 0. Returns the new values.
    pub async fn update_counters(
        &self,
        app: AppId,
        actor: &Actor,
        room_id: &str,
        mode: CounterMode,
        entries: &CounterValues,
    ) -> Result<CounterValues> {
        if entries.is_empty() {
            return Err(invalid("no counters given"));
        }
        check_keys(entries.keys())?;
        if mode != CounterMode::Set && entries.values().any(|v| *v < 0) {
            return Err(invalid("increase and decrease take values >= 0"));
        }
        let op = match mode {
            CounterMode::Set => CounterOp::Set,
            CounterMode::Increase => CounterOp::Increase,
            CounterMode::Decrease => CounterOp::Decrease,
        };
        let keys: Vec<&String> = entries.keys().collect();
        self.check_counter_rights(app, actor, room_id, op, &keys).await?;
        let signed: Vec<(String, i64)> = entries
            .iter()
            .map(|(k, v)| (k.clone(), if mode == CounterMode::Decrease { -v } else { *v }))
            .collect();
        let values = self
            .inner
            .deps
            .counters
            .update(app, room_id, mode == CounterMode::Set, &signed, COUNTER_KEYS_MAX)
            .await?;
        metrics::counter!(m::COUNTER_OPS, "op" => op.as_str()).increment(1);
        Ok(values)
    }

    /// Deletes counters (Tencent's `delete_group_counter`).
    pub async fn delete_counters(&self, app: AppId, actor: &Actor, room_id: &str, keys: &[String]) -> Result<()> {
        if keys.is_empty() {
            return Err(invalid("no counters given"));
        }
        check_keys(keys)?;
        let refs: Vec<&String> = keys.iter().collect();
        self.check_counter_rights(app, actor, room_id, CounterOp::Delete, &refs)
            .await?;
        self.inner.deps.counters.delete(app, room_id, keys).await?;
        metrics::counter!(m::COUNTER_OPS, "op" => "delete").increment(1);
        Ok(())
    }

    /// Reads counters (Tencent's `get_group_counter`); every one of the
    /// room's when `keys` is empty. `reader`: `None` for a guest, who may
    /// read only if the app's policy says so.
    pub async fn get_counters(
        &self,
        app: AppId,
        reader: Option<&Actor>,
        room_id: &str,
        keys: &[String],
    ) -> Result<CounterValues> {
        check_keys(keys)?;
        if reader.is_none() && !self.apps().get(app)?.counters.guests_read {
            return Err(CoreError::PermissionDenied("guests may not read counters".into()));
        }
        self.room(app, room_id).await?;
        self.inner.deps.counters.get(app, room_id, keys).await
    }

    /// Pushes one `counters` event (the current values) to every room whose
    /// counters changed since the last call. Returns how many were pushed.
    pub async fn publish_counters(&self) -> Result<usize> {
        let mut pushed = 0;
        loop {
            let batch = self.inner.deps.counters.take_dirty(DIRTY_BATCH).await?;
            let n = batch.len();
            for (app, room_id) in batch {
                match self.publish_room_counters(app, &room_id).await {
                    Ok(true) => pushed += 1,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(app, room = %room_id, error = %e, "counters not published"),
                }
            }
            if n < DIRTY_BATCH {
                return Ok(pushed);
            }
        }
    }

    async fn publish_room_counters(&self, app: AppId, room_id: &str) -> Result<bool> {
        let _order = self.inner.publish_locks.lock(app, room_id).await;
        // Nothing after a dismissal.
        if !self.store().exists(app, room_id).await? {
            return Ok(false);
        }
        let values = self.inner.deps.counters.get(app, room_id, &[]).await?;
        let json = events::encode_counters(room_id, now_ms(), &values);
        self.publish_unsequenced(app, room_id, json.into(), "counters").await?;
        Ok(true)
    }

    /// Runs `publish_counters` every interval, forever (the caller aborts it).
    pub async fn run_counter_publisher(self) {
        let every = Duration::from_millis(self.inner.opts.counters.publish_interval_ms);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.publish_counters().await {
                tracing::warn!(error = %e, "counter publication failed");
            }
        }
    }
}
