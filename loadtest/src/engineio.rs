//! Engine.IO v4 packets (WebSocket transport only) and the socket.io v4
//! packets they carry.
//!
//! Over the WebSocket transport each Engine.IO packet is one frame: a type
//! digit followed by data. `4` (message) carries a socket.io packet: a type
//! digit, an optional `/namespace,`, an optional ack id and JSON data.

use serde::Deserialize;
use std::borrow::Cow;

/// An Engine.IO packet.
#[derive(Debug, PartialEq, Eq)]
pub enum Eio<'a> {
    /// `0{"sid":…,"pingInterval":…}` handshake.
    Open(&'a str),
    Close,
    /// `2` (with optional probe data): the client must answer `3`.
    Ping(&'a str),
    Pong(&'a str),
    /// `4…`: a socket.io packet.
    Message(&'a str),
    Upgrade,
    Noop,
}

pub fn parse_eio(frame: &str) -> Result<Eio<'_>, String> {
    let mut chars = frame.chars();
    let t = chars.next().ok_or("empty engine.io packet")?;
    let data = &frame[1..];
    Ok(match t {
        '0' => Eio::Open(data),
        '1' => Eio::Close,
        '2' => Eio::Ping(data),
        '3' => Eio::Pong(data),
        '4' => Eio::Message(data),
        '5' => Eio::Upgrade,
        '6' => Eio::Noop,
        other => return Err(format!("unknown engine.io packet type {other:?}")),
    })
}

/// A socket.io packet (inside an Engine.IO message).
#[derive(Debug, PartialEq, Eq)]
pub enum Sio<'a> {
    Connect {
        nsp: &'a str,
        data: &'a str,
    },
    Disconnect {
        nsp: &'a str,
    },
    Event {
        nsp: &'a str,
        ack: Option<u64>,
        data: &'a str,
    },
    Ack {
        nsp: &'a str,
        ack: u64,
        data: &'a str,
    },
    ConnectError {
        nsp: &'a str,
        data: &'a str,
    },
    /// Binary events and acks (unused by the load test).
    Binary,
}

pub fn parse_sio(packet: &str) -> Result<Sio<'_>, String> {
    let b = packet.as_bytes();
    let t = *b.first().ok_or("empty socket.io packet")?;
    let mut rest = &packet[1..];
    if matches!(t, b'5' | b'6') {
        return Ok(Sio::Binary);
    }
    // Optional namespace: "/name," (the default namespace "/" is omitted).
    let mut nsp = "/";
    if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        nsp = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
    }
    // Optional ack id: leading digits.
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let ack = if digits > 0 {
        Some(rest[..digits].parse::<u64>().map_err(|e| e.to_string())?)
    } else {
        None
    };
    let data = &rest[digits..];
    Ok(match t {
        b'0' => Sio::Connect { nsp, data },
        b'1' => Sio::Disconnect { nsp },
        b'2' => Sio::Event { nsp, ack, data },
        b'3' => Sio::Ack {
            nsp,
            ack: ack.ok_or("ack packet without id")?,
            data,
        },
        b'4' => Sio::ConnectError { nsp, data },
        other => return Err(format!("unknown socket.io packet type {:?}", other as char)),
    })
}

/// The data of a `msg` event: `["msg",{"room":…,"payload":…}]`.
#[derive(Debug, Deserialize)]
pub struct MsgEvent<'a>(#[serde(borrow)] pub Cow<'a, str>, #[serde(borrow)] pub MsgData<'a>);

#[derive(Debug, Deserialize)]
pub struct MsgData<'a> {
    #[serde(borrow)]
    pub room: Cow<'a, str>,
    #[serde(borrow)]
    pub payload: Cow<'a, str>,
}

/// Parses the JSON data of an event packet as a `msg` event.
pub fn parse_msg_event(data: &str) -> Result<MsgEvent<'_>, String> {
    let ev: MsgEvent<'_> = serde_json::from_str(data).map_err(|e| e.to_string())?;
    if ev.0 != "msg" {
        return Err(format!("unexpected event {:?}", ev.0));
    }
    Ok(ev)
}

/// Engine.IO pong answering a ping (echoing its data).
pub fn pong(ping_data: &str) -> String {
    format!("3{ping_data}")
}

/// Connect to the default namespace.
pub const CONNECT: &str = "40";

/// `42<ack>["join","<room>"]`.
pub fn join(room: &str, ack: u64) -> String {
    format!("42{ack}{}", serde_json::json!(["join", room]))
}

/// `42["msg",{"room":…,"payload":…}]`. `payload` must be JSON-safe ASCII
/// (the load-test payload is).
pub fn msg(room: &str, payload: &str) -> String {
    format!("42[\"msg\",{{\"room\":\"{room}\",\"payload\":\"{payload}\"}}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_io_packets() {
        assert_eq!(
            parse_eio("0{\"sid\":\"a\",\"pingInterval\":25000}").unwrap(),
            Eio::Open("{\"sid\":\"a\",\"pingInterval\":25000}")
        );
        assert_eq!(parse_eio("2").unwrap(), Eio::Ping(""));
        assert_eq!(parse_eio("2probe").unwrap(), Eio::Ping("probe"));
        assert_eq!(parse_eio("3").unwrap(), Eio::Pong(""));
        assert_eq!(parse_eio("1").unwrap(), Eio::Close);
        assert_eq!(parse_eio("6").unwrap(), Eio::Noop);
        assert_eq!(parse_eio("40").unwrap(), Eio::Message("0"));
        assert!(parse_eio("").is_err());
        assert!(parse_eio("9").is_err());
        assert_eq!(pong("probe"), "3probe");
    }

    #[test]
    fn socket_io_packets() {
        assert_eq!(
            parse_sio("0{\"sid\":\"x\"}").unwrap(),
            Sio::Connect {
                nsp: "/",
                data: "{\"sid\":\"x\"}"
            }
        );
        assert_eq!(
            parse_sio("0/admin,{\"sid\":\"x\"}").unwrap(),
            Sio::Connect {
                nsp: "/admin",
                data: "{\"sid\":\"x\"}"
            }
        );
        assert_eq!(
            parse_sio("2[\"msg\",1]").unwrap(),
            Sio::Event {
                nsp: "/",
                ack: None,
                data: "[\"msg\",1]"
            }
        );
        assert_eq!(
            parse_sio("213[\"join\",\"room-1\"]").unwrap(),
            Sio::Event {
                nsp: "/",
                ack: Some(13),
                data: "[\"join\",\"room-1\"]"
            }
        );
        assert_eq!(
            parse_sio("30[\"ok\"]").unwrap(),
            Sio::Ack {
                nsp: "/",
                ack: 0,
                data: "[\"ok\"]"
            }
        );
        assert_eq!(
            parse_sio("4{\"message\":\"nope\"}").unwrap(),
            Sio::ConnectError {
                nsp: "/",
                data: "{\"message\":\"nope\"}"
            }
        );
        assert_eq!(parse_sio("1").unwrap(), Sio::Disconnect { nsp: "/" });
        assert_eq!(parse_sio("51-[\"x\",{}]").unwrap(), Sio::Binary);
        assert!(parse_sio("3[]").is_err());
        assert!(parse_sio("").is_err());
    }

    #[test]
    fn msg_events_round_trip() {
        let frame = msg("room-3", "LT|1|2|3|xx");
        let Eio::Message(p) = parse_eio(&frame).unwrap() else {
            panic!("not a message")
        };
        let Sio::Event { ack: None, data, .. } = parse_sio(p).unwrap() else {
            panic!("not an event")
        };
        let ev = parse_msg_event(data).unwrap();
        assert_eq!(ev.1.room, "room-3");
        assert_eq!(ev.1.payload, "LT|1|2|3|xx");
        assert!(parse_msg_event("[\"other\",{\"room\":\"r\",\"payload\":\"p\"}]").is_err());
        assert_eq!(join("room-1", 0), "420[\"join\",\"room-1\"]");
    }
}
