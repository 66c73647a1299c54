//! The PROXY protocol header (HAProxy's spec, versions 1 and 2) a trusted
//! load balancer sends first on each connection: where the client really
//! connects from. Only the header is read, byte-exact, so whatever follows
//! (TLS, HTTP) is left in the socket.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::io::{AsyncRead, AsyncReadExt};

const V2_SIGNATURE: [u8; 12] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
/// The longest v1 line, CRLF included (spec, 2.1).
const V1_MAX: usize = 107;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ProxyError {
    #[error("reading the PROXY header: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed PROXY header: {0}")]
    Malformed(&'static str),
}

/// Reads one PROXY header. `Some(source)` for a proxied TCP connection;
/// `None` when the proxy speaks for itself (v2 `LOCAL`, v1 `UNKNOWN`, other
/// families): the peer address stands.
pub(crate) async fn read_header<R: AsyncRead + Unpin>(io: &mut R) -> Result<Option<SocketAddr>, ProxyError> {
    let mut head = [0u8; 16];
    io.read_exact(&mut head[..5]).await?;
    if &head[..5] == b"PROXY" {
        let mut line = head[..5].to_vec();
        while !line.ends_with(b"\r\n") {
            if line.len() >= V1_MAX {
                return Err(ProxyError::Malformed("v1 line too long"));
            }
            line.push(io.read_u8().await?);
        }
        return parse_v1(&line[..line.len() - 2]);
    }
    if head[..5] != V2_SIGNATURE[..5] {
        return Err(ProxyError::Malformed("no PROXY signature"));
    }
    io.read_exact(&mut head[5..]).await?;
    if head[..12] != V2_SIGNATURE {
        return Err(ProxyError::Malformed("bad v2 signature"));
    }
    let (version, command, family) = (head[12] >> 4, head[12] & 0x0F, head[13]);
    if version != 2 || command > 1 {
        return Err(ProxyError::Malformed("unsupported v2 version or command"));
    }
    let len = u16::from_be_bytes([head[14], head[15]]) as usize;
    let mut body = vec![0u8; len];
    io.read_exact(&mut body).await?;
    if command == 0 {
        return Ok(None); // LOCAL: health checks of the proxy itself
    }
    parse_v2_addresses(family, &body)
}

fn parse_v1(line: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let line = std::str::from_utf8(line).map_err(|_| ProxyError::Malformed("v1 not ASCII"))?;
    let parts: Vec<&str> = line.split(' ').collect();
    match parts.as_slice() {
        ["PROXY", "UNKNOWN", ..] => Ok(None),
        ["PROXY", family @ ("TCP4" | "TCP6"), src, _dst, sport, _dport] => {
            let ip: IpAddr = src.parse().map_err(|_| ProxyError::Malformed("v1 source address"))?;
            if ip.is_ipv4() != (*family == "TCP4") {
                return Err(ProxyError::Malformed("v1 address does not match its family"));
            }
            let port: u16 = sport.parse().map_err(|_| ProxyError::Malformed("v1 source port"))?;
            Ok(Some(SocketAddr::new(ip, port)))
        }
        _ => Err(ProxyError::Malformed("v1 fields")),
    }
}

fn parse_v2_addresses(family: u8, body: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let short = ProxyError::Malformed("v2 addresses too short");
    match family {
        // TCP over IPv4: src, dst (4 bytes each), src port, dst port.
        0x11 => {
            let b: &[u8; 12] = body.get(..12).and_then(|b| b.try_into().ok()).ok_or(short)?;
            let ip = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
            Ok(Some(SocketAddr::new(ip.into(), u16::from_be_bytes([b[8], b[9]]))))
        }
        // TCP over IPv6: src, dst (16 bytes each), src port, dst port.
        0x21 => {
            let b: &[u8; 36] = body.get(..36).and_then(|b| b.try_into().ok()).ok_or(short)?;
            let mut src = [0u8; 16];
            src.copy_from_slice(&b[..16]);
            let ip = Ipv6Addr::from(src);
            Ok(Some(SocketAddr::new(ip.into(), u16::from_be_bytes([b[32], b[33]]))))
        }
        // UNSPEC, UDP, unix sockets: no TCP client address to take.
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(bytes: &[u8]) -> (Result<Option<SocketAddr>, ProxyError>, Vec<u8>) {
        let mut io = bytes;
        let r = read_header(&mut io).await;
        (r, io.to_vec())
    }

    #[tokio::test]
    async fn v1_tcp4_and_tcp6() {
        let (r, rest) = parse(b"PROXY TCP4 203.0.113.7 10.0.0.1 51000 443\r\nGET /").await;
        assert_eq!(r.unwrap(), Some("203.0.113.7:51000".parse().unwrap()));
        assert_eq!(rest, b"GET /", "the request after the header is left unread");
        let (r, _) = parse(b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n").await;
        assert_eq!(r.unwrap(), Some("[2001:db8::1]:4000".parse().unwrap()));
        let (r, _) = parse(b"PROXY UNKNOWN\r\n").await;
        assert_eq!(r.unwrap(), None);
    }

    #[tokio::test]
    async fn v2_tcp4_and_local() {
        let mut h = V2_SIGNATURE.to_vec();
        h.extend([0x21, 0x11, 0, 12, 198, 51, 100, 9, 10, 0, 0, 1, 0x1F, 0x90, 0x01, 0xBB]);
        h.extend(b"rest");
        let (r, rest) = parse(&h).await;
        assert_eq!(r.unwrap(), Some("198.51.100.9:8080".parse().unwrap()));
        assert_eq!(rest, b"rest");
        let mut local = V2_SIGNATURE.to_vec();
        local.extend([0x20, 0x00, 0, 0]);
        assert_eq!(parse(&local).await.0.unwrap(), None);
    }

    #[tokio::test]
    async fn garbage_is_refused() {
        assert!(parse(b"GET / HTTP/1.1\r\n\r\n").await.0.is_err());
        assert!(parse(b"PROXY TCP4 not-an-ip 10.0.0.1 1 2\r\n").await.0.is_err());
        let long = format!("PROXY TCP4 {}\r\n", "1".repeat(200));
        assert!(parse(long.as_bytes()).await.0.is_err());
    }
}
