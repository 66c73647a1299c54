//! One connection's own rate limits: requests, refused requests (to spot
//! sustained abuse), joins and quits, and `onlineMembers`. Plain token
//! buckets, no keys: the connection owns them.

use super::options::LimitOptions;
use crate::metrics as m;
use roomcast_core::ratelimit::TokenBucket;

pub struct ConnLimits {
    requests: TokenBucket,
    refusals: TokenBucket,
    join_quit: TokenBucket,
    online_members: TokenBucket,
}

/// What to do with a request frame (or a ping).
#[derive(Debug, PartialEq, Eq)]
pub enum RequestVerdict {
    Serve,
    /// Over the rate: answer `10006`, serve nothing.
    Refuse,
    /// Over the rate for long: disconnect (4029).
    Disconnect,
}

impl ConnLimits {
    pub fn new(opts: &LimitOptions, now_ms: i64) -> Self {
        Self {
            requests: TokenBucket::new(opts.request_rate, now_ms),
            refusals: TokenBucket::new(opts.request_abuse, now_ms),
            join_quit: TokenBucket::new(opts.join_quit_rate_per_connection, now_ms),
            online_members: TokenBucket::new(opts.online_members_rate, now_ms),
        }
    }

    pub fn request(&mut self, now_ms: i64) -> RequestVerdict {
        if self.requests.try_acquire(now_ms) {
            return RequestVerdict::Serve;
        }
        metrics::counter!(m::LIMIT_REFUSALS, "limit" => "request_rate").increment(1);
        if self.refusals.try_acquire(now_ms) {
            RequestVerdict::Refuse
        } else {
            RequestVerdict::Disconnect
        }
    }

    pub fn join_quit(&mut self, now_ms: i64) -> bool {
        self.join_quit.try_acquire(now_ms)
    }

    pub fn online_members(&mut self, now_ms: i64) -> bool {
        self.online_members.try_acquire(now_ms)
    }
}
