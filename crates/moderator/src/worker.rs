//! A moderation worker: one member of the moderator queue group. It takes
//! submissions, runs them through the room service's send path (screen,
//! hook, admit, sequence, publish) and replies with the outcome.

use crate::codec::{decode_request, encode_reply};
use futures_util::StreamExt;
use roomcast_core::rooms::Rooms;
use roomcast_core::subject;
use roomcast_core::{CoreError, Result};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

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
            .queue_subscribe(subject::SUBMIT_ALL, subject::MODERATOR_QUEUE.to_string())
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))?;
        self.client.flush().await.map_err(|e| CoreError::Bus(e.to_string()))?;
        let permits = Arc::new(Semaphore::new(self.concurrency));
        tracing::info!(
            subject = subject::SUBMIT_ALL,
            queue = subject::MODERATOR_QUEUE,
            "moderator serving"
        );
        loop {
            let msg = tokio::select! {
                _ = shutdown.cancelled() => break,
                m = sub.next() => match m { Some(m) => m, None => break },
            };
            let Some(reply_to) = msg.reply.clone() else { continue };
            let permit = permits
                .clone()
                .acquire_owned()
                .await
                .expect("semaphore is never closed");
            let (client, rooms) = (self.client.clone(), self.rooms.clone());
            tokio::spawn(async move {
                let result = match subject::app_of_submit(&msg.subject) {
                    Some(app) => match decode_request(msg.payload) {
                        Ok(req) => rooms.send_message(app, req).await,
                        Err(e) => Err(e),
                    },
                    None => Err(CoreError::InvalidParameter(format!("bad subject {}", msg.subject))),
                };
                // The room event was published on this same connection before
                // this reply, so a sender that sees the reply can count on it.
                if let Err(e) = client.publish(reply_to, encode_reply(&result)).await {
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
