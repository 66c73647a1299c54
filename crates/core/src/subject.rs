//! Every bus subject and queue-group name, in one place. Adapters (the
//! in-process bus, NATS) and roles only ever name subjects through here.
//!
//! Room IDs may hold any visible ASCII (including `.`, `*` and `>`, which
//! NATS reserves), so they are hex-encoded into one subject token.

use crate::ids::AppId;
use std::fmt::Write as _;

/// A room's fan-out subject: `roomcast.<app>.room.<hex room id>`.
pub fn room(app: AppId, room_id: &str) -> String {
    let mut s = String::with_capacity(24 + room_id.len() * 2);
    let _ = write!(s, "roomcast.{app}.room.");
    for b in room_id.bytes() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Room state changed; caches of it must be dropped.
pub fn control(app: AppId) -> String {
    format!("roomcast.{app}.control")
}

/// An app's moderation lists changed; screeners reload them.
pub fn lists(app: AppId) -> String {
    format!("roomcast.{app}.lists")
}

/// Where user messages are submitted to the moderator pool (a request).
pub fn submit(app: AppId) -> String {
    format!("roomcast.{app}.submit")
}

/// What moderators subscribe to: every app's submit subject.
pub const SUBMIT_ALL: &str = "roomcast.*.submit";

/// The moderators' queue group: each submission reaches one of them.
pub const MODERATOR_QUEUE: &str = "roomcast-moderators";

/// The app a submit subject names.
pub fn app_of_submit(subject: &str) -> Option<AppId> {
    let mut parts = subject.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("roomcast"), Some(app), Some("submit"), None) => app.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_subjects_are_single_safe_tokens() {
        assert_eq!(room(1400000000, "a.b*>"), "roomcast.1400000000.room.612e622a3e");
    }

    #[test]
    fn submit_subjects_round_trip() {
        assert_eq!(app_of_submit(&submit(1400000000)), Some(1400000000));
        assert_eq!(app_of_submit("roomcast.x.submit"), None);
        assert_eq!(app_of_submit("roomcast.1.submit.extra"), None);
        assert_eq!(app_of_submit("other.1.submit"), None);
    }
}
