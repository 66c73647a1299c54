//! The room service: every rule of AVChatRoom lives here, over the ports
//! (store, presence, sequencer, bus, idempotency, screen, hook), so
//! standalone and cluster modes share one code path. One file per rule
//! family:
//!
//! - `admin`: create, look up, list, modify, dismiss, set admins, profiles;
//! - `discipline`: mute, ban, unban and who may do them to whom;
//! - `membership`: join, quit, leave and who is online;
//! - `send`: the one path of a user message (validate → check → screen →
//!   hook → admit → publish), notices and broadcasts;
//! - `publish`: sequencing and publication in order, tips;
//! - `history`: recent events for late joiners, recovery after a gap;
//! - `counters`: group counters and their coalesced publication;
//! - `attributes`: group attributes (compare-and-set, pushed on change).

mod admin;
mod attributes;
mod callbacks;
mod counters;
mod discipline;
mod history;
mod member_tips;
mod membership;
mod publish;
mod send;
#[cfg(test)]
mod tests;

pub use admin::CreateRoom;
pub use attributes::{AttributeChange, AttributesOptions};
pub use counters::CountersOptions;
pub use history::{HISTORY_PAGE_MAX, Recovery};
pub use membership::{JoinStatus, Joined};
pub use send::{CallbackControl, SendRequest, Sender};

use crate::apps::Apps;
use crate::error::{CoreError, Result};
use crate::freq::FrequencyOptions;
use crate::ids::AppId;
use crate::model::{Actor, Room, RoomPatch, UserProfile};
use crate::ports::attributes::{AttributeSnapshot, Attributes};
use crate::ports::bus::Bus;
use crate::ports::callbacks::CallbackSink;
use crate::ports::control::RoomControl;
use crate::ports::counters::Counters;
use crate::ports::history::{History, HistoryOptions};
use crate::ports::hook::BeforeSendHook;
use crate::ports::idempotency::{Idempotency, SendOutcome};
use crate::ports::presence::Presence;
use crate::ports::screen::{Screen, ScreenContext};
use crate::ports::sequencer::RoomSequencer;
use crate::ports::store::RoomStore;
use crate::ports::submit::MessageSubmitter;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomsOptions {
    pub frequency: FrequencyOptions,
    /// Upper bound on remembered message keys (idempotent send).
    pub idempotency_max_entries: usize,
    /// Whether join/quit tips are published (they count against the room
    /// cap at Lowest priority, as in AVChatRoom).
    pub member_tips: bool,
    /// At most one join/quit tip per user and room per this many ms; the
    /// latest state is announced at the interval's end if it changed (so
    /// join/quit churn cannot crowd chat out of the room's frequency
    /// window). 0 publishes every tip.
    pub member_tip_interval_ms: u64,
    /// Each room's recent events, for late joiners and recovery.
    pub history: HistoryOptions,
    /// Group counters: how often changes are pushed.
    pub counters: CountersOptions,
    /// Group attributes: the per-room write rate.
    pub attributes: AttributesOptions,
}

impl Default for RoomsOptions {
    fn default() -> Self {
        Self {
            frequency: FrequencyOptions::default(),
            idempotency_max_entries: 1_000_000,
            member_tips: true,
            member_tip_interval_ms: 1_000,
            history: HistoryOptions::default(),
            counters: CountersOptions::default(),
            attributes: AttributesOptions::default(),
        }
    }
}

impl RoomsOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        self.frequency.validate()?;
        if self.idempotency_max_entries == 0 {
            return Err("rooms.idempotency_max_entries must be >= 1".into());
        }
        self.history.validate()?;
        self.counters.validate()?;
        self.attributes.validate()?;
        Ok(())
    }
}

/// Everything the room service runs on.
pub struct RoomsDeps {
    pub apps: Apps,
    pub store: Arc<dyn RoomStore>,
    pub presence: Arc<dyn Presence>,
    pub sequencer: Arc<dyn RoomSequencer>,
    pub bus: Arc<dyn Bus>,
    /// Each room's recent events.
    pub history: Arc<dyn History>,
    /// Each room's group counters and which rooms' changed.
    pub counters: Arc<dyn Counters>,
    /// Each room's group attributes (written by room control only).
    pub attributes: Arc<dyn Attributes>,
    /// Remembers message keys. Only processes that send user messages
    /// have it (standalone, moderators); elsewhere sending fails closed.
    pub idempotency: Option<Arc<dyn Idempotency>>,
    /// Screens user-set text before it is published or stored. Processes
    /// that never take user text (gateways, which hand messages to the
    /// moderators and state changes to room control) have none: anything
    /// that would need screening there fails closed.
    pub screen: Option<Arc<dyn Screen>>,
    /// Calls apps' before-send webhooks (for apps that configure one).
    pub hook: Option<Arc<dyn BeforeSendHook>>,
    /// Queues after-event callbacks (for apps that switch commands on).
    /// `None`: this process emits none.
    pub callbacks: Option<Arc<dyn CallbackSink>>,
}

/// Cheap-to-clone handle to the room service.
#[derive(Clone)]
pub struct Rooms {
    inner: Arc<Inner>,
}

struct Inner {
    opts: RoomsOptions,
    deps: RoomsDeps,
    /// Sequence assignment and publication happen under one stripe lock so
    /// that events reach the bus in sequence order.
    publish_locks: publish::PublishLocks,
    /// Group-attribute writes per room.
    attr_rate: crate::ratelimit::KeyedRateLimiter<(AppId, String)>,
    /// Join/quit tips held back per user and room.
    member_tips: member_tips::MemberTips,
}

impl Rooms {
    pub fn new(opts: RoomsOptions, deps: RoomsDeps) -> Self {
        let attr_rate = crate::ratelimit::KeyedRateLimiter::new(opts.attributes.room_write_rate);
        let member_tips = member_tips::MemberTips::new(opts.member_tip_interval_ms);
        Self {
            inner: Arc::new(Inner {
                opts,
                deps,
                publish_locks: publish::PublishLocks::new(),
                attr_rate,
                member_tips,
            }),
        }
    }

    pub fn apps(&self) -> &Apps {
        &self.inner.deps.apps
    }

    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.inner.deps.bus
    }

    fn store(&self) -> &dyn RoomStore {
        self.inner.deps.store.as_ref()
    }

    fn presence(&self) -> &dyn Presence {
        self.inner.deps.presence.as_ref()
    }

    /// Screens user-set text (message fields, nicknames, room profiles);
    /// nothing is screened when every text is empty.
    async fn screen_texts(&self, app: AppId, room: &str, user: &str, fields: Vec<String>) -> Result<Vec<String>> {
        if fields.iter().all(String::is_empty) {
            return Ok(fields);
        }
        let Some(screen) = &self.inner.deps.screen else {
            tracing::error!(app, "user text reached a process that does not screen; refused");
            return Err(CoreError::ModerationUnavailable);
        };
        screen.screen(ScreenContext { app, room, user }, fields).await
    }
}

/// The in-process path of every room-state change: standalone gateways
/// call it directly, and so does room control for its internal API.
#[async_trait]
impl RoomControl for Rooms {
    async fn mute(&self, app: AppId, actor: &Actor, room: &str, users: &[String], duration_secs: u64) -> Result<()> {
        Rooms::mute(self, app, actor, room, users, duration_secs).await
    }

    async fn ban(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        users: &[String],
        duration_secs: u64,
        description: &str,
    ) -> Result<()> {
        Rooms::ban(self, app, actor, room, users, duration_secs, description).await
    }

    async fn unban(&self, app: AppId, actor: &Actor, room: &str, users: &[String]) -> Result<()> {
        Rooms::unban(self, app, actor, room, users).await
    }

    async fn set_admin(&self, app: AppId, actor: &Actor, room: &str, user: &str, admin: bool) -> Result<()> {
        Rooms::set_admin(self, app, actor, room, user, admin).await
    }

    async fn modify_room(&self, app: AppId, actor: &Actor, room: &str, patch: RoomPatch) -> Result<Room> {
        Rooms::modify_room(self, app, actor, room, patch).await
    }

    async fn dismiss_room(&self, app: AppId, actor: &Actor, room: &str) -> Result<()> {
        Rooms::dismiss_room(self, app, actor, room).await
    }

    async fn update_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<UserProfile> {
        Rooms::update_profile(self, app, user, profile).await
    }

    async fn write_attributes(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        change: AttributeChange,
        expected_version: Option<u64>,
    ) -> Result<AttributeSnapshot> {
        Rooms::write_attributes(self, app, actor, room, change, expected_version).await
    }
}

#[async_trait]
impl MessageSubmitter for Rooms {
    async fn submit(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        self.send_message(app, req).await
    }
}
