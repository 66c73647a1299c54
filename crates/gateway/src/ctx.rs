//! What every part of the gateway shares: settings, the room service, the
//! local rooms and the connection registry.
//!
//! Sessions, the upgrade handler and the sweeper take this directly instead
//! of the public `Gateway` handle, so dependencies point one way: `lib.rs`
//! builds it and wraps it; nothing below `lib.rs` imports `Gateway`.

use crate::GatewayOptions;
use crate::connections::Connections;
use crate::fanout::LocalRooms;
use roomcast_core::ids::AppId;
use roomcast_core::ports::control::RoomControl;
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::ratelimit::KeyedRateLimiter;
use roomcast_core::rooms::Rooms;
use std::sync::Arc;

pub(crate) struct GatewayCtx {
    pub(crate) opts: GatewayOptions,
    pub(crate) rooms: Rooms,
    /// Takes user messages: the room service itself in standalone mode, the
    /// moderator pool in cluster mode.
    pub(crate) submitter: Arc<dyn MessageSubmitter>,
    /// Takes room-state changes (mute, ban, admins, room edits, dismissal,
    /// profiles): the room service itself in standalone mode, room control
    /// over the internal API in cluster mode. The gateway writes no room
    /// state itself.
    pub(crate) control: Arc<dyn RoomControl>,
    pub(crate) local: Arc<LocalRooms>,
    pub(crate) conns: Connections,
    /// Per-user send rate.
    pub(crate) limiter: KeyedRateLimiter<(AppId, String)>,
    /// Abuse limits shared by every connection.
    pub(crate) limits: crate::limits::Limits,
}
