//! Members and discipline: mutes (`forbid_send_msg`, the muted lists),
//! bans, online members and counts, and member roles.

use crate::Ctx;
use crate::error::{RestError, Result, invalid};
use crate::types::{GroupOnly, fields, parse};
use roomcast_core::model::Actor;
use roomcast_core::ports::presence::encode_cursor as presence_cursor;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Online members per `get_members` page (Tencent's newer docs: 250).
const MEMBERS_PAGE: usize = 250;
/// `get_group_ban_member` page size bound (Tencent: 100).
const BAN_PAGE_MAX: usize = 100;
/// `check_members` accounts per call.
const CHECK_MAX: usize = 500;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ForbidSendMsg {
    group_id: String,
    #[serde(rename = "Members_Account")]
    members_account: Vec<String>,
    /// Newer docs call it `MuteTime`; both are taken.
    shut_up_time: Option<u64>,
    mute_time: Option<u64>,
}

pub async fn forbid_send_msg(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: ForbidSendMsg = parse(body)?;
    let secs = r
        .shut_up_time
        .or(r.mute_time)
        .ok_or_else(|| invalid("missing field `ShutUpTime`"))?;
    ctx.rooms
        .mute(ctx.app, &Actor::AppAdmin, &r.group_id, &r.members_account, secs)
        .await?;
    Ok(Value::Null)
}

#[derive(Serialize)]
struct Shutted {
    #[serde(rename = "Member_Account")]
    member_account: String,
    #[serde(rename = "ShuttedUntil")]
    shutted_until: i64,
}

#[derive(Serialize)]
struct Muted {
    #[serde(rename = "Member_Account")]
    member_account: String,
    #[serde(rename = "MutedUntil")]
    muted_until: i64,
}

pub async fn get_group_shutted_uin(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    let list: Vec<Shutted> = ctx
        .rooms
        .muted(ctx.app, &r.group_id)
        .await?
        .into_iter()
        .map(|m| Shutted {
            member_account: m.user_id,
            shutted_until: m.until,
        })
        .collect();
    fields(serde_json::json!({ "GroupId": r.group_id, "ShuttedUinList": list }))
}

/// The newer name of `get_group_shutted_uin`, with its newer field names.
pub async fn get_group_muted_account(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    let list: Vec<Muted> = ctx
        .rooms
        .muted(ctx.app, &r.group_id)
        .await?
        .into_iter()
        .map(|m| Muted {
            member_account: m.user_id,
            muted_until: m.until,
        })
        .collect();
    fields(serde_json::json!({ "GroupId": r.group_id, "MutedAccountList": list }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BanMembers {
    group_id: String,
    #[serde(rename = "Members_Account")]
    members_account: Vec<String>,
    duration: u64,
    #[serde(default)]
    description: String,
}

pub async fn ban_group_member(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: BanMembers = parse(body)?;
    ctx.rooms
        .ban(
            ctx.app,
            &Actor::AppAdmin,
            &r.group_id,
            &r.members_account,
            r.duration,
            &r.description,
        )
        .await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnbanMembers {
    group_id: String,
    #[serde(rename = "Members_Account")]
    members_account: Vec<String>,
}

pub async fn unban_group_member(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: UnbanMembers = parse(body)?;
    ctx.rooms
        .unban(ctx.app, &Actor::AppAdmin, &r.group_id, &r.members_account)
        .await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BanList {
    group_id: String,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Banned {
    #[serde(rename = "Member_Account")]
    member_account: String,
    banned_until: i64,
    description: String,
}

pub async fn get_group_ban_member(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: BanList = parse(body)?;
    let limit = r.limit.unwrap_or(BAN_PAGE_MAX);
    if limit == 0 || limit > BAN_PAGE_MAX {
        return Err(invalid(format!("Limit must be 1..={BAN_PAGE_MAX}")));
    }
    let all = ctx.rooms.banned(ctx.app, &r.group_id).await?;
    let end = r.offset.saturating_add(limit).min(all.len());
    let page: Vec<Banned> = all
        .get(r.offset.min(all.len())..end)
        .unwrap_or_default()
        .iter()
        .map(|b| Banned {
            member_account: b.user_id.clone(),
            banned_until: b.until,
            description: b.description.clone(),
        })
        .collect();
    let next = if end < all.len() { end } else { 0 };
    fields(serde_json::json!({ "BannedAccountList": page, "NextOffset": next }))
}

pub async fn get_online_member_num(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GroupOnly = parse(body)?;
    let n = ctx.rooms.online_count(ctx.app, &r.group_id).await?;
    fields(serde_json::json!({ "OnlineMemberNum": n }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetMembers {
    group_id: String,
    #[serde(default)]
    timestamp: i64,
    #[serde(default)]
    mark: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct OnlineMember {
    #[serde(rename = "Member_Account")]
    member_account: String,
    /// Unix seconds.
    join_time: i64,
    nick_name: String,
    avatar: String,
}

/// Online members, latest joiners first. `Timestamp` 0 starts; each page
/// answers the `NextTimestamp` to pass next (0: no more). A page resumes
/// at the last member's join time (milliseconds), so members who joined
/// in that same millisecond may appear twice, never not at all.
pub async fn get_members(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: GetMembers = parse(body)?;
    if r.mark != 0 {
        return Err(RestError::NotForAvChatRoom {
            code: 10007,
            what: "member marks (Mark)",
        });
    }
    if r.timestamp < 0 {
        return Err(invalid("Timestamp must be >= 0"));
    }
    // Members who joined at or before `Timestamp` (ms).
    let cursor = (r.timestamp > 0).then(|| presence_cursor(r.timestamp.saturating_add(1), ""));
    let page = ctx
        .rooms
        .online_members(ctx.app, &r.group_id, cursor.as_deref(), MEMBERS_PAGE)
        .await?;
    let next = match (page.next_cursor, page.items.last()) {
        (Some(_), Some(last)) if last.joined_at_ms != r.timestamp => last.joined_at_ms,
        // A whole page joined in one millisecond: move past it.
        (Some(_), Some(last)) => last.joined_at_ms - 1,
        _ => 0,
    };
    let members: Vec<OnlineMember> = page
        .items
        .into_iter()
        .map(|m| OnlineMember {
            member_account: m.user_id,
            join_time: m.joined_at_ms / 1000,
            nick_name: m.nick,
            avatar: m.avatar,
        })
        .collect();
    fields(serde_json::json!({ "MemberList": members, "NextTimestamp": next }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CheckMembers {
    group_id: String,
    #[serde(rename = "Member_Account")]
    member_account: Vec<String>,
}

pub async fn check_members(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: CheckMembers = parse(body)?;
    if r.member_account.is_empty() || r.member_account.len() > CHECK_MAX {
        return Err(invalid(format!("Member_Account must hold 1..={CHECK_MAX} accounts")));
    }
    let online = ctx.rooms.online_among(ctx.app, &r.group_id, &r.member_account).await?;
    fields(serde_json::json!({ "Member_Account": online }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyMember {
    group_id: String,
    #[serde(rename = "Member_Account")]
    member_account: String,
    role: Option<String>,
    shut_up_time: Option<u64>,
    mute_time: Option<u64>,
    name_card: Option<Value>,
    app_member_defined_data: Option<Value>,
}

pub async fn modify_group_member_info(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: ModifyMember = parse(body)?;
    if r.name_card.is_some() || r.app_member_defined_data.is_some() {
        return Err(RestError::NotForAvChatRoom {
            code: 10007,
            what: "NameCard or AppMemberDefinedData",
        });
    }
    let admin = match r.role.as_deref() {
        None => None,
        Some("Admin") => Some(true),
        Some("Member") => Some(false),
        Some(other) => return Err(invalid(format!("Role must be Admin or Member (got {other})"))),
    };
    let mute = r.shut_up_time.or(r.mute_time);
    if admin.is_none() && mute.is_none() {
        return Err(invalid("nothing to modify: give Role or ShutUpTime"));
    }
    if let Some(admin) = admin {
        ctx.rooms
            .set_admin(ctx.app, &Actor::AppAdmin, &r.group_id, &r.member_account, admin)
            .await?;
    }
    if let Some(secs) = mute {
        let users = [r.member_account];
        ctx.rooms
            .mute(ctx.app, &Actor::AppAdmin, &r.group_id, &users, secs)
            .await?;
    }
    Ok(Value::Null)
}
