//! WebSocket spoken byte by byte over a plain TCP stream (RFC 6455). Unlike
//! tungstenite it never answers server pings by itself (so it looks exactly
//! like a client that went silent), and it can write frames the server is
//! expected to refuse without caring whether the write completes.

use super::WAIT;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// The handshake key every raw client sends, and the accept value it implies.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pplmbitxaq9kygzzhzrbk+xoo=";

/// Sends a raw HTTP request and returns the stream and the response head
/// (read byte by byte, so nothing after the head is consumed).
pub async fn http_head(addr: SocketAddr, request: &str) -> (TcpStream, String) {
    let mut tcp = TcpStream::connect(addr).await.expect("tcp connects");
    tcp.write_all(request.as_bytes()).await.expect("request written");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, tcp.read(&mut byte))
            .await
            .expect("timed out waiting for the response head")
            .expect("response head read");
        assert_eq!(
            n,
            1,
            "connection ended inside the response head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    (tcp, String::from_utf8(head).unwrap())
}

/// A version-13 upgrade request for `path` with extra header lines
/// (`"X-Forwarded-For: 1.2.3.4"`).
pub fn upgrade_request_with(addr: SocketAddr, path: &str, headers: &[&str]) -> String {
    let mut req = upgrade_request(addr, path, "13");
    req.truncate(req.len() - 2);
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req
}

/// A WebSocket upgrade request for `path` offering protocol `version`.
pub fn upgrade_request(addr: SocketAddr, path: &str, version: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: {version}\r\n\r\n"
    )
}

/// One client frame, masked, as bytes.
pub fn masked_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0xA1, 0xB2, 0xC3, 0xD4];
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push(if fin { 0x80 | opcode } else { opcode });
    match payload.len() {
        n @ 0..=125 => f.push(0x80 | n as u8),
        n @ 126..=0xffff => {
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

/// Parses one complete server frame from the start of `b`: (opcode,
/// payload, bytes used). Server frames are never fragmented nor masked.
fn parse_frame(b: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if b.len() < 2 {
        return None;
    }
    assert_eq!(b[0] & 0x80, 0x80, "server frames are never fragmented");
    assert_eq!(b[1] & 0x80, 0, "server frames are never masked");
    let (len, pos) = match b[1] & 0x7f {
        126 if b.len() < 4 => return None,
        126 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
        127 if b.len() < 10 => return None,
        127 => (u64::from_be_bytes(b[2..10].try_into().unwrap()) as usize, 10),
        n => (n as usize, 2),
    };
    if b.len() < pos + len {
        return None;
    }
    Some((b[0] & 0x0f, b[pos..pos + len].to_vec(), pos + len))
}

/// A WebSocket connection driven frame by frame.
pub struct RawWs {
    tcp: TcpStream,
    /// Bytes read past the last complete frame.
    buf: Vec<u8>,
}

impl RawWs {
    /// Upgrades a connection to `path` (protocol version 13) and checks the
    /// server's answer, including its `Sec-WebSocket-Accept`.
    pub async fn connect(addr: SocketAddr, path: &str) -> Self {
        let (tcp, head) = http_head(addr, &upgrade_request(addr, path, "13")).await;
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("sec-websocket-accept: {ACCEPT}")),
            "{head}"
        );
        Self { tcp, buf: Vec::new() }
    }

    /// Upgrades with extra header lines; `Err(response head)` when refused.
    pub async fn try_connect_with(addr: SocketAddr, path: &str, headers: &[&str]) -> Result<Self, String> {
        let (tcp, head) = http_head(addr, &upgrade_request_with(addr, path, headers)).await;
        if !head.starts_with("HTTP/1.1 101") {
            return Err(head);
        }
        Ok(Self { tcp, buf: Vec::new() })
    }

    /// Writes one masked text frame holding a request `{"id","op","data"}`.
    pub async fn write_request(&mut self, id: u64, op: &str, data: serde_json::Value) -> std::io::Result<()> {
        let frame = serde_json::json!({ "id": id, "op": op, "data": data }).to_string();
        self.write_frame(OP_TEXT, frame.as_bytes()).await
    }

    /// The next text frame as JSON (pings and other frames skipped); `None`
    /// once a close arrives or the stream ends.
    pub async fn read_json(&mut self) -> Option<serde_json::Value> {
        loop {
            match self.read_frame().await? {
                (OP_TEXT, payload) => return Some(serde_json::from_slice(&payload).expect("json frame")),
                (OP_CLOSE, _) => return None,
                _ => {}
            }
        }
    }

    /// Writes raw bytes. The server may hang up mid-write, so the result is
    /// returned rather than unwrapped.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.tcp.write_all(bytes).await?;
        self.tcp.flush().await
    }

    /// Writes one masked, final frame (see [`RawWs::write_raw`]).
    pub async fn write_frame(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        self.write_raw(&masked_frame(true, opcode, payload)).await
    }

    /// The next frame as (opcode, payload); `None` once the stream ended.
    pub async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if let Some((op, payload, used)) = parse_frame(&self.buf) {
                self.buf.drain(..used);
                return Some((op, payload));
            }
            let mut chunk = vec![0u8; 64 * 1024];
            let n = tokio::time::timeout(WAIT, self.tcp.read(&mut chunk))
                .await
                .expect("timed out waiting for a frame");
            match n {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads (never answering anything) until a close frame arrives and
    /// returns its code and how many pings came before it; code 1005 for a
    /// close frame without a code, 1006 if the connection ended without one.
    pub async fn wait_close(&mut self) -> (u16, usize) {
        let mut pings = 0;
        while let Some((op, payload)) = self.read_frame().await {
            match op {
                OP_CLOSE if payload.len() >= 2 => return (u16::from_be_bytes([payload[0], payload[1]]), pings),
                OP_CLOSE => return (1005, pings),
                OP_PING => pings += 1,
                _ => {}
            }
        }
        (1006, pings)
    }

    /// The code of the close frame that must come before the end.
    pub async fn close_code(&mut self) -> u16 {
        let (code, _) = self.wait_close().await;
        assert_ne!(code, 1006, "a close frame before the end");
        code
    }

    /// How many bytes arrive until the server ends the connection.
    pub async fn bytes_until_end(&mut self) -> usize {
        let mut rest = std::mem::take(&mut self.buf);
        tokio::time::timeout(WAIT, self.tcp.read_to_end(&mut rest))
            .await
            .expect("the connection ends")
            .expect("read to the end");
        rest.len()
    }
}
