//! Tencent's REST call rates, per app: every command has its own budget
//! (`rest.api_calls_per_sec`, Tencent's 200/s) and `send_broadcast_msg` a
//! smaller one (`rest.broadcast_calls_per_sec`, Tencent's 1/s); an app may
//! have its own values (`rest.app_limits`). Each replica counts its own
//! calls, so a cluster of N control replicas admits up to N times the rate.

use crate::options::RestOptions;
use roomcast_core::ids::AppId;
use roomcast_core::model::now_ms;
use roomcast_core::ratelimit::{KeyedRateLimiter, RateOptions};
use std::collections::HashMap;

/// The command whose budget is the broadcast one.
pub const BROADCAST: &str = "send_broadcast_msg";

struct Budgets {
    api: KeyedRateLimiter<&'static str>,
    broadcast: KeyedRateLimiter<()>,
}

impl Budgets {
    fn new(api_per_sec: u32, broadcast_per_sec: u32) -> Self {
        // A one-second burst: what Tencent's "N calls per second" allows.
        let rate = |n: u32| RateOptions {
            per_sec: f64::from(n),
            burst: n,
        };
        Self {
            api: KeyedRateLimiter::new(rate(api_per_sec)),
            broadcast: KeyedRateLimiter::new(rate(broadcast_per_sec)),
        }
    }
}

/// Call budgets of every configured app; keys are bounded by the apps
/// times the known commands.
pub struct RateLimits {
    apps: HashMap<AppId, Budgets>,
}

impl RateLimits {
    pub fn new(opts: &RestOptions, apps: &[AppId]) -> Self {
        let apps = apps
            .iter()
            .map(|&app| {
                let own = opts.app_limits.iter().find(|l| l.sdkappid == app);
                let api = own.and_then(|l| l.api_calls_per_sec).unwrap_or(opts.api_calls_per_sec);
                let broadcast = own
                    .and_then(|l| l.broadcast_calls_per_sec)
                    .unwrap_or(opts.broadcast_calls_per_sec);
                (app, Budgets::new(api, broadcast))
            })
            .collect();
        Self { apps }
    }

    /// Takes one call of `command` from the app's budget; false if spent.
    pub fn try_acquire(&self, app: AppId, command: &'static str) -> bool {
        let Some(b) = self.apps.get(&app) else {
            return false;
        };
        let now = now_ms();
        let api = b.api.try_acquire(&command, now);
        if command == BROADCAST {
            api && b.broadcast.try_acquire(&(), now)
        } else {
            api
        }
    }
}
