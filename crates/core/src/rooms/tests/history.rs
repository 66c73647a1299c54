//! History: late joiners' view of the chat, older pages, and recovery of
//! what was missed (by epoch and seq).

use super::*;
use crate::ports::history::HistoryOptions;
use crate::rooms::HISTORY_PAGE_MAX;

const ROOM: &str = "live-1";

fn texts(events: &[crate::ports::history::HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_slice(&e.json).unwrap();
            v["msgBody"][0]["MsgContent"]["Text"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn seqs(events: &[crate::ports::history::HistoryEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

async fn sent(h: &Harness, n: usize) {
    for i in 1..=n {
        delivered_seq(h.send(ROOM, MEMBER, &format!("m{i}")).await.unwrap());
    }
}

#[tokio::test]
async fn a_late_joiner_gets_the_newest_events_and_pages_back() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    sent(&h, 5).await;
    let recent = h.rooms.history(APP, ROOM, None, 3).await.unwrap();
    assert_eq!(texts(&recent.events), ["m3", "m4", "m5"], "newest last");
    assert!(!recent.epoch.is_empty());
    let older = h.rooms.history(APP, ROOM, Some(recent.events[0].seq), 3).await.unwrap();
    assert_eq!(texts(&older.events), ["m1", "m2"]);
    // The kept JSON is exactly what members received live.
    let mut sub = h.subscribe(ROOM).await;
    delivered_seq(h.send(ROOM, MEMBER, "m6").await.unwrap());
    let RoomEvent::Deliver { json, .. } = next_event(&mut sub) else {
        panic!("a message")
    };
    assert_eq!(h.rooms.history(APP, ROOM, None, 1).await.unwrap().events[0].json, json);
    for bad in [0, HISTORY_PAGE_MAX + 1] {
        assert_eq!(code(h.rooms.history(APP, ROOM, None, bad).await), 10004, "limit {bad}");
    }
    assert_eq!(code(h.rooms.history(APP, "nope", None, 5).await), 10010);
}

#[tokio::test]
async fn recovery_returns_everything_missed_in_order() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    sent(&h, 2).await;
    let seen = h.rooms.history(APP, ROOM, None, 10).await.unwrap();
    let last = seen.events.last().unwrap().seq;
    // The client goes away; three more messages are sent meanwhile.
    sent(&h, 3).await;
    let r = h.rooms.recover(APP, ROOM, last, &seen.epoch).await.unwrap();
    assert!(r.recovered);
    assert_eq!(r.epoch, seen.epoch);
    assert_eq!(texts(&r.events), ["m1", "m2", "m3"], "the second batch of sends");
    assert_eq!(seqs(&r.events), [last + 1, last + 2, last + 3]);
    // Nothing missed: recovered, nothing to replay.
    let r = h.rooms.recover(APP, ROOM, last + 3, &seen.epoch).await.unwrap();
    assert!(r.recovered);
    assert!(r.events.is_empty());
}

#[tokio::test]
async fn recovery_fails_across_epochs_and_past_what_is_kept() {
    let h = Harness::with_options(RoomsOptions {
        history: HistoryOptions {
            max_events: 3,
            ..HistoryOptions::default()
        },
        ..RoomsOptions::default()
    });
    h.staffed_room(ROOM).await;
    sent(&h, 2).await;
    let epoch = h.rooms.history(APP, ROOM, None, 1).await.unwrap().epoch;
    sent(&h, 3).await;
    // Seq 2 was seen; 3, 4, 5 are kept: complete.
    assert!(h.rooms.recover(APP, ROOM, 2, &epoch).await.unwrap().recovered);
    // Seq 1 was seen; 2 was evicted: not recoverable, but what is kept comes back.
    let r = h.rooms.recover(APP, ROOM, 1, &epoch).await.unwrap();
    assert!(!r.recovered);
    assert_eq!(seqs(&r.events), [3, 4, 5]);
    // Another epoch (e.g. before a restart): never recovered.
    assert!(!h.rooms.recover(APP, ROOM, 5, "another-epoch").await.unwrap().recovered);
}

#[tokio::test]
async fn a_dismissed_room_loses_its_history_and_a_new_one_has_another_epoch() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    sent(&h, 2).await;
    let epoch = h.rooms.history(APP, ROOM, None, 1).await.unwrap().epoch;
    h.rooms.dismiss_room(APP, &Actor::AppAdmin, ROOM).await.unwrap();
    h.staffed_room(ROOM).await;
    sent(&h, 1).await;
    let fresh = h.rooms.history(APP, ROOM, None, 10).await.unwrap();
    assert_eq!(texts(&fresh.events), ["m1"]);
    assert_ne!(fresh.epoch, epoch);
    assert!(!h.rooms.recover(APP, ROOM, 2, &epoch).await.unwrap().recovered);
}

#[tokio::test]
async fn a_gateway_fills_a_gap_from_the_history() {
    let h = Harness::new();
    h.staffed_room(ROOM).await;
    sent(&h, 5).await;
    let missed = h.rooms.missed_events(APP, ROOM, 2, 4).await.unwrap();
    assert_eq!(seqs(&missed), [2, 3, 4]);
    assert!(h.rooms.missed_events(APP, ROOM, 4, 3).await.unwrap().is_empty());
}

#[tokio::test]
async fn history_off_keeps_nothing_and_recovers_nothing() {
    let h = Harness::with_options(RoomsOptions {
        history: HistoryOptions {
            max_events: 0,
            ..HistoryOptions::default()
        },
        ..RoomsOptions::default()
    });
    h.staffed_room(ROOM).await;
    sent(&h, 2).await;
    assert!(h.rooms.history(APP, ROOM, None, 5).await.unwrap().events.is_empty());
    assert!(!h.rooms.recover(APP, ROOM, 0, "").await.unwrap().recovered);
}
