//! Metric names of the cluster adapters (NATS and Redis connections), in
//! one place, described once at start-up by the cluster roles.

/// 1 while the NATS connection is up, 0 otherwise.
pub const NATS_CONNECTED: &str = "roomcast_nats_connected";
/// NATS connection events: `connected`, `disconnected`, `lame_duck`,
/// `slow_consumer`, `server_error`, `client_error`.
pub const NATS_EVENTS: &str = "roomcast_nats_events_total";
/// 1 while the last Redis health check (PING) succeeded, 0 otherwise.
pub const REDIS_CONNECTED: &str = "roomcast_redis_connected";
/// Failed Redis calls of the adapters (and failed health checks).
pub const REDIS_ERRORS: &str = "roomcast_redis_errors_total";

/// The `event` labels of [`NATS_EVENTS`].
pub const NATS_EVENT_KINDS: [&str; 6] = [
    "connected",
    "disconnected",
    "lame_duck",
    "slow_consumer",
    "server_error",
    "client_error",
];

/// Registers descriptions, and every series at its start-up value.
pub fn describe() {
    use metrics::{describe_counter, describe_gauge};
    describe_gauge!(NATS_CONNECTED, "1 while the NATS connection is up");
    describe_counter!(
        NATS_EVENTS,
        "NATS connection events, by event (connected, disconnected, lame_duck, slow_consumer, server_error, client_error)"
    );
    describe_gauge!(REDIS_CONNECTED, "1 while Redis answers the health check (PING)");
    describe_counter!(REDIS_ERRORS, "failed Redis calls (commands, scripts, health checks)");
    metrics::gauge!(NATS_CONNECTED).set(0.0);
    for kind in NATS_EVENT_KINDS {
        metrics::counter!(NATS_EVENTS, "event" => kind).absolute(0);
    }
    metrics::gauge!(REDIS_CONNECTED).set(0.0);
    metrics::counter!(REDIS_ERRORS).absolute(0);
}

pub(crate) fn nats_event(event: &async_nats::Event) {
    use async_nats::Event;
    let kind = match event {
        Event::Connected => "connected",
        Event::Disconnected => "disconnected",
        Event::LameDuckMode => "lame_duck",
        Event::SlowConsumer(_) => "slow_consumer",
        Event::ServerError(_) => "server_error",
        Event::ClientError(_) => "client_error",
        Event::Draining | Event::Closed => return metrics::gauge!(NATS_CONNECTED).set(0.0),
    };
    match event {
        Event::Connected => metrics::gauge!(NATS_CONNECTED).set(1.0),
        Event::Disconnected => metrics::gauge!(NATS_CONNECTED).set(0.0),
        _ => {}
    }
    metrics::counter!(NATS_EVENTS, "event" => kind).increment(1);
}

/// Sets [`NATS_CONNECTED`] from the client's current state.
pub fn nats_state(client: &async_nats::Client) -> bool {
    let up = client.connection_state() == async_nats::connection::State::Connected;
    metrics::gauge!(NATS_CONNECTED).set(if up { 1.0 } else { 0.0 });
    up
}

/// Records the outcome of a Redis health check.
pub fn redis_state(up: bool) {
    metrics::gauge!(REDIS_CONNECTED).set(if up { 1.0 } else { 0.0 });
    if !up {
        metrics::counter!(REDIS_ERRORS).increment(1);
    }
}

pub(crate) fn redis_error() {
    metrics::counter!(REDIS_ERRORS).increment(1);
}
