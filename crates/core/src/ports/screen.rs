//! Content screening, the port: the moderation engine implements it (with
//! its word lists, hit counters and audit log); core only asks whether user
//! text may be published, and in what form.

use crate::error::Result;
use crate::ids::AppId;
use async_trait::async_trait;

/// Where the screened text comes from, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct ScreenContext<'a> {
    pub app: AppId,
    /// Empty for text not tied to a room (nicknames).
    pub room: &'a str,
    pub user: &'a str,
}

#[async_trait]
pub trait Screen: Send + Sync + 'static {
    /// Screens user-set texts (message fields, nicknames, room profile
    /// text). Returns them, masked where a term asks for it, or fails with
    /// `CoreError::Blocked`; fails closed (`ModerationUnavailable`) when it
    /// cannot decide.
    async fn screen(&self, ctx: ScreenContext<'_>, fields: Vec<String>) -> Result<Vec<String>>;
}
