//! Who the client is, for per-IP limits: the peer address, or — when the
//! peer is a trusted proxy — the address it forwarded in `X-Forwarded-For`.
//!
//! `client_ip` is the one place this is decided. The transport layer feeds
//! it the peer it accepted (after the PROXY protocol, when a load balancer
//! speaks it), so every listener agrees on who a client is.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// An address range (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address or CIDR"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("{s:?}: prefix length must be 0..={max}"))?,
            None => max,
        };
        Ok(Self { net, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(u32::from(n).into(), u32::from(a).into(), 32, self.bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(u128::from(n), u128::from(a), 128, self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, width: u32, bits: u8) -> bool {
    let bits = u32::from(bits);
    bits == 0 || (a ^ b) >> (width - bits) == 0
}

/// A list of ranges, parsed once (entries were checked by validation).
#[derive(Debug, Clone, Default)]
pub struct CidrSet(Vec<Cidr>);

impl CidrSet {
    pub fn new(entries: &[String]) -> Self {
        Self(entries.iter().filter_map(|e| Cidr::parse(e).ok()).collect())
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: `peer` itself, unless `peer` is a trusted proxy;
/// then `X-Forwarded-For` is read from the right (the entry the nearest
/// proxy added) past every trusted proxy to the first address that is not
/// one. Entries that do not parse end the walk: what is left of them was
/// written by the client and proves nothing.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &CidrSet) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
        client = canonical(ip);
        if !trusted.contains(client) {
            break;
        }
    }
    client
}

/// What per-IP limits count by: the address, except that an IPv6 client is
/// counted by its /64 (one subscriber's allocation, which it can rotate
/// addresses within at will).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_match_prefixes() {
        let c = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(c.contains(ip("10.1.200.3")) && !c.contains(ip("10.2.0.1")));
        assert!(c.contains(ip("::ffff:10.1.0.9")), "v4-mapped v6 is the v4 address");
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("2001:db8::/32").unwrap().contains(ip("2001:db8:1::5")));
        assert!(Cidr::parse("1.2.3.4").unwrap().contains(ip("1.2.3.4")));
        for bad in ["10.0.0.0/33", "nonsense", "::/129", "1.2.3.4/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = CidrSet::new(&["10.0.0.0/8".into()]);
        let xff = headers(&["6.6.6.6, 7.7.7.7", "10.0.0.2"]);
        assert_eq!(
            client_ip(ip("1.2.3.4"), &xff, &trusted),
            ip("1.2.3.4"),
            "untrusted peer"
        );
        // The rightmost untrusted hop: what the client wrote before it is ignored.
        assert_eq!(client_ip(ip("10.0.0.1"), &xff, &trusted), ip("7.7.7.7"));
        assert_eq!(client_ip(ip("10.0.0.1"), &headers(&[]), &trusted), ip("10.0.0.1"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers(&["junk, 5.5.5.5"]), &trusted),
            ip("5.5.5.5")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers(&["5.5.5.5, junk"]), &trusted),
            ip("10.0.0.1"),
            "a bad entry from a trusted proxy ends the walk"
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
    }
}
