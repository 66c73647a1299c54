//! Serving pieces shared by every mode: the HTTP server (WebSocket and
//! operations endpoints), the gRPC server (admin API, health, reflection)
//! and an orderly stop.

use crate::config::ServerOptions;
use crate::error::ServerError;
use crate::listen::{ListenOptions, Tls};
use axum::Router;
use roomcast_control::{AdminService, Guard, InternalService, ModerationService};
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::rooms::Rooms;
use roomcast_moderation::service::Lists;
use roomcast_proto::internal::v1::room_control_service_server::RoomControlServiceServer;
use roomcast_proto::v1::moderation_admin_service_server::ModerationAdminServiceServer;
use roomcast_proto::v1::room_admin_service_server::RoomAdminServiceServer;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::server::NamedService;
use tonic_health::ServingStatus;

pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// The address a bound listener listens on.
pub(crate) fn addr_of(listener: &TcpListener) -> SocketAddr {
    listener.local_addr().expect("bound listener has an address")
}

pub(crate) type ServerTask = JoinHandle<Result<(), String>>;

/// Serves `router` on `listener` through our accept loop until `stop`.
pub(crate) fn spawn_http(
    listener: TcpListener,
    router: Router,
    opts: ListenOptions,
    stop: CancellationToken,
) -> ServerTask {
    crate::listen::serve_http(listener, router, opts, stop)
}

/// Binds `server.ops_addr` if it is set.
pub(crate) async fn bind_ops(server: &ServerOptions) -> Result<Option<TcpListener>, ServerError> {
    match server.ops_addr {
        Some(addr) => Ok(Some(bind(addr).await?)),
        None => Ok(None),
    }
}

/// TLS for the public listeners, if configured, reloading its files until
/// `stop`.
pub(crate) fn tls(server: &ServerOptions, stop: &CancellationToken) -> Result<Option<Tls>, ServerError> {
    let Some(opts) = &server.tls else {
        return Ok(None);
    };
    let tls = Tls::new(opts).map_err(|e| ServerError::Config(format!("server.tls: {e}")))?;
    tls.spawn_reload(stop.clone());
    Ok(Some(tls))
}

/// The public HTTP listener's options: TLS (HTTP/1.1) if configured.
pub(crate) fn http_options(server: &ServerOptions, tls: Option<&Tls>) -> ListenOptions {
    ListenOptions::new("http", server).with_tls(tls.map(|t| t.acceptor(b"http/1.1")))
}

/// Serves the operations endpoints on their own listener (plain HTTP).
pub(crate) fn spawn_ops(
    listener: TcpListener,
    ops: Router,
    server: &ServerOptions,
    stop: CancellationToken,
) -> ServerTask {
    spawn_http(listener, ops, ListenOptions::new("ops", server), stop)
}

/// The REST API's listener, unless `rest.enabled` is off.
pub(crate) async fn bind_rest(opts: &roomcast_rest::RestOptions) -> Result<Option<TcpListener>, ServerError> {
    if !opts.enabled {
        return Ok(None);
    }
    bind(opts.addr).await.map(Some)
}

/// Serves Tencent's REST API over `rooms` and `submitter` until `stop`.
/// Through the same accept loop as the other listeners (header-read
/// deadline, pending cap) and, when configured, the same TLS certificate.
pub(crate) fn spawn_rest(
    listener: TcpListener,
    opts: &roomcast_rest::RestOptions,
    server: &ServerOptions,
    tls: Option<&Tls>,
    rooms: Rooms,
    submitter: Arc<dyn MessageSubmitter>,
    stop: CancellationToken,
) -> ServerTask {
    let api = roomcast_rest::RestApi::new(opts.clone(), rooms, submitter);
    let listen = ListenOptions::new("rest", server).with_tls(tls.map(|t| t.acceptor(b"http/1.1")));
    spawn_http(listener, api.router(), listen, stop)
}

/// What the gRPC port serves.
pub(crate) struct AdminApi {
    pub rooms: Rooms,
    /// Takes `SendMessage` calls: the room service itself in standalone
    /// mode, the moderator pool in cluster mode.
    pub submitter: Arc<dyn MessageSubmitter>,
    pub lists: Lists,
    /// The internal room-control service (cluster mode only).
    pub internal: Option<InternalService>,
}

/// The services the gRPC health service reports on: the overall server
/// (`""`), the admin services and, in cluster mode, the internal
/// room-control service.
fn health_services(internal: bool) -> Vec<&'static str> {
    let mut names = vec![
        "",
        RoomAdminServiceServer::<AdminService>::NAME,
        ModerationAdminServiceServer::<ModerationService>::NAME,
    ];
    if internal {
        names.push(RoomControlServiceServer::<InternalService>::NAME);
    }
    names
}

/// gRPC reflection over the public Roomcast protos, the health service and
/// reflection itself. It is served in both protocol versions,
/// `grpc.reflection.v1` and the older `grpc.reflection.v1alpha` that many
/// tools still ask for, and both list the same services.
fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .include_reflection_service(false)
        .register_encoded_file_descriptor_set(roomcast_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
}

/// Serves the admin API with gRPC health and reflection until `stop`.
/// Health turns NOT_SERVING, for the server and every service, as soon as
/// `draining` is cancelled.
pub(crate) async fn spawn_grpc(
    listener: TcpListener,
    api: AdminApi,
    server: &ServerOptions,
    tls: Option<&Tls>,
    draining: CancellationToken,
    stop: CancellationToken,
) -> Result<ServerTask, ServerError> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let services = health_services(api.internal.is_some());
    for name in &services {
        health_reporter.set_service_status(*name, ServingStatus::Serving).await;
    }
    tokio::spawn(async move {
        draining.cancelled().await;
        for name in services {
            health_reporter
                .set_service_status(name, ServingStatus::NotServing)
                .await;
        }
    });
    let reflection_err = |e: tonic_reflection::server::Error| ServerError::Serve(e.to_string());
    let reflection_v1 = reflection_builder().build_v1().map_err(reflection_err)?;
    let reflection_v1alpha = reflection_builder().build_v1alpha().map_err(reflection_err)?;
    let limits = &server.grpc;
    let guard = Guard::new(
        api.rooms.apps().clone(),
        limits.max_concurrent_calls,
        Duration::from_millis(limits.broadcast_interval_ms),
    );
    let moderation = guard.admin(
        ModerationService::new(api.rooms.apps().clone(), api.lists)
            .into_server()
            .max_decoding_message_size(limits.max_import_message_bytes),
    );
    let admin = guard.admin(
        AdminService::new(api.rooms, api.submitter)
            .into_server()
            .max_decoding_message_size(limits.max_message_bytes),
    );
    let internal = api
        .internal
        .map(|i| guard.limit(i.into_server().max_decoding_message_size(limits.max_message_bytes)));
    let opts = ListenOptions::new("grpc", server).with_tls(tls.map(|t| t.acceptor(b"h2")));
    let per_connection = limits.max_concurrent_calls_per_connection;
    let incoming = crate::listen::grpc_incoming(listener, opts, stop.clone());
    Ok(tokio::spawn(async move {
        tonic::transport::Server::builder()
            .max_concurrent_streams(per_connection)
            .concurrency_limit_per_connection(per_connection as usize)
            // Connections whose peer vanished without a FIN are noticed.
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(admin)
            .add_service(moderation)
            .add_optional_service(internal)
            .serve_with_incoming_shutdown(incoming, async move { stop.cancelled().await })
            .await
            .map_err(|e| e.to_string())
    }))
}

/// A token cancelled `delay_ms` after `shutdown` is: what a process stops
/// accepting work on, once load balancers have had time to drop it.
pub(crate) fn after_delay(shutdown: &CancellationToken, delay_ms: u64) -> CancellationToken {
    if delay_ms == 0 {
        return shutdown.clone();
    }
    let later = CancellationToken::new();
    let (s, l) = (shutdown.clone(), later.clone());
    tokio::spawn(async move {
        s.cancelled().await;
        tracing::info!(
            delay_ms,
            "not ready; still serving until load balancers drop this process"
        );
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        l.cancel();
    });
    later
}

/// Waits for the servers to finish; a stuck connection cannot hold the exit.
pub(crate) async fn wait_stopped(tasks: Vec<ServerTask>) {
    let all = async {
        for t in tasks {
            match t.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "server ended with an error"),
                Err(e) => tracing::warn!(error = %e, "server task failed"),
                Ok(Ok(())) => {}
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(5), all).await.is_err() {
        tracing::warn!("servers did not stop within 5s; exiting anyway");
    }
}
