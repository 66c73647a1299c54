//! Server-to-client frames: unmasked, never fragmented.

use bytes::{BufMut, Bytes, BytesMut};

pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// Bytes a frame header takes for a payload of `len` bytes.
pub fn header_len(len: usize) -> usize {
    match len {
        0..=125 => 2,
        126..=0xFFFF => 4,
        _ => 10,
    }
}

/// Writes a final (FIN) frame header for `opcode` and a `len`-byte payload.
pub fn put_header(out: &mut impl BufMut, opcode: u8, len: usize) {
    out.put_u8(0x80 | opcode);
    match len {
        0..=125 => out.put_u8(len as u8),
        126..=0xFFFF => {
            out.put_u8(126);
            out.put_u16(len as u16);
        }
        _ => {
            out.put_u8(127);
            out.put_u64(len as u64);
        }
    }
}

/// One complete frame.
pub fn encode(opcode: u8, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(header_len(payload.len()) + payload.len());
    put_header(&mut out, opcode, payload.len());
    out.put_slice(payload);
    out.freeze()
}

/// A close frame with `code` and a reason (cut to fit a control frame).
pub fn close(code: u16, reason: &str) -> Bytes {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = Vec::with_capacity(2 + end);
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    encode(OP_CLOSE, &payload)
}

const BATCH_HEAD: &[u8] = br#"{"type":"messages","messages":["#;
const BATCH_TAIL: &[u8] = b"]}";

/// The `messages` push carrying `events` (each a JSON object), as one
/// complete text frame: built once per room delivery and shared by every
/// member's queue.
pub fn messages(events: &[Bytes]) -> Bytes {
    let payload_len = BATCH_HEAD.len() + BATCH_TAIL.len() + events.iter().map(|e| e.len() + 1).sum::<usize>()
        - usize::from(!events.is_empty());
    let mut out = BytesMut::with_capacity(header_len(payload_len) + payload_len);
    put_header(&mut out, OP_TEXT, payload_len);
    out.put_slice(BATCH_HEAD);
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(e);
    }
    out.put_slice(BATCH_TAIL);
    debug_assert_eq!(out.len(), header_len(payload_len) + payload_len);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_the_shortest_length_form() {
        assert_eq!(&encode(OP_TEXT, b"hi")[..], b"\x81\x02hi");
        let f = encode(OP_TEXT, &[b'a'; 126]);
        assert_eq!(&f[..4], &[0x81, 126, 0, 126]);
        assert_eq!(f.len(), 4 + 126);
        let f = encode(OP_BINARY, &vec![0; 70_000]);
        assert_eq!(&f[..2], &[0x82, 127]);
        assert_eq!(u64::from_be_bytes(f[2..10].try_into().unwrap()), 70_000);
        assert_eq!(f.len(), 10 + 70_000);
    }

    #[test]
    fn close_carries_code_and_a_reason_cut_on_a_char_boundary() {
        let f = close(4008, "slow consumer");
        assert_eq!(&f[..4], &[0x88, 15, 0x0F, 0xA8]);
        assert_eq!(&f[4..], b"slow consumer");
        let long = "é".repeat(100);
        let f = close(1000, &long);
        assert!(f[1] as usize <= 125);
        assert!(std::str::from_utf8(&f[4..]).is_ok());
    }

    #[test]
    fn messages_frame_is_a_json_batch() {
        let events = [Bytes::from_static(br#"{"a":1}"#), Bytes::from_static(br#"{"b":2}"#)];
        let f = messages(&events);
        assert_eq!(f[0], 0x81);
        let payload = &f[2..];
        assert_eq!(f[1] as usize, payload.len());
        let v: serde_json::Value = serde_json::from_slice(payload).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "messages", "messages": [{"a": 1}, {"b": 2}]})
        );
        let big: Vec<Bytes> = (0..100).map(|i| Bytes::from(format!(r#"{{"i":{i}}}"#))).collect();
        let f = messages(&big);
        let len = u16::from_be_bytes([f[2], f[3]]) as usize;
        assert_eq!(f.len(), 4 + len);
        let v: serde_json::Value = serde_json::from_slice(&f[4..]).unwrap();
        assert_eq!(v["messages"].as_array().unwrap().len(), 100);
    }
}
