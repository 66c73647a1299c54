//! Metric names of screening, described once at start-up.

/// Moderation hits, by category and action.
pub const MODERATION_HITS: &str = "roomcast_moderation_hits_total";

/// Messages waiting for a screening thread (at most
/// `moderation.queue_capacity`; past it, sends fail with a retryable 10002).
pub const MODERATION_QUEUE_DEPTH: &str = "roomcast_moderation_queue_depth";

/// Registers the descriptions of this crate's metrics.
pub fn describe_metrics() {
    metrics::describe_counter!(MODERATION_HITS, "moderation hits, by category and action");
    metrics::describe_gauge!(
        MODERATION_QUEUE_DEPTH,
        "messages waiting for a screening thread (full at moderation.queue_capacity)"
    );
    metrics::gauge!(MODERATION_QUEUE_DEPTH).increment(0.0);
    for category in crate::Category::ALL {
        for action in [crate::Action::Block, crate::Action::Mask, crate::Action::Flag] {
            metrics::counter!(MODERATION_HITS, "category" => category.as_str(), "action" => action.as_str())
                .absolute(0);
        }
    }
}
