//! The one conversion between internal protobuf messages and roomcast-core's
//! domain types: priorities, errors, room events and actors. Every process
//! that speaks the internal protocol converts here, so both ends agree.

use crate::internal::v1 as ipb;
use crate::v1 as pb;
use bytes::Bytes;
use prost::Message as _;
use roomcast_core::error::WireError;
use roomcast_core::event::RoomEvent;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, Priority};
use roomcast_core::{CoreError, Result};

pub fn priority_to_pb(p: Priority) -> pb::Priority {
    match p {
        Priority::High => pb::Priority::High,
        Priority::Normal => pb::Priority::Normal,
        Priority::Low => pb::Priority::Low,
        Priority::Lowest => pb::Priority::Lowest,
    }
}

/// Unspecified means Normal (as the public API documents); a value this
/// build does not know is refused, never guessed.
pub fn priority_from_pb(p: i32) -> Result<Priority> {
    match pb::Priority::try_from(p) {
        Ok(pb::Priority::High) => Ok(Priority::High),
        Ok(pb::Priority::Normal | pb::Priority::Unspecified) => Ok(Priority::Normal),
        Ok(pb::Priority::Low) => Ok(Priority::Low),
        Ok(pb::Priority::Lowest) => Ok(Priority::Lowest),
        Err(_) => Err(CoreError::InvalidParameter(format!("unknown priority {p}"))),
    }
}

pub fn error_to_pb(e: &CoreError) -> ipb::Error {
    let w = WireError::from(e);
    ipb::Error {
        code: w.code,
        message: w.message,
        retryable: w.retryable,
        muted_until: w.muted_until.unwrap_or(0),
        banned_until: w.banned_until.unwrap_or(0),
    }
}

pub fn error_from_pb(e: ipb::Error) -> CoreError {
    CoreError::from(WireError {
        code: e.code,
        message: e.message,
        retryable: e.retryable,
        muted_until: (e.muted_until != 0).then_some(e.muted_until),
        banned_until: (e.banned_until != 0).then_some(e.banned_until),
    })
}

/// `Err` as the `error` field of an internal reply.
pub fn error_field<T>(r: &Result<T>) -> Option<ipb::Error> {
    r.as_ref().err().map(error_to_pb)
}

/// The internal reply's `error` field, back as a result.
pub fn check_error(e: Option<ipb::Error>) -> Result<()> {
    match e {
        Some(e) => Err(error_from_pb(e)),
        None => Ok(()),
    }
}

pub fn encode_room_event(room_id: &str, event: &RoomEvent) -> Bytes {
    let mut msg = ipb::RoomEvent {
        room_id: room_id.to_string(),
        ..Default::default()
    };
    match event {
        RoomEvent::Deliver { seq, json } => {
            msg.seq = *seq;
            msg.client_json = json.clone();
        }
        RoomEvent::Kick { users, reason } => {
            msg.effect = Some(ipb::room_event::Effect::Kick(ipb::KickUsers {
                user_ids: users.clone(),
                reason: reason.clone(),
            }));
        }
        RoomEvent::Dismissed => msg.effect = Some(ipb::room_event::Effect::Dismissed(ipb::RoomDismissed {})),
    }
    Bytes::from(msg.encode_to_vec())
}

pub fn decode_room_event(payload: Bytes) -> Result<RoomEvent> {
    let msg = ipb::RoomEvent::decode(payload).map_err(|e| CoreError::Bus(format!("bad room event: {e}")))?;
    Ok(match msg.effect {
        None => RoomEvent::Deliver {
            seq: msg.seq,
            json: msg.client_json,
        },
        Some(ipb::room_event::Effect::Kick(k)) => RoomEvent::Kick {
            users: k.user_ids,
            reason: k.reason,
        },
        Some(ipb::room_event::Effect::Dismissed(_)) => RoomEvent::Dismissed,
    })
}

pub fn actor_to_pb(app: AppId, actor: &Actor) -> ipb::Actor {
    ipb::Actor {
        app,
        user_id: actor.user_id().unwrap_or_default().to_string(),
    }
}

pub fn actor_from_pb(a: Option<ipb::Actor>) -> Result<(AppId, Actor)> {
    let a = a.ok_or_else(|| CoreError::InvalidParameter("missing actor".into()))?;
    let actor = if a.user_id.is_empty() {
        Actor::AppAdmin
    } else {
        Actor::User(a.user_id)
    };
    Ok((a.app, actor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_events_round_trip() {
        for ev in [
            RoomEvent::Deliver {
                seq: 7,
                json: Bytes::from_static(b"{\"seq\":7}"),
            },
            RoomEvent::Kick {
                users: vec!["a".into(), "b".into()],
                reason: "banned".into(),
            },
            RoomEvent::Dismissed,
        ] {
            assert_eq!(decode_room_event(encode_room_event("r", &ev)).unwrap(), ev);
        }
        assert!(decode_room_event(Bytes::from_static(&[0xff, 0xff])).is_err());
    }

    #[test]
    fn priorities_round_trip_and_unknown_values_are_refused() {
        for p in Priority::ALL {
            assert_eq!(priority_from_pb(priority_to_pb(p) as i32).unwrap(), p);
        }
        assert_eq!(priority_from_pb(0).unwrap(), Priority::Normal);
        assert_eq!(priority_from_pb(99).unwrap_err().code(), 10004);
    }

    #[test]
    fn errors_keep_their_details() {
        let e = CoreError::Banned { until: 1_800_000_000 };
        assert_eq!(error_from_pb(error_to_pb(&e)), e);
        let e = CoreError::Muted { until: 1_800_000_000 };
        assert_eq!(error_from_pb(error_to_pb(&e)), e);
    }

    #[test]
    fn actors_round_trip() {
        for actor in [Actor::AppAdmin, Actor::User("alice".into())] {
            assert_eq!(actor_from_pb(Some(actor_to_pb(1, &actor))).unwrap(), (1, actor));
        }
        assert!(actor_from_pb(None).is_err());
    }
}
