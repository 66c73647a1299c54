//! Membership: joining and leaving rooms, and who is online. In an
//! AVChatRoom membership is exactly the set of online connections.

use super::Rooms;
use crate::callbacks::{AfterEvent, CallbackCommand, ExitType, Platform};
use crate::client::events::{Tip, TipKind};
use crate::error::{CoreError, Result};
use crate::ids::{self, AppId};
use crate::model::{OnlineMember, Page, Room, now_ms, page_limit, unix_secs};
use crate::ports::presence::{ConnKey, MemberInfo};

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

/// What a join answers: TIM's `joinGroup` resolves with the group's
/// profile and member count.
#[derive(Debug, Clone)]
pub struct Joined {
    pub status: JoinStatus,
    pub room: Room,
    /// Online members, this one included.
    pub online_count: u64,
}

impl Rooms {
    /// Adds a connection to the room's online members. Guests skip the ban
    /// check (they have no identity) and produce no join tip. Returns the
    /// room as it was when joined.
    pub async fn join(&self, app: AppId, room_id: &str, member: &MemberInfo, conn: ConnKey) -> Result<Joined> {
        let room = self.room(app, room_id).await?;
        let guest = ids::is_guest(&member.user_id);
        if !guest && let Some(ban) = self.store().ban(app, room_id, &member.user_id, unix_secs()).await? {
            return Err(CoreError::Banned { until: ban.until });
        }
        let first = self.presence().join(app, room_id, member, conn, now_ms()).await?;
        let status = if first {
            JoinStatus::Success
        } else {
            JoinStatus::AlreadyInGroup
        };
        if first && !guest && self.inner.opts.member_tips {
            let tip = Tip::member(TipKind::MemberJoined, &member.user_id, &member.nick, &member.avatar);
            self.announce_member(app, room_id, &member.user_id, tip).await;
        }
        if first && !guest && self.wants_member_callbacks(app) {
            self.member_callbacks(app, room_id, &member.user_id, None);
        }
        let online_count = self.presence().count(app, room_id).await?;
        Ok(Joined {
            status,
            room,
            online_count,
        })
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
    pub async fn leave(
        &self,
        app: AppId,
        room_id: &str,
        member: &MemberInfo,
        conn: ConnKey,
        announce: bool,
    ) -> Result<()> {
        let user = member.user_id.as_str();
        let last = self.presence().leave(app, room_id, user, conn).await?;
        if last && announce && !ids::is_guest(user) && self.inner.opts.member_tips {
            let tip = Tip::member(TipKind::MemberQuit, user, &member.nick, &member.avatar);
            self.announce_member(app, room_id, user, tip).await;
        }
        if last && !ids::is_guest(user) && self.wants_member_callbacks(app) {
            // Not announced: the fan-out removed the connection, for a ban's
            // kick or a dismissal. A dismissed room's members do not exit one
            // by one (its `AfterGroupDestroyed` says it all); usually its
            // presence is gone already and `last` is false, but the fan-out
            // may get there first.
            let exit = if announce { ExitType::Quit } else { ExitType::Kicked };
            if announce || self.store().exists(app, room_id).await.unwrap_or(true) {
                self.member_callbacks(app, room_id, user, Some(exit));
            }
        }
        Ok(())
    }

    fn wants_member_callbacks(&self, app: AppId) -> bool {
        [
            CallbackCommand::AfterNewMemberJoin,
            CallbackCommand::AfterMemberExit,
            CallbackCommand::OnMemberStateChange,
        ]
        .into_iter()
        .any(|c| self.wants_callback(app, c))
    }

    /// A user's first connection joined (`exit` None) or last one left:
    /// `Group.CallbackAfterNewMemberJoin` / `Group.CallbackAfterMemberExit`
    /// (membership) and `Group.CallbackOnMemberStateChange` (online state).
    fn member_callbacks(&self, app: AppId, room_id: &str, user: &str, exit: Option<ExitType>) {
        let (room, user) = (room_id.to_string(), user.to_string());
        match exit {
            None => self.emit_callback(app, CallbackCommand::AfterNewMemberJoin, Platform::Web, || {
                AfterEvent::MemberJoined {
                    room: room.clone(),
                    user: user.clone(),
                }
            }),
            Some(exit) => self.emit_callback(app, CallbackCommand::AfterMemberExit, Platform::Web, || {
                AfterEvent::MemberExited {
                    room: room.clone(),
                    operator: if exit == ExitType::Quit {
                        user.clone()
                    } else {
                        String::new()
                    },
                    user: user.clone(),
                    exit,
                }
            }),
        }
        self.emit_callback(app, CallbackCommand::OnMemberStateChange, Platform::Web, || {
            AfterEvent::MemberStateChanged {
                room,
                user,
                online: exit.is_none(),
            }
        });
    }

    /// The room and how many members are online, as clients are shown it.
    pub async fn room_with_count(&self, app: AppId, room_id: &str) -> Result<(Room, u64)> {
        let room = self.room(app, room_id).await?;
        let count = self.presence().count(app, room_id).await?;
        Ok((room, count))
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

    /// Which of `users` are online in the room, in the order given
    /// (Tencent's `check_members`).
    pub async fn online_among(&self, app: AppId, room_id: &str, users: &[String]) -> Result<Vec<String>> {
        self.room(app, room_id).await?;
        let mut online = Vec::new();
        for user in users {
            if !self.presence().user_conns(app, room_id, user).await?.is_empty() {
                online.push(user.clone());
            }
        }
        Ok(online)
    }
}
