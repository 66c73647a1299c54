//! The gateway's WebSocket frame reader (crates/gateway/src/ws/reader.rs)
//! over arbitrary client bytes.
//!
//! Input: byte 0 picks how many bytes each socket read hands over (1..=64,
//! or all at once), byte 1 the message limit; the rest is the byte stream.
//! Invariants: no panic; never a message above the limit, never a ping
//! payload above 125 bytes (RFC 6455 §5.5); and the reader yields exactly
//! the same messages and error however the stream is split across reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast_gateway::fuzz_api::{Incoming, read_frames};

fuzz_target!(|data: &[u8]| {
    let [split, limit, stream @ ..] = data else {
        return;
    };
    let step = match split % 65 {
        0 => usize::MAX,
        n => n as usize,
    };
    // Small limits reach the size checks with small inputs.
    let max_message = (*limit as usize) * 64;
    let trickled = read_frames(stream, step, 16, max_message);
    for result in &trickled {
        match result {
            Ok(Incoming::Text(t)) => assert!(t.len() <= max_message, "text of {} > {max_message}", t.len()),
            Ok(Incoming::Binary(b)) => assert!(b.len() <= max_message, "binary of {} > {max_message}", b.len()),
            Ok(Incoming::Ping(p)) => assert!(p.len() <= 125, "ping of {}", p.len()),
            _ => {}
        }
    }
    let whole = read_frames(stream, usize::MAX, 1024, max_message);
    assert_eq!(trickled, whole, "result depends on how reads split the stream");
});
