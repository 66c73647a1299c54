//! Local rooms: for every room with at least one member on this gateway, one
//! bus subscription and one task that fans each event out to the members.
//!
//! Split by job: `registry` (who is in which room), `room_task` (the
//! subscription loop), `event` (decoding bus payloads), `pacer` (when to
//! deliver), `round` (delivering to every member) and `reorder` (sequence
//! order across moderators).

mod pacer;
mod registry;
mod reorder;
mod room_task;
mod round;

pub use registry::LocalRooms;

use crate::GatewayOptions;
use crate::conn::Conn;
use roomcast_core::ids::AppId;
use std::sync::Arc;
use std::time::Duration;

/// The fan-out's settings, taken from `GatewayOptions`.
#[derive(Debug, Clone)]
pub struct FanoutOptions {
    /// How long an event after a sequence gap waits for the gap to fill.
    pub reorder_window: Duration,
    /// The pacing window of a room with `batch_full_members` local members.
    pub batch_window: Duration,
    /// Local audience from which a room gets the full pacing window.
    pub batch_full_members: usize,
    /// Most events in one `messages` push (and held before a forced flush).
    pub max_per_frame: usize,
}

impl From<&GatewayOptions> for FanoutOptions {
    fn from(o: &GatewayOptions) -> Self {
        Self {
            reorder_window: Duration::from_millis(o.reorder_window_ms),
            batch_window: Duration::from_millis(o.fanout_batch_ms),
            batch_full_members: o.fanout_batch_full_members,
            max_per_frame: o.max_messages_per_frame,
        }
    }
}

/// What the fan-out task must tell the session layer to do.
pub trait Evictor: Send + Sync + 'static {
    /// The connection was removed from the room by the server.
    fn evicted(&self, conn: &Arc<Conn>, app: AppId, room: &str);
}
