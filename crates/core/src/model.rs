//! Domain types shared by every component.

use crate::apps::ScreenedCustomFields;
use crate::error::{CoreError, Result};
use crate::limits;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Message priority, highest first. Names match Tencent's `MsgPriority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
    Lowest,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::High, Priority::Normal, Priority::Low, Priority::Lowest];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "High",
            Priority::Normal => "Normal",
            Priority::Low => "Low",
            Priority::Lowest => "Lowest",
        }
    }
}

/// Case-insensitive names (`high`, `High`, …), for command lines; the
/// client protocol's JSON takes the exact names.
impl std::str::FromStr for Priority {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| CoreError::InvalidParameter(format!("unknown priority {s:?}")))
    }
}

/// Editable room profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomProfile {
    pub name: String,
    pub introduction: String,
    pub notification: String,
    pub face_url: String,
    pub custom: BTreeMap<String, String>,
    pub mute_all: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    pub id: String,
    /// `None`: owned by the app admin.
    pub owner: Option<String>,
    pub profile: RoomProfile,
    pub admins: BTreeSet<String>,
    pub created_at_ms: i64,
}

impl Room {
    pub fn role_of(&self, user: &str) -> Role {
        if self.owner.as_deref() == Some(user) {
            Role::Owner
        } else if self.admins.contains(user) {
            Role::Admin
        } else {
            Role::Member
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

/// Who performs an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The app's admin (admin API, or a client logged in as the admin identifier).
    AppAdmin,
    User(String),
}

impl Actor {
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::AppAdmin => None,
            Actor::User(u) => Some(u),
        }
    }
}

/// A change to a room's profile. `custom` entries with an empty value are removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoomPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_url: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_all: Option<bool>,
}

impl RoomPatch {
    pub fn is_empty(&self) -> bool {
        self == &RoomPatch::default()
    }

    /// Field-level checks; the custom-field count is checked against the
    /// stored room when the patch is applied.
    pub fn validate(&self) -> Result<()> {
        check_len("name", self.name.as_deref(), limits::ROOM_NAME_MAX)?;
        check_len(
            "introduction",
            self.introduction.as_deref(),
            limits::ROOM_INTRODUCTION_MAX,
        )?;
        check_len(
            "notification",
            self.notification.as_deref(),
            limits::ROOM_NOTIFICATION_MAX,
        )?;
        check_len("faceUrl", self.face_url.as_deref(), limits::ROOM_FACE_URL_MAX)?;
        validate_custom(&self.custom)
    }

    /// Applies the patch; fails if the room would end up with too many custom fields.
    pub fn apply(&self, profile: &mut RoomProfile) -> Result<()> {
        let mut next = profile.clone();
        if let Some(v) = &self.name {
            next.name = v.clone();
        }
        if let Some(v) = &self.introduction {
            next.introduction = v.clone();
        }
        if let Some(v) = &self.notification {
            next.notification = v.clone();
        }
        if let Some(v) = &self.face_url {
            next.face_url = v.clone();
        }
        for (k, v) in &self.custom {
            if v.is_empty() {
                next.custom.remove(k);
            } else {
                next.custom.insert(k.clone(), v.clone());
            }
        }
        if let Some(m) = self.mute_all {
            next.mute_all = m;
        }
        if next.custom.len() > limits::ROOM_CUSTOM_FIELDS_MAX {
            return Err(CoreError::InvalidParameter(format!(
                "a room has at most {} custom fields",
                limits::ROOM_CUSTOM_FIELDS_MAX
            )));
        }
        *profile = next;
        Ok(())
    }
}

pub fn validate_profile(p: &RoomProfile) -> Result<()> {
    check_len("name", Some(&p.name), limits::ROOM_NAME_MAX)?;
    check_len("introduction", Some(&p.introduction), limits::ROOM_INTRODUCTION_MAX)?;
    check_len("notification", Some(&p.notification), limits::ROOM_NOTIFICATION_MAX)?;
    check_len("faceUrl", Some(&p.face_url), limits::ROOM_FACE_URL_MAX)?;
    if p.custom.len() > limits::ROOM_CUSTOM_FIELDS_MAX {
        return Err(CoreError::InvalidParameter(format!(
            "a room has at most {} custom fields",
            limits::ROOM_CUSTOM_FIELDS_MAX
        )));
    }
    validate_custom(&p.custom)
}

fn validate_custom(custom: &BTreeMap<String, String>) -> Result<()> {
    if custom.len() > limits::ROOM_CUSTOM_FIELDS_MAX {
        return Err(CoreError::InvalidParameter(format!(
            "a room has at most {} custom fields",
            limits::ROOM_CUSTOM_FIELDS_MAX
        )));
    }
    for (k, v) in custom {
        if k.is_empty() || k.len() > limits::ROOM_CUSTOM_KEY_MAX {
            return Err(CoreError::InvalidParameter(format!(
                "custom field key {k:?} must be 1..={} bytes",
                limits::ROOM_CUSTOM_KEY_MAX
            )));
        }
        check_len("custom field value", Some(v), limits::ROOM_CUSTOM_VALUE_MAX)?;
    }
    Ok(())
}

pub(crate) fn check_len(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    match value {
        Some(v) if v.len() > max => Err(CoreError::InvalidParameter(format!(
            "{field} is {} bytes, at most {max}",
            v.len()
        ))),
        _ => Ok(()),
    }
}

/// A user's public profile, stamped on every message they send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub nick: String,
    pub avatar: String,
}

impl UserProfile {
    pub fn validate(&self) -> Result<()> {
        check_len("nick", Some(&self.nick), limits::NICK_MAX)?;
        check_len("avatar", Some(&self.avatar), limits::AVATAR_MAX)
    }
}

/// One element of a Tencent `MsgBody`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "MsgType", content = "MsgContent")]
pub enum MsgElem {
    #[serde(rename = "TIMTextElem")]
    Text(TextElem),
    #[serde(rename = "TIMCustomElem")]
    Custom(CustomElem),
    #[serde(rename = "TIMFaceElem")]
    Face(FaceElem),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextElem {
    #[serde(rename = "Text")]
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomElem {
    #[serde(rename = "Data", default)]
    pub data: String,
    #[serde(rename = "Desc", default)]
    pub desc: String,
    #[serde(rename = "Ext", default)]
    pub ext: String,
    #[serde(rename = "Sound", default, skip_serializing_if = "String::is_empty")]
    pub sound: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceElem {
    #[serde(rename = "Index")]
    pub index: i64,
    #[serde(rename = "Data", default)]
    pub data: String,
}

/// A message body: one or more elements (Tencent allows one custom element
/// per message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MsgBody(pub Vec<MsgElem>);

impl MsgBody {
    /// Validates the body, measuring its size on the canonical serialized
    /// form. Bodies from clients go through `ValidBody` instead, which keeps
    /// that form so it is produced only once.
    pub fn validate(&self) -> Result<()> {
        self.check(self.encoded_len())
    }

    /// The structural rules and the size limit, given the serialized size.
    fn check(&self, size: usize) -> Result<()> {
        if self.0.is_empty() {
            return Err(CoreError::InvalidParameter(
                "msgBody must have at least one element".into(),
            ));
        }
        let customs = self.0.iter().filter(|e| matches!(e, MsgElem::Custom(_))).count();
        if customs > 1 {
            return Err(CoreError::InvalidParameter(
                "msgBody may hold at most one TIMCustomElem".into(),
            ));
        }
        if size > limits::MSG_BODY_MAX {
            return Err(CoreError::BodyTooLong {
                size,
                max: limits::MSG_BODY_MAX,
            });
        }
        Ok(())
    }

    pub fn encoded_len(&self) -> usize {
        serde_json::to_vec(self).map(|v| v.len()).unwrap_or(usize::MAX)
    }

    /// The free-text fields moderation screens, in a fixed order: every
    /// text element, and the chosen fields of custom elements.
    pub fn screened_fields(&self, custom: ScreenedCustomFields) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.0 {
            match e {
                MsgElem::Text(t) => out.push(t.text.clone()),
                MsgElem::Custom(c) => {
                    for (on, v) in [(custom.data, &c.data), (custom.desc, &c.desc), (custom.ext, &c.ext)] {
                        if on {
                            out.push(v.clone());
                        }
                    }
                }
                MsgElem::Face(_) => {}
            }
        }
        out
    }

    /// Writes back screened (possibly masked) fields, in `screened_fields` order.
    pub fn replace_screened_fields(&mut self, fields: Vec<String>, custom: ScreenedCustomFields) {
        let mut it = fields.into_iter();
        for e in &mut self.0 {
            match e {
                MsgElem::Text(t) => {
                    if let Some(v) = it.next() {
                        t.text = v;
                    }
                }
                MsgElem::Custom(c) => {
                    for (on, v) in [
                        (custom.data, &mut c.data),
                        (custom.desc, &mut c.desc),
                        (custom.ext, &mut c.ext),
                    ] {
                        if on && let Some(n) = it.next() {
                            *v = n;
                        }
                    }
                }
                MsgElem::Face(_) => {}
            }
        }
    }
}

/// A message body that passed validation, with the canonical JSON whose
/// size was checked. Built once where a message enters a process (client
/// frame, admin call, submission from a gateway), so the body is never
/// re-validated or re-serialized on its way to publication.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidBody {
    body: MsgBody,
    canonical: bytes::Bytes,
}

impl ValidBody {
    /// Parses and validates a body from a client's JSON value.
    pub fn parse(value: serde_json::Value) -> Result<Self> {
        let body: MsgBody =
            serde_json::from_value(value).map_err(|e| CoreError::InvalidParameter(format!("msgBody: {e}")))?;
        Self::new(body)
    }

    /// Validates a body built in code.
    pub fn new(body: MsgBody) -> Result<Self> {
        let canonical = bytes::Bytes::from(serde_json::to_vec(&body).expect("bodies serialize"));
        body.check(canonical.len())?;
        Ok(Self { body, canonical })
    }

    /// Parses a body sent as canonical JSON by another process. Its size is
    /// the size of the bytes received (a non-canonical form only measures
    /// larger, never smaller).
    pub fn from_canonical(json: bytes::Bytes) -> Result<Self> {
        let body: MsgBody =
            serde_json::from_slice(&json).map_err(|e| CoreError::InvalidParameter(format!("msgBody: {e}")))?;
        body.check(json.len())?;
        Ok(Self { body, canonical: json })
    }

    pub fn body(&self) -> &MsgBody {
        &self.body
    }

    /// The JSON whose size was checked.
    pub fn canonical_json(&self) -> &bytes::Bytes {
        &self.canonical
    }

    pub fn into_body(self) -> MsgBody {
        self.body
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuteEntry {
    pub user_id: String,
    pub until: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BanEntry {
    pub user_id: String,
    pub until: i64,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMember {
    pub user_id: String,
    pub joined_at_ms: i64,
    pub nick: String,
    pub avatar: String,
}

/// A page of results plus the cursor for the next one (`None`: last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Normalizes a requested page size.
/// A page size a client chose: absent means the default; present, it must
/// be 1..=`limits::PAGE_MAX` (`10004` otherwise, never silently clamped).
pub fn checked_page_limit(requested: Option<usize>) -> Result<usize> {
    match requested {
        None => Ok(limits::PAGE_DEFAULT),
        Some(n @ 1..=limits::PAGE_MAX) => Ok(n),
        Some(n) => Err(CoreError::InvalidParameter(format!(
            "limit must be 1..={} (got {n})",
            limits::PAGE_MAX
        ))),
    }
}

pub fn page_limit(requested: usize) -> usize {
    match requested {
        0 => limits::PAGE_DEFAULT,
        n => n.min(limits::PAGE_MAX),
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Unix seconds, the unit of mute and ban expiries.
pub fn unix_secs() -> i64 {
    now_ms().div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_tencent_msg_body() {
        let body = ValidBody::parse(json!([
            {"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}},
            {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "gift", "Desc": "rose", "Ext": "x"}},
            {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": "smile"}}
        ]))
        .unwrap()
        .into_body();
        assert_eq!(
            body.screened_fields(ScreenedCustomFields::default()),
            vec!["hi", "gift", "rose", "x"]
        );
        let only_desc = ScreenedCustomFields {
            data: false,
            desc: true,
            ext: false,
        };
        assert_eq!(body.screened_fields(only_desc), vec!["hi", "rose"]);
        let mut masked = body.clone();
        masked.replace_screened_fields(vec!["**".into(), "****".into()], only_desc);
        assert_eq!(
            masked.screened_fields(ScreenedCustomFields::default()),
            vec!["**", "gift", "****", "x"]
        );
        let round = serde_json::to_value(&body).unwrap();
        assert_eq!(round[0]["MsgType"], "TIMTextElem");
        assert_eq!(round[1]["MsgContent"]["Desc"], "rose");
    }

    #[test]
    fn rejects_bad_bodies() {
        assert!(ValidBody::parse(json!([])).is_err());
        assert!(ValidBody::parse(json!([{"MsgType": "TIMImageElem", "MsgContent": {}}])).is_err());
        assert!(ValidBody::parse(json!([{"MsgType": "TIMTextElem", "MsgContent": {"Txt": "x"}}])).is_err());
        let big = "x".repeat(limits::MSG_BODY_MAX);
        let err = ValidBody::parse(json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": big}}])).unwrap_err();
        assert_eq!(err.code(), 80002);
        let custom = |n: usize| json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x".repeat(n)}});
        let two = ValidBody::parse(json!([custom(1), custom(1)])).unwrap_err();
        assert_eq!(two.code(), 10004, "at most one custom element");
    }

    #[test]
    fn canonical_form_is_kept_and_checked_from_other_processes() {
        let body = ValidBody::parse(json!([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}])).unwrap();
        let again = ValidBody::from_canonical(body.canonical_json().clone()).unwrap();
        assert_eq!(again, body);
        // The size limit holds on what another process sends, as sent.
        let padded = format!(
            "{}{}",
            " ".repeat(limits::MSG_BODY_MAX),
            String::from_utf8_lossy(body.canonical_json())
        );
        assert_eq!(ValidBody::from_canonical(padded.into()).unwrap_err().code(), 80002);
        assert!(ValidBody::from_canonical("not json".into()).is_err());
    }

    #[test]
    fn patch_limits_custom_fields() {
        let mut p = RoomProfile::default();
        let mut patch = RoomPatch::default();
        for i in 0..21 {
            patch.custom.insert(format!("k{i}"), "v".into());
        }
        assert!(patch.validate().is_err());
        patch.custom.remove("k0");
        patch.validate().unwrap();
        patch.apply(&mut p).unwrap();
        assert_eq!(p.custom.len(), 20);
        let mut more = RoomPatch::default();
        more.custom.insert("extra".into(), "v".into());
        assert!(more.apply(&mut p).is_err());
        more.custom.insert("k1".into(), String::new());
        more.apply(&mut p).unwrap();
        assert_eq!(p.custom.len(), 20);
        assert!(!p.custom.contains_key("k1"));
    }
}
