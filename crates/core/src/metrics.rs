//! Metric names of the room rules, in one place, described once at
//! start-up. Each crate keeps its own (the gateway's fan-out and connection
//! metrics live in roomcast-gateway, screening's in roomcast-moderation).

pub const MESSAGES_IN: &str = "roomcast_messages_in_total";
pub const MESSAGES_REJECTED: &str = "roomcast_messages_rejected_total";
pub const MESSAGES_DROPPED: &str = "roomcast_messages_dropped_total";
pub const BUS_DROPPED: &str = "roomcast_bus_dropped_total";
pub const PUBLISHED: &str = "roomcast_room_events_published_total";
pub const HOOK_FAILURES: &str = "roomcast_before_send_hook_failures_total";

/// Registers descriptions once at start-up.
pub fn describe() {
    use metrics::describe_counter;
    describe_counter!(MESSAGES_IN, "user messages received for sending");
    describe_counter!(MESSAGES_REJECTED, "messages rejected before publication, by code");
    describe_counter!(
        MESSAGES_DROPPED,
        "messages dropped, by reason (frequency_control, slow_consumer)"
    );
    describe_counter!(BUS_DROPPED, "bus payloads dropped because a subscriber queue was full");
    describe_counter!(PUBLISHED, "room events published to the bus, by kind");
    describe_counter!(
        HOOK_FAILURES,
        "before-send hook calls that timed out or failed, by policy applied"
    );
}
