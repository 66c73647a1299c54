//! After-event webhooks ("callbacks" in Tencent's words): what happened in
//! a room, told to the app server after the fact, in Tencent IM's shape
//! (`Group.CallbackAfter…`, `Group.CallbackOnMemberStateChange`).
//!
//! The rules emit an [`AfterEvent`] through the `CallbackSink` port once
//! the fact is committed, and only for commands the app switched on; the
//! sink queues it (bounded per app) and a delivery task posts it with
//! retries ([`deliver_with_retries`]). Delivery is at least once: an app
//! server may see a callback twice and should treat them idempotently.

use crate::ids::AppId;
use crate::metrics as m;
use crate::model::{MsgBody, Priority, RoomPatch};
use crate::ports::callbacks::CallbackDeliverer;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The commands Roomcast calls after the fact, named as Tencent names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallbackCommand {
    #[serde(rename = "Group.CallbackAfterCreateGroup")]
    AfterCreateGroup,
    #[serde(rename = "Group.CallbackAfterNewMemberJoin")]
    AfterNewMemberJoin,
    #[serde(rename = "Group.CallbackAfterMemberExit")]
    AfterMemberExit,
    #[serde(rename = "Group.CallbackAfterSendMsg")]
    AfterSendMsg,
    #[serde(rename = "Group.CallbackAfterGroupDestroyed")]
    AfterGroupDestroyed,
    #[serde(rename = "Group.CallbackAfterGroupInfoChanged")]
    AfterGroupInfoChanged,
    #[serde(rename = "Group.CallbackOnMemberStateChange")]
    OnMemberStateChange,
}

impl CallbackCommand {
    pub const ALL: [CallbackCommand; 7] = [
        CallbackCommand::AfterCreateGroup,
        CallbackCommand::AfterNewMemberJoin,
        CallbackCommand::AfterMemberExit,
        CallbackCommand::AfterSendMsg,
        CallbackCommand::AfterGroupDestroyed,
        CallbackCommand::AfterGroupInfoChanged,
        CallbackCommand::OnMemberStateChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallbackCommand::AfterCreateGroup => "Group.CallbackAfterCreateGroup",
            CallbackCommand::AfterNewMemberJoin => "Group.CallbackAfterNewMemberJoin",
            CallbackCommand::AfterMemberExit => "Group.CallbackAfterMemberExit",
            CallbackCommand::AfterSendMsg => "Group.CallbackAfterSendMsg",
            CallbackCommand::AfterGroupDestroyed => "Group.CallbackAfterGroupDestroyed",
            CallbackCommand::AfterGroupInfoChanged => "Group.CallbackAfterGroupInfoChanged",
            CallbackCommand::OnMemberStateChange => "Group.CallbackOnMemberStateChange",
        }
    }
}

/// An app's after-event webhooks (`apps[].callbacks`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackSettings {
    /// `http://host:port/path`; Tencent's query parameters are appended.
    pub url: String,
    /// The commands switched on; none by default.
    pub commands: Vec<CallbackCommand>,
    /// When set, every call carries `RequestTime` (unix seconds) and
    /// `Sign = hex(sha256(token + RequestTime))` in its query, as Tencent
    /// signs callbacks, so the app server can reject forged ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// How long one attempt waits for the app server.
    pub timeout_ms: u64,
    /// Calls in flight to this app at once (retries waiting included).
    pub max_concurrency: usize,
    /// Callbacks waiting for delivery, per app; past it new ones are
    /// dropped and counted (`roomcast_callbacks_dropped_total`).
    pub queue_max: usize,
    /// Attempts per callback before it is given up and counted as failed.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled per attempt up to `retry_max_ms`.
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            commands: Vec::new(),
            token: None,
            timeout_ms: 2000,
            max_concurrency: 16,
            queue_max: 10_000,
            max_attempts: 12,
            retry_initial_ms: 500,
            retry_max_ms: 60_000,
        }
    }
}

impl std::fmt::Debug for CallbackSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackSettings")
            .field("url", &self.url)
            .field("commands", &self.commands)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_concurrency", &self.max_concurrency)
            .field("queue_max", &self.queue_max)
            .field("max_attempts", &self.max_attempts)
            .field("retry_initial_ms", &self.retry_initial_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .finish()
    }
}

impl CallbackSettings {
    pub fn validate(&self) -> Result<(), String> {
        if !self.url.starts_with("http://") {
            return Err("callbacks.url must be an http:// URL".into());
        }
        if self.timeout_ms == 0 || self.timeout_ms > 60_000 {
            return Err("callbacks.timeout_ms must be 1..=60000".into());
        }
        if self.max_concurrency == 0 || self.max_concurrency > 1024 {
            return Err("callbacks.max_concurrency must be 1..=1024".into());
        }
        if self.queue_max == 0 || self.queue_max > 10_000_000 {
            return Err("callbacks.queue_max must be 1..=10000000".into());
        }
        if self.max_attempts == 0 {
            return Err("callbacks.max_attempts must be positive".into());
        }
        if self.retry_initial_ms == 0 || self.retry_max_ms < self.retry_initial_ms {
            return Err("callbacks.retry_initial_ms must be positive and at most retry_max_ms".into());
        }
        if let Some(t) = &self.token
            && t.is_empty()
        {
            return Err("callbacks.token must not be empty when set".into());
        }
        Ok(())
    }

    pub fn enabled(&self, command: CallbackCommand) -> bool {
        self.commands.contains(&command)
    }

    /// The wait before attempt `attempt + 1` (`attempt` ≥ 1 failed so far).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(self.retry_initial_ms.saturating_mul(factor).min(self.retry_max_ms))
    }
}

/// Why a member left (Tencent's `ExitType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitType {
    /// Quit, logged out or disconnected.
    Quit,
    /// Removed by a ban.
    Kicked,
}

/// What happened, with what the callback body needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AfterEvent {
    /// `owner`: the room's owner, or the app admin for rooms without one.
    GroupCreated {
        room: String,
        operator: String,
        owner: String,
        name: String,
    },
    GroupDestroyed {
        room: String,
        owner: String,
        name: String,
    },
    GroupInfoChanged {
        room: String,
        operator: String,
        patch: RoomPatch,
    },
    MemberJoined {
        room: String,
        user: String,
    },
    /// `operator`: who removed the member; the member for `Quit`, empty
    /// when not known (a ban's kick is carried out by the fan-out).
    MemberExited {
        room: String,
        user: String,
        exit: ExitType,
        operator: String,
    },
    MessageSent {
        room: String,
        from: String,
        seq: u64,
        time_ms: i64,
        priority: Priority,
        body: MsgBody,
    },
    MemberStateChanged {
        room: String,
        user: String,
        online: bool,
    },
}

impl AfterEvent {
    pub fn command(&self) -> CallbackCommand {
        match self {
            AfterEvent::GroupCreated { .. } => CallbackCommand::AfterCreateGroup,
            AfterEvent::GroupDestroyed { .. } => CallbackCommand::AfterGroupDestroyed,
            AfterEvent::GroupInfoChanged { .. } => CallbackCommand::AfterGroupInfoChanged,
            AfterEvent::MemberJoined { .. } => CallbackCommand::AfterNewMemberJoin,
            AfterEvent::MemberExited { .. } => CallbackCommand::AfterMemberExit,
            AfterEvent::MessageSent { .. } => CallbackCommand::AfterSendMsg,
            AfterEvent::MemberStateChanged { .. } => CallbackCommand::OnMemberStateChange,
        }
    }
}

/// Where the action came from (Tencent's `OptPlatform`): the operator's
/// API, or a client over WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Platform {
    #[serde(rename = "RESTAPI")]
    RestApi,
    Web,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::RestApi => "RESTAPI",
            Platform::Web => "Web",
        }
    }
}

/// One queued callback: the event and where it came from. Serialized as
/// JSON where it is queued outside the process (cluster mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    pub event: AfterEvent,
    pub platform: Platform,
    /// The client's address when known; empty otherwise.
    #[serde(default)]
    pub client_ip: String,
    /// When it was emitted (unix ms); retries stop mattering past the
    /// attempts, not the age.
    pub at_ms: i64,
}

/// Delivers one callback, retrying with exponential backoff until the app
/// answers 2xx or `max_attempts` is spent. Counts delivered, retried and
/// failed. Returns whether it was delivered. `before_retry` runs before
/// every retry (cluster mode refreshes its claim on the entry there).
pub async fn deliver_with_retries<F, Fut>(
    deliverer: &dyn CallbackDeliverer,
    app: AppId,
    settings: &CallbackSettings,
    callback: &Callback,
    mut before_retry: F,
) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let command = callback.event.command().as_str();
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match deliverer.deliver(app, settings, callback).await {
            Ok(()) => {
                metrics::counter!(m::CALLBACKS_DELIVERED, "command" => command).increment(1);
                return true;
            }
            Err(e) if attempt >= settings.max_attempts => {
                metrics::counter!(m::CALLBACKS_FAILED, "command" => command).increment(1);
                tracing::warn!(app, command, attempts = attempt, elapsed_ms = started.elapsed().as_millis() as u64, error = %e, "callback given up");
                return false;
            }
            Err(e) => {
                tracing::debug!(app, command, attempt, error = %e, "callback failed; will retry");
                tokio::time::sleep(settings.backoff(attempt)).await;
                metrics::counter!(m::CALLBACKS_RETRIED, "command" => command).increment(1);
                before_retry().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = CallbackSettings {
            retry_initial_ms: 500,
            retry_max_ms: 3000,
            ..Default::default()
        };
        let waits: Vec<u64> = (1..=6).map(|a| s.backoff(a).as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 3000, 3000, 3000]);
        assert_eq!(s.backoff(1000), Duration::from_millis(3000));
    }

    #[test]
    fn settings_are_checked() {
        let ok = CallbackSettings {
            url: "http://app/cb".into(),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        for bad in [
            CallbackSettings {
                url: "https://app/cb".into(),
                ..ok.clone()
            },
            CallbackSettings {
                queue_max: 0,
                ..ok.clone()
            },
            CallbackSettings {
                max_concurrency: 0,
                ..ok.clone()
            },
            CallbackSettings {
                max_attempts: 0,
                ..ok.clone()
            },
            CallbackSettings {
                retry_max_ms: 10,
                ..ok.clone()
            },
            CallbackSettings {
                token: Some(String::new()),
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn commands_read_as_tencent_names_them() {
        let s: CallbackSettings =
            serde_json::from_str(r#"{"url":"http://a/","commands":["Group.CallbackAfterSendMsg"]}"#).unwrap();
        assert!(s.enabled(CallbackCommand::AfterSendMsg));
        assert!(!s.enabled(CallbackCommand::AfterMemberExit));
        assert!(serde_json::from_str::<CallbackSettings>(r#"{"commands":["AfterSendMsg"]}"#).is_err());
    }
}
