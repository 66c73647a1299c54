//! Metric names of screening, described once at start-up.

/// Moderation hits, by category and action.
pub const MODERATION_HITS: &str = "roomcast_moderation_hits_total";

/// Registers the descriptions of this crate's metrics.
pub fn describe_metrics() {
    metrics::describe_counter!(MODERATION_HITS, "moderation hits, by category and action");
    for category in crate::Category::ALL {
        for action in [crate::Action::Block, crate::Action::Mask, crate::Action::Flag] {
            metrics::counter!(MODERATION_HITS, "category" => category.as_str(), "action" => action.as_str())
                .absolute(0);
        }
    }
}
