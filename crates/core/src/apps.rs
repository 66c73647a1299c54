//! Tenancy: the apps (SDKAppIDs) this deployment serves, and authentication
//! of users and app admins against them.

use crate::error::{CoreError, Result};
use crate::ids::AppId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub sdkappid: AppId,
    /// The TLSSigAPIv2 secret key userSigs are signed with.
    pub secret: String,
    /// The app admin's user ID (Tencent's "App admin" account).
    #[serde(default = "default_admin")]
    pub admin_identifier: String,
    /// Optional static token accepted by the admin API (`authorization: Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    /// Which fields of custom elements are screened (default: all three).
    #[serde(default, skip_serializing_if = "ScreenedCustomFields::is_default")]
    pub screen_custom: ScreenedCustomFields,
    /// Optional before-send webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_send_hook: Option<crate::ports::hook::HookSettings>,
    /// Optional after-event webhooks (Tencent's after-callbacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callbacks: Option<crate::callbacks::CallbackSettings>,
    /// Who may change which group counter (default: members may only
    /// increase `likes`; guests may read).
    #[serde(default, skip_serializing_if = "CounterPolicy::is_default")]
    pub counters: CounterPolicy,
}

/// A change to a group counter, as the per-app policy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CounterOp {
    Increase,
    Decrease,
    Set,
    Delete,
}

impl CounterOp {
    pub const ALL: [CounterOp; 4] = [
        CounterOp::Increase,
        CounterOp::Decrease,
        CounterOp::Set,
        CounterOp::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CounterOp::Increase => "increase",
            CounterOp::Decrease => "decrease",
            CounterOp::Set => "set",
            CounterOp::Delete => "delete",
        }
    }
}

/// What ordinary members may do to some counters: `keys` (`"*"`: any
/// counter) with `ops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterGrant {
    pub keys: Vec<String>,
    pub ops: Vec<CounterOp>,
}

/// Who may change which group counter of the app's rooms. The room's owner
/// and admins and the app admin may do everything; ordinary members what
/// `members` grants; guests (not logged in) nothing. Members may always
/// read; guests if `guests_read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CounterPolicy {
    pub members: Vec<CounterGrant>,
    pub guests_read: bool,
}

impl Default for CounterPolicy {
    fn default() -> Self {
        Self {
            members: vec![CounterGrant {
                keys: vec!["likes".into()],
                ops: vec![CounterOp::Increase],
            }],
            guests_read: true,
        }
    }
}

impl CounterPolicy {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether an ordinary member may apply `op` to counter `key`.
    pub fn member_may(&self, op: CounterOp, key: &str) -> bool {
        self.members
            .iter()
            .any(|g| g.ops.contains(&op) && g.keys.iter().any(|k| k == "*" || k == key))
    }

    pub fn validate(&self) -> std::result::Result<(), String> {
        for g in &self.members {
            if g.keys.is_empty() || g.ops.is_empty() {
                return Err("counters.members[]: keys and ops must not be empty".into());
            }
            for k in &g.keys {
                if k != "*" {
                    crate::limits::validate_counter_key(k).map_err(|e| format!("counters.members[].keys: {e}"))?;
                }
            }
        }
        Ok(())
    }
}

/// The `TIMCustomElem` fields moderation screens for an app. Apps that put
/// binary or structured data in `Data` can exclude it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScreenedCustomFields {
    pub data: bool,
    pub desc: bool,
    pub ext: bool,
}

impl Default for ScreenedCustomFields {
    fn default() -> Self {
        Self {
            data: true,
            desc: true,
            ext: true,
        }
    }
}

impl ScreenedCustomFields {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

fn default_admin() -> String {
    "administrator".to_string()
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("sdkappid", &self.sdkappid)
            .field("secret", &"<redacted>")
            .field("admin_identifier", &self.admin_identifier)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<redacted>"))
            .field("screen_custom", &self.screen_custom)
            .field("before_send_hook", &self.before_send_hook)
            .field("callbacks", &self.callbacks)
            .field("counters", &self.counters)
            .finish()
    }
}

impl AppConfig {
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.sdkappid == 0 {
            return Err("apps[].sdkappid must be non-zero".into());
        }
        if self.secret.len() < 16 {
            return Err(format!("app {}: secret must be at least 16 bytes", self.sdkappid));
        }
        crate::ids::validate_user_id(&self.admin_identifier)
            .map_err(|e| format!("app {}: admin_identifier: {e}", self.sdkappid))?;
        if let Some(t) = &self.admin_token
            && t.len() < 16
        {
            return Err(format!("app {}: admin_token must be at least 16 bytes", self.sdkappid));
        }
        if let Some(h) = &self.before_send_hook {
            h.validate().map_err(|e| format!("app {}: {e}", self.sdkappid))?;
        }
        if let Some(c) = &self.callbacks {
            c.validate().map_err(|e| format!("app {}: {e}", self.sdkappid))?;
        }
        self.counters
            .validate()
            .map_err(|e| format!("app {}: {e}", self.sdkappid))?;
        Ok(())
    }
}

/// Immutable registry of apps; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Apps {
    apps: Arc<HashMap<AppId, AppConfig>>,
    /// What a userSig must satisfy beyond its signature and expiry.
    sig_policy: roomcast_auth::SigPolicy,
    /// Failed admin-API credentials, per app and method.
    admin_failures: Arc<AdminFailures>,
}

/// Failed admin-API credentials per app and method (userSig or token):
/// `SigPolicy::admin_max_failures` within `admin_lockout_secs` lock that
/// method for `admin_lockout_secs`, so the admin's userSig or the token
/// cannot be guessed at speed. (Client logins are throttled per address
/// and user by the gateway.)
#[derive(Debug, Default)]
struct AdminFailures {
    /// (app, by token) → (window start, failures, locked until), in seconds.
    map: parking_lot::Mutex<HashMap<(AppId, bool), FailureWindow>>,
}

type FailureWindow = (u64, u32, u64);

impl AdminFailures {
    fn check(&self, key: (AppId, bool), now: u64) -> Result<()> {
        match self.map.lock().get(&key) {
            Some(&(_, _, until)) if until > now => Err(CoreError::Auth(roomcast_auth::AuthError::Locked {
                retry_after_secs: until - now,
            })),
            _ => Ok(()),
        }
    }

    fn failed(&self, key: (AppId, bool), now: u64, policy: &roomcast_auth::SigPolicy) {
        let mut map = self.map.lock();
        let (start, failures, until) = map.entry(key).or_insert((now, 0, 0));
        if now.saturating_sub(*start) >= policy.admin_lockout_secs {
            (*start, *failures) = (now, 0);
        }
        *failures += 1;
        if *failures >= policy.admin_max_failures {
            *until = now.saturating_add(policy.admin_lockout_secs);
            (*start, *failures) = (now, 0);
        }
    }
}

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub app: AppId,
    pub user_id: String,
    pub is_app_admin: bool,
}

impl Apps {
    pub fn new(list: impl IntoIterator<Item = AppConfig>) -> Self {
        Self {
            apps: Arc::new(list.into_iter().map(|a| (a.sdkappid, a)).collect()),
            sig_policy: Default::default(),
            admin_failures: Default::default(),
        }
    }

    /// Checks every userSig (users' and the app admin's) against `policy`.
    pub fn with_sig_policy(mut self, policy: roomcast_auth::SigPolicy) -> Self {
        self.sig_policy = policy;
        self
    }

    pub fn get(&self, app: AppId) -> Result<&AppConfig> {
        self.apps.get(&app).ok_or(CoreError::UnknownApp(app))
    }

    pub fn ids(&self) -> Vec<AppId> {
        let mut v: Vec<_> = self.apps.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Verifies a user's login.
    pub fn login(&self, app: AppId, user_id: &str, user_sig: &str, now_secs: u64) -> Result<Identity> {
        let cfg = self.get(app)?;
        crate::ids::validate_user_id(user_id)?;
        roomcast_auth::verify_usersig_with_policy(app, &cfg.secret, user_id, user_sig, now_secs, &self.sig_policy)?;
        Ok(Identity {
            app,
            user_id: user_id.to_string(),
            is_app_admin: user_id == cfg.admin_identifier,
        })
    }

    /// Verifies an admin API caller: the admin identifier with its userSig,
    /// or the configured admin token.
    pub fn admin(
        &self,
        app: AppId,
        identifier: Option<&str>,
        user_sig: Option<&str>,
        token: Option<&str>,
        now_secs: u64,
    ) -> Result<()> {
        let cfg = self.get(app)?;
        if let Some(token) = token {
            let key = (app, true);
            self.admin_failures.check(key, now_secs)?;
            return match &cfg.admin_token {
                Some(expected) if constant_time_eq(expected.as_bytes(), token.as_bytes()) => Ok(()),
                _ => {
                    self.admin_failures.failed(key, now_secs, &self.sig_policy);
                    Err(CoreError::PermissionDenied("invalid admin token".into()))
                }
            };
        }
        let (Some(identifier), Some(sig)) = (identifier, user_sig) else {
            return Err(CoreError::Auth(roomcast_auth::AuthError::Empty));
        };
        if identifier != cfg.admin_identifier {
            return Err(CoreError::PermissionDenied(format!(
                "{identifier} is not the app admin"
            )));
        }
        let key = (app, false);
        self.admin_failures.check(key, now_secs)?;
        roomcast_auth::verify_usersig_with_policy(app, &cfg.secret, identifier, sig, now_secs, &self.sig_policy)
            .inspect_err(|_| self.admin_failures.failed(key, now_secs, &self.sig_policy))?;
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
