//! What the server pushes besides room events: being removed from a room
//! or told to reconnect elsewhere, and the WebSocket close codes.

/// Why the server removed a connection from a room, or closed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KickReason {
    Banned,
    Dismissed,
    LoggedInElsewhere,
}

impl KickReason {
    pub fn as_str(self) -> &'static str {
        match self {
            KickReason::Banned => "banned",
            KickReason::Dismissed => "dismissed",
            KickReason::LoggedInElsewhere => "logged_in_elsewhere",
        }
    }
}

pub fn kicked_push(room_id: Option<&str>, reason: &str) -> String {
    serde_json::json!({ "type": "kicked", "roomId": room_id, "reason": reason }).to_string()
}

pub fn reconnect_push(reason: &str) -> String {
    serde_json::json!({ "type": "reconnect", "reason": reason }).to_string()
}

/// WebSocket close codes Roomcast uses (docs/protocol.md).
pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    /// A message (or frame) begun but not completed in time.
    pub const MESSAGE_TIMEOUT: u16 = 1008;
    /// The gateway's incoming-buffer budget is spent; reconnect later.
    pub const BUSY: u16 = 1013;
    /// Neither logged in nor in a room within `gateway.limits.login_timeout_ms`.
    pub const LOGIN_TIMEOUT: u16 = 4001;
    /// Kept sending past the request rate.
    pub const TOO_MANY_REQUESTS: u16 = 4029;
    pub const TOO_BIG: u16 = 1009;
    pub const IDLE: u16 = 4003;
    pub const SLOW_CONSUMER: u16 = 4008;
    pub const LOGGED_IN_ELSEWHERE: u16 = 4009;
    pub const SERVER_FULL: u16 = 4010;
}
