//! Logging and the Prometheus recorder.

use crate::config::{LogFormat, LogOptions};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Installs the global tracing subscriber (binaries only).
pub fn init_tracing(opts: &LogOptions) {
    let filter = EnvFilter::try_new(&opts.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true);
    let _ = match opts.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// Always 1; its `version` label is the running build's.
pub const BUILD_INFO: &str = "roomcast_build_info";

/// The process-wide Prometheus recorder, installed on first use (a process
/// can host several servers in tests; they share one recorder).
pub fn prometheus() -> PrometheusHandle {
    PROMETHEUS
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets(&[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0])
                .and_then(|b| b.install_recorder())
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle());
            roomcast_core::metrics::describe();
            roomcast_gateway::metrics::describe();
            roomcast_moderation::service::describe_metrics();
            crate::listen::metrics::describe();
            metrics::describe_gauge!(BUILD_INFO, "always 1; labels: version of the running build");
            metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}
