//! One delivery round: the events framed once and the same bytes handed to
//! every member, straight into each socket where it has room.
//!
//! This is the fan-out's hot path; it walks a membership snapshot without
//! the membership lock and checks a member's session only when the
//! membership generation moved during the round.

use super::registry::LocalRoom;
use crate::conn::{Conn, Out, Pushed};
use crate::metrics as m;
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Frames the events once (at most `max_per_frame` per `messages` push) and
/// hands the same bytes to every member. Returns the number of members.
pub(super) fn deliver(local: &LocalRoom, room: &str, events: Vec<Bytes>, max_per_frame: usize) -> usize {
    if events.is_empty() {
        return 0;
    }
    let started = std::time::Instant::now();
    let (generation, members) = local.snapshot();
    let frames: Vec<(Bytes, u64)> = events
        .chunks(max_per_frame)
        .map(|chunk| (crate::ws::frame::messages(chunk), chunk.len() as u64))
        .collect();
    let round = write_round(local, room, generation, &members, &frames);
    // Counted once per round, not per member: the loop above is the hot path.
    metrics::counter!(m::MESSAGES_DELIVERED).increment(round.events);
    metrics::counter!(m::FANOUT_WRITES, "path" => "direct").increment(round.direct);
    metrics::counter!(m::FANOUT_WRITES, "path" => "queued").increment(round.queued);
    metrics::histogram!(m::FANOUT_SECONDS).record(started.elapsed().as_secs_f64());
    members.len()
}

/// What one round handed to the members.
#[derive(Debug, Default, PartialEq)]
struct Round {
    /// Events delivered, counted per member.
    events: u64,
    /// Frames that went straight into a member's socket.
    direct: u64,
    /// Frames queued behind earlier data (the member's socket was full).
    queued: u64,
}

/// Hands the frames to every member of a snapshot taken at `generation`.
fn write_round(
    local: &LocalRoom,
    room: &str,
    generation: u64,
    members: &[Arc<Conn>],
    frames: &[(Bytes, u64)],
) -> Round {
    let mut round = Round::default();
    for c in members {
        if local.generation.load(Ordering::Acquire) == generation {
            push_frames(c, frames, &mut round);
            continue;
        }
        // Membership changed during this round, so the list may hold someone
        // who has quit since. Quit leaves the session's room set before it
        // is answered; holding the session across the check and the pushes
        // puts every push either before that or not at all.
        let session = c.session.lock();
        if session.is_in_or_joining(room) {
            push_frames(c, frames, &mut round);
        }
        drop(session);
    }
    round
}

/// Hands the round's frames to one member.
fn push_frames(c: &Conn, frames: &[(Bytes, u64)], round: &mut Round) {
    for (wire, events) in frames {
        match c.out.push(Out::Wire(wire.clone())) {
            Pushed::Written => {
                round.events += events;
                round.direct += 1;
            }
            Pushed::Queued => {
                round.events += events;
                round.queued += 1;
            }
            Pushed::Overflow => {
                metrics::counter!(m::SLOW_DISCONNECTS).increment(1);
                metrics::counter!(m::MESSAGES_DROPPED, "reason" => "slow_consumer").increment(1);
            }
            Pushed::Closed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::ConnId;

    fn member(id: ConnId, room: &str) -> (Arc<Conn>, tokio::io::DuplexStream) {
        let c = Conn::new(id, 1 << 20, format!("g{id}"), None, &Default::default());
        c.session.lock().rooms.insert(room.to_string());
        let (w, r) = tokio::io::duplex(1 << 16);
        c.out.attach(Box::pin(w));
        (c, r)
    }

    fn received(r: &mut tokio::io::DuplexStream) -> usize {
        use tokio::io::AsyncRead;
        let mut buf = [0u8; 4096];
        let mut rb = tokio::io::ReadBuf::new(&mut buf);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::Pin::new(r).poll_read(&mut cx, &mut rb) {
            std::task::Poll::Ready(Ok(())) => rb.filled().len(),
            _ => 0,
        }
    }

    #[tokio::test]
    async fn a_member_who_quit_during_a_round_gets_nothing_more() {
        let (a, mut ra) = member(1, "r");
        let (b, mut rb) = member(2, "r");
        let local = LocalRoom::new(&a);
        local.insert(&b);
        let frames = frames_of_one();
        // The round starts with both in its list; then `a` quits the way the
        // session does: session first, then the member map, then the change
        // is announced.
        let (generation, members) = local.snapshot();
        a.session.lock().rooms.remove("r");
        local.members.write().remove(&a.id);
        local.membership_changed();
        assert_eq!(write_round(&local, "r", generation, &members, &frames).events, 1);
        assert_eq!(received(&mut ra), 0);
        assert!(received(&mut rb) > 0);
    }

    #[tokio::test]
    async fn a_cached_list_still_holding_a_departed_member_is_checked() {
        let (a, mut ra) = member(1, "r");
        let (b, mut rb) = member(2, "r");
        let local = LocalRoom::new(&a);
        local.insert(&b);
        let _ = local.snapshot();
        // `a` has left the map, but the change is not announced yet: the round
        // gets the cached list that still holds `a`.
        a.session.lock().rooms.remove("r");
        local.members.write().remove(&a.id);
        let (generation, members) = local.snapshot();
        assert_eq!(members.len(), 2);
        local.membership_changed();
        let round = write_round(&local, "r", generation, &members, &frames_of_one());
        assert_eq!(
            round,
            Round {
                events: 1,
                direct: 1,
                queued: 0
            }
        );
        assert_eq!(received(&mut ra), 0);
        assert!(received(&mut rb) > 0);
    }

    fn frames_of_one() -> [(Bytes, u64); 1] {
        [(crate::ws::frame::messages(&[Bytes::from_static(b"{}")]), 1)]
    }
}
