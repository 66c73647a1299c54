//! The load-test payload: a printable ASCII string that carries the sender's
//! index, its per-sender sequence number and the send time, padded to the
//! requested size. It is safe inside JSON strings, NATS payloads and
//! socket.io events without escaping.

/// Every payload starts with this marker.
pub const MARK: &[u8] = b"LT|";

/// What a receiver learns from a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Global sender index (0..senders).
    pub sender: u32,
    /// The sender's own sequence number, starting at 0.
    pub seq: u64,
    /// Send time, nanoseconds since the Unix epoch.
    pub ts_ns: u64,
}

/// Builds a payload of exactly `size` bytes (or the header alone when
/// `size` is smaller than it): `LT|<sender>|<seq>|<ts_ns>|xxxx…`.
pub fn encode(stamp: Stamp, size: usize) -> String {
    let mut s = format!("LT|{}|{}|{}|", stamp.sender, stamp.seq, stamp.ts_ns);
    if s.len() < size {
        let pad = size - s.len();
        s.reserve(pad);
        s.extend(std::iter::repeat_n('x', pad));
    }
    s
}

/// Parses a payload built by [`encode`]; `None` for anything else.
pub fn decode(bytes: &[u8]) -> Option<Stamp> {
    let rest = bytes.strip_prefix(MARK)?;
    let mut parts = rest.splitn(4, |b| *b == b'|');
    let sender = parse_u64(parts.next()?)?;
    let seq = parse_u64(parts.next()?)?;
    let ts_ns = parse_u64(parts.next()?)?;
    // The fourth part (padding) must exist: the header ends with '|'.
    parts.next()?;
    Some(Stamp {
        sender: u32::try_from(sender).ok()?,
        seq,
        ts_ns,
    })
}

fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_size() {
        let st = Stamp {
            sender: 17,
            seq: 123_456,
            ts_ns: 1_764_150_000_123_456_789,
        };
        let p = encode(st, 100);
        assert_eq!(p.len(), 100);
        assert!(p.is_ascii());
        assert_eq!(decode(p.as_bytes()), Some(st));
        // Smaller than the header: header only, still decodable.
        let small = encode(st, 4);
        assert!(small.len() > 4);
        assert_eq!(decode(small.as_bytes()), Some(st));
    }

    #[test]
    fn rejects_foreign_payloads() {
        assert_eq!(decode(b"hello"), None);
        assert_eq!(decode(b"LT|1|2|"), None);
        assert_eq!(decode(b"LT|1|2|x|"), None);
        assert_eq!(decode(b"LT|1|2|3"), None);
        assert_eq!(decode(b"LT|99999999999|2|3|"), None);
    }
}
