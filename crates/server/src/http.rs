//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Whether the process accepts new work (false while draining).
pub type Readiness = Arc<dyn Fn() -> bool + Send + Sync>;

/// Ready until `shutdown` is cancelled.
pub fn ready_until(shutdown: &tokio_util::sync::CancellationToken) -> Readiness {
    let s = shutdown.clone();
    Arc::new(move || !s.is_cancelled())
}

#[derive(Clone)]
struct Ops {
    ready: Readiness,
    prometheus: PrometheusHandle,
}

pub fn ops_router(ready: Readiness, prometheus: PrometheusHandle) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops { ready, prometheus })
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if (ops.ready)() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    }
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        ops.prometheus.render(),
    )
}
