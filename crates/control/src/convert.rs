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

/// A public `WriteAttributesRequest` as the rules' change and expected version.
pub fn attribute_write_from_proto(
    w: roomcast_proto::v1::WriteAttributesRequest,
) -> Result<(String, roomcast_core::rooms::AttributeChange, Option<u64>), roomcast_core::CoreError> {
    use roomcast_core::rooms::AttributeChange;
    use roomcast_proto::v1::AttributesOp;
    let change = match AttributesOp::try_from(w.op) {
        Ok(AttributesOp::Init) => AttributeChange::Init(w.attributes.into_iter().collect()),
        Ok(AttributesOp::Set) => AttributeChange::Set(w.attributes.into_iter().collect()),
        Ok(AttributesOp::Delete) => AttributeChange::Delete(w.keys),
        _ => {
            return Err(roomcast_core::CoreError::InvalidParameter(
                "op must be INIT, SET or DELETE".into(),
            ));
        }
    };
    Ok((w.room_id, change, w.expected_version))
}

/// The rules' change as a public `WriteAttributesRequest`.
pub fn attribute_write_to_proto(
    room: &str,
    change: roomcast_core::rooms::AttributeChange,
    expected_version: Option<u64>,
) -> roomcast_proto::v1::WriteAttributesRequest {
    use roomcast_core::rooms::AttributeChange;
    use roomcast_proto::v1::AttributesOp;
    let mut w = roomcast_proto::v1::WriteAttributesRequest {
        room_id: room.to_string(),
        expected_version,
        ..Default::default()
    };
    match change {
        AttributeChange::Init(v) => {
            w.op = AttributesOp::Init as i32;
            w.attributes = v.into_iter().collect();
        }
        AttributeChange::Set(v) => {
            w.op = AttributesOp::Set as i32;
            w.attributes = v.into_iter().collect();
        }
        AttributeChange::Delete(keys) => {
            w.op = AttributesOp::Delete as i32;
            w.keys = keys;
        }
    }
    w
}
