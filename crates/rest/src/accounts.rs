//! Accounts and profiles: Roomcast has no account registry (a userSig is
//! the account), so importing an account validates its ID and stores its
//! nick and avatar, the profile stamped on the user's messages.

use crate::Ctx;
use crate::error::{Result, invalid};
use crate::types::{fields, parse};
use roomcast_core::ids::validate_user_id;
use roomcast_core::model::UserProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;

const NICK_TAG: &str = "Tag_Profile_IM_Nick";
const IMAGE_TAG: &str = "Tag_Profile_IM_Image";
/// Accounts per `multiaccount_import` / `portrait_get` call (Tencent: 100).
const ACCOUNTS_MAX: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountImport {
    #[serde(rename = "UserID", alias = "Identifier")]
    user_id: String,
    nick: Option<String>,
    face_url: Option<String>,
}

/// Stores what is given over the current profile.
async fn merge_profile(ctx: &Ctx<'_>, user: &str, nick: Option<String>, avatar: Option<String>) -> Result<()> {
    validate_user_id(user)?;
    if nick.is_none() && avatar.is_none() {
        return Ok(());
    }
    let mut profile = ctx.rooms.profile(ctx.app, user).await?;
    if let Some(n) = nick {
        profile.nick = n;
    }
    if let Some(a) = avatar {
        profile.avatar = a;
    }
    ctx.rooms.update_profile(ctx.app, user, &profile).await?;
    Ok(())
}

pub async fn account_import(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: AccountImport = parse(body)?;
    merge_profile(ctx, &r.user_id, r.nick, r.face_url).await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MultiImport {
    accounts: Vec<String>,
}

/// Every valid ID is "imported" (there is nothing to store); invalid ones
/// come back in `FailAccounts`, as in Tencent.
pub async fn multiaccount_import(_ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: MultiImport = parse(body)?;
    if r.accounts.is_empty() || r.accounts.len() > ACCOUNTS_MAX {
        return Err(invalid(format!("Accounts must hold 1..={ACCOUNTS_MAX} accounts")));
    }
    let failed: Vec<&String> = r.accounts.iter().filter(|a| validate_user_id(a).is_err()).collect();
    fields(serde_json::json!({ "FailAccounts": failed }))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProfileItem {
    tag: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PortraitSet {
    #[serde(rename = "From_Account")]
    from_account: String,
    profile_item: Vec<ProfileItem>,
}

pub async fn portrait_set(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: PortraitSet = parse(body)?;
    let (mut nick, mut avatar) = (None, None);
    for item in r.profile_item {
        match item.tag.as_str() {
            NICK_TAG => nick = Some(item.value),
            IMAGE_TAG => avatar = Some(item.value),
            other => {
                return Err(invalid(format!(
                    "profile tag {other} is not kept; only {NICK_TAG} and {IMAGE_TAG}"
                )));
            }
        }
    }
    if nick.is_none() && avatar.is_none() {
        return Err(invalid("ProfileItem must set at least one tag"));
    }
    merge_profile(ctx, &r.from_account, nick, avatar).await?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PortraitGet {
    #[serde(rename = "To_Account")]
    to_account: Vec<String>,
    #[serde(default)]
    tag_list: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserProfileItem {
    #[serde(rename = "To_Account")]
    to_account: String,
    profile_item: Vec<ProfileItem>,
    result_code: u32,
    result_info: String,
}

pub async fn portrait_get(ctx: &Ctx<'_>, body: Value) -> Result<Value> {
    let r: PortraitGet = parse(body)?;
    if r.to_account.is_empty() || r.to_account.len() > ACCOUNTS_MAX {
        return Err(invalid(format!("To_Account must hold 1..={ACCOUNTS_MAX} accounts")));
    }
    let tags: Vec<&str> = if r.tag_list.is_empty() {
        vec![NICK_TAG, IMAGE_TAG]
    } else {
        r.tag_list.iter().map(String::as_str).collect()
    };
    let mut items = Vec::with_capacity(r.to_account.len());
    for user in r.to_account {
        let item = match validate_user_id(&user) {
            Err(e) => UserProfileItem {
                to_account: user,
                profile_item: Vec::new(),
                result_code: e.code(),
                result_info: e.to_string(),
            },
            Ok(()) => {
                let UserProfile { nick, avatar } = ctx.rooms.profile(ctx.app, &user).await?;
                let profile_item = tags
                    .iter()
                    .filter_map(|t| match *t {
                        NICK_TAG => Some((t, nick.clone())),
                        IMAGE_TAG => Some((t, avatar.clone())),
                        _ => None,
                    })
                    .map(|(t, value)| ProfileItem {
                        tag: t.to_string(),
                        value,
                    })
                    .collect();
                UserProfileItem {
                    to_account: user,
                    profile_item,
                    result_code: 0,
                    result_info: String::new(),
                }
            }
        };
        items.push(item);
    }
    fields(serde_json::json!({ "UserProfileItem": items }))
}
