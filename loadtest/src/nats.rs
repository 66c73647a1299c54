//! The NATS client text protocol, as spoken over nats-server's WebSocket
//! listener. A WebSocket frame may hold several protocol messages or only
//! part of one, so the parser buffers bytes across frames.

/// One server-to-client protocol message.
#[derive(Debug, PartialEq, Eq)]
pub enum Op<'a> {
    Msg {
        subject: &'a str,
        sid: &'a str,
        payload: &'a [u8],
    },
    Ping,
    Pong,
    Ok,
    Err(String),
    Info,
}

/// Longest control line accepted before giving up on the stream.
const MAX_LINE: usize = 64 * 1024;

/// Incremental parser: [`Parser::feed`] bytes, then call
/// [`Parser::next_op`] until it returns `Ok(None)`.
#[derive(Default)]
pub struct Parser {
    buf: Vec<u8>,
    pos: usize,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes received from the server.
    pub fn feed(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 4096 && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered but not yet parsed.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next complete message, `Ok(None)` when more bytes are needed.
    pub fn next_op(&mut self) -> Result<Option<Op<'_>>, String> {
        let start = self.pos;
        let rest = &self.buf[start..];
        let Some(eol) = find_crlf(rest) else {
            if rest.len() > MAX_LINE {
                return Err("control line too long".into());
            }
            return Ok(None);
        };
        let line = std::str::from_utf8(&rest[..eol]).map_err(|_| "control line is not UTF-8".to_string())?;
        let after_line = start + eol + 2;
        let (verb, args) = match line.find([' ', '\t']) {
            Some(i) => (&line[..i], line[i + 1..].trim()),
            None => (line, ""),
        };
        let verb_up = verb.to_ascii_uppercase();
        match verb_up.as_str() {
            "MSG" | "HMSG" => {
                let toks: Vec<&str> = args.split_ascii_whitespace().collect();
                let headers = verb_up == "HMSG";
                let (hdr_len, total) = match (headers, toks.len()) {
                    (false, 3) | (false, 4) => (0, parse_len(toks[toks.len() - 1])?),
                    (true, 4) | (true, 5) => {
                        let n = toks.len();
                        (parse_len(toks[n - 2])?, parse_len(toks[n - 1])?)
                    }
                    _ => return Err(format!("malformed {verb_up} line: {line}")),
                };
                if hdr_len > total {
                    return Err(format!("header length exceeds total: {line}"));
                }
                let end = after_line + total;
                if self.buf.len() < end + 2 {
                    return Ok(None);
                }
                if &self.buf[end..end + 2] != b"\r\n" {
                    return Err("payload not followed by CRLF".into());
                }
                self.pos = end + 2;
                // Re-borrow the line from the buffer (it lives before `after_line`).
                let line = std::str::from_utf8(&self.buf[start..start + eol]).unwrap_or_default();
                let mut it = line.split_ascii_whitespace().skip(1);
                let subject = it.next().unwrap_or_default();
                let sid = it.next().unwrap_or_default();
                Ok(Some(Op::Msg {
                    subject,
                    sid,
                    payload: &self.buf[after_line + hdr_len..end],
                }))
            }
            "PING" => {
                self.pos = after_line;
                Ok(Some(Op::Ping))
            }
            "PONG" => {
                self.pos = after_line;
                Ok(Some(Op::Pong))
            }
            "+OK" => {
                self.pos = after_line;
                Ok(Some(Op::Ok))
            }
            "-ERR" => {
                let msg = args.trim_matches('\'').to_string();
                self.pos = after_line;
                Ok(Some(Op::Err(msg)))
            }
            "INFO" => {
                self.pos = after_line;
                Ok(Some(Op::Info))
            }
            _ => Err(format!("unknown protocol message: {}", truncate(line, 80))),
        }
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

fn parse_len(s: &str) -> Result<usize, String> {
    s.parse::<usize>().map_err(|_| format!("bad length {s:?}"))
}

/// The frame a member sends right after the WebSocket opens: CONNECT, SUB
/// and a PING whose PONG confirms the subscription is registered.
pub fn hello(subject: &str, sid: u32) -> Vec<u8> {
    format!("CONNECT {{\"verbose\":false,\"pedantic\":false,\"protocol\":1}}\r\nSUB {subject} {sid}\r\nPING\r\n")
        .into_bytes()
}

/// `PUB <subject> <len>\r\n<payload>\r\n`.
pub fn publish(subject: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(subject.len() + payload.len() + 24);
    v.extend_from_slice(b"PUB ");
    v.extend_from_slice(subject.as_bytes());
    v.push(b' ');
    v.extend_from_slice(payload.len().to_string().as_bytes());
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(payload);
    v.extend_from_slice(b"\r\n");
    v
}

pub const PONG: &[u8] = b"PONG\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(p: &mut Parser) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(op) = p.next_op().unwrap() {
            out.push(match op {
                Op::Msg { subject, sid, payload } => {
                    format!("MSG {subject} {sid} {}", String::from_utf8_lossy(payload))
                }
                Op::Ping => "PING".into(),
                Op::Pong => "PONG".into(),
                Op::Ok => "+OK".into(),
                Op::Err(e) => format!("-ERR {e}"),
                Op::Info => "INFO".into(),
            });
        }
        out
    }

    #[test]
    fn several_messages_in_one_frame() {
        let mut p = Parser::new();
        p.feed(b"INFO {\"server_id\":\"x\"}\r\nPING\r\nMSG room.1 1 5\r\nhello\r\nMSG room.1 1 0\r\n\r\n+OK\r\n");
        assert_eq!(
            collect(&mut p),
            vec!["INFO", "PING", "MSG room.1 1 hello", "MSG room.1 1 ", "+OK"]
        );
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn message_split_across_frames() {
        let whole = b"MSG room.7 3 12\r\nhello\r\nworld\r\nPONG\r\n";
        // Every split point must give the same result.
        for cut in 0..whole.len() {
            let mut p = Parser::new();
            p.feed(&whole[..cut]);
            let mut got = collect(&mut p);
            p.feed(&whole[cut..]);
            got.extend(collect(&mut p));
            assert_eq!(got, vec!["MSG room.7 3 hello\r\nworld", "PONG"], "cut at {cut}");
        }
    }

    #[test]
    fn byte_by_byte() {
        let whole =
            b"MSG a.b 1 reply.to 3\r\nabc\r\nHMSG a.b 2 12 15\r\nNATS/1.0\r\n\r\nxyz\r\n-ERR 'Slow Consumer'\r\n";
        let mut p = Parser::new();
        let mut got = Vec::new();
        for b in whole.iter() {
            p.feed(std::slice::from_ref(b));
            got.extend(collect(&mut p));
        }
        assert_eq!(got, vec!["MSG a.b 1 abc", "MSG a.b 2 xyz", "-ERR Slow Consumer"]);
    }

    #[test]
    fn malformed_input_is_an_error() {
        let mut p = Parser::new();
        p.feed(b"BOGUS\r\n");
        assert!(p.next_op().is_err());
        let mut p = Parser::new();
        p.feed(b"MSG a 1 3\r\nabcd\r\n");
        assert!(p.next_op().is_err());
        let mut p = Parser::new();
        p.feed(b"MSG a 1 notanumber\r\n");
        assert!(p.next_op().is_err());
    }

    #[test]
    fn builders() {
        assert_eq!(publish("room.3", b"hi"), b"PUB room.3 2\r\nhi\r\n");
        let h = String::from_utf8(hello("room.0", 1)).unwrap();
        assert!(h.starts_with("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1"));
        assert!(h.ends_with("\r\nSUB room.0 1\r\nPING\r\n"));
    }
}
