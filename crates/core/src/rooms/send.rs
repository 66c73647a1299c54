//! The one path of a user message: checked once (body, key, room, sender),
//! claimed for idempotency, screened, offered to the app's before-send hook,
//! admitted by frequency control, sequenced and published. Notices and
//! broadcasts, which skip the user checks, publish through the same end.

use super::Rooms;
use crate::apps::AppConfig;
use crate::callbacks::{AfterEvent, Platform};
use crate::client::events::{self, Payload};
use crate::error::{CoreError, Result};
use crate::ids::AppId;
use crate::limits;
use crate::metrics as m;
use crate::model::{self, MsgBody, Priority, Role, Room, UserProfile, ValidBody, now_ms};
use crate::ports::hook::{HookRequest, HookVerdict};
use crate::ports::idempotency::{IdemClaim, IdemKey, Idempotency, SendOutcome};
use crate::ports::sequencer::AdmitClass;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    AppAdmin,
    User { id: String, profile: UserProfile },
}

#[derive(Debug, Clone)]
pub struct SendRequest {
    pub room_id: String,
    pub sender: Sender,
    pub priority: Priority,
    /// Validated once where the message entered the system.
    pub body: ValidBody,
    pub msg_key: Option<String>,
    pub skip_moderation: bool,
    /// Which of the app's callbacks this message skips (Tencent's
    /// `ForbidCallbackControl`, set by the app server through REST).
    pub callbacks: CallbackControl,
}

/// Per-message callback control: what the app server asked to skip for
/// this one message. Default: nothing is skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackControl {
    /// Skip the before-send hook (`ForbidBeforeSendMsgCallback`).
    pub forbid_before_send: bool,
    /// Skip the after-send callback (`ForbidAfterSendMsgCallback`).
    pub forbid_after_send: bool,
}

/// The app, room and sender of a message, resolved once per message.
struct SendContext<'a> {
    app_id: AppId,
    app: &'a AppConfig,
    room: Room,
    sender_id: String,
}

impl Rooms {
    /// Screens, admits, sequences and publishes one message. Refusals are
    /// counted where they are answered (`metrics::count_rejection`).
    pub async fn send_message(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        metrics::counter!(m::MESSAGES_IN).increment(1);
        self.send_checked(app, req).await
    }

    async fn context(&self, app_id: AppId, req: &SendRequest) -> Result<SendContext<'_>> {
        if let Some(k) = &req.msg_key
            && k.len() > limits::MSG_KEY_MAX
        {
            return Err(CoreError::InvalidParameter(format!(
                "msgKey is at most {} bytes",
                limits::MSG_KEY_MAX
            )));
        }
        let app = self.apps().get(app_id)?;
        let room = self.room(app_id, &req.room_id).await?;
        let sender_id = match &req.sender {
            Sender::AppAdmin => app.admin_identifier.clone(),
            Sender::User { id, .. } => id.clone(),
        };
        Ok(SendContext {
            app_id,
            app,
            room,
            sender_id,
        })
    }

    /// Whether the sender may send now (mute, mute-all, ban), and whether
    /// it is privileged (owner, admins, the app admin: exempt from sub-caps
    /// and mute-all).
    async fn standing(&self, ctx: &SendContext<'_>, sender: &Sender) -> Result<bool> {
        match sender {
            Sender::AppAdmin => Ok(true),
            Sender::User { id, .. } => Ok(ctx.app.admin_identifier == *id
                || self.check_can_send(ctx.app_id, &ctx.room, id).await? != Role::Member),
        }
    }

    async fn send_checked(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        let ctx = self.context(app, &req).await?;
        let idem_key = req.msg_key.as_deref().filter(|k| !k.is_empty()).map(|k| IdemKey {
            app,
            sender: ctx.sender_id.clone(),
            room: ctx.room.id.clone(),
            msg_key: k.to_string(),
        });
        let Some(idempotency) = &self.inner.deps.idempotency else {
            tracing::error!(app, "a message reached a process that does not send; refused");
            return Err(CoreError::Internal("this process does not send messages".into()));
        };
        let claim = match &idem_key {
            Some(key) => match idempotency.claim(key, now_ms()).await? {
                IdemClaim::Done(outcome) => return Ok(outcome),
                IdemClaim::New(token) => Some((key.clone(), token)),
            },
            None => None,
        };
        // If this future is dropped mid-way (caller gone), the claim must
        // not stay "in flight" and block every retry of this key.
        let mut guard = ReleaseOnDrop {
            idempotency: idempotency.clone(),
            claim: claim.clone(),
        };
        // A resend of a delivered message answers the first reply even if
        // the sender was muted since: the standing is checked only for new
        // messages, after the key was claimed.
        let result = match self.standing(&ctx, &req.sender).await {
            Ok(privileged) => self.screen_and_publish(&ctx, privileged, req).await,
            Err(e) => Err(e),
        };
        guard.claim = None;
        if let Some((key, token)) = &claim {
            let recorded = match &result {
                Ok(outcome) => idempotency.complete(key, *token, *outcome).await,
                Err(_) => idempotency.release(key, *token).await,
            };
            // A delivered message stays delivered even if remembering it failed.
            if let Err(e) = recorded {
                tracing::warn!(app, room = %ctx.room.id, error = %e, "idempotency record not updated");
            }
        }
        result
    }

    async fn screen_and_publish(
        &self,
        ctx: &SendContext<'_>,
        privileged: bool,
        req: SendRequest,
    ) -> Result<SendOutcome> {
        let mut body = req.body.into_body();
        let custom = ctx.app.screen_custom;
        if !req.skip_moderation {
            let fields = body.screened_fields(custom);
            let screened = self
                .screen_texts(ctx.app_id, &ctx.room.id, &ctx.sender_id, fields)
                .await?;
            body.replace_screened_fields(screened, custom);
        }
        // The app's own check comes last, on what would be published.
        if matches!(req.sender, Sender::User { .. }) && !req.skip_moderation && !req.callbacks.forbid_before_send {
            body = self.before_send_hook(ctx, req.priority, body).await?;
        }

        let (nick, avatar) = match &req.sender {
            Sender::AppAdmin => ("", ""),
            Sender::User { profile, .. } => (profile.nick.as_str(), profile.avatar.as_str()),
        };
        let class = AdmitClass::Message {
            priority: req.priority,
            privileged,
        };
        let msg_key = req.msg_key.as_deref().filter(|k| !k.is_empty());
        let user_sender = matches!(req.sender, Sender::User { .. }).then_some(ctx.sender_id.as_str());
        let room_id = ctx.room.id.as_str();
        let admitted = self
            .publish_event(ctx.app_id, room_id, class, user_sender, "message", |seq, time| {
                let payload = Payload::Message {
                    from: &ctx.sender_id,
                    nick,
                    avatar,
                    body: &body,
                    msg_key,
                };
                events::encode_event(room_id, seq, time, req.priority, &payload)
            })
            .await?;
        Ok(match admitted {
            (Some(seq), time_ms) => {
                let platform = match req.sender {
                    Sender::AppAdmin => Platform::RestApi,
                    Sender::User { .. } => Platform::Web,
                };
                self.after_send_msg(ctx.app_id, platform, req.callbacks.forbid_after_send, || {
                    AfterEvent::MessageSent {
                        room: room_id.to_string(),
                        from: ctx.sender_id.clone(),
                        seq,
                        time_ms,
                        priority: req.priority,
                        body,
                    }
                });
                SendOutcome::Delivered { seq, time_ms }
            }
            (None, time_ms) => {
                metrics::counter!(m::MESSAGES_DROPPED, "reason" => "frequency_control", "priority" => req.priority.as_str())
                    .increment(1);
                SendOutcome::Dropped { time_ms }
            }
        })
    }

    /// Offers the message to the app's before-send webhook, if it has one.
    async fn before_send_hook(&self, ctx: &SendContext<'_>, priority: Priority, body: MsgBody) -> Result<MsgBody> {
        let (Some(hook), Some(settings)) = (&self.inner.deps.hook, &ctx.app.before_send_hook) else {
            return Ok(body);
        };
        let request = HookRequest {
            app: ctx.app_id,
            room_id: &ctx.room.id,
            sender: &ctx.sender_id,
            priority,
            body: &body,
        };
        match hook.check(settings, request).await {
            Ok(HookVerdict::Allow) => Ok(body),
            // A replacement is new input: it must pass the same checks.
            Ok(HookVerdict::Replace(replacement)) => {
                replacement.validate()?;
                Ok(replacement)
            }
            Ok(HookVerdict::Reject { code, message }) => Err(CoreError::RejectedByHook { code, message }),
            Err(e) if settings.fail_open => {
                metrics::counter!(m::HOOK_FAILURES, "policy" => "fail_open").increment(1);
                tracing::warn!(app = ctx.app_id, room = %ctx.room.id, error = %e, "before-send hook failed; delivering (fail open)");
                Ok(body)
            }
            Err(e) => {
                metrics::counter!(m::HOOK_FAILURES, "policy" => "fail_closed").increment(1);
                tracing::warn!(app = ctx.app_id, room = %ctx.room.id, error = %e, "before-send hook failed; rejecting (fail closed)");
                Err(CoreError::HookUnavailable)
            }
        }
    }

    /// A system notice to every online member; never rate-limited or dropped.
    pub async fn send_notice(&self, app: AppId, room_id: &str, content: &str) -> Result<u64> {
        check_notice(content)?;
        self.room(app, room_id).await?;
        match self
            .publish_event(app, room_id, AdmitClass::Exempt, None, "notice", |seq, time| {
                events::encode_event(room_id, seq, time, Priority::High, &Payload::Notice(content))
            })
            .await?
        {
            (Some(seq), _) => Ok(seq),
            (None, _) => Err(CoreError::Internal("exempt event was dropped".into())),
        }
    }

    /// A system notice to every room of the app. Returns the number of rooms.
    pub async fn broadcast(&self, app: AppId, content: &str) -> Result<u32> {
        check_notice(content)?;
        self.apps().get(app)?;
        let mut n = 0;
        for room_id in self.store().room_ids(app).await? {
            match self.send_notice(app, &room_id, content).await {
                Ok(_) => n += 1,
                // Dismissed between listing and sending: nothing to notify.
                Err(CoreError::RoomNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }
}

fn check_notice(content: &str) -> Result<()> {
    if content.is_empty() {
        return Err(CoreError::InvalidParameter("notice content is empty".into()));
    }
    model::check_len("notice", Some(content), limits::NOTICE_MAX)
}

/// Gives an idempotency claim back if the send was abandoned half-way.
struct ReleaseOnDrop {
    idempotency: Arc<dyn Idempotency>,
    claim: Option<(IdemKey, u64)>,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let Some((key, token)) = self.claim.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let idempotency = self.idempotency.clone();
            rt.spawn(async move {
                let _ = idempotency.release(&key, token).await;
            });
        }
    }
}
