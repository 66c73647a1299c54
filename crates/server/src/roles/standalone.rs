//! Standalone mode: gateway, room control and moderation in one process
//! over the in-process bus and in-memory adapters.

use super::screening::Screening;
use crate::config::ValidConfig;
use crate::demo;
use crate::error::ServerError;
use crate::http::{ops_router, ready_until};
use crate::serve::{
    AdminApi, addr_of, after_delay, bind, bind_ops, bind_rest, http_options, spawn_grpc, spawn_http, spawn_ops,
    spawn_rest, tls, wait_stopped,
};
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
    ops: Option<TcpListener>,
    rest: Option<TcpListener>,
}

impl Standalone {
    pub async fn build(config: ValidConfig) -> Result<Self, ServerError> {
        let bus: Arc<dyn Bus> = Arc::new(MemoryBus::new(config.bus.subscription_capacity));
        let moderation_store: Arc<dyn ModerationStore> = Arc::new(MemoryModerationStore::default());
        let screening = Screening::build(&config, moderation_store, bus.clone())?;
        let apps = Apps::new(config.apps.clone()).with_sig_policy(config.auth);
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
        let ops = bind_ops(&config.server).await?;
        let rest = bind_rest(&config.rest).await?;
        Ok(Self {
            config,
            rooms,
            gateway,
            screening,
            callbacks,
            http,
            grpc,
            ops,
            rest,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        addr_of(&self.http)
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        addr_of(&self.grpc)
    }

    /// The operations endpoints' own address, if `server.ops_addr` is set.
    pub fn ops_addr(&self) -> Option<SocketAddr> {
        self.ops.as_ref().map(addr_of)
    }

    /// The REST API's address, if it is served.
    pub fn rest_addr(&self) -> Option<SocketAddr> {
        self.rest.as_ref().map(addr_of)
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
            ops,
            rest,
        } = self;
        let stop = CancellationToken::new();
        let tls = tls(&config.server, &stop)?;
        let ops_routes = ops_router(ready_until(&shutdown, None), telemetry::prometheus());
        let mut router = gateway.router().merge(demo::router(&config, demo::Role::Standalone));
        let mut tasks = Vec::new();
        match ops {
            Some(listener) => tasks.push(spawn_ops(listener, ops_routes, &config.server, stop.clone())),
            None => router = router.merge(ops_routes),
        }
        demo::announce(&config, demo::Role::Standalone, addr_of(&http));
        let opts = http_options(&config.server, tls.as_ref()).with_capacity(gateway.capacity());
        tasks.push(spawn_http(http, router, opts, stop.clone()));
        let api = AdminApi {
            rooms: rooms.clone(),
            submitter: Arc::new(rooms.clone()),
            lists: screening.lists.clone(),
            internal: None,
        };
        tasks.push(spawn_grpc(grpc, api, &config.server, tls.as_ref(), shutdown.clone(), stop.clone()).await?);
        if let Some(listener) = rest {
            let submitter = Arc::new(rooms.clone());
            tasks.push(spawn_rest(
                listener,
                &config.rest,
                &config.server,
                tls.as_ref(),
                rooms.clone(),
                submitter,
                stop.clone(),
            ));
        }
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
        wait_stopped(tasks).await;
        let _ = callbacks.await;
        screening.shutdown().await;
        tracing::info!("standalone server stopped");
        Ok(())
    }
}
