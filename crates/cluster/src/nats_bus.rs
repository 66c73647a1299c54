//! The bus over NATS core pub/sub.

use crate::options::ClusterOptions;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use roomcast_core::bus::{Bus, Subscription, SubscriptionSource};
use roomcast_core::{CoreError, Result};

/// Connects with unlimited reconnects; subscriptions are restored by the
/// client after a reconnect.
pub async fn connect(opts: &ClusterOptions, name: &str) -> Result<async_nats::Client> {
    let urls: Vec<async_nats::ServerAddr> = opts
        .nats_url
        .split(',')
        .map(|u| u.trim().parse::<async_nats::ServerAddr>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| CoreError::Bus(format!("bad nats url: {e}")))?;
    async_nats::ConnectOptions::new()
        .name(name)
        .subscription_capacity(opts.subscription_capacity)
        .retry_on_initial_connect()
        .event_callback(|event| async move {
            tracing::info!(event = %event, "nats connection event");
        })
        .connect(urls)
        .await
        .map_err(|e| CoreError::Bus(e.to_string()))
}

#[derive(Clone)]
pub struct NatsBus {
    client: async_nats::Client,
}

impl NatsBus {
    pub fn new(client: async_nats::Client) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }
}

struct NatsSubscription(async_nats::Subscriber);

#[async_trait]
impl SubscriptionSource for NatsSubscription {
    async fn next(&mut self) -> Option<Bytes> {
        self.0.next().await.map(|m| m.payload)
    }
}

#[async_trait]
impl Bus for NatsBus {
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()> {
        self.client
            .publish(subject.to_string(), payload)
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))
    }

    async fn subscribe(&self, subject: &str) -> Result<Subscription> {
        let sub = self
            .client
            .subscribe(subject.to_string())
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))?;
        // Make sure the server has the subscription before the caller relies
        // on it (a join is answered only once events will arrive).
        self.client.flush().await.map_err(|e| CoreError::Bus(e.to_string()))?;
        Ok(Subscription::new(NatsSubscription(sub)))
    }
}
