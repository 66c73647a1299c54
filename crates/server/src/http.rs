//! Operations endpoints: `/healthz`, `/readyz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use roomcast_cluster::DependencyHealth;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Whether the process accepts new work: `Err` says why not (`draining`
/// from the shutdown signal on, or a dependency that is unreachable).
pub type Readiness = Arc<dyn Fn() -> Result<(), &'static str> + Send + Sync>;

/// Ready until `shutdown` is cancelled, while `deps` (if any) can reach
/// NATS and Redis.
pub fn ready_until(shutdown: &CancellationToken, deps: Option<DependencyHealth>) -> Readiness {
    let s = shutdown.clone();
    Arc::new(move || {
        if s.is_cancelled() {
            return Err("draining");
        }
        deps.as_ref().map_or(Ok(()), DependencyHealth::ready)
    })
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
    match (ops.ready)() {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        ops.prometheus.render(),
    )
}
