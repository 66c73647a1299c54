//! Groups themselves: `create_group`, `destroy_group`, `get_group_info`,
//! `modify_group_base_info`, `get_appid_group_list`.

use crate::Ctx;
use crate::error::{RestError, Result, invalid};
use crate::types::{GroupOnly, KeyValue, fields, on_off, on_off_str, parse};
use roomcast_core::CoreError;
use roomcast_core::limits::PAGE_MAX;
use roomcast_core::model::{Actor, Room, RoomPatch, RoomProfile};
use roomcast_core::rooms::CreateRoom;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only group type Roomcast serves.
pub const AVCHATROOM: &str = "AVChatRoom";
/// `get_group_info` takes at most this many groups per call (Tencent: 50).
const GROUP_INFO_MAX: usize = 50;
/// `get_appid_group_list` pages (Tencent: at most 10000).
const GROUP_LIST_MAX: usize = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateGroup {
    #[serde(rename = "Owner_Account")]
    owner_account: Option<String>,
    #[serde(rename = "Type")]
    kind: String,
    group_id: Option<String>,
    name: String,
    #[serde(default)]
    introduction: String,
    #[serde(default)]
    notification: String,
    #[serde(default)]
    face_url: String,
    #[serde(default)]
    app_defined_data: Vec<KeyValue<String>>,
    member_list: Option<Value>,
}

pub async fn create_group(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: CreateGroup = parse(body)?;
    if r.kind != AVCHATROOM {
        return Err(invalid(format!("Type must be {AVCHATROOM} (got {})", r.kind)));
    }
    if r.member_list.is_some() {
        return Err(RestError::NotForAvChatRoom {
            code: 10007,
            what: "MemberList (members join by themselves)",
        });
    }
    let create = CreateRoom {
        room_id: r.group_id.filter(|s| !s.is_empty()),
        owner: r.owner_account.filter(|s| !s.is_empty()),
        profile: RoomProfile {
            name: r.name,
            introduction: r.introduction,
            notification: r.notification,
            face_url: r.face_url,
            custom: r.app_defined_data.into_iter().map(|kv| (kv.key, kv.value)).collect(),
            mute_all: false,
        },
    };
    let room = ctx.rooms.create_room(ctx.app, create).await?;
    fields(serde_json::json!({ "GroupId": room.id }))
}

pub async fn destroy_group(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    ctx.rooms.dismiss_room(ctx.app, &Actor::AppAdmin, &r.group_id).await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetGroupInfo {
    group_id_list: Vec<String>,
}

/// One entry of `GroupInfo`, as Tencent returns it for an AVChatRoom.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupInfo {
    group_id: String,
    error_code: u32,
    error_info: String,
    #[serde(rename = "Type")]
    kind: &'static str,
    name: String,
    introduction: String,
    notification: String,
    face_url: String,
    #[serde(rename = "Owner_Account")]
    owner_account: String,
    /// Unix seconds.
    create_time: i64,
    /// AVChatRoom members are its online users.
    member_num: u64,
    /// 0: unlimited.
    max_member_num: u64,
    apply_join_option: &'static str,
    shut_up_all_member: &'static str,
    online_member_num: u64,
    app_defined_data: Vec<KeyValue<String>>,
}

fn group_info(room: Room, online: u64) -> GroupInfo {
    GroupInfo {
        group_id: room.id,
        error_code: 0,
        error_info: String::new(),
        kind: AVCHATROOM,
        name: room.profile.name,
        introduction: room.profile.introduction,
        notification: room.profile.notification,
        face_url: room.profile.face_url,
        owner_account: room.owner.unwrap_or_default(),
        create_time: room.created_at_ms / 1000,
        member_num: online,
        max_member_num: 0,
        apply_join_option: "FreeAccess",
        shut_up_all_member: on_off_str(room.profile.mute_all),
        online_member_num: online,
        app_defined_data: room
            .profile
            .custom
            .into_iter()
            .map(|(key, value)| KeyValue { key, value })
            .collect(),
    }
}

pub async fn get_group_info(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GetGroupInfo = parse(body)?;
    if r.group_id_list.is_empty() || r.group_id_list.len() > GROUP_INFO_MAX {
        return Err(invalid(format!("GroupIdList must hold 1..={GROUP_INFO_MAX} group IDs")));
    }
    // Each group answers on its own, as in Tencent's reply.
    let mut infos = Vec::with_capacity(r.group_id_list.len());
    for id in r.group_id_list {
        let info = match ctx.rooms.room_with_count(ctx.app, &id).await {
            Ok((room, online)) => fields(group_info(room, online))?,
            Err(e @ (CoreError::RoomNotFound(_) | CoreError::InvalidRoomId(_))) => serde_json::json!({
                "GroupId": id,
                "ErrorCode": e.code(),
                "ErrorInfo": e.to_string(),
            }),
            Err(e) => return Err(e.into()),
        };
        infos.push(info);
    }
    fields(serde_json::json!({ "GroupInfo": infos }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyGroup {
    group_id: String,
    name: Option<String>,
    introduction: Option<String>,
    notification: Option<String>,
    face_url: Option<String>,
    shut_up_all_member: Option<String>,
    #[serde(default)]
    app_defined_data: Vec<KeyValue<String>>,
}

pub async fn modify_group_base_info(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: ModifyGroup = parse(body)?;
    let patch = RoomPatch {
        name: r.name,
        introduction: r.introduction,
        notification: r.notification,
        face_url: r.face_url,
        // An empty value removes the entry, as in Tencent.
        custom: r.app_defined_data.into_iter().map(|kv| (kv.key, kv.value)).collect(),
        mute_all: r
            .shut_up_all_member
            .as_deref()
            .map(|v| on_off(v, "ShutUpAllMember"))
            .transpose()?,
    };
    ctx.rooms
        .modify_room(ctx.app, &Actor::AppAdmin, &r.group_id, patch)
        .await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupList {
    limit: Option<usize>,
    #[serde(default)]
    next: usize,
    group_type: Option<String>,
}

pub async fn get_appid_group_list(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupList = parse(body)?;
    let limit = r.limit.unwrap_or(GROUP_LIST_MAX);
    if limit == 0 || limit > GROUP_LIST_MAX {
        return Err(invalid(format!("Limit must be 1..={GROUP_LIST_MAX}")));
    }
    if r.group_type
        .as_deref()
        .is_some_and(|t| !t.is_empty() && t != AVCHATROOM)
    {
        return fields(serde_json::json!({ "TotalCount": 0, "GroupIdList": [], "Next": 0 }));
    }
    // `Next` is an offset into the app's rooms ordered by ID.
    let ids = all_room_ids(ctx).await?;
    let total = ids.len();
    let end = r.next.saturating_add(limit).min(total);
    let list: Vec<Value> = ids
        .get(r.next.min(total)..end)
        .unwrap_or_default()
        .iter()
        .map(|id| serde_json::json!({ "GroupId": id }))
        .collect();
    let next = if end < total { end } else { 0 };
    fields(serde_json::json!({ "TotalCount": total, "GroupIdList": list, "Next": next }))
}

/// Every room of the app, ordered by ID.
pub async fn all_room_ids(ctx: &Ctx<'_>) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx.rooms.list_rooms(ctx.app, cursor.as_deref(), PAGE_MAX).await?;
        ids.extend(page.items.into_iter().map(|room| room.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(ids),
        }
    }
}
