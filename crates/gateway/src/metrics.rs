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
pub const INCOMING_BUFFER_BYTES: &str = "roomcast_incoming_buffer_bytes";
pub const LIMIT_REFUSALS: &str = "roomcast_limit_refusals_total";
pub const LIMIT_DISCONNECTS: &str = "roomcast_limit_disconnects_total";
pub const LOGIN_FAILURES: &str = "roomcast_login_failures_total";

/// `limit` labels of `LIMIT_REFUSALS`.
pub const REFUSED_LIMITS: [&str; 7] = [
    "request_rate",
    "join_quit",
    "online_members",
    "login_lockout",
    "connections_per_ip",
    "connect_rate_per_ip",
    "incoming_budget",
];
/// `reason` labels of `LIMIT_DISCONNECTS`.
pub const DISCONNECT_REASONS: [&str; 4] = ["message_timeout", "incoming_budget", "login_timeout", "request_abuse"];

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
    describe_gauge!(
        INCOMING_BUFFER_BYTES,
        Unit::Bytes,
        "bytes held in connections' incoming buffers beyond their resting read buffer (capped by gateway.limits.incoming_budget_bytes)"
    );
    describe_counter!(
        LIMIT_REFUSALS,
        "requests or connections refused by an abuse limit, by limit"
    );
    describe_counter!(LIMIT_DISCONNECTS, "connections closed by an abuse limit, by reason");
    describe_counter!(
        LOGIN_FAILURES,
        "logins refused for a bad, expired or unacceptable userSig"
    );
    metrics::gauge!(INCOMING_BUFFER_BYTES).set(0.0);
    for limit in REFUSED_LIMITS {
        metrics::counter!(LIMIT_REFUSALS, "limit" => limit).absolute(0);
    }
    for reason in DISCONNECT_REASONS {
        metrics::counter!(LIMIT_DISCONNECTS, "reason" => reason).absolute(0);
    }
    metrics::counter!(LOGIN_FAILURES).absolute(0);
    metrics::counter!(MESSAGES_DROPPED, "reason" => "slow_consumer").absolute(0);
}
