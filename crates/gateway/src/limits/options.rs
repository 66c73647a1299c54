//! The gateway's abuse limits, as configured (`[gateway.limits]`).

use roomcast_core::ratelimit::RateOptions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitOptions {
    /// A message (or frame) begun but not completed within this long closes
    /// the connection (1008), so a slow trickle cannot pin a buffer.
    pub message_timeout_ms: u64,
    /// Bytes all connections together may hold in incoming buffers beyond
    /// their small resting read buffer (large or unfinished messages); a
    /// connection whose buffer would grow past it is closed (1013).
    pub incoming_budget_bytes: usize,
    /// A connection that is neither logged in nor in a room for this long
    /// is closed (4001), whatever it sends (pings included).
    pub login_timeout_ms: u64,
    /// Requests (and pings) per connection; past it `10006`.
    pub request_rate: RateOptions,
    /// Refused requests per connection, as a rate: a client that keeps
    /// going past `request_rate` faster than this is disconnected (4029).
    pub request_abuse: RateOptions,
    /// `join` and `quit` per connection; past it `10006`.
    pub join_quit_rate_per_connection: RateOptions,
    /// `join` and `quit` per logged-in user, over all their connections on
    /// this gateway; past it `10006`.
    pub join_quit_rate_per_user: RateOptions,
    /// `onlineMembers` per connection; past it `10006`.
    pub online_members_rate: RateOptions,
    /// Failed logins per client IP before further logins from it are
    /// refused with `70050`.
    pub login_failures_per_ip: Lockout,
    /// Failed logins per user ID (from anywhere) before further logins as
    /// that user are refused with `70050`.
    pub login_failures_per_user: Lockout,
    /// Open WebSocket connections per client IP (HTTP 429 past it).
    pub max_connections_per_ip: usize,
    /// New WebSocket connections per client IP (HTTP 429 past it).
    pub connect_rate_per_ip: RateOptions,
    /// Peers (addresses or CIDRs) whose `X-Forwarded-For` is believed: the
    /// load balancers in front of the gateway.
    pub trusted_proxies: Vec<String>,
    /// Client addresses or CIDRs exempt from the per-IP connection limits
    /// (`max_connections_per_ip`, `connect_rate_per_ip`); loopback by
    /// default, for local tools and load tests.
    pub exempt_ips: Vec<String>,
}

/// At most `max_failures` failures within `window_secs`; past that the key
/// is locked for `lockout_secs` (Tencent's `70050`: "retry after 1 min").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lockout {
    pub max_failures: u32,
    pub window_secs: u64,
    pub lockout_secs: u64,
}

impl Default for Lockout {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window_secs: 60,
            lockout_secs: 60,
        }
    }
}

impl Default for LimitOptions {
    fn default() -> Self {
        Self {
            message_timeout_ms: 10_000,
            incoming_budget_bytes: 256 * 1024 * 1024,
            login_timeout_ms: 30_000,
            request_rate: RateOptions {
                per_sec: 100.0,
                burst: 200,
            },
            request_abuse: RateOptions {
                per_sec: 10.0,
                burst: 100,
            },
            join_quit_rate_per_connection: RateOptions {
                per_sec: 5.0,
                burst: 60,
            },
            join_quit_rate_per_user: RateOptions {
                per_sec: 10.0,
                burst: 120,
            },
            online_members_rate: RateOptions {
                per_sec: 2.0,
                burst: 10,
            },
            login_failures_per_ip: Lockout {
                max_failures: 30,
                ..Lockout::default()
            },
            login_failures_per_user: Lockout::default(),
            max_connections_per_ip: 1_000,
            connect_rate_per_ip: RateOptions {
                per_sec: 20.0,
                burst: 100,
            },
            trusted_proxies: Vec::new(),
            exempt_ips: vec!["127.0.0.0/8".into(), "::1/128".into()],
        }
    }
}

impl LimitOptions {
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("message_timeout_ms", self.message_timeout_ms as usize),
            ("incoming_budget_bytes", self.incoming_budget_bytes),
            ("login_timeout_ms", self.login_timeout_ms as usize),
            ("max_connections_per_ip", self.max_connections_per_ip),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("gateway.limits.{name} must be positive"));
            }
        }
        let rates = [
            ("request_rate", &self.request_rate),
            ("request_abuse", &self.request_abuse),
            ("join_quit_rate_per_connection", &self.join_quit_rate_per_connection),
            ("join_quit_rate_per_user", &self.join_quit_rate_per_user),
            ("online_members_rate", &self.online_members_rate),
            ("connect_rate_per_ip", &self.connect_rate_per_ip),
        ];
        for (name, r) in rates {
            r.validate().map_err(|e| format!("gateway.limits.{name}: {e}"))?;
        }
        for (name, l) in [
            ("login_failures_per_ip", &self.login_failures_per_ip),
            ("login_failures_per_user", &self.login_failures_per_user),
        ] {
            if l.max_failures == 0 || l.window_secs == 0 || l.lockout_secs == 0 {
                return Err(format!("gateway.limits.{name}: every field must be positive"));
            }
        }
        for (name, list) in [
            ("trusted_proxies", &self.trusted_proxies),
            ("exempt_ips", &self.exempt_ips),
        ] {
            for entry in list {
                super::client_ip::Cidr::parse(entry).map_err(|e| format!("gateway.limits.{name}: {e}"))?;
            }
        }
        Ok(())
    }
}
