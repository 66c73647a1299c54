//! Discipline: mutes, bans and unbans, and who may impose them on whom.
//! Owners and the app admin act on anyone but the owner; admins only on
//! ordinary members; nobody mutes or bans the app admin but the app admin.

use super::Rooms;
use crate::client::events::{Tip, TipKind};
use crate::error::{CoreError, Result};
use crate::event::RoomEvent;
use crate::ids::{self, AppId};
use crate::limits;
use crate::model::{self, Actor, BanEntry, MuteEntry, Role, Room, unix_secs};
use crate::ports::sequencer::AdmitClass;

impl Rooms {
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
        let until = (secs > 0).then(|| unix_secs().saturating_add(secs));
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
        self.store().mutes(app, room_id, unix_secs()).await
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
        let until = unix_secs().saturating_add(Self::duration(duration_secs)?);
        self.store().set_bans(app, room_id, users, until, description).await?;
        let mut tip = Tip::new(
            TipKind::MemberBanned,
            actor.user_id().map(str::to_string),
            users.to_vec(),
        );
        tip.ban_secs = Some(duration_secs);
        let tipped = self.publish_tip(app, room_id, &tip, AdmitClass::Exempt).await;
        // The kick goes out even if the tip could not.
        let kick = RoomEvent::Kick {
            users: users.to_vec(),
            reason: "banned".into(),
        };
        self.publish_effect(app, room_id, kick, "kick").await?;
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
        self.store().bans(app, room_id, unix_secs()).await
    }

    /// Whether `user` may currently send in the room (mute and mute-all).
    pub async fn check_can_send(&self, app: AppId, room: &Room, user: &str) -> Result<Role> {
        let role = room.role_of(user);
        if role != Role::Owner
            && let Some(until) = self.store().mute_until(app, &room.id, user, unix_secs()).await?
        {
            return Err(CoreError::Muted { until });
        }
        if role == Role::Member && room.profile.mute_all {
            return Err(CoreError::RoomMuted);
        }
        // The kick can be lost (bus hiccup); the ban itself must still hold.
        if let Some(ban) = self.store().ban(app, &room.id, user, unix_secs()).await? {
            return Err(CoreError::Banned { until: ban.until });
        }
        Ok(role)
    }
}
