use roomcast_core::ratelimit::RateOptions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayOptions {
    /// Largest request frame answered normally; larger ones get error 10004.
    pub max_frame_bytes: usize,
    /// Frames above this many bytes close the connection (1009).
    pub hard_frame_limit_bytes: usize,
    /// WebSocket read buffer per connection (grows for larger frames). Small
    /// by default: idle connections dominate memory in mass rooms.
    pub read_buffer_bytes: usize,
    /// Bytes of outgoing frames gathered before a write to the socket.
    pub write_buffer_bytes: usize,
    /// Per-connection outbound queue cap; overflow disconnects with 4008.
    pub send_queue_max_bytes: usize,
    /// Most room events coalesced into one `messages` push frame.
    pub max_messages_per_frame: usize,
    /// A write that takes longer than this disconnects the client.
    pub write_timeout_ms: u64,
    /// Server WebSocket ping interval.
    pub ping_interval_ms: u64,
    /// Close connections that sent nothing (not even a pong) for this long.
    pub idle_timeout_ms: u64,
    pub max_connections: usize,
    /// Past this, the oldest connection of the user is kicked
    /// ("logged_in_elsewhere").
    pub max_connections_per_user: usize,
    pub max_rooms_per_connection: usize,
    /// Per-user send rate (error 10023 past it).
    pub user_send_rate: RateOptions,
    /// How long draining waits for clients to leave before closing them.
    pub drain_grace_ms: u64,
    /// Draining tells the connections to reconnect elsewhere spread evenly
    /// over this long (at most `drain_grace_ms`), not all at the same
    /// instant, so the other gateways take the reconnects and logins as a
    /// stream instead of a herd. 0 tells them all at once.
    pub drain_spread_ms: u64,
    /// A busy room (delivered to less than this long ago) gathers events for
    /// up to this long and delivers them in one write per member; an idle
    /// room is delivered to at once. 0 delivers every event at once.
    pub fanout_batch_ms: u64,
    /// Rooms with at least this many members on the gateway get the full
    /// `fanout_batch_ms` window; smaller ones a proportionally shorter one.
    pub fanout_batch_full_members: usize,
    /// How long a room event after a sequence gap waits for the gap to fill
    /// (cluster mode; moderators may publish slightly out of order).
    pub reorder_window_ms: u64,
    /// Serves `/autobahn-echo`, which echoes WebSocket messages to anyone
    /// without a login: for RFC 6455 conformance runs (docs/fuzzing.md)
    /// only, never in production. Off by default.
    pub autobahn_echo: bool,
    /// Abuse limits (`[gateway.limits]`).
    pub limits: crate::limits::LimitOptions,
    /// Browser origins allowed to open `/ws` (exact `Origin` values, e.g.
    /// `https://live.example.com`). An upgrade with an `Origin` header not
    /// listed is refused with 403 (cross-site WebSocket hijacking); requests
    /// without `Origin` (native apps, servers) are not browsers and pass.
    /// Empty (the default): every origin is allowed.
    pub allowed_origins: Vec<String>,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            hard_frame_limit_bytes: 1024 * 1024,
            read_buffer_bytes: 1024,
            write_buffer_bytes: 16 * 1024,
            send_queue_max_bytes: 1024 * 1024,
            max_messages_per_frame: 64,
            write_timeout_ms: 10_000,
            ping_interval_ms: 25_000,
            idle_timeout_ms: 60_000,
            max_connections: 100_000,
            max_connections_per_user: 10,
            max_rooms_per_connection: 50,
            user_send_rate: RateOptions::default(),
            drain_grace_ms: 10_000,
            drain_spread_ms: 5_000,
            reorder_window_ms: 500,
            fanout_batch_ms: 100,
            fanout_batch_full_members: 10_000,
            autobahn_echo: false,
            limits: Default::default(),
            allowed_origins: Vec::new(),
        }
    }
}

impl GatewayOptions {
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("max_frame_bytes", self.max_frame_bytes),
            ("send_queue_max_bytes", self.send_queue_max_bytes),
            ("read_buffer_bytes", self.read_buffer_bytes),
            ("max_messages_per_frame", self.max_messages_per_frame),
            ("max_connections", self.max_connections),
            ("max_connections_per_user", self.max_connections_per_user),
            ("max_rooms_per_connection", self.max_rooms_per_connection),
            ("fanout_batch_full_members", self.fanout_batch_full_members),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("gateway.{name} must be positive"));
            }
        }
        if self.hard_frame_limit_bytes < self.max_frame_bytes {
            return Err("gateway.hard_frame_limit_bytes must be >= max_frame_bytes".into());
        }
        if self.drain_spread_ms > self.drain_grace_ms {
            return Err("gateway.drain_spread_ms must be <= drain_grace_ms".into());
        }
        if self.write_timeout_ms == 0 || self.ping_interval_ms == 0 || self.idle_timeout_ms <= self.ping_interval_ms {
            return Err("gateway timeouts must be positive and idle_timeout_ms > ping_interval_ms".into());
        }
        self.user_send_rate
            .validate()
            .map_err(|e| format!("gateway.user_send_rate: {e}"))?;
        self.limits.validate()
    }
}
