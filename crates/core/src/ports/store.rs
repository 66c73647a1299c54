//! Room state storage: the port. `memory::MemoryStore` serves standalone
//! mode; cluster mode puts Redis behind the same trait.

use crate::error::Result;
use crate::ids::AppId;
use crate::model::{BanEntry, MuteEntry, Room, RoomPatch, UserProfile};
use async_trait::async_trait;

/// Durable room state: rooms, roles, mutes, bans and user profiles.
/// Every method is atomic on its own.
#[async_trait]
pub trait RoomStore: Send + Sync + 'static {
    /// Fails with `RoomExists` if the ID is taken.
    async fn create_room(&self, app: AppId, room: Room) -> Result<()>;
    async fn room(&self, app: AppId, id: &str) -> Result<Option<Room>>;
    /// Whether the room exists (checked before every publication, so it
    /// must be cheap).
    async fn exists(&self, app: AppId, id: &str) -> Result<bool>;
    /// Rooms ordered by ID, strictly after `after`.
    async fn rooms_after(&self, app: AppId, after: Option<&str>, limit: usize) -> Result<Vec<Room>>;
    async fn room_ids(&self, app: AppId) -> Result<Vec<String>>;
    /// Applies the patch atomically and returns the updated room.
    async fn update_room(&self, app: AppId, id: &str, patch: &RoomPatch) -> Result<Room>;
    /// Removes the room and its mutes and bans. Returns the removed room.
    async fn delete_room(&self, app: AppId, id: &str) -> Result<Room>;
    /// Returns whether anything changed.
    async fn set_admin(&self, app: AppId, id: &str, user: &str, admin: bool) -> Result<bool>;

    /// `until == None` unmutes.
    async fn set_mutes(&self, app: AppId, id: &str, users: &[String], until: Option<i64>) -> Result<()>;
    /// Active mutes only (`until > now_secs`).
    async fn mutes(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<MuteEntry>>;
    async fn mute_until(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<i64>>;

    async fn set_bans(&self, app: AppId, id: &str, users: &[String], until: i64, description: &str) -> Result<()>;
    /// Returns the users that were banned.
    async fn remove_bans(&self, app: AppId, id: &str, users: &[String]) -> Result<Vec<String>>;
    async fn bans(&self, app: AppId, id: &str, now_secs: i64) -> Result<Vec<BanEntry>>;
    async fn ban(&self, app: AppId, id: &str, user: &str, now_secs: i64) -> Result<Option<BanEntry>>;

    async fn set_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<()>;
    async fn profile(&self, app: AppId, user: &str) -> Result<Option<UserProfile>>;
}
