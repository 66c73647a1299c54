//! Group attributes: a per-room key/value map (Tencent's limits: 16 keys,
//! key ≤ 32 B, value ≤ 4 KB, 16 KB in total) with a version for
//! compare-and-set (`10056` when another write came first) and a per-room
//! write rate (`10049`). Room state: changed only here, in room control
//! (gateways reach it through the `RoomControl` port). Every write pushes an
//! `attributes` event with the whole map and its version, outside the
//! room's sequence (`seq` 0).

use super::Rooms;
use crate::client::events;
use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::limits::{ATTR_KEY_MAX, ATTR_KEYS_MAX, ATTR_TOTAL_MAX, ATTR_VALUE_MAX};
use crate::metrics as m;
use crate::model::{Actor, Role, now_ms};
use crate::ports::attributes::{AttributeSnapshot, AttributeValues};
use crate::ratelimit::RateOptions;
use serde::{Deserialize, Serialize};

/// Internal retries of a write without an expected version that lost a race.
const CAS_RETRIES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributesOptions {
    /// Writes per room, per room-control process (Tencent's backend allows
    /// 5 per second).
    pub room_write_rate: RateOptions,
}

impl Default for AttributesOptions {
    fn default() -> Self {
        Self {
            room_write_rate: RateOptions { per_sec: 5.0, burst: 5 },
        }
    }
}

impl AttributesOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        self.room_write_rate
            .validate()
            .map_err(|e| format!("rooms.attributes.room_write_rate: {e}"))
    }
}

/// A change to a room's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeChange {
    /// Replace every attribute (Tencent's `initGroupAttributes`).
    Init(AttributeValues),
    /// Add or overwrite these (`setGroupAttributes`).
    Set(AttributeValues),
    /// Delete these; empty: every attribute (`deleteGroupAttributes`).
    Delete(Vec<String>),
}

impl AttributeChange {
    pub fn op(&self) -> &'static str {
        match self {
            AttributeChange::Init(_) => "init",
            AttributeChange::Set(_) => "set",
            AttributeChange::Delete(_) => "delete",
        }
    }

    /// Init and deleting everything replace the whole map: owner, admins
    /// and the app admin only.
    fn replaces_all(&self) -> bool {
        match self {
            AttributeChange::Init(_) => true,
            AttributeChange::Set(_) => false,
            AttributeChange::Delete(keys) => keys.is_empty(),
        }
    }
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidParameter(msg.into())
}

fn check_key(k: &str) -> Result<()> {
    if k.is_empty() || k.len() > ATTR_KEY_MAX {
        return Err(invalid(format!("attribute key must be 1..={ATTR_KEY_MAX} bytes")));
    }
    Ok(())
}

fn check_entries(values: &AttributeValues) -> Result<()> {
    for (k, v) in values {
        check_key(k)?;
        if v.len() > ATTR_VALUE_MAX {
            return Err(invalid(format!(
                "attribute {k}: value longer than {ATTR_VALUE_MAX} bytes"
            )));
        }
    }
    Ok(())
}

/// The map after `change`, checked against the room limits.
fn apply(current: &AttributeValues, change: &AttributeChange) -> Result<AttributeValues> {
    let next = match change {
        AttributeChange::Init(v) => v.clone(),
        AttributeChange::Set(v) => {
            let mut next = current.clone();
            next.extend(v.iter().map(|(k, v)| (k.clone(), v.clone())));
            next
        }
        AttributeChange::Delete(keys) if keys.is_empty() => AttributeValues::new(),
        AttributeChange::Delete(keys) => {
            let mut next = current.clone();
            for k in keys {
                next.remove(k);
            }
            next
        }
    };
    if next.len() > ATTR_KEYS_MAX {
        return Err(invalid(format!("a room holds at most {ATTR_KEYS_MAX} attributes")));
    }
    let total: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > ATTR_TOTAL_MAX {
        return Err(invalid(format!(
            "a room's attributes hold at most {ATTR_TOTAL_MAX} bytes"
        )));
    }
    Ok(next)
}

impl Rooms {
    /// The room's attributes and their version.
    pub async fn attributes(&self, app: AppId, room_id: &str) -> Result<AttributeSnapshot> {
        self.room(app, room_id).await?;
        self.inner.deps.attributes.get(app, room_id).await
    }

    /// Changes the room's attributes. `expected_version`: apply only if the
    /// attributes are still at that version (`10056` otherwise); `None`:
    /// apply to whatever is current. Returns the new attributes.
    pub async fn write_attributes(
        &self,
        app: AppId,
        actor: &Actor,
        room_id: &str,
        change: AttributeChange,
        expected_version: Option<u64>,
    ) -> Result<AttributeSnapshot> {
        match &change {
            AttributeChange::Init(v) => check_entries(v)?,
            AttributeChange::Set(v) if v.is_empty() => return Err(invalid("no attributes given")),
            AttributeChange::Set(v) => check_entries(v)?,
            AttributeChange::Delete(keys) => keys.iter().try_for_each(|k| check_key(k))?,
        }
        let room = self.room(app, room_id).await?;
        if let Actor::User(u) = actor
            && room.role_of(u) == Role::Member
            && change.replaces_all()
        {
            return Err(CoreError::PermissionDenied(
                "only the owner, admins or the app admin may initialize or clear attributes".into(),
            ));
        }
        let now = now_ms();
        let limiter = &self.inner.attr_rate;
        if limiter.len() > 10_000 {
            limiter.sweep(now);
        }
        if !limiter.try_acquire(&(app, room_id.to_string()), now) {
            return Err(CoreError::AttributesRateLimited);
        }
        let store = &self.inner.deps.attributes;
        for _ in 0..CAS_RETRIES {
            let current = store.get(app, room_id).await?;
            if let Some(v) = expected_version
                && v != current.version
            {
                return Err(CoreError::AttributesConflict {
                    version: current.version,
                });
            }
            let next = AttributeSnapshot {
                version: current.version + 1,
                values: apply(&current.values, &change)?,
            };
            if store.compare_and_set(app, room_id, current.version, &next).await? {
                metrics::counter!(m::ATTRIBUTE_WRITES, "op" => change.op()).increment(1);
                self.publish_attributes(app, room_id, &next).await?;
                return Ok(next);
            }
            if expected_version.is_some() {
                let now = store.get(app, room_id).await?;
                return Err(CoreError::AttributesConflict { version: now.version });
            }
        }
        let now = store.get(app, room_id).await?;
        Err(CoreError::AttributesConflict { version: now.version })
    }

    async fn publish_attributes(&self, app: AppId, room_id: &str, snap: &AttributeSnapshot) -> Result<()> {
        let _order = self.inner.publish_locks.lock(app, room_id).await;
        let json = events::encode_attributes(room_id, now_ms(), snap.version, &snap.values);
        self.publish_unsequenced(app, room_id, json.into(), "attributes")
            .await?;
        Ok(())
    }
}
