//! What travels on a room's fan-out subject, as the domain sees it. Decoded
//! once where it comes off the bus (the NATS adapter) or never encoded at all
//! (the in-process bus), so gateways only ever match on this type.

use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// An event members receive: its room sequence number and the JSON object
    /// exactly as clients see it, encoded once at publication and shared by
    /// every member on every gateway.
    Deliver { seq: u64, json: Bytes },
    /// Remove these users' connections from the room (a ban). `reason` is
    /// client-visible, e.g. `banned`.
    Kick { users: Vec<String>, reason: String },
    /// The room is gone: every local member is told and removed.
    Dismissed,
}

impl RoomEvent {
    /// The room sequence number of a deliverable event; effects have none.
    pub fn seq(&self) -> Option<u64> {
        match self {
            RoomEvent::Deliver { seq, .. } => Some(*seq),
            _ => None,
        }
    }
}
