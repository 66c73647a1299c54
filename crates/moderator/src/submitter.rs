//! The gateway's (and room control's) side of the submit protocol: hands
//! each user message to the moderator pool as a NATS request and waits for
//! the verdict.

use crate::codec::{decode_reply, encode_request};
use async_trait::async_trait;
use roomcast_core::ids::AppId;
use roomcast_core::ports::idempotency::SendOutcome;
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::rooms::SendRequest;
use roomcast_core::subject;
use roomcast_core::{CoreError, Result};
use std::time::Duration;

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
        let request = self.client.request(subject::submit(app), encode_request(req));
        let reply = match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(reply)) => reply,
            // No answer is never a success: the client may retry (idempotent with msgKey).
            Ok(Err(e)) => return Err(CoreError::Bus(format!("moderator pool unavailable: {e}"))),
            Err(_) => return Err(CoreError::Bus("moderator pool did not answer in time".into())),
        };
        decode_reply(reply.payload)
    }
}
