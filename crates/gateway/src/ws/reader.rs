//! Client-to-server frames: masked, possibly fragmented, with control
//! frames interleaved. Reads are cancel-safe: everything read stays in the
//! reader, so a `select!` may drop `next()` at any await.
//!
//! What the reader holds beyond its resting buffer is charged to the
//! gateway's incoming budget, and an unfinished message has a deadline
//! (`ReadGuard`): many slow or stalled senders cannot pin memory.

use super::frame::{OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT};
use crate::limits::IncomingBudget;
use bytes::Bytes;
use roomcast_core::model::now_ms;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::io::{AsyncRead, AsyncReadExt};

/// What bounds a reader besides the message size.
pub struct ReadGuard {
    /// Charged with what the buffers hold beyond the resting read buffer.
    pub budget: Arc<IncomingBudget>,
    /// Since when (ms) an unfinished message (or frame) is held; 0 if none.
    /// Shared with the sweeper, which enforces the deadline on clients that
    /// went silent.
    pub incomplete_since_ms: Arc<AtomicI64>,
    /// How long a message may stay unfinished.
    pub message_timeout_ms: i64,
}

impl ReadGuard {
    /// No budget and no deadline.
    pub fn unlimited() -> Self {
        Self {
            budget: Arc::new(IncomingBudget::unlimited()),
            incomplete_since_ms: Arc::new(AtomicI64::new(0)),
            message_timeout_ms: i64::MAX,
        }
    }
}

const OP_CONTINUATION: u8 = 0x0;

/// A complete message from the client.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Text(String),
    Binary(Vec<u8>),
    Ping(Bytes),
    Pong,
    /// The client's close, with its status code when it sent one.
    Close(Option<u16>),
}

/// Why reading stopped for good; each maps to the close code to send.
#[derive(Debug, PartialEq)]
pub enum ReadError {
    /// The peer went away (EOF or a socket error); nothing more can be sent.
    Gone,
    /// A frame broke RFC 6455 (close 1002).
    Protocol(&'static str),
    /// A message above the hard limit (close 1009).
    TooBig,
    /// A text message that is not UTF-8 (close 1007).
    BadUtf8,
    /// A message not completed within the deadline (close 1008).
    Timeout,
    /// The gateway's incoming budget is spent (close 1013).
    OverBudget,
}

impl ReadError {
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_PAYLOAD: u16 = 1007;

    /// The close frame to answer with, if the peer can still receive one.
    pub fn close(&self) -> Option<(u16, &'static str)> {
        match self {
            ReadError::Gone => None,
            ReadError::Protocol(why) => Some((Self::PROTOCOL_ERROR, why)),
            ReadError::TooBig => Some((crate::protocol::close::TOO_BIG, "frame too large")),
            ReadError::BadUtf8 => Some((Self::INVALID_PAYLOAD, "text is not valid utf-8")),
            ReadError::Timeout => Some((crate::protocol::close::MESSAGE_TIMEOUT, "message not completed in time")),
            ReadError::OverBudget => Some((crate::protocol::close::BUSY, "server busy; try again later")),
        }
    }
}

pub struct FrameReader<R> {
    io: R,
    /// Unparsed bytes are `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// How much to ask the socket for at a time; the buffer starts this small.
    chunk: usize,
    max_message: usize,
    /// A fragmented data message being assembled: its opcode and payload.
    fragments: Option<(u8, Vec<u8>)>,
    /// How much of a fragmented text message is known to be valid UTF-8.
    utf8_checked: usize,
    guard: ReadGuard,
    /// Bytes charged to the budget now.
    charged: usize,
}

impl<R> Drop for FrameReader<R> {
    fn drop(&mut self) {
        self.guard.budget.shrink(self.charged);
        self.guard.incomplete_since_ms.store(0, Ordering::Relaxed);
    }
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader without a budget or deadline: unit tests, the fuzz entry
    /// point and the test-only Autobahn echo route.
    pub fn new(io: R, chunk: usize, max_message: usize) -> Self {
        Self::with_guard(io, chunk, max_message, ReadGuard::unlimited())
    }

    pub fn with_guard(io: R, chunk: usize, max_message: usize, guard: ReadGuard) -> Self {
        Self {
            io,
            buf: Vec::new(),
            start: 0,
            chunk: chunk.max(16),
            max_message,
            fragments: None,
            utf8_checked: 0,
            guard,
            charged: 0,
        }
    }

    /// The next complete message.
    pub async fn next(&mut self) -> Result<Incoming, ReadError> {
        loop {
            let parsed = self.parse();
            self.charge()?;
            if let Some(msg) = parsed? {
                if matches!(msg, Incoming::Text(_) | Incoming::Binary(_)) {
                    // Progress: the deadline starts over for what follows.
                    self.guard.incomplete_since_ms.store(0, Ordering::Relaxed);
                }
                self.track_incomplete()?;
                return Ok(msg);
            }
            self.track_incomplete()?;
            self.fill().await?;
        }
    }

    /// Charges (or gives back) the change in what the buffers hold beyond
    /// the resting read buffer.
    fn charge(&mut self) -> Result<(), ReadError> {
        let held =
            self.buf.capacity().saturating_sub(self.chunk) + self.fragments.as_ref().map_or(0, |(_, p)| p.capacity());
        if held > self.charged {
            if !self.guard.budget.try_grow(held - self.charged) {
                metrics::counter!(crate::metrics::LIMIT_REFUSALS, "limit" => "incoming_budget").increment(1);
                return Err(ReadError::OverBudget);
            }
        } else if held < self.charged {
            self.guard.budget.shrink(self.charged - held);
        }
        self.charged = held;
        Ok(())
    }

    /// Starts the deadline when an unfinished message (or frame) is held,
    /// clears it when none is, and fails once it has passed.
    fn track_incomplete(&mut self) -> Result<(), ReadError> {
        let incomplete = self.fragments.is_some() || self.start < self.buf.len();
        let since = self.guard.incomplete_since_ms.load(Ordering::Relaxed);
        if !incomplete {
            if since != 0 {
                self.guard.incomplete_since_ms.store(0, Ordering::Relaxed);
            }
            return Ok(());
        }
        let now = now_ms();
        if since == 0 {
            self.guard.incomplete_since_ms.store(now, Ordering::Relaxed);
        } else if now - since > self.guard.message_timeout_ms {
            return Err(ReadError::Timeout);
        }
        Ok(())
    }

    /// Reads more from the socket into the buffer.
    async fn fill(&mut self) -> Result<(), ReadError> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let have = self.buf.len();
        // Idle connections keep only a small buffer; it grows for a large
        // frame and shrinks back once that frame is consumed.
        if self.buf.capacity() > self.chunk * 4 && have < self.chunk {
            self.buf.shrink_to(self.chunk);
        }
        self.buf.reserve(self.chunk);
        // Charged before waiting, so a sender that stalls now is counted.
        self.charge()?;
        match self.io.read_buf(&mut self.buf).await {
            Ok(0) | Err(_) => Err(ReadError::Gone),
            Ok(_) => Ok(()),
        }
    }

    /// Takes one message off the buffer if a complete one is there.
    fn parse(&mut self) -> Result<Option<Incoming>, ReadError> {
        loop {
            let avail = &self.buf[self.start..];
            if avail.len() < 2 {
                return Ok(None);
            }
            let (b0, b1) = (avail[0], avail[1]);
            let fin = b0 & 0x80 != 0;
            if b0 & 0x70 != 0 {
                return Err(ReadError::Protocol("reserved bits set"));
            }
            let opcode = b0 & 0x0F;
            if b1 & 0x80 == 0 {
                return Err(ReadError::Protocol("client frames must be masked"));
            }
            let (len, mut at) = match b1 & 0x7F {
                126 if avail.len() >= 4 => (u16::from_be_bytes([avail[2], avail[3]]) as u64, 4),
                127 if avail.len() >= 10 => (u64::from_be_bytes(avail[2..10].try_into().unwrap_or([0; 8])), 10),
                126 | 127 => return Ok(None),
                n => (n as u64, 2),
            };
            let control = opcode & 0x08 != 0;
            if control && (!fin || len > 125) {
                return Err(ReadError::Protocol("invalid control frame"));
            }
            if len >> 63 != 0 {
                return Err(ReadError::Protocol("frame length has its top bit set"));
            }
            let so_far = self.fragments.as_ref().map_or(0, |(_, p)| p.len()) as u64;
            // No addition: a huge length must not wrap around the check.
            if !control && len > (self.max_message as u64).saturating_sub(so_far) {
                return Err(ReadError::TooBig);
            }
            let len = len as usize;
            // `at` ≤ 10 ≤ `avail.len()` here and `len` < 2^63: no overflow.
            if avail.len() - at < len + 4 {
                return Ok(None);
            }
            let mask: [u8; 4] = avail[at..at + 4].try_into().unwrap_or([0; 4]);
            at += 4;
            let begin = self.start + at;
            let payload = &mut self.buf[begin..begin + len];
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i & 3];
            }
            let payload = &self.buf[begin..begin + len];
            self.start = begin + len;
            match opcode {
                OP_PING => return Ok(Some(Incoming::Ping(Bytes::copy_from_slice(payload)))),
                OP_PONG => return Ok(Some(Incoming::Pong)),
                OP_CLOSE => return close_frame(payload).map(Some),
                OP_TEXT | OP_BINARY => {
                    if self.fragments.is_some() {
                        return Err(ReadError::Protocol("new message inside a fragmented one"));
                    }
                    if fin {
                        return finish(opcode, payload.to_vec()).map(Some);
                    }
                    self.utf8_checked = 0;
                    let parts = payload.to_vec();
                    if opcode == OP_TEXT {
                        check_utf8_prefix(&parts, &mut self.utf8_checked)?;
                    }
                    self.fragments = Some((opcode, parts));
                }
                OP_CONTINUATION => {
                    let Some((op, parts)) = self.fragments.as_mut() else {
                        return Err(ReadError::Protocol("continuation without a message"));
                    };
                    parts.extend_from_slice(payload);
                    if *op == OP_TEXT && !fin {
                        check_utf8_prefix(parts, &mut self.utf8_checked)?;
                    }
                    if fin {
                        let (op, parts) = self.fragments.take().unwrap_or_default();
                        return finish(op, parts).map(Some);
                    }
                }
                _ => return Err(ReadError::Protocol("unknown opcode")),
            }
        }
    }
}

/// A close frame's payload: empty, or a code a peer may send (RFC 6455
/// §7.4) and a UTF-8 reason.
fn close_frame(payload: &[u8]) -> Result<Incoming, ReadError> {
    match payload {
        [] => Ok(Incoming::Close(None)),
        [_] => Err(ReadError::Protocol("close frame with a 1-byte payload")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
                return Err(ReadError::Protocol("invalid close code"));
            }
            if std::str::from_utf8(reason).is_err() {
                return Err(ReadError::BadUtf8);
            }
            Ok(Incoming::Close(Some(code)))
        }
    }
}

/// Fails a fragmented text message as soon as the bytes received so far
/// cannot begin valid UTF-8 (RFC 6455 §8.1 "fail fast"), rather than after
/// buffering the rest of it. A sequence cut at the fragment's end is fine;
/// the next fragment may complete it. `checked` is how far the bytes are
/// known valid, so each byte is checked once.
fn check_utf8_prefix(parts: &[u8], checked: &mut usize) -> Result<(), ReadError> {
    match std::str::from_utf8(&parts[*checked..]) {
        Ok(_) => *checked = parts.len(),
        Err(e) if e.error_len().is_none() => *checked += e.valid_up_to(),
        Err(_) => return Err(ReadError::BadUtf8),
    }
    Ok(())
}

fn finish(opcode: u8, payload: Vec<u8>) -> Result<Incoming, ReadError> {
    if opcode == OP_BINARY {
        return Ok(Incoming::Binary(payload));
    }
    String::from_utf8(payload)
        .map(Incoming::Text)
        .map_err(|_| ReadError::BadUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        match payload.len() {
            n @ 0..=125 => f.push(0x80 | n as u8),
            n @ 126..=0xFFFF => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        f
    }

    async fn read_all(bytes: Vec<u8>, chunk: usize, max: usize) -> Vec<Result<Incoming, ReadError>> {
        // A duplex with a tiny buffer splits frames across reads.
        let (mut tx, rx) = tokio::io::duplex(7);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let _ = tx.write_all(&bytes).await;
        });
        let mut r = FrameReader::new(rx, chunk, max);
        let mut out = Vec::new();
        loop {
            let m = r.next().await;
            let end = m.is_err();
            out.push(m);
            if end {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn reads_text_ping_close_across_split_reads() {
        let mut bytes = masked(true, OP_TEXT, b"hello");
        bytes.extend(masked(true, OP_PING, b"p"));
        bytes.extend(masked(true, OP_TEXT, &[b'x'; 300]));
        bytes.extend(masked(true, OP_CLOSE, &1000u16.to_be_bytes()));
        let got = read_all(bytes, 16, 1024).await;
        assert_eq!(got[0], Ok(Incoming::Text("hello".into())));
        assert_eq!(got[1], Ok(Incoming::Ping(Bytes::from_static(b"p"))));
        assert_eq!(got[2], Ok(Incoming::Text("x".repeat(300))));
        assert_eq!(got[3], Ok(Incoming::Close(Some(1000))));
        assert_eq!(got[4], Err(ReadError::Gone));
    }

    #[tokio::test]
    async fn assembles_fragments_with_control_frames_between() {
        let mut bytes = masked(false, OP_TEXT, "héll".as_bytes());
        bytes.extend(masked(true, OP_PONG, b""));
        bytes.extend(masked(true, OP_CONTINUATION, "o wörld".as_bytes()));
        let got = read_all(bytes, 16, 1024).await;
        assert_eq!(got[0], Ok(Incoming::Pong));
        assert_eq!(got[1], Ok(Incoming::Text("héllo wörld".into())));
    }

    #[tokio::test]
    async fn rejects_protocol_violations() {
        let unmasked = vec![0x81, 0x02, b'h', b'i'];
        assert_eq!(
            read_all(unmasked, 16, 1024).await[0],
            Err(ReadError::Protocol("client frames must be masked"))
        );
        let mut rsv = masked(true, OP_TEXT, b"x");
        rsv[0] |= 0x40;
        assert_eq!(
            read_all(rsv, 16, 1024).await[0],
            Err(ReadError::Protocol("reserved bits set"))
        );
        let fragmented_ping = masked(false, OP_PING, b"");
        assert_eq!(
            read_all(fragmented_ping, 16, 1024).await[0],
            Err(ReadError::Protocol("invalid control frame"))
        );
        let stray = masked(true, OP_CONTINUATION, b"x");
        assert_eq!(
            read_all(stray, 16, 1024).await[0],
            Err(ReadError::Protocol("continuation without a message"))
        );
        let unknown = masked(true, 0x3, b"x");
        assert_eq!(
            read_all(unknown, 16, 1024).await[0],
            Err(ReadError::Protocol("unknown opcode"))
        );
        let mut nested = masked(false, OP_TEXT, b"a");
        nested.extend(masked(true, OP_TEXT, b"b"));
        assert_eq!(
            read_all(nested, 16, 1024).await[0],
            Err(ReadError::Protocol("new message inside a fragmented one"))
        );
    }

    #[tokio::test]
    async fn huge_lengths_cannot_wrap_the_size_check() {
        // A 1-byte fragment, then a continuation claiming 2^64 - 1 bytes.
        let mut bytes = masked(false, OP_TEXT, b"a");
        bytes.extend([0x80, 0x80 | 127]);
        bytes.extend(u64::MAX.to_be_bytes());
        bytes.extend([1, 2, 3, 4]);
        assert_eq!(
            read_all(bytes, 16, 1024).await[0],
            Err(ReadError::Protocol("frame length has its top bit set"))
        );
        let mut bytes = masked(false, OP_TEXT, b"a");
        bytes.extend([0x80, 0x80 | 127]);
        bytes.extend((u64::MAX >> 1).to_be_bytes());
        bytes.extend([1, 2, 3, 4]);
        assert_eq!(read_all(bytes, 16, 1024).await[0], Err(ReadError::TooBig));
    }

    #[tokio::test]
    async fn close_frames_are_checked() {
        assert_eq!(
            read_all(masked(true, OP_CLOSE, b""), 16, 64).await[0],
            Ok(Incoming::Close(None))
        );
        let ok = [&4000u16.to_be_bytes()[..], b"bye"].concat();
        assert_eq!(
            read_all(masked(true, OP_CLOSE, &ok), 16, 64).await[0],
            Ok(Incoming::Close(Some(4000)))
        );
        assert_eq!(
            read_all(masked(true, OP_CLOSE, &[3]), 16, 64).await[0],
            Err(ReadError::Protocol("close frame with a 1-byte payload"))
        );
        for code in [999u16, 1005, 1006, 1015, 2000, 5000] {
            assert_eq!(
                read_all(masked(true, OP_CLOSE, &code.to_be_bytes()), 16, 64).await[0],
                Err(ReadError::Protocol("invalid close code")),
                "code {code}"
            );
        }
        let bad_reason = [&1000u16.to_be_bytes()[..], &[0xff]].concat();
        assert_eq!(
            read_all(masked(true, OP_CLOSE, &bad_reason), 16, 64).await[0],
            Err(ReadError::BadUtf8)
        );
    }

    #[tokio::test]
    async fn limits_message_size_and_checks_utf8() {
        let big = masked(true, OP_TEXT, &[b'a'; 2000]);
        assert_eq!(read_all(big, 16, 1024).await[0], Err(ReadError::TooBig));
        // The limit applies to the assembled message, not each fragment.
        let mut parts = masked(false, OP_TEXT, &[b'a'; 600]);
        parts.extend(masked(true, OP_CONTINUATION, &[b'a'; 600]));
        assert_eq!(read_all(parts, 16, 1024).await[0], Err(ReadError::TooBig));
        let bad = masked(true, OP_TEXT, &[0xff, 0xfe]);
        assert_eq!(read_all(bad, 16, 1024).await[0], Err(ReadError::BadUtf8));
        let bin = masked(true, OP_BINARY, &[0xff]);
        assert_eq!(read_all(bin, 16, 1024).await[0], Ok(Incoming::Binary(vec![0xff])));
    }

    #[tokio::test]
    async fn invalid_utf8_in_a_fragment_fails_before_the_message_ends() {
        // The first fragment is already invalid; the message never finishes,
        // yet the reader must fail as soon as that fragment is in.
        let (mut tx, rx) = tokio::io::duplex(1024);
        use tokio::io::AsyncWriteExt;
        tx.write_all(&masked(false, OP_TEXT, &[b'o', b'k', 0xce, 0xba, 0xff]))
            .await
            .unwrap();
        let mut r = FrameReader::new(rx, 64, 1024);
        let within = std::time::Duration::from_secs(5);
        assert_eq!(
            tokio::time::timeout(within, r.next()).await,
            Ok(Err(ReadError::BadUtf8))
        );
        // Same when a later continuation goes bad.
        let (mut tx, rx) = tokio::io::duplex(1024);
        tx.write_all(&masked(false, OP_TEXT, b"fine")).await.unwrap();
        tx.write_all(&masked(false, OP_CONTINUATION, &[0xed, 0xa0, 0x80]))
            .await
            .unwrap();
        let mut r = FrameReader::new(rx, 64, 1024);
        assert_eq!(
            tokio::time::timeout(within, r.next()).await,
            Ok(Err(ReadError::BadUtf8))
        );
    }

    #[tokio::test]
    async fn a_code_point_split_across_fragments_is_valid() {
        // "κόσμε" cut inside multi-byte sequences at every fragment boundary.
        let text = "κόσμε".as_bytes();
        let mut bytes = masked(false, OP_TEXT, &text[..1]);
        bytes.extend(masked(false, OP_CONTINUATION, &text[1..4]));
        bytes.extend(masked(false, OP_CONTINUATION, &text[4..7]));
        bytes.extend(masked(true, OP_CONTINUATION, &text[7..]));
        let got = read_all(bytes, 16, 1024).await;
        assert_eq!(got[0], Ok(Incoming::Text("κόσμε".into())));
        // A sequence cut at the end of the last fragment is still invalid.
        let mut bytes = masked(false, OP_TEXT, b"a");
        bytes.extend(masked(true, OP_CONTINUATION, &[0xce]));
        assert_eq!(read_all(bytes, 16, 1024).await[0], Err(ReadError::BadUtf8));
    }

    #[tokio::test]
    async fn a_large_frame_grows_the_buffer_and_it_shrinks_back() {
        let (mut tx, rx) = tokio::io::duplex(64 * 1024);
        use tokio::io::AsyncWriteExt;
        tx.write_all(&masked(true, OP_TEXT, &[b'z'; 20_000])).await.unwrap();
        tx.write_all(&masked(true, OP_TEXT, b"small")).await.unwrap();
        let mut r = FrameReader::new(rx, 256, 1 << 20);
        assert_eq!(r.next().await, Ok(Incoming::Text("z".repeat(20_000))));
        assert_eq!(r.next().await, Ok(Incoming::Text("small".into())));
        tx.write_all(&masked(true, OP_TEXT, b"again")).await.unwrap();
        assert_eq!(r.next().await, Ok(Incoming::Text("again".into())));
        assert!(r.buf.capacity() <= 256 * 4, "capacity {}", r.buf.capacity());
    }

    #[tokio::test]
    async fn held_bytes_are_charged_and_an_unfinished_message_has_a_deadline() {
        let budget = Arc::new(IncomingBudget::new(3000));
        let guard = |timeout| ReadGuard {
            budget: budget.clone(),
            incomplete_since_ms: Arc::new(AtomicI64::new(0)),
            message_timeout_ms: timeout,
        };
        let (mut tx, rx) = tokio::io::duplex(64 * 1024);
        use tokio::io::AsyncWriteExt;
        tx.write_all(&masked(false, OP_TEXT, &[b'a'; 1000])).await.unwrap();
        tx.write_all(&masked(true, OP_PING, b"")).await.unwrap();
        let mut r = FrameReader::with_guard(rx, 64, 1 << 20, guard(i64::MAX));
        assert_eq!(r.next().await, Ok(Incoming::Ping(Bytes::new())));
        assert!(budget.used() >= 1000, "the fragment is charged: {}", budget.used());
        assert_ne!(r.guard.incomplete_since_ms.load(Ordering::Relaxed), 0);
        // A second reader cannot take what is left of the budget.
        let (mut tx2, rx2) = tokio::io::duplex(64 * 1024);
        tx2.write_all(&masked(true, OP_TEXT, &[b'b'; 2500])).await.unwrap();
        let mut r2 = FrameReader::with_guard(rx2, 64, 1 << 20, guard(i64::MAX));
        assert_eq!(r2.next().await, Err(ReadError::OverBudget));
        drop(r2);
        tx.write_all(&masked(true, OP_CONTINUATION, b"!")).await.unwrap();
        assert!(matches!(r.next().await, Ok(Incoming::Text(t)) if t.len() == 1001));
        assert_eq!(r.guard.incomplete_since_ms.load(Ordering::Relaxed), 0);
        drop(r);
        assert_eq!(budget.used(), 0, "everything given back");

        // Past the deadline, the next frame that arrives ends the connection.
        let (mut tx, rx) = tokio::io::duplex(1024);
        tx.write_all(&masked(false, OP_TEXT, b"never finished")).await.unwrap();
        let mut r = FrameReader::with_guard(rx, 64, 1 << 20, guard(20));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        tx.write_all(&masked(true, OP_PING, b"")).await.unwrap();
        assert_eq!(r.next().await, Ok(Incoming::Ping(Bytes::new())));
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        tx.write_all(&masked(true, OP_PING, b"")).await.unwrap();
        assert_eq!(r.next().await, Err(ReadError::Timeout));
    }
}
