//! Standalone mode: gateway, room control and moderation in one process
//! over the in-process bus and in-memory adapters.

use super::screening::Screening;
use crate::config::ValidConfig;
use crate::demo;
use crate::error::ServerError;
use crate::http::{ops_router, ready_until};
use crate::serve::{AdminApi, addr_of, after_delay, bind, spawn_grpc, spawn_http, wait_stopped};
use crate::telemetry;
use roomcast_core::apps::Apps;
use roomcast_core::memory::{
    MemoryAttributes, MemoryBus, MemoryCallbacks, MemoryCounters, MemoryHistory, MemoryIdempotency, MemoryPresence,
    MemorySequencer, MemoryStore,
};
use roomcast_core::ports::bus::Bus;
use roomcast_core::rooms::{Rooms, RoomsDeps};
use roomcast_gateway::Gateway;
use roomcast_moderation::service::{MemoryModerationStore, ModerationStore};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A built standalone server: listeners are bound, nothing runs until `run`.
pub struct Standalone {
    config: ValidConfig,
    rooms: Rooms,
    gateway: Gateway,
    screening: Screening,
    callbacks: MemoryCallbacks,
    http: TcpListener,
    grpc: TcpListener,
}

impl Standalone {
    pub async fn build(config: ValidConfig) -> Result<Self, ServerError> {
        let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new(config.bus.subscription_capacity));
        let moderation_store: Arc<dyn ModerationStore> = Arc::new(MemoryModerationStore::default());
        let screening = Screening::build(&config, moderation_store, bus.clone())?;
        let apps = Apps::new(config.apps.clone());
        let callbacks = MemoryCallbacks::new(&apps);
        let rooms = Rooms::new(
            config.rooms.clone(),
            RoomsDeps {
                apps,
                store: Arc::new(MemoryStore::new()),
                presence: Arc::new(MemoryPresence::new()),
                sequencer: Arc::new(MemorySequencer::new(config.rooms.frequency)),
                bus,
                history: Arc::new(MemoryHistory::new(config.rooms.history)),
                counters: Arc::new(MemoryCounters::new()),
                attributes: Arc::new(MemoryAttributes::new()),
                idempotency: Some(Arc::new(MemoryIdempotency::new(config.rooms.idempotency_max_entries))),
                screen: Some(screening.screen.clone()),
                hook: Some(Arc::new(roomcast_hooks::HttpHook::new())),
                callbacks: Some(Arc::new(callbacks.clone())),
            },
        );
        // One process: messages and room-state changes go straight to the rules.
        let gateway = Gateway::build(
            config.gateway.clone(),
            rooms.clone(),
            Arc::new(rooms.clone()),
            Arc::new(rooms.clone()),
        );
        demo::create_dev_room(&config, &rooms).await;
        let http = bind(config.server.http_addr).await?;
        let grpc = bind(config.server.grpc_addr).await?;
        Ok(Self {
            config,
            rooms,
            gateway,
            screening,
            callbacks,
            http,
            grpc,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        addr_of(&self.http)
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        addr_of(&self.grpc)
    }

    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// Serves until `shutdown` is cancelled, then drains the gateway and stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Standalone {
            config,
            rooms,
            gateway,
            screening,
            callbacks,
            http,
            grpc,
        } = self;
        let stop = CancellationToken::new();
        let router = gateway
            .router()
            .merge(ops_router(ready_until(&shutdown, None), telemetry::prometheus()))
            .merge(demo::router(&config, demo::Role::Standalone));
        demo::announce(&config, demo::Role::Standalone, addr_of(&http));
        let http_task = spawn_http(http, router, stop.clone());
        let api = AdminApi {
            rooms: rooms.clone(),
            submitter: Arc::new(rooms.clone()),
            lists: screening.lists.clone(),
            internal: None,
        };
        let grpc_task = spawn_grpc(grpc, api, shutdown.clone(), stop.clone()).await?;
        // The in-process counter aggregator: one push per changed room per interval.
        let counters = tokio::spawn(rooms.clone().run_counter_publisher());
        // Queued callbacks are delivered until the gateway has drained (the
        // last members' exits included), then given up with the process.
        let callbacks = tokio::spawn(callbacks.run(Arc::new(roomcast_hooks::HttpCallbacks::new()), stop.clone()));
        tracing::info!("standalone server running");
        gateway
            .run(after_delay(&shutdown, config.server.shutdown_delay_ms))
            .await;
        counters.abort();
        stop.cancel();
        wait_stopped(vec![http_task, grpc_task]).await;
        let _ = callbacks.await;
        screening.shutdown().await;
        tracing::info!("standalone server stopped");
        Ok(())
    }
}
