//! Identifier rules and generation.

use crate::error::{CoreError, Result};
use crate::limits;
use rand::Rng;

/// Tencent's SDKAppID.
pub type AppId = u64;

/// Prefix of server-generated room IDs; custom IDs may not use it.
pub const GENERATED_ROOM_PREFIX: &str = "@TGS#";

/// Prefix of guest member IDs. `@` is not allowed in user IDs, so a guest can
/// never be confused with a logged-in user.
pub const GUEST_PREFIX: &str = "@guest#";

/// User IDs: 1..=32 bytes of `[A-Za-z0-9_.-]`.
pub fn validate_user_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > limits::USER_ID_MAX {
        return Err(CoreError::InvalidParameter(format!(
            "user id must be 1..={} bytes",
            limits::USER_ID_MAX
        )));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(CoreError::InvalidParameter(format!(
            "user id {id:?} may only contain letters, digits, '_', '-' and '.'"
        )));
    }
    Ok(())
}

/// Custom room IDs: 1..=48 bytes of visible ASCII (0x21..=0x7e), not starting
/// with the generated prefix. Space is excluded so IDs survive every transport.
pub fn validate_custom_room_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > limits::ROOM_ID_MAX {
        return Err(CoreError::InvalidRoomId(format!(
            "room id must be 1..={} bytes",
            limits::ROOM_ID_MAX
        )));
    }
    if !id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(CoreError::InvalidRoomId(format!(
            "room id {id:?} must be printable ASCII without spaces"
        )));
    }
    if id.starts_with(GENERATED_ROOM_PREFIX) {
        return Err(CoreError::InvalidRoomId(format!(
            "custom room ids may not start with {GENERATED_ROOM_PREFIX}"
        )));
    }
    Ok(())
}

/// Any room ID a client may name: a custom one or a generated one.
pub fn validate_room_id(id: &str) -> Result<()> {
    if let Some(rest) = id.strip_prefix(GENERATED_ROOM_PREFIX) {
        if rest.is_empty() || rest.len() > 32 || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CoreError::InvalidRoomId(format!("malformed room id {id:?}")));
        }
        return Ok(());
    }
    validate_custom_room_id(id)
}

/// `@TGS#` + 12 random alphanumerics (~71 bits).
pub fn generate_room_id() -> String {
    let mut rng = rand::rng();
    let suffix: String = (0..12).map(|_| rng.sample(rand::distr::Alphanumeric) as char).collect();
    format!("{GENERATED_ROOM_PREFIX}{suffix}")
}

pub fn is_guest(member_id: &str) -> bool {
    member_id.starts_with(GUEST_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert!(validate_user_id("alice_01-x.y").is_ok());
        assert!(validate_user_id("").is_err());
        assert!(validate_user_id(&"a".repeat(33)).is_err());
        assert!(validate_user_id("a b").is_err());
        assert!(validate_user_id("@guest#1").is_err());
    }

    #[test]
    fn room_ids() {
        assert!(validate_custom_room_id("live-1").is_ok());
        assert!(validate_custom_room_id(&"r".repeat(48)).is_ok());
        assert!(validate_custom_room_id(&"r".repeat(49)).is_err());
        assert!(validate_custom_room_id("@TGS#abc").is_err());
        assert!(validate_custom_room_id("a b").is_err());
        assert!(validate_custom_room_id("é").is_err());
        let generated = generate_room_id();
        assert!(generated.starts_with("@TGS#"));
        assert!(validate_room_id(&generated).is_ok());
        assert!(validate_room_id("@TGS#").is_err());
    }
}
