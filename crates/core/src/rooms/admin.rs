//! Rooms themselves: creation, look-up, listing, profile changes, admins,
//! dismissal, and users' own profiles.

use super::Rooms;
use super::callbacks::platform_of;
use crate::callbacks::{AfterEvent, CallbackCommand, Platform};
use crate::client::events::{Tip, TipKind};
use crate::error::{CoreError, Result};
use crate::event::RoomEvent;
use crate::ids::{self, AppId};
use crate::limits;
use crate::model::{self, Actor, Page, Role, Room, RoomPatch, RoomProfile, UserProfile, now_ms, page_limit};
use crate::ports::sequencer::AdmitClass;

#[derive(Debug, Clone, Default)]
pub struct CreateRoom {
    /// `None`: generate `@TGS#…`.
    pub room_id: Option<String>,
    /// `None`: the app admin owns the room.
    pub owner: Option<String>,
    pub profile: RoomProfile,
}

impl Rooms {
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
        // A previous room of the same ID may have left counters behind.
        self.inner.deps.counters.forget(app, &room.id).await?;
        self.inner.deps.attributes.forget(app, &room.id).await?;
        tracing::info!(app, room = %room.id, "room created");
        self.emit_callback(app, CallbackCommand::AfterCreateGroup, Platform::RestApi, || {
            AfterEvent::GroupCreated {
                room: room.id.clone(),
                operator: self.admin_identifier(app),
                owner: room.owner.clone().unwrap_or_else(|| self.admin_identifier(app)),
                name: room.profile.name.clone(),
            }
        });
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
        self.publish_effect(app, room_id, RoomEvent::Dismissed, "dismissed")
            .await?;
        self.presence().remove_room(app, room_id).await?;
        self.inner.deps.sequencer.forget(app, room_id).await?;
        self.inner.deps.history.forget(app, room_id).await?;
        self.inner.deps.counters.forget(app, room_id).await?;
        self.inner.deps.attributes.forget(app, room_id).await?;
        tracing::info!(app, room = %room_id, "room dismissed");
        self.emit_callback(app, CallbackCommand::AfterGroupDestroyed, platform_of(actor), || {
            AfterEvent::GroupDestroyed {
                room: room_id.to_string(),
                owner: room.owner.clone().unwrap_or_else(|| self.admin_identifier(app)),
                name: room.profile.name.clone(),
            }
        });
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
        self.emit_callback(app, CallbackCommand::AfterGroupInfoChanged, platform_of(actor), || {
            AfterEvent::GroupInfoChanged {
                room: room_id.to_string(),
                operator: self.operator(app, actor),
                patch: patch.clone(),
            }
        });
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

    /// The app admin's user ID (Tencent's operator for API actions).
    fn admin_identifier(&self, app: AppId) -> String {
        self.apps()
            .get(app)
            .map(|a| a.admin_identifier.clone())
            .unwrap_or_default()
    }

    /// Who acted, as a callback's `Operator_Account`.
    pub(super) fn operator(&self, app: AppId, actor: &Actor) -> String {
        match actor {
            Actor::AppAdmin => self.admin_identifier(app),
            Actor::User(u) => u.clone(),
        }
    }

    pub async fn profile(&self, app: AppId, user: &str) -> Result<UserProfile> {
        Ok(self.store().profile(app, user).await?.unwrap_or_default())
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
}
