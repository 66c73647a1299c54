//! Entry points for the fuzz targets in `fuzz/` (a workspace of its own):
//! the smallest public surface over the real frame reader and request
//! decoder, which are otherwise private to the gateway. Not part of the
//! gateway's API; nothing in Roomcast calls it.

use crate::error::GatewayError;
use crate::protocol::{self, Envelope};
use crate::ws::reader::FrameReader;
pub use crate::ws::reader::{Incoming, ReadError};
use roomcast_core::model::ValidBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, ReadBuf};

/// Hands out `data` at most `step` bytes per read, like a socket that
/// splits frames across reads; always ready.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl AsyncRead for Trickle<'_> {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let n = self.step.min(self.data.len()).min(buf.remaining());
        let (now, rest) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = rest;
        Poll::Ready(Ok(()))
    }
}

/// Every result `FrameReader` yields for `input` arriving `step` bytes per
/// read, up to and including the first error (EOF ends as `Gone`).
/// `chunk` and `max_message` are the reader's buffer size and message limit.
pub fn read_frames(input: &[u8], step: usize, chunk: usize, max_message: usize) -> Vec<Result<Incoming, ReadError>> {
    let mut reader = FrameReader::new(
        Trickle {
            data: input,
            step: step.max(1),
        },
        chunk,
        max_message,
    );
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        // The source is always ready, so one poll always completes.
        let Poll::Ready(result) = pin!(reader.next()).poll(&mut cx) else {
            panic!("frame reader pending on an always-ready source");
        };
        let end = result.is_err();
        out.push(result);
        if end {
            return out;
        }
    }
}

/// A decoded request: its op and its data re-encoded from the typed form.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    pub op: String,
    pub data: Value,
}

/// Decodes one request frame as the gateway does before running it: the
/// envelope, then the op's `data` into its typed form (for `send`, also the
/// message body's validation). On error, the reply frame the client gets.
pub fn decode_request(text: &str, max_frame_bytes: usize) -> Result<Decoded, String> {
    let reply = |id: &Value, e: GatewayError| protocol::error_reply(id, &e, Value::Null);
    if text.len() > max_frame_bytes {
        let e = GatewayError::FrameTooLarge {
            size: text.len(),
            max: max_frame_bytes,
        };
        return Err(reply(&Value::Null, e));
    }
    let Envelope { id, op, data } = protocol::parse_envelope(text).map_err(|e| reply(&Value::Null, e))?;
    let Some(op) = op else {
        return Err(reply(
            &id,
            GatewayError::BadRequest {
                op: "request",
                reason: "missing field `op`".into(),
            },
        ));
    };
    let data = decode_data(&op, data).map_err(|e| reply(&id, e))?;
    Ok(Decoded { op, data })
}

fn typed<T: DeserializeOwned + Serialize>(op: &'static str, data: Value) -> Result<Value, GatewayError> {
    let d: T = protocol::data(op, data)?;
    Ok(serde_json::to_value(&d).expect("requests serialize"))
}

/// The op → data type table of `session::dispatch`, op by op.
fn decode_data(op: &str, data: Value) -> Result<Value, GatewayError> {
    use protocol::{
        AttributeKeysData, AttributesData, BanData, CounterData, CounterKeysData, HistoryData, JoinData, LoginData,
        MembersData, ModifyRoomData, MuteData, ProfileData, RoomData, SendData, SetAdminData, SetCountersData,
    };
    match op {
        "login" => typed::<LoginData>("login", data),
        "logout" | "ping" => Ok(Value::Null),
        "updateProfile" => typed::<ProfileData>("updateProfile", data),
        "join" => typed::<JoinData>("join", data),
        "quit" => typed::<RoomData>("quit", data),
        "send" => {
            let d: SendData = protocol::data("send", data)?;
            ValidBody::parse(d.msg_body.clone())?;
            Ok(serde_json::to_value(&d).expect("requests serialize"))
        }
        "history" => typed::<HistoryData>("history", data),
        "getRoomProfile" => typed::<RoomData>("getRoomProfile", data),
        "onlineCount" => typed::<RoomData>("onlineCount", data),
        "onlineMembers" => typed::<MembersData>("onlineMembers", data),
        "mute" => typed::<MuteData>("mute", data),
        "ban" => typed::<BanData>("ban", data),
        "unban" => typed::<BanData>("unban", data),
        "setAdmin" => typed::<SetAdminData>("setAdmin", data),
        "modifyRoom" => typed::<ModifyRoomData>("modifyRoom", data),
        "dismiss" => typed::<RoomData>("dismiss", data),
        "increaseCounter" => typed::<CounterData>("increaseCounter", data),
        "decreaseCounter" => typed::<CounterData>("decreaseCounter", data),
        "setCounters" => typed::<SetCountersData>("setCounters", data),
        "deleteCounters" => typed::<CounterKeysData>("deleteCounters", data),
        "getCounters" => typed::<CounterKeysData>("getCounters", data),
        "initAttributes" => typed::<AttributesData>("initAttributes", data),
        "setAttributes" => typed::<AttributesData>("setAttributes", data),
        "deleteAttributes" => typed::<AttributeKeysData>("deleteAttributes", data),
        "getAttributes" => typed::<RoomData>("getAttributes", data),
        other => Err(GatewayError::UnknownOp(other.chars().take(64).collect())),
    }
}
