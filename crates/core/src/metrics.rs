//! Metric names of the room rules, in one place, described once at
//! start-up. Each crate keeps its own (the gateway's fan-out and connection
//! metrics live in roomcast-gateway, screening's in roomcast-moderation).

pub const MESSAGES_IN: &str = "roomcast_messages_in_total";
pub const MESSAGES_REJECTED: &str = "roomcast_messages_rejected_total";
pub const MESSAGES_DROPPED: &str = "roomcast_messages_dropped_total";
pub const BUS_DROPPED: &str = "roomcast_bus_dropped_total";
pub const PUBLISHED: &str = "roomcast_room_events_published_total";
pub const HOOK_FAILURES: &str = "roomcast_before_send_hook_failures_total";
pub const COUNTER_OPS: &str = "roomcast_counter_ops_total";
pub const ATTRIBUTE_WRITES: &str = "roomcast_attribute_writes_total";
pub const MEMBER_TIPS_COALESCED: &str = "roomcast_member_tips_coalesced_total";
pub const CALLBACKS_DELIVERED: &str = "roomcast_callbacks_delivered_total";
pub const CALLBACKS_RETRIED: &str = "roomcast_callbacks_retried_total";
pub const CALLBACKS_FAILED: &str = "roomcast_callbacks_failed_total";
pub const CALLBACKS_DROPPED: &str = "roomcast_callbacks_dropped_total";

/// The codes a send is most often refused with, present at zero from
/// start-up so dashboards and alerts see the series before the first one.
pub const COMMON_REJECTION_CODES: [u32; 11] = [
    6014, 10002, 10004, 10007, 10010, 10016, 10017, 10023, 80001, 80002, 200_001,
];

/// Publication kinds (`PUBLISHED`'s `kind` label).
pub const PUBLISHED_KINDS: [&str; 7] = [
    "message",
    "tip",
    "notice",
    "kick",
    "dismissed",
    "counters",
    "attributes",
];

/// Registers descriptions once at start-up, and every series whose labels
/// are known in advance at zero, so a fresh process's `/metrics` already
/// lists them.
pub fn describe() {
    use metrics::describe_counter;
    describe_counter!(MESSAGES_IN, "user messages received for sending");
    describe_counter!(
        MESSAGES_REJECTED,
        "sends refused to their sender, by the code answered (frequency-control drops included, as 200001)"
    );
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
    describe_counter!(
        COUNTER_OPS,
        "group-counter changes applied, by op (increase, decrease, set, delete); one per request"
    );
    describe_counter!(
        ATTRIBUTE_WRITES,
        "group-attribute writes applied, by op (init, set, delete)"
    );
    describe_counter!(
        MEMBER_TIPS_COALESCED,
        "join/quit tips held back or merged because the same user's last tip in the room was under rooms.member_tip_interval_ms ago"
    );
    metrics::counter!(MEMBER_TIPS_COALESCED).absolute(0);
    describe_counter!(
        CALLBACKS_DELIVERED,
        "after-event callbacks the app server answered 2xx, by command"
    );
    describe_counter!(CALLBACKS_RETRIED, "after-event callback retries, by command");
    describe_counter!(
        CALLBACKS_FAILED,
        "after-event callbacks given up after their last attempt, by command"
    );
    describe_counter!(
        CALLBACKS_DROPPED,
        "after-event callbacks not queued because the app's queue was full (or unreachable), by command"
    );
    for command in crate::callbacks::CallbackCommand::ALL {
        for name in [
            CALLBACKS_DELIVERED,
            CALLBACKS_RETRIED,
            CALLBACKS_FAILED,
            CALLBACKS_DROPPED,
        ] {
            metrics::counter!(name, "command" => command.as_str()).absolute(0);
        }
    }
    metrics::counter!(MESSAGES_IN).absolute(0);
    for op in ["init", "set", "delete"] {
        metrics::counter!(ATTRIBUTE_WRITES, "op" => op).absolute(0);
    }
    for op in crate::apps::CounterOp::ALL {
        metrics::counter!(COUNTER_OPS, "op" => op.as_str()).absolute(0);
    }
    for code in COMMON_REJECTION_CODES {
        metrics::counter!(MESSAGES_REJECTED, "code" => code.to_string()).absolute(0);
    }
    for p in crate::model::Priority::ALL {
        metrics::counter!(MESSAGES_DROPPED, "reason" => "frequency_control", "priority" => p.as_str()).absolute(0);
    }
    metrics::counter!(BUS_DROPPED).absolute(0);
    for kind in PUBLISHED_KINDS {
        metrics::counter!(PUBLISHED, "kind" => kind).absolute(0);
    }
    for policy in ["fail_open", "fail_closed"] {
        metrics::counter!(HOOK_FAILURES, "policy" => policy).absolute(0);
    }
}

/// Counts a send refused to its sender, by the code it was answered with.
/// Counted where the answer is given (the gateway, the admin API), once per
/// refusal, whichever process decided it.
pub fn count_rejection(code: u32) {
    metrics::counter!(MESSAGES_REJECTED, "code" => code.to_string()).increment(1);
}
