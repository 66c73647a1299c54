//! The per-room task: takes the room's bus events in order, acts on the
//! membership effects (kick, dismissal) and hands deliverable events to the
//! pacer.
//!
//! One task per local room, whatever its size: the subscription is drained
//! in rounds so that events that queued up during a delivery go out together.

use super::pacer::Pacer;
use super::registry::{LocalRoom, LocalRooms, RoomKey};
use super::reorder::Reorder;
use crate::conn::Out;
use crate::metrics as m;
use crate::protocol::{KickReason, close, kicked_push, reconnect_push};
use roomcast_core::event::RoomEvent;
use roomcast_core::ports::bus::Subscription;
use roomcast_core::rooms::Rooms;
use std::sync::Arc;
use tokio::time::Instant;

/// Most events taken off the subscription before delivering; the rest wait
/// for the next round (they are already counted against the room's rate).
const ROUND_MAX: usize = 1024;

pub(super) async fn run_room(
    rooms: Arc<LocalRooms>,
    key: RoomKey,
    local: Arc<LocalRoom>,
    mut sub: Subscription<RoomEvent>,
    service: Rooms,
) {
    let evictor = &rooms.evictor;
    let mut reorder = Reorder::new(rooms.opts.reorder_window, 4096);
    let mut pacer = Pacer::new(key.1.clone(), &rooms.opts);
    loop {
        let deadline = reorder.deadline();
        let due = pacer.due();
        let payload = tokio::select! {
            p = sub.next() => p,
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                pacer.flush(&local, Instant::now());
                continue;
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                // An event this gateway never received (a NATS outage or
                // resubscription): the room's history has it.
                if let Some((first, last)) = reorder.gap() {
                    match service.missed_events(key.0, &key.1, first, last).await {
                        Ok(found) => {
                            metrics::counter!(m::GAP_EVENTS_RECOVERED).increment(found.len() as u64);
                            for e in found {
                                pacer.hold(reorder.push(e.seq, e.json, Instant::now()));
                            }
                        }
                        Err(e) => tracing::warn!(app = key.0, room = %key.1, error = %e, "missed events not fetched"),
                    }
                }
                if reorder.gap().is_some() {
                    tracing::debug!(app = key.0, room = %key.1, "gave up waiting for a missing room event");
                }
                pacer.hold(reorder.expire());
                pacer.settle(&local, Instant::now());
                continue;
            }
        };
        let Some(mut ev) = payload else { break };
        // Everything already waiting joins this round: events that queued up
        // while the previous delivery was being written go out together,
        // one write per member, instead of one write per event.
        let mut taken = 1;
        loop {
            if !matches!(ev, RoomEvent::Deliver { .. }) {
                // Effects act on membership: deliver what came before them
                // to the membership it was sent to first.
                pacer.flush(&local, Instant::now());
            }
            match ev {
                RoomEvent::Deliver { seq, json } => pacer.hold(reorder.push(seq, json, Instant::now())),
                RoomEvent::Kick { users, reason } => {
                    let kicked = local.remove_users(&users);
                    for c in &kicked {
                        c.out.push(Out::Frame(kicked_push(Some(&key.1), &reason)));
                        evictor.evicted(c, key.0, &key.1);
                    }
                    if rooms.remove_if_empty(&key, &local) {
                        return;
                    }
                }
                RoomEvent::Dismissed => {
                    for c in rooms.take_all(&key, &local) {
                        c.out
                            .push(Out::Frame(kicked_push(Some(&key.1), KickReason::Dismissed.as_str())));
                        evictor.evicted(&c, key.0, &key.1);
                    }
                    return;
                }
            }
            if taken >= ROUND_MAX {
                break;
            }
            match sub.ready() {
                Some(next) => {
                    ev = next;
                    taken += 1;
                }
                None => break,
            }
        }
        pacer.settle(&local, Instant::now());
    }
    // The bus closed the subscription (it is shutting down): members could
    // no longer be served here, so send them elsewhere rather than go silent.
    tracing::warn!(app = key.0, room = %key.1, "room subscription ended");
    for c in rooms.take_all(&key, &local) {
        c.out.push(Out::Frame(reconnect_push("room subscription lost")));
        c.out.push(Out::Close(close::GOING_AWAY, "room subscription lost"));
    }
}
