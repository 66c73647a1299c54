//! Message submission across the cluster: gateways (and the admin API) send
//! each user message as a NATS request to the moderator pool, a queue group;
//! the moderator that takes it screens, sequences and publishes it with the
//! shared room service code, then replies.

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use prost::Message as _;
use roomcast_core::idempotency::SendOutcome;
use roomcast_core::ids::AppId;
use roomcast_core::model::{MsgBody, Priority, UserProfile};
use roomcast_core::rooms::{MessageSubmitter, Rooms, SendRequest, Sender};
use roomcast_core::{CoreError, Result};
use roomcast_proto::v1 as pb;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub const MODERATOR_QUEUE: &str = "roomcast-moderators";

pub fn submit_subject(app: AppId) -> String {
    format!("roomcast.{app}.submit")
}

/// Subscribed by moderators: every app's submit subject.
const SUBMIT_WILDCARD: &str = "roomcast.*.submit";

fn priority_to_pb(p: Priority) -> pb::Priority {
    match p {
        Priority::High => pb::Priority::High,
        Priority::Normal => pb::Priority::Normal,
        Priority::Low => pb::Priority::Low,
        Priority::Lowest => pb::Priority::Lowest,
    }
}

fn priority_from_pb(p: i32) -> Priority {
    match pb::Priority::try_from(p) {
        Ok(pb::Priority::High) => Priority::High,
        Ok(pb::Priority::Low) => Priority::Low,
        Ok(pb::Priority::Lowest) => Priority::Lowest,
        _ => Priority::Normal,
    }
}

/// Hands messages to the moderator pool.
#[derive(Clone)]
pub struct NatsSubmitter {
    client: async_nats::Client,
    timeout: Duration,
}

impl NatsSubmitter {
    pub fn new(client: async_nats::Client, timeout: Duration) -> Self {
        Self { client, timeout }
    }
}

#[async_trait]
impl MessageSubmitter for NatsSubmitter {
    async fn submit(&self, app: AppId, req: SendRequest) -> Result<SendOutcome> {
        let (sender, nick, avatar) = match req.sender {
            Sender::AppAdmin => (String::new(), String::new(), String::new()),
            Sender::User { id, profile } => (id, profile.nick, profile.avatar),
        };
        let msg = pb::SubmitRequest {
            room_id: req.room_id,
            sender,
            nick,
            avatar,
            priority: priority_to_pb(req.priority) as i32,
            msg_body_json: serde_json::to_string(&req.body).expect("bodies serialize"),
            msg_key: req.msg_key.unwrap_or_default(),
            skip_moderation: req.skip_moderation,
        };
        let request = self
            .client
            .request(submit_subject(app), Bytes::from(msg.encode_to_vec()));
        let reply = match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(reply)) => reply,
            // No answer is never a success: the client may retry (idempotent with msgKey).
            Ok(Err(e)) => return Err(CoreError::Bus(format!("moderator pool unavailable: {e}"))),
            Err(_) => return Err(CoreError::Bus("moderator pool did not answer in time".into())),
        };
        let r = pb::SubmitReply::decode(reply.payload.as_ref())
            .map_err(|e| CoreError::Internal(format!("bad moderator reply: {e}")))?;
        if r.code == 0 {
            return Ok(if r.dropped {
                SendOutcome::Dropped { time_ms: r.time_ms }
            } else {
                SendOutcome::Delivered {
                    seq: r.seq,
                    time_ms: r.time_ms,
                }
            });
        }
        Err(match r.code {
            10017 if r.muted_until > 0 => CoreError::Muted { until: r.muted_until },
            _ => CoreError::Remote {
                code: r.code,
                message: r.message,
                retryable: r.retryable,
            },
        })
    }
}

fn reply_for(result: Result<SendOutcome>) -> pb::SubmitReply {
    match result {
        Ok(SendOutcome::Delivered { seq, time_ms }) => pb::SubmitReply {
            seq,
            time_ms,
            ..Default::default()
        },
        Ok(SendOutcome::Dropped { time_ms }) => pb::SubmitReply {
            time_ms,
            dropped: true,
            ..Default::default()
        },
        Err(e) => pb::SubmitReply {
            code: e.code(),
            message: e.to_string(),
            retryable: e.retryable(),
            muted_until: match e {
                CoreError::Muted { until } => until,
                _ => 0,
            },
            ..Default::default()
        },
    }
}

fn decode_request(payload: &[u8]) -> Result<SendRequest> {
    let r = pb::SubmitRequest::decode(payload).map_err(|e| CoreError::InvalidParameter(format!("submit: {e}")))?;
    let json: serde_json::Value =
        serde_json::from_str(&r.msg_body_json).map_err(|e| CoreError::InvalidParameter(format!("msgBody: {e}")))?;
    let sender = if r.sender.is_empty() {
        Sender::AppAdmin
    } else {
        Sender::User {
            id: r.sender,
            profile: UserProfile {
                nick: r.nick,
                avatar: r.avatar,
            },
        }
    };
    Ok(SendRequest {
        room_id: r.room_id,
        sender,
        priority: priority_from_pb(r.priority),
        body: MsgBody::from_json(json)?,
        msg_key: Some(r.msg_key).filter(|k| !k.is_empty()),
        skip_moderation: r.skip_moderation,
    })
}

/// A moderation worker: one member of the moderator queue group.
#[derive(Clone)]
pub struct Moderator {
    client: async_nats::Client,
    rooms: Rooms,
    concurrency: usize,
}

impl Moderator {
    pub fn new(client: async_nats::Client, rooms: Rooms, concurrency: usize) -> Self {
        Self {
            client,
            rooms,
            concurrency: concurrency.max(1),
        }
    }

    /// Serves until `shutdown`, then stops taking work and finishes what it
    /// holds, so nothing accepted is abandoned.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        let mut sub = self
            .client
            .queue_subscribe(SUBMIT_WILDCARD, MODERATOR_QUEUE.to_string())
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))?;
        self.client.flush().await.map_err(|e| CoreError::Bus(e.to_string()))?;
        let permits = Arc::new(Semaphore::new(self.concurrency));
        tracing::info!(subject = SUBMIT_WILDCARD, queue = MODERATOR_QUEUE, "moderator serving");
        loop {
            let msg = tokio::select! {
                _ = shutdown.cancelled() => break,
                m = sub.next() => match m { Some(m) => m, None => break },
            };
            let Some(reply_to) = msg.reply.clone() else { continue };
            let app: Option<AppId> = msg.subject.split('.').nth(1).and_then(|a| a.parse().ok());
            let permit = permits
                .clone()
                .acquire_owned()
                .await
                .expect("semaphore is never closed");
            let (client, rooms) = (self.client.clone(), self.rooms.clone());
            tokio::spawn(async move {
                let result = match app {
                    Some(app) => match decode_request(&msg.payload) {
                        Ok(req) => rooms.send_message(app, req).await,
                        Err(e) => Err(e),
                    },
                    None => Err(CoreError::InvalidParameter(format!("bad subject {}", msg.subject))),
                };
                // The room event was published on this same connection before
                // this reply, so a sender that sees the reply can count on it.
                let reply = reply_for(result);
                if let Err(e) = client.publish(reply_to, Bytes::from(reply.encode_to_vec())).await {
                    tracing::warn!(error = %e, "moderator reply not sent");
                }
                drop(permit);
            });
        }
        let _ = sub.unsubscribe().await;
        // Wait for in-flight work.
        let _ = permits.acquire_many(self.concurrency as u32).await;
        let _ = self.client.flush().await;
        tracing::info!("moderator stopped");
        Ok(())
    }
}
