//! Metric names of screening, described once at start-up.

/// Moderation hits, by category and action.
pub const MODERATION_HITS: &str = "roomcast_moderation_hits_total";

/// Registers the descriptions of this crate's metrics.
pub fn describe_metrics() {
    metrics::describe_counter!(MODERATION_HITS, "moderation hits, by category and action");
}
