//! Limits mirrored from Tencent IM AVChatRoom (see docs/protocol.md).

pub const USER_ID_MAX: usize = 32;
pub const ROOM_ID_MAX: usize = 48;
pub const ROOM_NAME_MAX: usize = 30;
pub const ROOM_INTRODUCTION_MAX: usize = 240;
pub const ROOM_NOTIFICATION_MAX: usize = 300;
pub const ROOM_FACE_URL_MAX: usize = 100;
pub const ROOM_CUSTOM_FIELDS_MAX: usize = 20;
pub const ROOM_CUSTOM_KEY_MAX: usize = 16;
pub const ROOM_CUSTOM_VALUE_MAX: usize = 512;
pub const NICK_MAX: usize = 64;
pub const AVATAR_MAX: usize = 500;
/// Serialized `MsgBody` JSON.
pub const MSG_BODY_MAX: usize = 12 * 1024;
pub const MSG_KEY_MAX: usize = 64;
pub const NOTICE_MAX: usize = 12 * 1024;
pub const MUTE_BATCH_MAX: usize = 500;
pub const BAN_BATCH_MAX: usize = 20;
pub const BAN_DESCRIPTION_MAX: usize = 1000;
pub const PAGE_MAX: usize = 1000;
pub const PAGE_DEFAULT: usize = 100;
/// Resends with the same message key inside this window return the first result.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Group attributes per room: keys, key and value bytes, bytes in total.
pub const ATTR_KEYS_MAX: usize = 16;
pub const ATTR_KEY_MAX: usize = 32;
pub const ATTR_VALUE_MAX: usize = 4096;
pub const ATTR_TOTAL_MAX: usize = 16 * 1024;
/// Group counters per room, and the longest counter name (bytes).
pub const COUNTER_KEYS_MAX: usize = 20;
pub const COUNTER_KEY_MAX: usize = 128;

/// A counter name: 1..=128 bytes, no control characters.
pub fn validate_counter_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > COUNTER_KEY_MAX {
        return Err(format!("counter key must be 1..={COUNTER_KEY_MAX} bytes"));
    }
    if key.chars().any(char::is_control) {
        return Err("counter key must not contain control characters".into());
    }
    Ok(())
}
