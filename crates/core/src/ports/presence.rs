//! Who is online in each room: the port. Membership in an AVChatRoom is
//! exactly the set of online connections; a user with several connections is
//! one member.

use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::model::{OnlineMember, Page};
use async_trait::async_trait;

/// Identifies one connection: unique per process in standalone mode, and
/// prefixed with the gateway's ID in cluster mode.
pub type ConnKey = u64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    pub user_id: String,
    pub nick: String,
    pub avatar: String,
}

/// Removes the presence of connections whose gateway died without cleaning
/// up (cluster mode: its heartbeat lapsed). Room control decides when; the
/// adapter knows how.
#[async_trait]
pub trait PresenceReaper: Send + Sync + 'static {
    /// One pass; returns how many connections were removed.
    async fn reap_once(&self) -> Result<usize>;
}

#[async_trait]
pub trait Presence: Send + Sync + 'static {
    /// Returns `true` if this is the user's first connection in the room.
    async fn join(&self, app: AppId, room: &str, member: &MemberInfo, conn: ConnKey, now_ms: i64) -> Result<bool>;
    /// Returns `true` if that was the user's last connection in the room.
    async fn leave(&self, app: AppId, room: &str, user: &str, conn: ConnKey) -> Result<bool>;
    async fn count(&self, app: AppId, room: &str) -> Result<u64>;
    /// Most recent joiners first.
    async fn members(&self, app: AppId, room: &str, cursor: Option<&str>, limit: usize) -> Result<Page<OnlineMember>>;
    /// Connections of `user` in the room (used to kick them).
    async fn user_conns(&self, app: AppId, room: &str, user: &str) -> Result<Vec<ConnKey>>;
    async fn remove_room(&self, app: AppId, room: &str) -> Result<()>;
}

/// Member-page cursors, shared by every presence implementation.
pub fn encode_cursor(joined_at_ms: i64, user: &str) -> String {
    format!("{joined_at_ms}:{user}")
}

pub fn decode_cursor(c: &str) -> Result<(i64, String)> {
    let (t, u) = c
        .split_once(':')
        .ok_or_else(|| CoreError::InvalidParameter("malformed cursor".into()))?;
    let t = t
        .parse()
        .map_err(|_| CoreError::InvalidParameter("malformed cursor".into()))?;
    Ok((t, u.to_string()))
}
