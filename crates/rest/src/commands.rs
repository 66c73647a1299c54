//! Which commands exist, under which services, and which module runs each.
//! Commands AVChatRoom refuses answer Tencent's code for AVChatRoom.

use crate::error::{RestError, Result};
use crate::{Ctx, accounts, groups, members, messages, state};
use serde_json::Value;

/// The group services; Tencent documents the live-room commands under
/// either, so both are accepted for every group command.
const GROUP_SERVICES: [&str; 3] = [
    "group_open_http_svc",
    "group_open_avchatroom_http_svc",
    "group_open_attr_http_svc",
];

/// Every group command served, by name (the rate-limit key too).
const GROUP_COMMANDS: [&str; 29] = [
    "create_group",
    "destroy_group",
    "get_group_info",
    "modify_group_base_info",
    "get_appid_group_list",
    "send_group_msg",
    "send_group_system_notification",
    "send_broadcast_msg",
    "forbid_send_msg",
    "get_group_shutted_uin",
    "get_group_muted_account",
    "ban_group_member",
    "unban_group_member",
    "get_group_ban_member",
    "get_online_member_num",
    "get_members",
    "check_members",
    "modify_group_member_info",
    "get_group_attr",
    "modify_group_attr",
    "set_group_attr",
    "clear_group_attr",
    "delete_group_attr",
    "get_group_counter",
    "update_group_counter",
    "delete_group_counter",
    // Refused for AVChatRoom, with Tencent's codes (see `refused`).
    "group_msg_recall",
    "delete_group_msg_by_sender",
    "group_msg_get_simple",
];

/// Group commands AVChatRoom does not support at all.
const GROUP_REFUSED: [&str; 7] = [
    "import_group",
    "import_group_msg",
    "import_group_member",
    "add_group_member",
    "delete_group_member",
    "get_group_member_info",
    "change_group_owner",
];

const ACCOUNT_COMMANDS: [(&str, &str); 4] = [
    ("im_open_login_svc", "account_import"),
    ("im_open_login_svc", "multiaccount_import"),
    ("profile", "portrait_set"),
    ("profile", "portrait_get"),
];

/// A known command.
#[derive(Debug, Clone, Copy)]
pub struct Cmd(&'static str);

impl Cmd {
    pub fn name(self) -> &'static str {
        self.0
    }
}

pub fn lookup(service: &str, command: &str) -> Result<Cmd> {
    let known = if GROUP_SERVICES.contains(&service) {
        GROUP_COMMANDS
            .iter()
            .chain(GROUP_REFUSED.iter())
            .find(|c| **c == command)
            .copied()
    } else {
        ACCOUNT_COMMANDS
            .iter()
            .find(|(s, c)| *s == service && *c == command)
            .map(|(_, c)| *c)
    };
    known
        .map(Cmd)
        .ok_or_else(|| RestError::UnknownCommand(format!("{service}/{command}")))
}

pub async fn run(ctx: &Ctx<'_>, cmd: Cmd, body: Value) -> Result<Value> {
    match cmd.name() {
        "create_group" => groups::create_group(ctx, body).await,
        "destroy_group" => groups::destroy_group(ctx, body).await,
        "get_group_info" => groups::get_group_info(ctx, body).await,
        "modify_group_base_info" => groups::modify_group_base_info(ctx, body).await,
        "get_appid_group_list" => groups::get_appid_group_list(ctx, body).await,
        "send_group_msg" => messages::send_group_msg(ctx, body).await,
        "send_group_system_notification" => messages::send_group_system_notification(ctx, body).await,
        "send_broadcast_msg" => messages::send_broadcast_msg(ctx, body).await,
        "forbid_send_msg" => members::forbid_send_msg(ctx, body).await,
        "get_group_shutted_uin" => members::get_group_shutted_uin(ctx, body).await,
        "get_group_muted_account" => members::get_group_muted_account(ctx, body).await,
        "ban_group_member" => members::ban_group_member(ctx, body).await,
        "unban_group_member" => members::unban_group_member(ctx, body).await,
        "get_group_ban_member" => members::get_group_ban_member(ctx, body).await,
        "get_online_member_num" => members::get_online_member_num(ctx, body).await,
        "get_members" => members::get_members(ctx, body).await,
        "check_members" => members::check_members(ctx, body).await,
        "modify_group_member_info" => members::modify_group_member_info(ctx, body).await,
        "get_group_attr" => state::get_group_attr(ctx, body).await,
        "modify_group_attr" => state::modify_group_attr(ctx, body).await,
        "set_group_attr" => state::set_group_attr(ctx, body).await,
        "clear_group_attr" => state::clear_group_attr(ctx, body).await,
        "delete_group_attr" => state::delete_group_attr(ctx, body).await,
        "get_group_counter" => state::get_group_counter(ctx, body).await,
        "update_group_counter" => state::update_group_counter(ctx, body).await,
        "delete_group_counter" => state::delete_group_counter(ctx, body).await,
        "account_import" => accounts::account_import(ctx, body).await,
        "multiaccount_import" => accounts::multiaccount_import(ctx, body).await,
        "portrait_set" => accounts::portrait_set(ctx, body).await,
        "portrait_get" => accounts::portrait_get(ctx, body).await,
        other => Err(refused(other)),
    }
}

/// Tencent's answer to a command AVChatRoom does not support.
fn refused(command: &str) -> RestError {
    let (code, what) = match command {
        "group_msg_recall" => (10033, "recalling messages"),
        "delete_group_msg_by_sender" => (10035, "deleting messages"),
        "group_msg_get_simple" => (10007, "message history"),
        "import_group" | "import_group_msg" | "import_group_member" => (10007, "importing groups, messages or members"),
        "add_group_member" | "delete_group_member" => (10007, "adding or removing members"),
        "get_group_member_info" => (10007, "the member list (use get_members)"),
        _ => (10007, "this command"),
    };
    RestError::NotForAvChatRoom { code, what }
}
