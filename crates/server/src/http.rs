//! Operations endpoints served beside the gateway's `/ws`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use roomcast_gateway::Gateway;

#[derive(Clone)]
struct Ops {
    gateway: Gateway,
    prometheus: PrometheusHandle,
}

pub fn ops_router(gateway: Gateway, prometheus: PrometheusHandle) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops { gateway, prometheus })
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if ops.gateway.is_draining() {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ready")
    }
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        ops.prometheus.render(),
    )
}
