//! The optional per-app before-send hook: an app server sees each user
//! message before it is published and may allow, reject or replace it
//! (in the spirit of Tencent IM's `Group.CallbackBeforeSendMsg`).

use crate::error::Result;
use crate::ids::AppId;
use crate::model::{MsgBody, Priority};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HookSettings {
    /// `http://host:port/path`; the app id and command are added as query
    /// parameters, Tencent-style.
    pub url: String,
    /// How long to wait for the app server.
    pub timeout_ms: u64,
    /// On timeout or error: deliver anyway (`true`) or reject with a
    /// retryable error (`false`, the default — never publish unchecked).
    pub fail_open: bool,
    /// Calls in flight per app; past it the timeout policy applies at once.
    pub max_concurrency: usize,
}

impl Default for HookSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_ms: 2000,
            fail_open: false,
            max_concurrency: 64,
        }
    }
}

impl HookSettings {
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !self.url.starts_with("http://") {
            return Err("before_send_hook.url must be an http:// URL".into());
        }
        if self.timeout_ms == 0 || self.timeout_ms > 60_000 {
            return Err("before_send_hook.timeout_ms must be 1..=60000".into());
        }
        if self.max_concurrency == 0 {
            return Err("before_send_hook.max_concurrency must be positive".into());
        }
        Ok(())
    }
}

pub struct HookRequest<'a> {
    pub app: AppId,
    pub room_id: &'a str,
    pub sender: &'a str,
    pub priority: Priority,
    pub body: &'a MsgBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HookVerdict {
    Allow,
    /// Publish this body instead.
    Replace(MsgBody),
    /// Reject with this code (10016, or the app's own 120001..=130000).
    Reject {
        code: u32,
        message: String,
    },
}

#[async_trait]
pub trait BeforeSendHook: Send + Sync + 'static {
    /// `Err` means the hook could not answer (timeout, refused, saturated,
    /// malformed reply); the caller applies the app's `fail_open` policy.
    async fn check(&self, settings: &HookSettings, req: HookRequest<'_>) -> Result<HookVerdict>;
}
