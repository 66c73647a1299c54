//! Conversions between domain types and protobuf messages.

use roomcast_core::model::{Room, RoomPatch};
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

/// A modification request's room and patch (the admin API's and the
/// internal control API's share one message).
pub fn patch_from_proto(r: pb::ModifyRoomRequest) -> (String, RoomPatch) {
    let patch = RoomPatch {
        name: r.name,
        introduction: r.introduction,
        notification: r.notification,
        face_url: r.face_url,
        custom: r.custom.into_iter().collect(),
        mute_all: r.mute_all,
    };
    (r.room_id, patch)
}

pub fn patch_to_proto(room_id: &str, patch: RoomPatch) -> pb::ModifyRoomRequest {
    pb::ModifyRoomRequest {
        room_id: room_id.to_string(),
        name: patch.name,
        introduction: patch.introduction,
        notification: patch.notification,
        face_url: patch.face_url,
        custom: patch.custom.into_iter().collect(),
        mute_all: patch.mute_all,
    }
}

/// The inverse of `room_to_proto` (the online count is not part of a room).
pub fn room_from_proto(r: pb::Room) -> Room {
    Room {
        id: r.room_id,
        owner: Some(r.owner).filter(|o| !o.is_empty()),
        profile: roomcast_core::model::RoomProfile {
            name: r.name,
            introduction: r.introduction,
            notification: r.notification,
            face_url: r.face_url,
            custom: r.custom.into_iter().collect(),
            mute_all: r.mute_all,
        },
        admins: r.admins.into_iter().collect(),
        created_at_ms: r.created_at_ms,
    }
}
