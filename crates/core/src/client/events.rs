//! Client-facing JSON for room events. Each event is encoded exactly once,
//! at publication, and the same bytes reach every member on every gateway.

use crate::model::{MsgBody, Priority, RoomPatch};
use serde::Serialize;

/// Group tip types, numbered like Tencent's `TIM.TYPES.GRP_TIP_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TipKind {
    MemberJoined,
    MemberQuit,
    AdminSet,
    AdminUnset,
    RoomProfileUpdated,
    MemberProfileUpdated,
    MemberBanned,
    MemberUnbanned,
}

impl TipKind {
    pub fn op_type(self) -> u8 {
        match self {
            TipKind::MemberJoined => 1,
            TipKind::MemberQuit => 2,
            TipKind::AdminSet => 4,
            TipKind::AdminUnset => 5,
            TipKind::RoomProfileUpdated => 6,
            TipKind::MemberProfileUpdated => 7,
            TipKind::MemberBanned => 10,
            TipKind::MemberUnbanned => 11,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tip {
    pub op_type: u8,
    #[serde(rename = "type")]
    pub kind: TipKind,
    /// Who did it; absent for the app admin and for joins/quits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    pub users: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<RoomPatch>,
    /// Mute duration in seconds (0 = unmuted), for member-profile tips.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ban_secs: Option<u64>,
    /// The joining or leaving member's nick and avatar (join and quit tips),
    /// as TIM's group tips show them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<TipMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TipMember {
    pub user_id: String,
    pub nick: String,
    pub avatar: String,
}

impl Tip {
    pub fn new(kind: TipKind, operator: Option<String>, users: Vec<String>) -> Self {
        Self {
            op_type: kind.op_type(),
            kind,
            operator,
            users,
            changes: None,
            mute_secs: None,
            ban_secs: None,
            members: Vec::new(),
        }
    }

    /// A join or quit tip about one member.
    pub fn member(kind: TipKind, user_id: &str, nick: &str, avatar: &str) -> Self {
        let mut tip = Self::new(kind, None, vec![user_id.to_string()]);
        tip.members = vec![TipMember {
            user_id: user_id.to_string(),
            nick: nick.to_string(),
            avatar: avatar.to_string(),
        }];
        tip
    }
}

/// What a room event carries.
pub enum Payload<'a> {
    Message {
        from: &'a str,
        nick: &'a str,
        avatar: &'a str,
        body: &'a MsgBody,
        msg_key: Option<&'a str>,
    },
    Tip(&'a Tip),
    Notice(&'a str),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent<'a> {
    room_id: &'a str,
    seq: u64,
    kind: &'static str,
    time: i64,
    priority: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nick: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_body: Option<&'a MsgBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tip: Option<&'a Tip>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'a str>,
}

/// Encodes one event as the JSON object clients receive.
pub fn encode_event(room_id: &str, seq: u64, time_ms: i64, priority: Priority, payload: &Payload<'_>) -> Vec<u8> {
    let mut ev = WireEvent {
        room_id,
        seq,
        kind: "message",
        time: time_ms,
        priority: priority.as_str(),
        from: None,
        nick: None,
        avatar: None,
        msg_body: None,
        msg_key: None,
        tip: None,
        notice: None,
    };
    match payload {
        Payload::Message {
            from,
            nick,
            avatar,
            body,
            msg_key,
        } => {
            ev.from = Some(from);
            ev.nick = Some(nick);
            ev.avatar = Some(avatar);
            ev.msg_body = Some(body);
            ev.msg_key = *msg_key;
        }
        Payload::Tip(t) => {
            ev.kind = "tip";
            ev.tip = Some(t);
        }
        Payload::Notice(n) => {
            ev.kind = "notice";
            ev.notice = Some(n);
        }
    }
    serde_json::to_vec(&ev).expect("room events always serialize")
}

/// A room's `counters` event: the current values of its group counters,
/// outside the room's sequence (`seq` 0).
pub fn encode_counters(room_id: &str, time_ms: i64, counters: &crate::ports::counters::CounterValues) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct WireCounters<'a> {
        room_id: &'a str,
        seq: u64,
        kind: &'static str,
        time: i64,
        counters: &'a crate::ports::counters::CounterValues,
    }
    serde_json::to_vec(&WireCounters {
        room_id,
        seq: 0,
        kind: "counters",
        time: time_ms,
        counters,
    })
    .expect("counters always serialize")
}

/// A room's `attributes` event: every group attribute and the version,
/// outside the room's sequence (`seq` 0).
pub fn encode_attributes(
    room_id: &str,
    time_ms: i64,
    version: u64,
    attributes: &crate::ports::attributes::AttributeValues,
) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct WireAttributes<'a> {
        room_id: &'a str,
        seq: u64,
        kind: &'static str,
        time: i64,
        version: u64,
        attributes: &'a crate::ports::attributes::AttributeValues,
    }
    serde_json::to_vec(&WireAttributes {
        room_id,
        seq: 0,
        kind: "attributes",
        time: time_ms,
        version,
        attributes,
    })
    .expect("attributes always serialize")
}

/// A room as clients see it: the join reply, `getRoomProfile`, and the
/// `modifyRoom` reply. TIM's `joinGroup` and `getGroupProfile` resolve with
/// the same facts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomView<'a> {
    #[serde(flatten)]
    pub room: &'a crate::model::Room,
    pub online_count: u64,
}
