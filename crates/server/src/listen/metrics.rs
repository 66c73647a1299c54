//! The listeners' metric names, described once.

/// Connections accepted; label `listener` (`http`, `grpc`, `ops`).
pub const ACCEPTED: &str = "roomcast_listener_connections_total";
/// Connections not yet upgraded (gRPC: before the HTTP/2 preface); `listener`.
pub const PENDING: &str = "roomcast_listener_pending_connections";
/// Connections closed before they were served; labels `listener`, `reason`
/// (`timeout`, `evicted`, `proxy_header`, `tls_handshake`).
pub const REFUSED: &str = "roomcast_listener_refused_total";
/// TLS certificate reloads; label `result` (`ok`, `error`).
pub const TLS_RELOADS: &str = "roomcast_tls_reloads_total";

pub const LISTENERS: [&str; 4] = ["http", "grpc", "ops", "rest"];
pub const REASONS: [&str; 4] = ["timeout", "evicted", "proxy_header", "tls_handshake"];

/// Describes the listener metrics and registers every series at zero.
pub fn describe() {
    metrics::describe_counter!(ACCEPTED, "connections accepted, by listener");
    metrics::describe_gauge!(
        PENDING,
        "connections not yet upgraded (gRPC: before the HTTP/2 preface), by listener"
    );
    metrics::describe_counter!(
        REFUSED,
        "connections closed before being served, by listener and reason"
    );
    metrics::describe_counter!(TLS_RELOADS, "TLS certificate reloads, by result");
    for l in LISTENERS {
        metrics::counter!(ACCEPTED, "listener" => l).absolute(0);
        metrics::gauge!(PENDING, "listener" => l).set(0.0);
        for r in REASONS {
            metrics::counter!(REFUSED, "listener" => l, "reason" => r).absolute(0);
        }
    }
    for r in ["ok", "error"] {
        metrics::counter!(TLS_RELOADS, "result" => r).absolute(0);
    }
}

pub(crate) fn refused(listener: &'static str, reason: &'static str) {
    metrics::counter!(REFUSED, "listener" => listener, "reason" => reason).increment(1);
}
