//! Standalone mode: gateway, room control and moderation in one process over
//! the in-process bus and in-memory store.

use crate::config::Config;
use crate::error::ServerError;
use crate::http::ops_router;
use crate::telemetry;
use roomcast_control::AdminService;
use roomcast_core::apps::Apps;
use roomcast_core::bus::MemoryBus;
use roomcast_core::freq::MemorySequencer;
use roomcast_core::idempotency::MemoryIdempotency;
use roomcast_core::presence::MemoryPresence;
use roomcast_core::rooms::{Rooms, RoomsDeps};
use roomcast_core::store::MemoryStore;
use roomcast_gateway::Gateway;
use roomcast_moderation::Screener;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A built standalone server: listeners are bound, nothing runs until `run`.
pub struct Standalone {
    rooms: Rooms,
    gateway: Gateway,
    screener: Screener,
    http: TcpListener,
    grpc: TcpListener,
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

impl Standalone {
    pub async fn build(config: Config) -> Result<Self, ServerError> {
        config.validate()?;
        let screener = Screener::build(&config.moderation)?;
        let rooms = Rooms::new(
            config.rooms.clone(),
            RoomsDeps {
                apps: Apps::new(config.apps.clone()),
                store: Arc::new(MemoryStore::new()),
                presence: Arc::new(MemoryPresence::new()),
                sequencer: Arc::new(MemorySequencer::new(config.rooms.frequency)),
                bus: Arc::new(MemoryBus::new(config.bus.subscription_capacity)),
                idempotency: Arc::new(MemoryIdempotency::new(config.rooms.idempotency_max_entries)),
                screener: screener.clone(),
            },
        );
        let gateway = Gateway::build(config.gateway.clone(), rooms.clone(), Arc::new(rooms.clone()))
            .map_err(ServerError::Config)?;
        let http = bind(config.server.http_addr).await?;
        let grpc = bind(config.server.grpc_addr).await?;
        Ok(Self {
            rooms,
            gateway,
            screener,
            http,
            grpc,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http.local_addr().expect("bound listener has an address")
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc.local_addr().expect("bound listener has an address")
    }

    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// Serves until `shutdown` is cancelled, then drains the gateway and stops.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), ServerError> {
        let Standalone {
            rooms,
            gateway,
            screener,
            http,
            grpc,
        } = self;
        let prometheus = telemetry::prometheus();
        let drained = CancellationToken::new();

        let router = gateway.router().merge(ops_router(gateway.clone(), prometheus));
        let http_stop = drained.clone();
        let http_task = tokio::spawn(async move {
            axum::serve(http, router.into_make_service())
                .with_graceful_shutdown(async move { http_stop.cancelled().await })
                .await
        });

        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        health_reporter
            .set_serving::<roomcast_proto::v1::room_admin_server::RoomAdminServer<AdminService>>()
            .await;
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(roomcast_proto::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|e| ServerError::Serve(e.to_string()))?;
        let admin = AdminService::new(rooms.clone(), Arc::new(rooms.clone())).into_server();
        let grpc_stop = drained.clone();
        let grpc_task = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(health_service)
                .add_service(reflection)
                .add_service(admin)
                .serve_with_incoming_shutdown(tonic::transport::server::TcpIncoming::from(grpc), async move {
                    grpc_stop.cancelled().await
                })
                .await
        });

        tracing::info!("standalone server running");
        // Report NOT_SERVING as soon as draining starts, like /readyz.
        let health_shutdown = shutdown.clone();
        tokio::spawn(async move {
            health_shutdown.cancelled().await;
            health_reporter
                .set_not_serving::<roomcast_proto::v1::room_admin_server::RoomAdminServer<AdminService>>()
                .await;
        });
        gateway.run(shutdown.clone()).await;
        drained.cancel();
        // Servers wait for open connections; don't let a stuck one hold the exit.
        let stopped = async {
            let h = http_task.await;
            let g = grpc_task.await;
            (h, g)
        };
        match tokio::time::timeout(Duration::from_secs(5), stopped).await {
            Ok((h, g)) => {
                if let Ok(Err(e)) = h {
                    tracing::warn!(error = %e, "http server ended with an error");
                }
                if let Ok(Err(e)) = g {
                    tracing::warn!(error = %e, "grpc server ended with an error");
                }
            }
            Err(_) => tracing::warn!("servers did not stop within 5s; exiting anyway"),
        }
        let _ = tokio::task::spawn_blocking(move || screener.shutdown()).await;
        tracing::info!("standalone server stopped");
        Ok(())
    }
}
