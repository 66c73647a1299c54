//! The gateway's abuse limits (issue #14): per-IP connection caps, request
//! rates, join/quit and `onlineMembers` rates, failed-login lockouts, the
//! incoming-buffer budget and the deadlines the sweeper enforces. What each
//! answers with is listed in docs/operations.md ("### Limits").

mod budget;
pub mod client_ip;
mod conn_limits;
mod login_guard;
mod options;
mod per_ip;

pub use budget::IncomingBudget;
pub use conn_limits::{ConnLimits, RequestVerdict};
pub use options::{LimitOptions, Lockout};
pub(crate) use per_ip::IpSlot;

use client_ip::CidrSet;
use login_guard::LoginGuard;
use per_ip::PerIp;
use roomcast_core::ids::AppId;
use roomcast_core::ratelimit::KeyedRateLimiter;
use std::sync::Arc;

/// The gateway-wide state of the limits.
pub(crate) struct Limits {
    pub(crate) per_ip: Arc<PerIp>,
    pub(crate) logins: LoginGuard,
    /// Joins and quits per logged-in user.
    pub(crate) join_quit_users: KeyedRateLimiter<(AppId, String)>,
    pub(crate) budget: Arc<IncomingBudget>,
    pub(crate) trusted_proxies: CidrSet,
}

impl Limits {
    pub(crate) fn new(opts: &LimitOptions) -> Self {
        Self {
            per_ip: Arc::new(PerIp::new(
                opts.max_connections_per_ip,
                opts.connect_rate_per_ip,
                CidrSet::new(&opts.exempt_ips),
            )),
            logins: LoginGuard::new(opts.login_failures_per_ip, opts.login_failures_per_user),
            join_quit_users: KeyedRateLimiter::new(opts.join_quit_rate_per_user),
            budget: Arc::new(IncomingBudget::new(opts.incoming_budget_bytes)),
            trusted_proxies: CidrSet::new(&opts.trusted_proxies),
        }
    }

    /// Forgets state that no longer limits anything (called by the sweeper).
    pub(crate) fn sweep(&self, now_ms: i64) {
        self.per_ip.sweep(now_ms);
        self.logins.sweep(now_ms);
        self.join_quit_users.sweep(now_ms);
    }
}
