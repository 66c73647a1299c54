//! Conversions between domain types and protobuf messages.

use crate::error::ControlError;
use roomcast_core::model::{Priority, Room};
use roomcast_proto::v1 as pb;

pub fn room_to_proto(room: Room, online_count: u64) -> pb::Room {
    pb::Room {
        room_id: room.id,
        name: room.profile.name,
        owner: room.owner.unwrap_or_default(),
        introduction: room.profile.introduction,
        notification: room.profile.notification,
        face_url: room.profile.face_url,
        custom: room.profile.custom.into_iter().collect(),
        mute_all: room.profile.mute_all,
        admins: room.admins.into_iter().collect(),
        created_at_ms: room.created_at_ms,
        online_count,
    }
}

pub fn priority(p: i32) -> Result<Priority, ControlError> {
    match pb::Priority::try_from(p) {
        Ok(pb::Priority::High) => Ok(Priority::High),
        Ok(pb::Priority::Normal | pb::Priority::Unspecified) => Ok(Priority::Normal),
        Ok(pb::Priority::Low) => Ok(Priority::Low),
        Ok(pb::Priority::Lowest) => Ok(Priority::Lowest),
        Err(_) => Err(ControlError::InvalidArgument(format!("unknown priority {p}"))),
    }
}
