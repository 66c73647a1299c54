//! The submit protocol: a user message as a `SubmitRequest` to the
//! moderator pool, its outcome as a `SubmitReply`. Both ends encode and
//! decode here, so gateways and moderators cannot drift apart.

use bytes::Bytes;
use prost::Message as _;
use roomcast_core::model::{UserProfile, ValidBody};
use roomcast_core::ports::idempotency::SendOutcome;
use roomcast_core::rooms::{CallbackControl, SendRequest, Sender};
use roomcast_core::{CoreError, Result};
use roomcast_proto::convert::{error_from_pb, error_to_pb, priority_from_pb, priority_to_pb};
use roomcast_proto::internal::v1 as ipb;

pub fn encode_request(req: SendRequest) -> Bytes {
    let (sender, nick, avatar) = match req.sender {
        Sender::AppAdmin => (String::new(), String::new(), String::new()),
        Sender::User { id, profile } => (id, profile.nick, profile.avatar),
    };
    let msg = ipb::SubmitRequest {
        room_id: req.room_id,
        sender,
        nick,
        avatar,
        priority: priority_to_pb(req.priority) as i32,
        // Already validated and serialized once by the gateway: sent as is.
        msg_body_json: req.body.canonical_json().clone(),
        msg_key: req.msg_key.unwrap_or_default(),
        skip_moderation: req.skip_moderation,
        forbid_before_send_callback: req.callbacks.forbid_before_send,
        forbid_after_send_callback: req.callbacks.forbid_after_send,
    };
    Bytes::from(msg.encode_to_vec())
}

pub fn decode_request(payload: Bytes) -> Result<SendRequest> {
    let r = ipb::SubmitRequest::decode(payload).map_err(|e| CoreError::InvalidParameter(format!("submit: {e}")))?;
    let sender = if r.sender.is_empty() {
        Sender::AppAdmin
    } else {
        Sender::User {
            id: r.sender,
            profile: UserProfile {
                nick: r.nick,
                avatar: r.avatar,
            },
        }
    };
    Ok(SendRequest {
        room_id: r.room_id,
        sender,
        priority: priority_from_pb(r.priority)?,
        body: ValidBody::from_canonical(r.msg_body_json)?,
        msg_key: Some(r.msg_key).filter(|k| !k.is_empty()),
        skip_moderation: r.skip_moderation,
        callbacks: CallbackControl {
            forbid_before_send: r.forbid_before_send_callback,
            forbid_after_send: r.forbid_after_send_callback,
        },
    })
}

pub fn encode_reply(result: &Result<SendOutcome>) -> Bytes {
    let reply = match result {
        Ok(SendOutcome::Delivered { seq, time_ms }) => ipb::SubmitReply {
            seq: *seq,
            time_ms: *time_ms,
            ..Default::default()
        },
        Ok(SendOutcome::Dropped { time_ms }) => ipb::SubmitReply {
            time_ms: *time_ms,
            dropped: true,
            ..Default::default()
        },
        Err(e) => ipb::SubmitReply {
            error: Some(error_to_pb(e)),
            ..Default::default()
        },
    };
    Bytes::from(reply.encode_to_vec())
}

pub fn decode_reply(payload: Bytes) -> Result<SendOutcome> {
    let r = ipb::SubmitReply::decode(payload).map_err(|e| CoreError::Internal(format!("bad moderator reply: {e}")))?;
    if let Some(e) = r.error {
        return Err(error_from_pb(e));
    }
    Ok(if r.dropped {
        SendOutcome::Dropped { time_ms: r.time_ms }
    } else {
        SendOutcome::Delivered {
            seq: r.seq,
            time_ms: r.time_ms,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use roomcast_core::model::Priority;

    fn request(sender: Sender) -> SendRequest {
        SendRequest {
            room_id: "live-1".into(),
            sender,
            priority: Priority::Low,
            body: ValidBody::parse(serde_json::json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]))
                .unwrap(),
            msg_key: Some("k1".into()),
            skip_moderation: false,
            callbacks: CallbackControl {
                forbid_before_send: true,
                forbid_after_send: false,
            },
        }
    }

    #[test]
    fn requests_round_trip() {
        for sender in [
            Sender::AppAdmin,
            Sender::User {
                id: "alice".into(),
                profile: UserProfile {
                    nick: "Alice".into(),
                    avatar: "a.png".into(),
                },
            },
        ] {
            let req = request(sender);
            let back = decode_request(encode_request(req.clone())).unwrap();
            assert_eq!(back.room_id, req.room_id);
            assert_eq!(back.sender, req.sender);
            assert_eq!(back.priority, req.priority);
            assert_eq!(back.body, req.body);
            assert_eq!(back.msg_key, req.msg_key);
            assert_eq!(back.callbacks, req.callbacks);
        }
    }

    #[test]
    fn unknown_priorities_are_refused() {
        let msg = ipb::SubmitRequest {
            room_id: "r".into(),
            priority: 42,
            msg_body_json: Bytes::from_static(br#"[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]"#),
            ..Default::default()
        };
        let err = decode_request(Bytes::from(msg.encode_to_vec())).unwrap_err();
        assert_eq!(err.code(), 10004);
    }

    #[test]
    fn replies_round_trip_with_error_details() {
        for r in [
            Ok(SendOutcome::Delivered { seq: 3, time_ms: 9 }),
            Ok(SendOutcome::Dropped { time_ms: 9 }),
            Err(CoreError::Banned { until: 1_800_000_000 }),
            Err(CoreError::Muted { until: 1_800_000_000 }),
            Err(CoreError::FrequencyControlled),
        ] {
            assert_eq!(decode_reply(encode_reply(&r)), r);
        }
    }
}
