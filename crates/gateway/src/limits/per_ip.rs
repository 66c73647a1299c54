//! Connections per client IP: how many are open and how fast new ones come.
//! Checked at the upgrade, so a refusal is an HTTP status (429) a client
//! or load balancer understands, and costs no session.

use super::client_ip::{CidrSet, limit_key};
use crate::metrics as m;
use parking_lot::Mutex;
use roomcast_core::ratelimit::{KeyedRateLimiter, RateOptions};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

pub(crate) struct PerIp {
    max_open: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
    connects: KeyedRateLimiter<IpAddr>,
    exempt: CidrSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpRefusal {
    TooManyConnections,
    ConnectingTooFast,
}

impl IpRefusal {
    pub(crate) fn message(self) -> &'static str {
        match self {
            IpRefusal::TooManyConnections => "too many connections from this address",
            IpRefusal::ConnectingTooFast => "connecting too fast from this address",
        }
    }

    fn limit(self) -> &'static str {
        match self {
            IpRefusal::TooManyConnections => "connections_per_ip",
            IpRefusal::ConnectingTooFast => "connect_rate_per_ip",
        }
    }
}

/// A counted connection of one IP; dropping it gives the slot back.
pub(crate) struct IpSlot {
    owner: Option<(Arc<PerIp>, IpAddr)>,
}

impl IpSlot {
    /// A connection counted against no IP (its address is unknown).
    pub(crate) fn untracked() -> Self {
        Self { owner: None }
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Some((per_ip, key)) = self.owner.take() {
            let mut open = per_ip.open.lock();
            if let Some(n) = open.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&key);
                }
            }
        }
    }
}

impl PerIp {
    pub(crate) fn new(max_open: usize, connect_rate: RateOptions, exempt: CidrSet) -> Self {
        Self {
            max_open,
            open: Mutex::new(HashMap::new()),
            connects: KeyedRateLimiter::new(connect_rate),
            exempt,
        }
    }

    /// Counts a new connection of `ip`, or says why it is refused.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr, now_ms: i64) -> Result<IpSlot, IpRefusal> {
        if self.exempt.contains(ip) {
            return Ok(IpSlot { owner: None });
        }
        let key = limit_key(ip);
        let refused = |r: IpRefusal| {
            metrics::counter!(m::LIMIT_REFUSALS, "limit" => r.limit()).increment(1);
            Err(r)
        };
        if !self.connects.try_acquire(&key, now_ms) {
            return refused(IpRefusal::ConnectingTooFast);
        }
        let mut open = self.open.lock();
        let n = open.entry(key).or_insert(0);
        if *n >= self.max_open {
            drop(open);
            return refused(IpRefusal::TooManyConnections);
        }
        *n += 1;
        Ok(IpSlot {
            owner: Some((self.clone(), key)),
        })
    }

    /// Forgets connect-rate buckets that refilled (called by the sweeper).
    pub(crate) fn sweep(&self, now_ms: i64) {
        self.connects.sweep(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_open_connections_and_connect_rate_per_ip() {
        let exempt = CidrSet::new(&["127.0.0.0/8".into()]);
        let per_ip = Arc::new(PerIp::new(2, RateOptions { per_sec: 1.0, burst: 3 }, exempt));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = per_ip.admit(ip, 0).unwrap();
        let _b = per_ip.admit(ip, 0).unwrap();
        assert_eq!(per_ip.admit(ip, 0).err(), Some(IpRefusal::TooManyConnections));
        drop(a);
        assert_eq!(per_ip.admit(ip, 0).err(), Some(IpRefusal::ConnectingTooFast));
        let _c = per_ip.admit(ip, 1000).unwrap();
        for _ in 0..10 {
            assert!(per_ip.admit("127.0.0.1".parse().unwrap(), 0).is_ok(), "exempt");
        }
        assert_eq!(per_ip.open.lock().len(), 1, "exempt addresses are not tracked");
    }
}
