//! The room service: every rule of AVChatRoom lives here, over the storage,
//! presence, sequencer and bus traits, so standalone and cluster modes share
//! one code path.

use crate::apps::Apps;
use crate::bus::{Bus, subject};
use crate::error::{CoreError, Result};
use crate::freq::{Admission, AdmitClass, FrequencyOptions, RoomSequencer};
use crate::hook::{BeforeSendHook, HookRequest, HookVerdict};
use crate::idempotency::{IdemClaim, IdemKey, Idempotency, SendOutcome};
use crate::ids::{self, AppId};
use crate::limits;
use crate::lists::ModerationStore;
use crate::metrics as m;
use crate::model::{
    self, Actor, BanEntry, MsgBody, MuteEntry, OnlineMember, Page, Priority, Role, Room, RoomPatch, RoomProfile,
    UserProfile, now_ms, page_limit,
};
use crate::presence::{ConnKey, MemberInfo, Presence};
use crate::store::RoomStore;
use crate::wire::{self, Payload, Tip, TipKind};
use async_trait::async_trait;
use roomcast_moderation::{ScreenRequest, Screener};
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
}

impl Default for RoomsOptions {
    fn default() -> Self {
        Self {
            frequency: FrequencyOptions::default(),
            idempotency_max_entries: 1_000_000,
            member_tips: true,
        }
    }
}

impl RoomsOptions {
    pub fn validate(&self) -> std::result::Result<(), String> {
        self.frequency.validate()?;
        if self.idempotency_max_entries == 0 {
            return Err("rooms.idempotency_max_entries must be >= 1".into());
        }
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
    pub idempotency: Arc<dyn Idempotency>,
    pub screener: Screener,
    /// Calls apps' before-send webhooks (for apps that configure one).
    pub hook: Option<Arc<dyn BeforeSendHook>>,
    /// Where moderation hits are recorded for the audit log.
    pub moderation_store: Arc<dyn ModerationStore>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateRoom {
    /// `None`: generate `@TGS#…`.
    pub room_id: Option<String>,
    /// `None`: the app admin owns the room.
    pub owner: Option<String>,
    pub profile: RoomProfile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    AppAdmin,
    User { id: String, profile: UserProfile },
}

#[derive(Debug, Clone)]
pub struct SendRequest {
    pub room_id: String,
    pub sender: Sender,
    pub priority: Priority,
    pub body: MsgBody,
    pub msg_key: Option<String>,
    pub skip_moderation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinStatus {
    Success,
    AlreadyInGroup,
}

impl JoinStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinStatus::Success => "success",
            JoinStatus::AlreadyInGroup => "already_in_group",
        }
    }
}

const PUBLISH_STRIPES: usize = 256;

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
    publish_locks: Vec<tokio::sync::Mutex<()>>,
}

fn now_secs() -> i64 {
    now_ms().div_euclid(1000)
}

impl Rooms {
    pub fn new(opts: RoomsOptions, deps: RoomsDeps) -> Self {
        Self {
            inner: Arc::new(Inner {
                opts,
                deps,
                publish_locks: (0..PUBLISH_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
            }),
        }
    }

    pub fn apps(&self) -> &Apps {
        &self.inner.deps.apps
    }

    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.inner.deps.bus
    }

    pub fn screener(&self) -> &Screener {
        &self.inner.deps.screener
    }

    fn store(&self) -> &dyn RoomStore {
        self.inner.deps.store.as_ref()
    }

    fn presence(&self) -> &dyn Presence {
        self.inner.deps.presence.as_ref()
    }

    // ---- rooms -------------------------------------------------------------

    pub async fn create_room(&self, app: AppId, req: CreateRoom) -> Result<Room> {
        self.apps().get(app)?;
        let id = match req.room_id {
            Some(id) if !id.is_empty() => {
                ids::validate_custom_room_id(&id)?;
                id
            }
            _ => ids::generate_room_id(),
        };
        if let Some(owner) = &req.owner {
            ids::validate_user_id(owner)?;
        }
        model::validate_profile(&req.profile)?;
        let room = Room {
            id,
            owner: req.owner.filter(|o| !o.is_empty()),
            profile: req.profile,
            admins: Default::default(),
            created_at_ms: now_ms(),
        };
        self.store().create_room(app, room.clone()).await?;
        tracing::info!(app, room = %room.id, "room created");
        Ok(room)
    }

    pub async fn room(&self, app: AppId, room_id: &str) -> Result<Room> {
        ids::validate_room_id(room_id)?;
        self.store()
            .room(app, room_id)
            .await?
            .ok_or_else(|| CoreError::RoomNotFound(room_id.to_string()))
    }

    pub async fn rooms(&self, app: AppId, room_ids: &[String]) -> Result<(Vec<Room>, Vec<String>)> {
        if room_ids.len() > limits::PAGE_MAX {
            return Err(CoreError::InvalidParameter(format!(
                "at most {} room ids per call",
                limits::PAGE_MAX
            )));
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in room_ids {
            match self.store().room(app, id).await? {
                Some(r) => found.push(r),
                None => missing.push(id.clone()),
            }
        }
        Ok((found, missing))
    }

    pub async fn list_rooms(&self, app: AppId, cursor: Option<&str>, limit: usize) -> Result<Page<Room>> {
        let limit = page_limit(limit);
        let mut items = self
            .store()
            .rooms_after(app, cursor.filter(|c| !c.is_empty()), limit + 1)
            .await?;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    pub async fn dismiss_room(&self, app: AppId, actor: &Actor, room_id: &str) -> Result<()> {
        let room = self.room(app, room_id).await?;
        if let Actor::User(u) = actor
            && room.role_of(u) != Role::Owner
        {
            return Err(CoreError::PermissionDenied(
                "only the owner or the app admin may dismiss a room".into(),
            ));
        }
        self.store().delete_room(app, room_id).await?;
        {
            let _order = self.publish_lock(app, room_id).await;
            self.publish_raw(app, room_id, wire::dismissed_envelope(room_id), "dismissed")
                .await?;
        }
        self.presence().remove_room(app, room_id).await?;
        self.inner.deps.sequencer.forget(app, room_id).await?;
        tracing::info!(app, room = %room_id, "room dismissed");
        Ok(())
    }

    pub async fn modify_room(&self, app: AppId, actor: &Actor, room_id: &str, patch: RoomPatch) -> Result<Room> {
        let room = self.room(app, room_id).await?;
        if let Actor::User(u) = actor
            && room.role_of(u) == Role::Member
        {
            return Err(CoreError::PermissionDenied(
                "only the owner, admins or the app admin may modify a room".into(),
            ));
        }
        if patch.is_empty() {
            return Err(CoreError::InvalidParameter("nothing to modify".into()));
        }
        patch.validate()?;
        let mut patch = patch;
        // Text set by users (owner, admins) is screened; the operator's is not.
        if let Actor::User(u) = actor {
            let slots = [&mut patch.name, &mut patch.introduction, &mut patch.notification];
            let texts: Vec<String> = slots
                .iter()
                .map(|v| v.as_deref().unwrap_or_default().to_string())
                .collect();
            let screened = self.screen_texts(app, room_id, u, texts).await?;
            for (slot, text) in slots.into_iter().zip(screened) {
                if let Some(v) = slot {
                    *v = text;
                }
            }
        }
        let updated = self.store().update_room(app, room_id, &patch).await?;
        let mut tip = Tip::new(TipKind::RoomProfileUpdated, actor.user_id().map(str::to_string), vec![]);
        tip.changes = Some(patch);
        self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await?;
        Ok(updated)
    }

    pub async fn set_admin(&self, app: AppId, actor: &Actor, room_id: &str, user: &str, admin: bool) -> Result<()> {
        let room = self.room(app, room_id).await?;
        ids::validate_user_id(user)?;
        if let Actor::User(u) = actor
            && room.role_of(u) != Role::Owner
        {
            return Err(CoreError::PermissionDenied(
                "only the owner or the app admin may set admins".into(),
            ));
        }
        if room.owner.as_deref() == Some(user) {
            return Err(CoreError::InvalidParameter("the owner cannot be made an admin".into()));
        }
        if self.store().set_admin(app, room_id, user, admin).await? {
            let kind = if admin { TipKind::AdminSet } else { TipKind::AdminUnset };
            let tip = Tip::new(kind, actor.user_id().map(str::to_string), vec![user.to_string()]);
            self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await?;
        }
        Ok(())
    }

    /// Durations are seconds up to 4294967295 (Tencent's "permanent").
    fn duration(secs: u64) -> Result<i64> {
        if secs > u64::from(u32::MAX) {
            return Err(CoreError::InvalidParameter(
                "duration is at most 4294967295 seconds".into(),
            ));
        }
        Ok(secs as i64)
    }

    /// Owner and app admin may act on anyone but the owner; admins only on
    /// ordinary members.
    fn check_manager(room: &Room, actor: &Actor, targets: &[String], app_admin: &str) -> Result<()> {
        if !matches!(actor, Actor::AppAdmin) && targets.iter().any(|t| t == app_admin) {
            return Err(CoreError::PermissionDenied(
                "the app admin cannot be muted or banned".into(),
            ));
        }
        if targets.iter().any(|t| room.owner.as_deref() == Some(t.as_str())) {
            return Err(CoreError::PermissionDenied(
                "the owner cannot be muted or banned".into(),
            ));
        }
        match actor {
            Actor::AppAdmin => Ok(()),
            Actor::User(u) => match room.role_of(u) {
                Role::Owner => Ok(()),
                Role::Admin if targets.iter().all(|t| room.role_of(t) == Role::Member) => Ok(()),
                Role::Admin => Err(CoreError::PermissionDenied(
                    "admins may only act on ordinary members".into(),
                )),
                Role::Member => Err(CoreError::PermissionDenied(
                    "only the owner, admins or the app admin may do this".into(),
                )),
            },
        }
    }

    fn check_targets(users: &[String], max: usize) -> Result<()> {
        if users.is_empty() {
            return Err(CoreError::InvalidParameter("no user ids given".into()));
        }
        if users.len() > max {
            return Err(CoreError::TooManyAccounts { max });
        }
        users.iter().try_for_each(|u| ids::validate_user_id(u))
    }

    /// Mutes for `duration_secs` (0 unmutes). Survives leave and rejoin.
    pub async fn mute(
        &self,
        app: AppId,
        actor: &Actor,
        room_id: &str,
        users: &[String],
        duration_secs: u64,
    ) -> Result<()> {
        Self::check_targets(users, limits::MUTE_BATCH_MAX)?;
        let room = self.room(app, room_id).await?;
        Self::check_manager(&room, actor, users, &self.apps().get(app)?.admin_identifier)?;
        let secs = Self::duration(duration_secs)?;
        let until = (secs > 0).then(|| now_secs().saturating_add(secs));
        self.store().set_mutes(app, room_id, users, until).await?;
        let mut tip = Tip::new(
            TipKind::MemberProfileUpdated,
            actor.user_id().map(str::to_string),
            users.to_vec(),
        );
        tip.mute_secs = Some(duration_secs);
        self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await
    }

    pub async fn muted(&self, app: AppId, room_id: &str) -> Result<Vec<MuteEntry>> {
        self.room(app, room_id).await?;
        self.store().mutes(app, room_id, now_secs()).await
    }

    /// Kicks the users' connections out of the room and forbids rejoining.
    pub async fn ban(
        &self,
        app: AppId,
        actor: &Actor,
        room_id: &str,
        users: &[String],
        duration_secs: u64,
        description: &str,
    ) -> Result<()> {
        Self::check_targets(users, limits::BAN_BATCH_MAX)?;
        if duration_secs == 0 {
            return Err(CoreError::InvalidParameter(
                "ban duration must be at least 1 second".into(),
            ));
        }
        model::check_len("description", Some(description), limits::BAN_DESCRIPTION_MAX)?;
        let room = self.room(app, room_id).await?;
        Self::check_manager(&room, actor, users, &self.apps().get(app)?.admin_identifier)?;
        let until = now_secs().saturating_add(Self::duration(duration_secs)?);
        self.store().set_bans(app, room_id, users, until, description).await?;
        let mut tip = Tip::new(
            TipKind::MemberBanned,
            actor.user_id().map(str::to_string),
            users.to_vec(),
        );
        tip.ban_secs = Some(duration_secs);
        let tipped = self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await;
        // The kick goes out even if the tip could not.
        let _order = self.publish_lock(app, room_id).await;
        self.publish_raw(
            app,
            room_id,
            wire::kick_envelope(room_id, users.to_vec(), "banned"),
            "kick",
        )
        .await?;
        tipped
    }

    pub async fn unban(&self, app: AppId, actor: &Actor, room_id: &str, users: &[String]) -> Result<()> {
        Self::check_targets(users, limits::BAN_BATCH_MAX)?;
        let room = self.room(app, room_id).await?;
        Self::check_manager(&room, actor, users, &self.apps().get(app)?.admin_identifier)?;
        let removed = self.store().remove_bans(app, room_id, users).await?;
        if !removed.is_empty() {
            let tip = Tip::new(TipKind::MemberUnbanned, actor.user_id().map(str::to_string), removed);
            self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await?;
        }
        Ok(())
    }

    pub async fn banned(&self, app: AppId, room_id: &str) -> Result<Vec<BanEntry>> {
        self.room(app, room_id).await?;
        self.store().bans(app, room_id, now_secs()).await
    }

    // ---- membership --------------------------------------------------------

    /// Adds a connection to the room's online members. Guests skip the ban
    /// check (they have no identity) and produce no join tip.
    pub async fn join(&self, app: AppId, room_id: &str, member: &MemberInfo, conn: ConnKey) -> Result<JoinStatus> {
        self.room(app, room_id).await?;
        let guest = ids::is_guest(&member.user_id);
        if !guest && let Some(ban) = self.store().ban(app, room_id, &member.user_id, now_secs()).await? {
            return Err(CoreError::Banned { until: ban.until });
        }
        let first = self.presence().join(app, room_id, member, conn, now_ms()).await?;
        if !first {
            return Ok(JoinStatus::AlreadyInGroup);
        }
        if !guest && self.inner.opts.member_tips {
            let tip = Tip::new(TipKind::MemberJoined, None, vec![member.user_id.clone()]);
            self.publish_member_tip(app, room_id, &tip).await;
        }
        Ok(JoinStatus::Success)
    }

    /// Re-records a connection that is already in the room (no checks, no
    /// tip): presence repair after the shared store lost it.
    pub async fn restore_presence(&self, app: AppId, room_id: &str, member: &MemberInfo, conn: ConnKey) -> Result<()> {
        self.presence()
            .join(app, room_id, member, conn, now_ms())
            .await
            .map(|_| ())
    }

    /// Checks that `user` may quit on request (the owner may not).
    pub async fn check_quit(&self, app: AppId, room_id: &str, user: &str) -> Result<()> {
        if let Some(room) = self.store().room(app, room_id).await?
            && room.owner.as_deref() == Some(user)
        {
            return Err(CoreError::OwnerCannotQuit);
        }
        Ok(())
    }

    /// Removes a connection from the room (quit, disconnect, kick).
    pub async fn leave(&self, app: AppId, room_id: &str, user: &str, conn: ConnKey, announce: bool) -> Result<()> {
        let last = self.presence().leave(app, room_id, user, conn).await?;
        if last && announce && !ids::is_guest(user) && self.inner.opts.member_tips {
            let tip = Tip::new(TipKind::MemberQuit, None, vec![user.to_string()]);
            self.publish_member_tip(app, room_id, &tip).await;
        }
        Ok(())
    }

    pub async fn online_count(&self, app: AppId, room_id: &str) -> Result<u64> {
        self.room(app, room_id).await?;
        self.presence().count(app, room_id).await
    }

    pub async fn online_members(
        &self,
        app: AppId,
        room_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<OnlineMember>> {
        self.room(app, room_id).await?;
        self.presence()
            .members(app, room_id, cursor.filter(|c| !c.is_empty()), page_limit(limit))
            .await
    }

    /// Stores a user's profile; the nickname is screened like a message
    /// (blocked → 80001, masked terms stored masked). Returns what was stored.
    pub async fn update_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<UserProfile> {
        profile.validate()?;
        let mut profile = profile.clone();
        if let [nick] = self
            .screen_texts(app, "", user, vec![profile.nick.clone()])
            .await?
            .as_slice()
        {
            profile.nick = nick.clone();
        }
        self.store().set_profile(app, user, &profile).await?;
        Ok(profile)
    }

    /// Screens user-set text (message fields, nicknames, room profiles):
    /// counts and audits hits, fails with `Blocked`, returns the (possibly
    /// masked) texts. Nothing is screened when every text is empty.
    async fn screen_texts(&self, app: AppId, room: &str, user: &str, fields: Vec<String>) -> Result<Vec<String>> {
        if fields.iter().all(String::is_empty) {
            return Ok(fields);
        }
        let outcome = self
            .screener()
            .screen(ScreenRequest::for_app(app, room.to_string(), user, fields))
            .await?;
        for hit in &outcome.hits {
            metrics::counter!(m::MODERATION_HITS, "category" => hit.category.as_str(), "action" => hit.action.as_str())
                .increment(1);
        }
        if !outcome.hits.is_empty() {
            self.record_audit(app, room, user, &outcome.hits).await;
        }
        if let Some(hit) = outcome.blocked {
            tracing::info!(
                app,
                room,
                user,
                category = hit.category.as_str(),
                "blocked by moderation"
            );
            return Err(CoreError::Blocked {
                category: hit.category.as_str().to_string(),
            });
        }
        Ok(outcome.fields)
    }

    pub async fn profile(&self, app: AppId, user: &str) -> Result<UserProfile> {
        Ok(self.store().profile(app, user).await?.unwrap_or_default())
    }

    /// Whether `user` may currently send in the room (mute and mute-all).
    pub async fn check_can_send(&self, app: AppId, room: &Room, user: &str) -> Result<Role> {
        let role = room.role_of(user);
        if role != Role::Owner
            && let Some(until) = self.store().mute_until(app, &room.id, user, now_secs()).await?
        {
            return Err(CoreError::Muted { until });
        }
        if role == Role::Member && room.profile.mute_all {
            return Err(CoreError::RoomMuted);
        }
        // The kick can be lost (bus hiccup); the ban itself must still hold.
        if let Some(ban) = self.store().ban(app, &room.id, user, now_secs()).await? {
            return Err(CoreError::Banned { until: ban.until });
        }
        Ok(role)
    }

    // ---- messages ----------------------------------------------------------

    /// Screens, admits, sequences and publishes one message.
    pub async fn send_message(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        metrics::counter!(m::MESSAGES_IN).increment(1);
        let result = self.send_message_inner(app, req).await;
        if let Err(e) = &result {
            metrics::counter!(m::MESSAGES_REJECTED, "code" => e.code().to_string()).increment(1);
        }
        result
    }

    async fn send_message_inner(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        if let Some(k) = &req.msg_key
            && k.len() > limits::MSG_KEY_MAX
        {
            return Err(CoreError::InvalidParameter(format!(
                "msgKey is at most {} bytes",
                limits::MSG_KEY_MAX
            )));
        }
        req.body.validate()?;
        let room = self.room(app, &req.room_id).await?;
        let privileged = match &req.sender {
            Sender::AppAdmin => true,
            Sender::User { id, .. } => {
                let is_app_admin = self.apps().get(app)?.admin_identifier == *id;
                is_app_admin || self.check_can_send(app, &room, id).await? != Role::Member
            }
        };
        let sender_id = match &req.sender {
            Sender::AppAdmin => self.apps().get(app)?.admin_identifier.clone(),
            Sender::User { id, .. } => id.clone(),
        };

        let idem_key = req.msg_key.as_deref().filter(|k| !k.is_empty()).map(|k| IdemKey {
            app,
            sender: sender_id.clone(),
            room: room.id.clone(),
            msg_key: k.to_string(),
        });
        let idempotency = &self.inner.deps.idempotency;
        let claim = match &idem_key {
            Some(key) => match idempotency.claim(key, now_ms()).await? {
                IdemClaim::Done(outcome) => return Ok(outcome),
                IdemClaim::New(token) => Some((key.clone(), token)),
            },
            None => None,
        };
        // If this future is dropped mid-way (caller gone), the claim must
        // not stay "in flight" and block every retry of this key.
        let mut guard = ReleaseOnDrop {
            idempotency: idempotency.clone(),
            claim: claim.clone(),
        };
        let result = self.screen_and_publish(app, &room, &sender_id, privileged, req).await;
        guard.claim = None;
        if let Some((key, token)) = &claim {
            let recorded = match &result {
                Ok(outcome) => idempotency.complete(key, *token, *outcome).await,
                Err(_) => idempotency.release(key, *token).await,
            };
            // A delivered message stays delivered even if remembering it failed.
            if let Err(e) = recorded {
                tracing::warn!(app, room = %room.id, error = %e, "idempotency record not updated");
            }
        }
        result
    }

    async fn screen_and_publish(
        &self,
        app: AppId,
        room: &Room,
        sender_id: &str,
        privileged: bool,
        mut req: SendRequest,
    ) -> Result<SendOutcome> {
        let app_cfg = self.apps().get(app)?;
        let custom = app_cfg.screen_custom;
        if !req.skip_moderation {
            let fields = req.body.screened_fields(custom);
            let screened = self.screen_texts(app, &room.id, sender_id, fields).await?;
            req.body.replace_screened_fields(screened, custom);
        }
        // The app's own check comes last, on what would be published.
        if let (Some(hook), Some(settings), Sender::User { .. }, false) = (
            &self.inner.deps.hook,
            &app_cfg.before_send_hook,
            &req.sender,
            req.skip_moderation,
        ) {
            let verdict = hook
                .check(
                    settings,
                    HookRequest {
                        app,
                        room_id: &room.id,
                        sender: sender_id,
                        priority: req.priority,
                        body: &req.body,
                    },
                )
                .await;
            match verdict {
                Ok(HookVerdict::Allow) => {}
                Ok(HookVerdict::Replace(body)) => {
                    body.validate()?;
                    req.body = body;
                }
                Ok(HookVerdict::Reject { code, message }) => return Err(CoreError::RejectedByHook { code, message }),
                Err(e) if settings.fail_open => {
                    metrics::counter!(m::HOOK_FAILURES, "policy" => "fail_open").increment(1);
                    tracing::warn!(app, room = %room.id, error = %e, "before-send hook failed; delivering (fail open)");
                }
                Err(e) => {
                    metrics::counter!(m::HOOK_FAILURES, "policy" => "fail_closed").increment(1);
                    tracing::warn!(app, room = %room.id, error = %e, "before-send hook failed; rejecting (fail closed)");
                    return Err(CoreError::HookUnavailable);
                }
            }
        }

        let (nick, avatar) = match &req.sender {
            Sender::AppAdmin => (String::new(), String::new()),
            Sender::User { profile, .. } => (profile.nick.clone(), profile.avatar.clone()),
        };
        let class = AdmitClass::Message {
            priority: req.priority,
            privileged,
        };
        let body = &req.body;
        let msg_key = req.msg_key.as_deref().filter(|k| !k.is_empty());
        let admitted = self
            .publish_event(app, &room.id, class, "message", |seq, time| {
                let payload = Payload::Message {
                    from: sender_id,
                    nick: &nick,
                    avatar: &avatar,
                    body,
                    msg_key,
                };
                wire::encode_event(&room.id, seq, time, req.priority, &payload)
            })
            .await?;
        let outcome = match admitted {
            (Admission::Accepted { seq }, time_ms) => SendOutcome::Delivered { seq, time_ms },
            (Admission::Dropped, time_ms) => {
                metrics::counter!(m::MESSAGES_DROPPED, "reason" => "frequency_control", "priority" => req.priority.as_str())
                    .increment(1);
                SendOutcome::Dropped { time_ms }
            }
        };
        Ok(outcome)
    }

    /// A system notice to every online member; never rate-limited or dropped.
    pub async fn send_notice(&self, app: AppId, room_id: &str, content: &str) -> Result<u64> {
        if content.is_empty() {
            return Err(CoreError::InvalidParameter("notice content is empty".into()));
        }
        model::check_len("notice", Some(content), limits::NOTICE_MAX)?;
        self.room(app, room_id).await?;
        match self
            .publish_event(app, room_id, AdmitClass::Exempt, "notice", |seq, time| {
                wire::encode_event(room_id, seq, time, Priority::High, &Payload::Notice(content))
            })
            .await?
        {
            (Admission::Accepted { seq }, _) => Ok(seq),
            (Admission::Dropped, _) => Err(CoreError::Internal("exempt event was dropped".into())),
        }
    }

    /// A system notice to every room of the app. Returns the number of rooms.
    pub async fn broadcast(&self, app: AppId, content: &str) -> Result<u32> {
        if content.is_empty() {
            return Err(CoreError::InvalidParameter("notice content is empty".into()));
        }
        model::check_len("notice", Some(content), limits::NOTICE_MAX)?;
        self.apps().get(app)?;
        let mut n = 0;
        for room_id in self.store().room_ids(app).await? {
            match self.send_notice(app, &room_id, content).await {
                Ok(_) => n += 1,
                // Dismissed between listing and sending: nothing to notify.
                Err(CoreError::RoomNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// Audit records for one message's hits (one per field and term, at
    /// most a handful per message so a flood cannot wash the log out).
    async fn record_audit(&self, app: AppId, room: &str, user: &str, hits: &[roomcast_moderation::Hit]) {
        let time_ms = now_ms().max(0) as u64;
        let mut seen = std::collections::HashSet::new();
        let records: Vec<_> = hits
            .iter()
            .filter(|h| seen.insert((h.field, h.term.as_str())))
            .take(roomcast_moderation::MAX_AUDIT_RECORDS_PER_MESSAGE)
            .map(|h| roomcast_moderation::AuditRecord {
                time_ms,
                app: Some(app),
                room: Some(room.to_string()),
                user: Some(user.to_string()),
                category: h.category,
                term: h.term.clone(),
                action: h.action,
                field: h.field,
            })
            .collect();
        if let Err(e) = self.inner.deps.moderation_store.record_audit(app, &records).await {
            tracing::warn!(app, error = %e, "audit records not stored");
        }
    }

    // ---- publication -------------------------------------------------------

    async fn publish_tip(&self, app: AppId, room_id: &str, tip: &Tip, class: AdmitClass) -> Result<()> {
        let priority = match class {
            AdmitClass::Message { priority, .. } => priority,
            AdmitClass::Exempt => Priority::High,
        };
        self.publish_event(app, room_id, class, "tip", |seq, time| {
            wire::encode_event(room_id, seq, time, priority, &Payload::Tip(tip))
        })
        .await
        .map(|_| ())
    }

    /// Join/quit tips ride at Lowest priority and may be dropped, like in
    /// AVChatRoom; failing to publish one never fails the join or quit.
    async fn publish_member_tip(&self, app: AppId, room_id: &str, tip: &Tip) {
        let class = AdmitClass::Message {
            priority: Priority::Lowest,
            privileged: false,
        };
        if let Err(e) = self.publish_tip(app, room_id, tip, class).await {
            tracing::warn!(app, room = %room_id, error = %e, "member tip not published");
        }
    }

    async fn publish_lock(&self, app: AppId, room_id: &str) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.publish_locks[crate::shard::index(&(app, room_id), PUBLISH_STRIPES)]
            .lock()
            .await
    }

    /// Admits, sequences, encodes once and publishes, in sequence order.
    async fn publish_event(
        &self,
        app: AppId,
        room_id: &str,
        class: AdmitClass,
        kind: &'static str,
        encode: impl FnOnce(u64, i64) -> Vec<u8>,
    ) -> Result<(Admission, i64)> {
        let _order = self.publish_lock(app, room_id).await;
        let time = now_ms();
        let admission = self.inner.deps.sequencer.admit(app, room_id, class, time).await?;
        if let Admission::Accepted { seq } = admission {
            let json = encode(seq, time);
            self.publish_raw(app, room_id, wire::envelope(room_id, seq, json), kind)
                .await?;
        }
        Ok((admission, time))
    }

    async fn publish_raw(&self, app: AppId, room_id: &str, payload: bytes::Bytes, kind: &'static str) -> Result<()> {
        self.bus().publish(&subject::room(app, room_id), payload).await?;
        metrics::counter!(m::PUBLISHED, "kind" => kind).increment(1);
        Ok(())
    }
}

struct ReleaseOnDrop {
    idempotency: Arc<dyn Idempotency>,
    claim: Option<(IdemKey, u64)>,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let Some((key, token)) = self.claim.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let idempotency = self.idempotency.clone();
            rt.spawn(async move {
                let _ = idempotency.release(&key, token).await;
            });
        }
    }
}

/// Where a gateway (or the admin API) hands a user message for screening,
/// sequencing and publication: in-process in standalone mode, the moderator
/// pool in cluster mode.
#[async_trait]
pub trait MessageSubmitter: Send + Sync + 'static {
    async fn submit(&self, app: AppId, req: SendRequest) -> Result<SendOutcome>;
}

#[async_trait]
impl MessageSubmitter for Rooms {
    async fn submit(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        self.send_message(app, req).await
    }
}
