//! Emitting after-event callbacks from the rules: after the fact is
//! committed, only for commands the app switched on, and without work for
//! apps that have none (one map look-up).

use super::Rooms;
use crate::callbacks::{AfterEvent, Callback, CallbackCommand, Platform};
use crate::ids::AppId;
use crate::model::{Actor, now_ms};

impl Rooms {
    /// Whether this process emits callbacks and `app` switched `command` on.
    pub(super) fn wants_callback(&self, app: AppId, command: CallbackCommand) -> bool {
        self.inner.deps.callbacks.is_some()
            && self
                .apps()
                .get(app)
                .ok()
                .and_then(|a| a.callbacks.as_ref())
                .is_some_and(|c| c.enabled(command))
    }

    /// Queues `event` if the app wants its command; `event` is only built
    /// then. Never fails the action it reports.
    pub(super) fn emit_callback(
        &self,
        app: AppId,
        command: CallbackCommand,
        platform: Platform,
        event: impl FnOnce() -> AfterEvent,
    ) {
        let Some(sink) = &self.inner.deps.callbacks else {
            return;
        };
        if !self.wants_callback(app, command) {
            return;
        }
        let event = event();
        debug_assert_eq!(event.command(), command);
        sink.emit(
            app,
            Callback {
                event,
                platform,
                client_ip: String::new(),
                at_ms: now_ms(),
            },
        );
    }

    /// `Group.CallbackAfterSendMsg` for a published message, unless the
    /// message opted out (`ForbidCallbackControl: ["ForbidAfterSendMsgCallback"]`,
    /// passed here as `forbid_after_send`).
    pub(super) fn after_send_msg(
        &self,
        app: AppId,
        platform: Platform,
        forbid_after_send: bool,
        event: impl FnOnce() -> AfterEvent,
    ) {
        if !forbid_after_send {
            self.emit_callback(app, CallbackCommand::AfterSendMsg, platform, event);
        }
    }
}

/// Who acted, as Tencent's `OptPlatform` says it: the operator's API or a
/// client.
pub(super) fn platform_of(actor: &Actor) -> Platform {
    match actor {
        Actor::AppAdmin => Platform::RestApi,
        Actor::User(_) => Platform::Web,
    }
}
