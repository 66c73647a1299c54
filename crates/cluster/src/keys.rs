//! The Redis key schema (documented in docs/architecture.md). Every key
//! starts with `rc:`; per-app keys with `rc:<sdkappid>:`.

use roomcast_core::ids::AppId;

pub fn room(app: AppId, room: &str) -> String {
    format!("rc:{app}:room:{room}")
}
pub fn rooms(app: AppId) -> String {
    format!("rc:{app}:rooms")
}
pub fn mutes(app: AppId, room: &str) -> String {
    format!("rc:{app}:mute:{room}")
}
pub fn bans(app: AppId, room: &str) -> String {
    format!("rc:{app}:ban:{room}")
}
pub fn profiles(app: AppId) -> String {
    format!("rc:{app}:profiles")
}
pub fn seq(app: AppId, room: &str) -> String {
    format!("rc:{app}:seq:{room}")
}
pub fn freq(app: AppId, room: &str) -> String {
    format!("rc:{app}:freq:{room}")
}
/// The room's recent events: a stream whose entry IDs are `<seq>-0`.
pub fn history(app: AppId, room: &str) -> String {
    format!("rc:{app}:hist:{room}")
}
/// The epoch of the room's history (changes whenever the stream is lost).
pub fn history_epoch(app: AppId, room: &str) -> String {
    format!("rc:{app}:hepoch:{room}")
}
/// The room's group attributes: a hash, `v` (version) and `j` (JSON).
pub fn attributes(app: AppId, room: &str) -> String {
    format!("rc:{app}:attr:{room}")
}
/// The room's group counters: a hash, counter → decimal `i64`.
pub fn counters(app: AppId, room: &str) -> String {
    format!("rc:{app}:ctr:{room}")
}
/// Rooms whose counters changed since the last publication, `<app>:<room>`.
pub fn counters_dirty() -> &'static str {
    "rc:ctrdirty"
}
pub fn presence(app: AppId, room: &str) -> String {
    format!("rc:{app}:pres:{room}")
}
pub fn presence_info(app: AppId, room: &str) -> String {
    format!("rc:{app}:presi:{room}")
}
/// User IDs cannot contain `:`, so the last `:` separates room and user.
pub fn presence_conns(app: AppId, room: &str, user: &str) -> String {
    format!("rc:{app}:presc:{room}:{user}")
}
pub fn idempotency(app: AppId, sender: &str, room: &str, msg_key: &str) -> String {
    format!("rc:{app}:idem:{sender}:{}:{}", hex(room), hex(msg_key))
}
/// The app's after-event callbacks waiting for delivery: a stream read by
/// room control's consumer group; delivered entries are deleted.
pub fn callbacks(app: AppId) -> String {
    format!("rc:{app}:cb")
}
/// The consumer group of the callback streams (every control replica).
pub const CALLBACK_GROUP: &str = "control";
pub fn gateways() -> &'static str {
    "rc:gateways"
}
pub fn gateway_alive(gw: &str) -> String {
    format!("rc:gw:{gw}:alive")
}
pub fn gateway_conns(gw: &str) -> String {
    format!("rc:gw:{gw}:conns")
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}
