//! The bus over NATS core pub/sub. Room events are encoded as the internal
//! `RoomEvent` protobuf here and decoded here, once per gateway.

use crate::options::ClusterOptions;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use roomcast_core::event::RoomEvent;
use roomcast_core::ids::AppId;
use roomcast_core::ports::bus::{Bus, Subscription, SubscriptionSource};
use roomcast_core::subject;
use roomcast_core::{CoreError, Result};
use roomcast_proto::convert::{decode_room_event, encode_room_event};

/// Connects with unlimited reconnects; subscriptions are restored by the
/// client after a reconnect. Authenticates and uses TLS as `opts` say, and
/// keeps the connection metrics (`crate::metrics`) current.
pub async fn connect(opts: &ClusterOptions, name: &str) -> Result<async_nats::Client> {
    let urls: Vec<async_nats::ServerAddr> = opts
        .nats_url
        .split(',')
        .map(|u| u.trim().parse::<async_nats::ServerAddr>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| CoreError::Bus(format!("bad nats url: {e}")))?;
    let mut options = async_nats::ConnectOptions::new();
    if let (Some(user), Some(password)) = (&opts.nats_user, &opts.nats_password) {
        options = options.user_and_password(user.clone(), password.clone());
    }
    if let Some(token) = &opts.nats_token {
        options = options.token(token.clone());
    }
    if let Some(path) = &opts.nats_credentials_file {
        options = options
            .credentials_file(path)
            .await
            .map_err(|e| CoreError::Bus(format!("reading cluster.nats_credentials_file {path}: {e}")))?;
    }
    if opts.nats_requires_tls() {
        options = options.require_tls(true);
    }
    if let Some(ca) = &opts.nats_tls_ca_file {
        options = options.add_root_certificates(ca.into());
    }
    if let (Some(cert), Some(key)) = (&opts.nats_tls_cert_file, &opts.nats_tls_key_file) {
        options = options.add_client_certificate(cert.into(), key.into());
    }
    let client = options
        .name(name)
        .subscription_capacity(opts.subscription_capacity)
        .retry_on_initial_connect()
        .event_callback(|event| async move {
            crate::metrics::nats_event(&event);
            tracing::info!(event = %event, "nats connection event");
        })
        .connect(urls)
        .await
        .map_err(|e| CoreError::Bus(format!("connecting to nats: {e}")))?;
    crate::metrics::nats_state(&client);
    Ok(client)
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

    async fn subscribe_raw(&self, subject: String) -> Result<async_nats::Subscriber> {
        let sub = self
            .client
            .subscribe(subject)
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))?;
        // Make sure the server has the subscription before the caller relies
        // on it (a join is answered only once events will arrive).
        self.client.flush().await.map_err(|e| CoreError::Bus(e.to_string()))?;
        Ok(sub)
    }
}

struct SignalSubscription(async_nats::Subscriber);

#[async_trait]
impl SubscriptionSource<Bytes> for SignalSubscription {
    async fn next(&mut self) -> Option<Bytes> {
        self.0.next().await.map(|m| m.payload)
    }
}

struct RoomSubscription(async_nats::Subscriber);

#[async_trait]
impl SubscriptionSource<RoomEvent> for RoomSubscription {
    async fn next(&mut self) -> Option<RoomEvent> {
        loop {
            let msg = self.0.next().await?;
            match decode_room_event(msg.payload) {
                Ok(ev) => return Some(ev),
                // Only Roomcast publishes here; a foreign payload is skipped.
                Err(e) => tracing::warn!(subject = %msg.subject, error = %e, "undecodable room event skipped"),
            }
        }
    }
}

#[async_trait]
impl Bus for NatsBus {
    async fn publish_event(&self, app: AppId, room: &str, event: RoomEvent) -> Result<()> {
        self.client
            .publish(subject::room(app, room), encode_room_event(room, &event))
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))
    }

    async fn subscribe_room(&self, app: AppId, room: &str) -> Result<Subscription<RoomEvent>> {
        let sub = self.subscribe_raw(subject::room(app, room)).await?;
        Ok(Subscription::new(RoomSubscription(sub)))
    }

    async fn publish(&self, subject: &str, payload: Bytes) -> Result<()> {
        self.client
            .publish(subject.to_string(), payload)
            .await
            .map_err(|e| CoreError::Bus(e.to_string()))
    }

    async fn subscribe(&self, subject: &str) -> Result<Subscription<Bytes>> {
        let sub = self.subscribe_raw(subject.to_string()).await?;
        Ok(Subscription::new(SignalSubscription(sub)))
    }
}
