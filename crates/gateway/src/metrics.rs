//! Metric names of the gateway, in one place, described once at start-up.

pub use roomcast_core::metrics::MESSAGES_DROPPED;

pub const CONNECTIONS: &str = "roomcast_connections";
pub const CONNECTIONS_TOTAL: &str = "roomcast_connections_total";
pub const ROOMS_LOCAL: &str = "roomcast_local_rooms";
pub const MESSAGES_DELIVERED: &str = "roomcast_messages_delivered_total";
pub const FANOUT_SECONDS: &str = "roomcast_fanout_seconds";
pub const FANOUT_WRITES: &str = "roomcast_fanout_writes_total";
pub const SLOW_DISCONNECTS: &str = "roomcast_slow_consumer_disconnects_total";
pub const GAP_EVENTS_RECOVERED: &str = "roomcast_gap_events_recovered_total";

/// Registers descriptions once at start-up.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(CONNECTIONS, "open client WebSocket connections");
    describe_counter!(CONNECTIONS_TOTAL, "client WebSocket connections accepted");
    describe_gauge!(ROOMS_LOCAL, "rooms with at least one member on this gateway");
    describe_counter!(
        MESSAGES_DELIVERED,
        "room events handed to member connections (written or queued), per member"
    );
    describe_histogram!(
        FANOUT_SECONDS,
        Unit::Seconds,
        "time to hand one delivery round (the events gathered) to the local members"
    );
    describe_counter!(
        FANOUT_WRITES,
        "room push frames handed to members, by path (direct: into the socket; queued: behind earlier data)"
    );
    describe_counter!(
        SLOW_DISCONNECTS,
        "connections closed because their send queue overflowed"
    );
    metrics::gauge!(CONNECTIONS).set(0.0);
    metrics::counter!(CONNECTIONS_TOTAL).absolute(0);
    metrics::gauge!(ROOMS_LOCAL).set(0.0);
    metrics::counter!(MESSAGES_DELIVERED).absolute(0);
    for path in ["direct", "queued"] {
        metrics::counter!(FANOUT_WRITES, "path" => path).absolute(0);
    }
    metrics::counter!(SLOW_DISCONNECTS).absolute(0);
    describe_counter!(
        GAP_EVENTS_RECOVERED,
        "room events this gateway missed on the bus and fetched from the room's history"
    );
    metrics::counter!(GAP_EVENTS_RECOVERED).absolute(0);
    metrics::counter!(MESSAGES_DROPPED, "reason" => "slow_consumer").absolute(0);
}
