//! Metric names of the REST API, in one place, described once.

pub const REQUESTS: &str = "roomcast_rest_requests_total";

/// Outcomes (`REQUESTS`' `result` label), present at zero from start-up.
pub const RESULTS: [&str; 4] = ["ok", "auth", "rate_limited", "error"];

pub fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "REST API calls answered, by result: ok, auth (refused before the command ran), rate_limited, error"
    );
    for r in RESULTS {
        metrics::counter!(REQUESTS, "result" => r).increment(0);
    }
}

pub fn count(result: &'static str) {
    metrics::counter!(REQUESTS, "result" => result).increment(1);
}
