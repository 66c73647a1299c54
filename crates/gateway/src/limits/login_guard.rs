//! Throttling of failed logins, per client IP and per user ID, the way
//! Tencent IM locks a userSig check after too many failures (`70050`,
//! "retry after 1 min"). Without it a userSig (or the app admin's) could be
//! guessed at tens of thousands of tries a second.
//!
//! A locked key is refused before its userSig is even checked, so the right
//! sig is refused too until the lockout ends: that is what makes guessing
//! pointless. The per-user lock means a flood of bad sigs can lock a real
//! user out for `lockout_secs`; the per-IP lock bounds how much of that one
//! address can do.

use super::client_ip::limit_key;
use super::options::Lockout;
use crate::metrics as m;
use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

/// Keys tracked per table at most: past it new keys are not tracked until
/// the sweeper frees some (attackers rotating addresses cannot grow memory).
const MAX_KEYS: usize = 200_000;

struct State {
    window_start_ms: i64,
    failures: u32,
    locked_until_ms: i64,
}

struct Failures<K> {
    opts: Lockout,
    map: Mutex<HashMap<K, State>>,
}

impl<K: Hash + Eq> Failures<K> {
    fn new(opts: Lockout) -> Self {
        Self {
            opts,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Milliseconds left of the key's lockout, if it is locked.
    fn locked(&self, key: &K, now: i64) -> Option<i64> {
        let map = self.map.lock();
        let s = map.get(key)?;
        (s.locked_until_ms > now).then(|| s.locked_until_ms - now)
    }

    fn failed(&self, key: K, now: i64) {
        let window = (self.opts.window_secs as i64).saturating_mul(1000);
        let mut map = self.map.lock();
        if map.len() >= MAX_KEYS && !map.contains_key(&key) {
            return;
        }
        let s = map.entry(key).or_insert(State {
            window_start_ms: now,
            failures: 0,
            locked_until_ms: 0,
        });
        if now - s.window_start_ms >= window {
            s.window_start_ms = now;
            s.failures = 0;
        }
        s.failures += 1;
        if s.failures >= self.opts.max_failures {
            s.locked_until_ms = now.saturating_add((self.opts.lockout_secs as i64).saturating_mul(1000));
            s.failures = 0;
            s.window_start_ms = now;
        }
    }

    fn forget(&self, key: &K) {
        self.map.lock().remove(key);
    }

    fn sweep(&self, now: i64) {
        let window = (self.opts.window_secs as i64).saturating_mul(1000);
        self.map
            .lock()
            .retain(|_, s| s.locked_until_ms > now || now - s.window_start_ms < window);
    }
}

pub(crate) struct LoginGuard {
    per_ip: Failures<IpAddr>,
    per_user: Failures<(AppId, String)>,
}

impl LoginGuard {
    pub(crate) fn new(per_ip: Lockout, per_user: Lockout) -> Self {
        Self {
            per_ip: Failures::new(per_ip),
            per_user: Failures::new(per_user),
        }
    }

    /// `Err(seconds to wait)` while the IP or the user is locked.
    pub(crate) fn check(&self, ip: Option<IpAddr>, app: AppId, user: &str, now: i64) -> Result<(), u64> {
        let by_ip = ip.and_then(|ip| self.per_ip.locked(&limit_key(ip), now));
        let by_user = self.per_user.locked(&(app, user.to_string()), now);
        match by_ip.max(by_user) {
            Some(ms) => {
                metrics::counter!(m::LIMIT_REFUSALS, "limit" => "login_lockout").increment(1);
                Err((ms as u64).div_ceil(1000))
            }
            None => Ok(()),
        }
    }

    pub(crate) fn failed(&self, ip: Option<IpAddr>, app: AppId, user: &str, now: i64) {
        metrics::counter!(m::LOGIN_FAILURES).increment(1);
        if let Some(ip) = ip {
            self.per_ip.failed(limit_key(ip), now);
        }
        self.per_user.failed((app, user.to_string()), now);
    }

    /// A successful login clears the user's failures (not the IP's: one
    /// valid account must not reset an address's guessing budget).
    pub(crate) fn succeeded(&self, app: AppId, user: &str) {
        self.per_user.forget(&(app, user.to_string()));
    }

    pub(crate) fn sweep(&self, now: i64) {
        self.per_ip.sweep(now);
        self.per_user.sweep(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_until_the_lockout_ends() {
        let lock = Lockout {
            max_failures: 3,
            window_secs: 60,
            lockout_secs: 60,
        };
        let g = LoginGuard::new(
            Lockout {
                max_failures: 5,
                ..lock
            },
            lock,
        );
        let ip = Some("192.0.2.7".parse().unwrap());
        for _ in 0..3 {
            assert!(g.check(ip, 1, "admin", 0).is_ok());
            g.failed(ip, 1, "admin", 0);
        }
        assert_eq!(g.check(ip, 1, "admin", 1_000), Err(59));
        assert!(g.check(None, 1, "bob", 1_000).is_ok());
        for user in ["a", "b"] {
            g.failed(ip, 1, user, 1_000);
        }
        assert!(
            g.check(ip, 1, "bob", 2_000).is_err(),
            "the address is locked for everyone"
        );
        assert!(g.check(None, 1, "bob", 2_000).is_ok());
        assert!(g.check(ip, 1, "admin", 61_001).is_ok(), "both lockouts over");
        g.sweep(200_000);
        assert!(g.per_ip.map.lock().is_empty() && g.per_user.map.lock().is_empty());
    }
}
