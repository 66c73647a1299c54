//! The run plan: who connects where, which room each member joins, who
//! sends, and the derived per-member facts every process computes alike.

use crate::cli::{Body, PriorityMix, RunArgs, Target};
use anyhow::{Context, bail, ensure};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The URL for the WebSocket handshake.
    pub url: String,
    /// Where the TCP connection goes.
    pub addr: SocketAddr,
}

#[derive(Debug)]
pub struct Plan {
    pub target: Target,
    pub endpoints: Vec<Endpoint>,
    pub rooms: u32,
    pub senders: u32,
    pub rate: f64,
    pub mix: PriorityMix,
    pub msg_bytes: usize,
    pub custom_body: bool,
    pub guests: bool,
    pub reconnect: bool,
    /// Rejoins send `since` and recover what was missed.
    pub recover: bool,
    pub storm: Option<StormPlan>,
    /// Senders send `increaseCounter` on `likes` instead of messages.
    pub likes: bool,
    pub sdkappid: u64,
    pub secret: Option<String>,
    pub user_prefix: String,
    pub connect_timeout: Duration,
    pub spread_sources: bool,
    /// Room names as the target knows them.
    pub room_names: Vec<String>,
}

/// The reconnect storm (`--storm-at`).
#[derive(Debug, Clone)]
pub struct StormPlan {
    /// After the window opens.
    pub at: Duration,
    pub away: Duration,
    pub spread: Duration,
    pub fraction: f64,
}

/// Largest serialized msgBody Roomcast accepts, less room for the element wrapper.
const ROOMCAST_MAX_PAYLOAD: usize = 12_000;

impl Plan {
    pub fn from_args(a: &RunArgs) -> anyhow::Result<Self> {
        ensure!(a.members > 0, "--members must be at least 1");
        ensure!(a.rooms > 0, "--rooms must be at least 1");
        ensure!(
            u64::from(a.rooms) <= a.members,
            "--rooms ({}) exceeds --members ({})",
            a.rooms,
            a.members
        );
        ensure!(
            u64::from(a.senders) <= a.members,
            "--senders ({}) exceeds --members ({})",
            a.senders,
            a.members
        );
        ensure!(
            a.rate >= 0.0 && a.rate.is_finite(),
            "--rate must be a finite number >= 0"
        );
        ensure!(a.rate == 0.0 || a.senders > 0, "--rate > 0 needs --senders > 0");
        ensure!(a.rate <= 1_000_000.0, "--rate above 1,000,000 msg/s is not supported");
        ensure!(a.duration_secs > 0, "--duration-secs must be at least 1");
        ensure!(
            a.warmup_secs + a.duration_secs + a.drain_secs <= 24 * 3600,
            "a run is limited to 24 hours"
        );
        ensure!(a.connect_rate > 0.0, "--connect-rate must be > 0");
        ensure!(a.connect_concurrency > 0, "--connect-concurrency must be > 0");
        ensure!(a.msg_bytes <= 1_000_000, "--msg-bytes is limited to 1,000,000");
        if a.target == Target::Roomcast {
            ensure!(
                a.msg_bytes <= ROOMCAST_MAX_PAYLOAD,
                "--msg-bytes above {ROOMCAST_MAX_PAYLOAD} would exceed Roomcast's 12 KiB msgBody limit"
            );
            let needs_login = a.senders > 0 || !a.guests;
            ensure!(
                !needs_login || a.secret.is_some(),
                "--secret (or LOADTEST_SECRET) is needed to mint userSigs; use --guests --senders 0 for guests only"
            );
            ensure!(
                a.user_prefix.len() + 20 <= 32
                    && a.user_prefix
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'),
                "--user-prefix must be at most 12 bytes of [A-Za-z0-9_.-]"
            );
            ensure!(
                a.room_prefix.len() + 10 <= 48
                    && a.room_prefix.bytes().all(|b| (0x21..=0x7e).contains(&b))
                    && !a.room_prefix.starts_with("@TGS#"),
                "--room-prefix must be at most 38 bytes of visible ASCII, not starting with @TGS#"
            );
        }
        ensure!(
            a.target == Target::Roomcast || (a.storm_at.is_none() && !a.likes),
            "--storm-at and --likes apply to --target roomcast only"
        );
        let storm = match a.storm_at {
            None => None,
            Some(at) => {
                ensure!(
                    at.is_finite() && at >= 0.0 && at < a.duration_secs as f64,
                    "--storm-at must be within the window (0 ≤ SECS < --duration-secs)"
                );
                ensure!(
                    (0.0..=1.0).contains(&a.storm_fraction),
                    "--storm-fraction must be between 0 and 1"
                );
                Some(StormPlan {
                    at: Duration::from_secs_f64(at),
                    away: Duration::from_millis(a.storm_away_ms),
                    spread: Duration::from_millis(a.storm_spread_ms),
                    fraction: a.storm_fraction,
                })
            }
        };
        let urls = if a.urls.is_empty() {
            match a.target {
                Target::Roomcast => vec!["ws://127.0.0.1:8080/ws".to_string()],
                _ => bail!("--url is required for --target {}", a.target.name()),
            }
        } else {
            a.urls.clone()
        };
        let mut endpoints = Vec::new();
        for u in &urls {
            endpoints.push(endpoint(u, a.target)?);
        }
        let room_names: Vec<String> = (0..a.rooms)
            .map(|r| match a.target {
                Target::Roomcast => format!("{}{r}", a.room_prefix),
                Target::NatsWs => format!("room.{r}"),
                Target::Socketio => format!("room-{r}"),
            })
            .collect();
        Ok(Self {
            target: a.target,
            endpoints,
            rooms: a.rooms,
            senders: a.senders,
            rate: a.rate,
            mix: a.priority_mix.clone(),
            msg_bytes: a.msg_bytes,
            custom_body: a.body == Body::Custom,
            guests: a.guests,
            reconnect: (a.reconnect || a.storm_at.is_some()) && a.target == Target::Roomcast,
            recover: !a.no_recover,
            storm,
            likes: a.likes,
            sdkappid: a.sdkappid,
            secret: a.secret.clone(),
            user_prefix: a.user_prefix.clone(),
            connect_timeout: Duration::from_secs(a.connect_timeout_secs.max(1)),
            spread_sources: !a.no_source_spread,
            room_names,
        })
    }

    pub fn room_of(&self, member: u64) -> u32 {
        (member % u64::from(self.rooms)) as u32
    }

    pub fn is_sender(&self, member: u64) -> bool {
        member < u64::from(self.senders)
    }

    /// A sender's position among the senders of its room.
    pub fn sender_local(&self, sender: u32) -> usize {
        (sender / self.rooms) as usize
    }

    /// Whether a member logs in (Roomcast): senders always, others unless --guests.
    pub fn logs_in(&self, member: u64) -> bool {
        self.is_sender(member) || !self.guests
    }

    /// Whether `member` closes and recovers in the storm: an evenly spread
    /// `fraction` of the non-senders (exactly ⌊non-senders × fraction⌋).
    pub fn is_stormed(&self, member: u64) -> bool {
        let Some(st) = &self.storm else { return false };
        let Some(k) = member.checked_sub(u64::from(self.senders)) else {
            return false;
        };
        let f = st.fraction;
        ((k + 1) as f64 * f).floor() > (k as f64 * f).floor()
    }

    /// A stormed member's pause before reconnecting: the away time plus a
    /// uniform offset within the spread (a fixed hash of the member).
    pub fn storm_pause(&self, member: u64) -> Duration {
        let Some(st) = &self.storm else {
            return Duration::ZERO;
        };
        let u = (member.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64;
        st.away + st.spread.mul_f64(u)
    }

    pub fn endpoint(&self, member: u64) -> &Endpoint {
        &self.endpoints[(member % self.endpoints.len() as u64) as usize]
    }

    /// Source address for a member's socket: 127.0.0.2 … 127.0.0.254, rotating.
    pub fn source_ip(&self, member: u64) -> Ipv4Addr {
        Ipv4Addr::new(127, 0, 0, 2 + (member % 253) as u8)
    }

    pub fn user_id(&self, member: u64) -> String {
        format!("{}{member}", self.user_prefix)
    }

    /// Seconds between two messages of one sender.
    pub fn sender_period(&self) -> Option<Duration> {
        (self.rate > 0.0 && self.senders > 0).then(|| Duration::from_secs_f64(f64::from(self.senders) / self.rate))
    }

    /// A sender's offset from the start so the total stream is evenly spaced.
    pub fn sender_offset(&self, sender: u32) -> Duration {
        if self.rate > 0.0 {
            Duration::from_secs_f64(f64::from(sender) / self.rate)
        } else {
            Duration::ZERO
        }
    }
}

/// Splits `ws://host:port/path?query` and resolves host:port. Only
/// loopback targets are allowed.
fn endpoint(url: &str, target: Target) -> anyhow::Result<Endpoint> {
    let rest = url
        .strip_prefix("ws://")
        .with_context(|| format!("{url}: only ws:// URLs are supported"))?;
    let (hostport, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    ensure!(!hostport.is_empty(), "{url}: missing host");
    let with_port = if hostport.ends_with(']') || !hostport.contains(':') {
        format!("{hostport}:80")
    } else {
        hostport.to_string()
    };
    let addrs: Vec<SocketAddr> = with_port
        .to_socket_addrs()
        .with_context(|| format!("{url}: cannot resolve {hostport}"))?
        .collect();
    let addr = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .with_context(|| format!("{url}: {hostport} has no address"))?;
    ensure!(
        is_loopback(addr.ip()),
        "{url}: resolves to {} — this tool only targets loopback addresses (127.0.0.0/8, ::1)",
        addr.ip()
    );
    let url = if target == Target::Socketio && (path.is_empty() || path == "/") {
        format!("ws://{hostport}/socket.io/?EIO=4&transport=websocket")
    } else if path.is_empty() {
        format!("ws://{hostport}/")
    } else {
        url.to_string()
    };
    Ok(Endpoint { url, addr })
}

pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[0] == 127,
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.octets()[0] == 127),
    }
}

/// An admin endpoint must be loopback too.
pub fn check_admin_endpoint(ep: &str) -> anyhow::Result<()> {
    let rest = ep
        .strip_prefix("http://")
        .with_context(|| format!("{ep}: the admin endpoint must be http://HOST:PORT"))?;
    let hostport = rest.split('/').next().unwrap_or_default();
    let addr = hostport
        .to_socket_addrs()
        .with_context(|| format!("{ep}: cannot resolve"))?
        .next()
        .with_context(|| format!("{ep}: no address"))?;
    ensure!(
        is_loopback(addr.ip()),
        "{ep}: this tool only targets loopback addresses"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn args(extra: &[&str]) -> RunArgs {
        let mut v = vec!["roomcast-loadtest", "--secret", "s3cr3t-s3cr3t-s3cr3t"];
        v.extend_from_slice(extra);
        Cli::try_parse_from(v).unwrap().run
    }

    #[test]
    fn assignment() {
        let p = Plan::from_args(&args(&[
            "--members",
            "10",
            "--rooms",
            "3",
            "--senders",
            "4",
            "--rate",
            "8",
        ]))
        .unwrap();
        assert_eq!(
            (0..10).map(|m| p.room_of(m)).collect::<Vec<_>>(),
            vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
        );
        assert!(p.is_sender(3) && !p.is_sender(4));
        // Sender 3 is the second sender of room 0.
        assert_eq!(p.sender_local(3), 1);
        assert_eq!(p.sender_period(), Some(Duration::from_millis(500)));
        assert_eq!(p.sender_offset(2), Duration::from_millis(250));
        assert_eq!(p.source_ip(0), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(p.source_ip(252), Ipv4Addr::new(127, 0, 0, 254));
        assert_eq!(p.source_ip(253), Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(p.room_names[2], "lt-2");
    }

    #[test]
    fn storm_selection() {
        let p = Plan::from_args(&args(&["--members", "1001", "--senders", "1", "--storm-at", "3"])).unwrap();
        assert!(p.reconnect && p.recover);
        assert!(!p.is_stormed(0), "senders never storm");
        let n = (0..1001).filter(|m| p.is_stormed(*m)).count();
        assert_eq!(n, 900);
        // Spread evenly: every block of 10 non-senders has 9 stormed.
        assert_eq!((1..11).filter(|m| p.is_stormed(*m)).count(), 9);
        let pauses: Vec<Duration> = (1..1001).map(|m| p.storm_pause(m)).collect();
        assert!(
            pauses
                .iter()
                .all(|d| *d >= Duration::from_millis(2500) && *d < Duration::from_millis(4500))
        );
        let early = pauses.iter().filter(|d| **d < Duration::from_millis(3500)).count();
        assert!((400..600).contains(&early), "uniform over the spread: {early}");
        let none = Plan::from_args(&args(&["--members", "10"])).unwrap();
        assert!(!none.is_stormed(5) && !none.reconnect);
        assert!(
            Plan::from_args(&args(&["--storm-at", "20"])).is_err(),
            "past the window"
        );
        assert!(Plan::from_args(&args(&["--storm-at", "1", "--storm-fraction", "1.5"])).is_err());
        let nr = Plan::from_args(&args(&["--reconnect", "--no-recover"])).unwrap();
        assert!(nr.reconnect && !nr.recover);
    }

    #[test]
    fn urls() {
        let e = endpoint("ws://127.0.0.1:9000", Target::Socketio).unwrap();
        assert_eq!(e.url, "ws://127.0.0.1:9000/socket.io/?EIO=4&transport=websocket");
        assert_eq!(e.addr, "127.0.0.1:9000".parse().unwrap());
        let e = endpoint("ws://127.0.0.1:9000/ws?sdkAppId=1", Target::Roomcast).unwrap();
        assert_eq!(e.url, "ws://127.0.0.1:9000/ws?sdkAppId=1");
        assert!(endpoint("ws://10.0.0.1:80/ws", Target::Roomcast).is_err());
        assert!(endpoint("wss://127.0.0.1/ws", Target::Roomcast).is_err());
        assert!(check_admin_endpoint("http://127.0.0.1:50051").is_ok());
        assert!(check_admin_endpoint("http://192.168.1.1:50051").is_err());
    }

    #[test]
    fn validation() {
        assert!(Plan::from_args(&args(&["--members", "2", "--rooms", "3"])).is_err());
        assert!(Plan::from_args(&args(&["--senders", "0", "--rate", "5"])).is_err());
        let no_secret = Cli::try_parse_from(["roomcast-loadtest", "--members", "5"])
            .unwrap()
            .run;
        if std::env::var_os("LOADTEST_SECRET").is_none() {
            assert!(Plan::from_args(&no_secret).is_err());
        }
        let guests = Cli::try_parse_from(["roomcast-loadtest", "--guests", "--senders", "0", "--rate", "0"])
            .unwrap()
            .run;
        assert!(Plan::from_args(&guests).is_ok());
    }
}
