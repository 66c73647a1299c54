//! Room-state changes a gateway makes on behalf of its users (an owner or
//! admin muting, banning, promoting, editing or dismissing; anyone setting
//! their own profile). Room control is the only writer of room state: in
//! standalone mode this is the room service in the same process, in cluster
//! mode an authenticated internal gRPC call to a room-control replica.

use crate::error::Result;
use crate::ids::AppId;
use crate::model::{Actor, Room, RoomPatch, UserProfile};
use crate::ports::attributes::AttributeSnapshot;
use crate::rooms::AttributeChange;
use async_trait::async_trait;

#[async_trait]
pub trait RoomControl: Send + Sync + 'static {
    /// Mutes for `duration_secs` (0 unmutes).
    async fn mute(&self, app: AppId, actor: &Actor, room: &str, users: &[String], duration_secs: u64) -> Result<()>;
    async fn ban(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        users: &[String],
        duration_secs: u64,
        description: &str,
    ) -> Result<()>;
    async fn unban(&self, app: AppId, actor: &Actor, room: &str, users: &[String]) -> Result<()>;
    async fn set_admin(&self, app: AppId, actor: &Actor, room: &str, user: &str, admin: bool) -> Result<()>;
    async fn modify_room(&self, app: AppId, actor: &Actor, room: &str, patch: RoomPatch) -> Result<Room>;
    async fn dismiss_room(&self, app: AppId, actor: &Actor, room: &str) -> Result<()>;
    /// Stores `user`'s profile (the nickname is screened); returns what was stored.
    async fn update_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<UserProfile>;
    /// Changes the room's group attributes (compare-and-set on
    /// `expected_version` when given); returns them as stored.
    async fn write_attributes(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        change: AttributeChange,
        expected_version: Option<u64>,
    ) -> Result<AttributeSnapshot>;
}
