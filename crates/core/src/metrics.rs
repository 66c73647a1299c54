//! Metric names, in one place, and their descriptions.

pub const CONNECTIONS: &str = "roomcast_connections";
pub const CONNECTIONS_TOTAL: &str = "roomcast_connections_total";
pub const ROOMS_LOCAL: &str = "roomcast_local_rooms";
pub const MESSAGES_IN: &str = "roomcast_messages_in_total";
pub const MESSAGES_DELIVERED: &str = "roomcast_messages_delivered_total";
pub const MESSAGES_REJECTED: &str = "roomcast_messages_rejected_total";
pub const MESSAGES_DROPPED: &str = "roomcast_messages_dropped_total";
pub const MODERATION_HITS: &str = "roomcast_moderation_hits_total";
pub const FANOUT_SECONDS: &str = "roomcast_fanout_seconds";
pub const FANOUT_WRITES: &str = "roomcast_fanout_writes_total";
pub const BUS_DROPPED: &str = "roomcast_bus_dropped_total";
pub const SLOW_DISCONNECTS: &str = "roomcast_slow_consumer_disconnects_total";
pub const PUBLISHED: &str = "roomcast_room_events_published_total";
pub const HOOK_FAILURES: &str = "roomcast_before_send_hook_failures_total";

/// Registers descriptions once at start-up.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(CONNECTIONS, "open client WebSocket connections");
    describe_counter!(CONNECTIONS_TOTAL, "client WebSocket connections accepted");
    describe_gauge!(ROOMS_LOCAL, "rooms with at least one member on this gateway");
    describe_counter!(MESSAGES_IN, "user messages received for sending");
    describe_counter!(
        MESSAGES_DELIVERED,
        "room events handed to member connections (written or queued), per member"
    );
    describe_counter!(MESSAGES_REJECTED, "messages rejected before publication, by reason");
    describe_counter!(
        MESSAGES_DROPPED,
        "messages dropped, by reason (frequency_control, slow_consumer)"
    );
    describe_counter!(MODERATION_HITS, "moderation hits, by category and action");
    describe_histogram!(
        FANOUT_SECONDS,
        Unit::Seconds,
        "time to hand one delivery round (the events gathered) to the local members"
    );
    describe_counter!(
        FANOUT_WRITES,
        "room push frames handed to members, by path (direct: into the socket; queued: behind earlier data)"
    );
    describe_counter!(BUS_DROPPED, "bus payloads dropped because a subscriber queue was full");
    describe_counter!(
        SLOW_DISCONNECTS,
        "connections closed because their send queue overflowed"
    );
    describe_counter!(PUBLISHED, "room events published to the bus, by kind");
    describe_counter!(
        HOOK_FAILURES,
        "before-send hook calls that timed out or failed, by policy applied"
    );
}
