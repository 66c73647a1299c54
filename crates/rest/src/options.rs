//! `[rest]`: where the REST API listens, how large a request may be, and
//! Tencent's REST rate limits, per app.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The REST API's options (`[rest]` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestOptions {
    /// Serve the REST API at all (room control and standalone only).
    pub enabled: bool,
    /// The REST API's own HTTP address.
    pub addr: SocketAddr,
    /// Largest request body accepted; a larger one is refused (60002).
    pub max_body_bytes: usize,
    /// Calls per second each app may make to each command (Tencent: 200).
    pub api_calls_per_sec: u32,
    /// Calls per second each app may make to `send_broadcast_msg` (Tencent: 1).
    pub broadcast_calls_per_sec: u32,
    /// Per-app overrides of the two rates.
    pub app_limits: Vec<AppRestLimits>,
}

/// One app's own REST rates; an absent value keeps the `[rest]` default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppRestLimits {
    pub sdkappid: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_calls_per_sec: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broadcast_calls_per_sec: Option<u32>,
}

impl Default for RestOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            addr: ([127, 0, 0, 1], 8090).into(),
            max_body_bytes: 256 * 1024,
            api_calls_per_sec: 200,
            broadcast_calls_per_sec: 1,
            app_limits: Vec::new(),
        }
    }
}

impl RestOptions {
    pub fn validate(&self) -> Result<(), String> {
        if self.max_body_bytes < 1024 || self.max_body_bytes > 16 * 1024 * 1024 {
            return Err("rest.max_body_bytes must be 1024..=16777216".into());
        }
        let rate_ok = |r: u32| (1..=1_000_000).contains(&r);
        if !rate_ok(self.api_calls_per_sec) || !rate_ok(self.broadcast_calls_per_sec) {
            return Err("rest.*_calls_per_sec must be 1..=1000000".into());
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.app_limits {
            if !seen.insert(a.sdkappid) {
                return Err(format!("rest.app_limits: app {} is listed twice", a.sdkappid));
            }
            if [a.api_calls_per_sec, a.broadcast_calls_per_sec]
                .into_iter()
                .flatten()
                .any(|r| !rate_ok(r))
            {
                return Err(format!(
                    "rest.app_limits: app {}: rates must be 1..=1000000",
                    a.sdkappid
                ));
            }
        }
        Ok(())
    }
}
