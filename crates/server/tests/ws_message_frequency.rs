//! Room frequency control over real WebSockets: the room cap, the
//! per-priority sub-caps and who is exempt, and High priority during a flood.
//!
//! Nothing here asserts on speed. Where frequency control depends on which
//! one-second window a message lands in, the tests bracket every request with
//! the wall clock (the server runs in this process and reads the same clock)
//! and assert only what holds for every possible window alignment.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn room_frequency_cap_drops_excess_messages() {
    const CAP: usize = 5;
    const SENT: usize = 30;
    let mut c = message_config();
    c.rooms.frequency.room_cap_per_sec = CAP as u32;
    let (server, room) = TestServer::with_room_in(c, "freq", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut rx = server.joined_guest(&room).await;

    let reqs: Vec<Value> = (0..SENT)
        .map(|i| send_data(&room, text_body(&format!("m{i}")), None, None))
        .collect();
    let t0 = now_ms();
    let replies = pipelined(&mut alice, "flood", &reqs).await;
    let t1 = now_ms();

    let mut accepted = Vec::new();
    for (i, r) in replies.iter().enumerate() {
        if r["code"] == 0 {
            accepted.push((reply_seq(r), format!("m{i}")));
        } else {
            assert_freq_dropped(r);
        }
    }
    // Whatever the window alignment: the first CAP messages of any window are
    // admitted (no High traffic reserves anything), so the first CAP sent are;
    // and no window admits more than CAP. Sent back-to-back this is normally
    // two windows at most, i.e. between 5 and 10 accepted.
    let windows = windows_touched(t0, t1);
    assert!(
        (CAP..=CAP * windows).contains(&accepted.len()),
        "{} accepted over {windows} window(s): {replies:?}",
        accepted.len()
    );
    for (i, r) in replies.iter().take(CAP).enumerate() {
        assert_eq!(r["code"], 0, "message {i} of a fresh window must be admitted: {r}");
    }
    let seqs: Vec<u64> = accepted.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs[0], 1);
    assert_gap_free(&seqs);

    let got = seqs_and_texts(&rx.next_messages(accepted.len()).await);
    assert_eq!(got, accepted, "receiver must get exactly the accepted messages");
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn sub_caps_spare_high_priority_and_privileged_senders() {
    const SUB: usize = 3;
    const N: usize = 12;
    let mut c = message_config();
    c.rooms.frequency = FrequencyOptions {
        room_cap_per_sec: 1000,
        normal_cap_per_sec: SUB as u32,
        low_cap_per_sec: SUB as u32,
        lowest_cap_per_sec: SUB as u32,
    };
    let (server, room) = TestServer::with_room_in(c, "subcap", Some("owner1")).await;
    let mut admin = server.admin().await;
    admin
        .set_admin(pb::SetAdminRequest {
            room_id: room.clone(),
            user_id: "mod1".into(),
            admin: true,
        })
        .await
        .expect("set admin");
    let mut alice = server.joined("alice", &room).await;
    let mut owner = server.joined("owner1", &room).await;
    let mut moderator = server.joined("mod1", &room).await;
    let mut rx = server.joined_guest(&room).await;

    let batch = |tag: &str, priority: &str| -> Vec<Value> {
        (0..N)
            .map(|i| send_data(&room, text_body(&format!("{tag}-{i}")), Some(priority), None))
            .collect()
    };
    let mut accepted = BTreeMap::new();
    let mut record = |tag: &str, replies: &[Value]| -> usize {
        let mut n = 0;
        for (i, r) in replies.iter().enumerate() {
            if r["code"] == 0 {
                n += 1;
                accepted.insert(reply_seq(r), format!("{tag}-{i}"));
            } else {
                assert_freq_dropped(r);
            }
        }
        n
    };

    // An ordinary member's Normal messages hit the Normal sub-cap.
    let t0 = now_ms();
    let replies = pipelined(&mut alice, "normal", &batch("normal", "Normal")).await;
    let windows = windows_touched(t0, now_ms());
    let n = record("normal", &replies);
    assert!(
        (SUB..=SUB * windows).contains(&n),
        "{n} Normal accepted over {windows} window(s)"
    );
    // High has no sub-cap.
    let replies = pipelined(&mut alice, "high", &batch("high", "High")).await;
    assert_eq!(record("high", &replies), N, "{replies:?}");
    // Owner and room admin are exempt from sub-caps.
    let replies = pipelined(&mut owner, "owner", &batch("owner", "Low")).await;
    assert_eq!(record("owner", &replies), N, "{replies:?}");
    let replies = pipelined(&mut moderator, "mod", &batch("mod", "Lowest")).await;
    assert_eq!(record("mod", &replies), N, "{replies:?}");
    // So is the app admin through the admin API.
    for i in 0..N {
        let body = text_body(&format!("app-{i}"));
        let resp = admin
            .send_message(admin_msg(&room, &body, pb::Priority::Normal, ""))
            .await
            .expect("admin send")
            .into_inner();
        assert_eq!(resp.drop_reason, "", "app admin message {i} dropped");
        accepted.insert(resp.seq, format!("app-{i}"));
    }

    let seqs: Vec<u64> = accepted.keys().copied().collect();
    assert_gap_free(&seqs);
    let got = rx.next_messages(accepted.len()).await;
    let got: BTreeMap<u64, String> = got.iter().map(|m| (seq_of(m), text_of(m).to_string())).collect();
    assert_eq!(got, accepted);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

struct HighSend {
    start_ms: i64,
    end_ms: i64,
    text: String,
    reply: Value,
}

/// Sleeps until `offset_ms` into the next wall-clock second.
async fn sleep_until_next_second_plus(offset_ms: i64) {
    let now = now_ms();
    let target = (window(now) + 1) * 1000 + offset_ms;
    tokio::time::sleep(Duration::from_millis((target - now) as u64)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn high_priority_keeps_flowing_during_a_low_flood() {
    const CAP: usize = 10;
    const HIGH_PER_TICK: usize = 3;
    const TICKS: usize = 4;
    let mut c = message_config();
    c.rooms.frequency.room_cap_per_sec = CAP as u32;
    // Each flooder sends up to 500 requests a second on one connection: far
    // past the per-connection request rate (its own test: ws_abuse_rates),
    // which would answer 10006 and then close the flooders. This test is
    // about the room's frequency control, so the connection limit is lifted.
    c.gateway.limits.request_rate = roomcast_core::ratelimit::RateOptions {
        per_sec: 2000.0,
        burst: 2000,
    };
    let (server, room) = TestServer::with_room_in(c, "prio", Some("owner1")).await;
    let mut rx = server.joined_guest(&room).await;
    let mut vip = server.joined("vip", &room).await;

    // Several users flood Low messages for the whole test.
    let stop = Arc::new(AtomicBool::new(false));
    let flood_start = now_ms();
    let mut flooders = Vec::new();
    for user in ["low1", "low2", "low3"] {
        let mut c = server.joined(user, &room).await;
        let (stop, room) = (stop.clone(), room.clone());
        flooders.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let text = format!("{user}-{i}");
                let r = send(&mut c, &room, text_body(&text), Some("Low"), None).await;
                out.push((text, r));
                i += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            (out, c)
        }));
    }

    // A few High messages each second, in the middle of each wall-clock
    // second so that each second's batch normally falls into one window.
    let mut highs = Vec::new();
    for tick in 0..TICKS {
        sleep_until_next_second_plus(500).await;
        for k in 0..HIGH_PER_TICK {
            let text = format!("high-{tick}-{k}");
            let start_ms = now_ms();
            let reply = send(&mut vip, &room, text_body(&text), Some("High"), None).await;
            let end_ms = now_ms();
            highs.push(HighSend {
                start_ms,
                end_ms,
                text,
                reply,
            });
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut lows = Vec::new();
    let mut keep = Vec::new();
    for f in flooders {
        let (out, c) = f.await.unwrap();
        lows.extend(out);
        keep.push(c);
    }
    let flood_end = now_ms();

    // Invariant of the algorithm, independent of window alignment: in window
    // w, the first min(H, CAP) High messages are admitted, where H is the
    // number of High messages offered (admitted or not) in window w-1. Each
    // High send is bracketed by clock readings; only messages whose bracket
    // lies in one window are judged, counting as "previous" only High
    // messages certainly in w-1 and as "before" every earlier one that may be
    // in w. When the sends are as quick as usual, that is every High message
    // of every second but the first.
    let mut judged = 0;
    for (i, h) in highs.iter().enumerate() {
        let r = &h.reply;
        assert!(r["code"] == 0 || r["code"] == 200001, "{r}");
        if r["code"] != 0 {
            assert_freq_dropped(r);
        }
        let w = window(h.start_ms);
        if window(h.end_ms) != w {
            continue;
        }
        let prev = highs
            .iter()
            .filter(|o| window(o.start_ms) == w - 1 && window(o.end_ms) == w - 1)
            .count();
        let before = highs[..i]
            .iter()
            .filter(|o| window(o.start_ms) <= w && w <= window(o.end_ms))
            .count();
        if before < prev.min(CAP) {
            judged += 1;
            assert_eq!(
                r["code"], 0,
                "{} must be admitted (reserved by the previous window): {r}",
                h.text
            );
        }
    }
    eprintln!("High: {judged} of {} judged", highs.len());
    assert!(
        judged >= HIGH_PER_TICK,
        "no second's High batch could be placed in a window; brackets: {:?}",
        highs.iter().map(|h| (h.start_ms, h.end_ms)).collect::<Vec<_>>()
    );

    // Low: the room cap holds, so most of the flood is dropped.
    let windows = windows_touched(flood_start, flood_end);
    let mut accepted = BTreeMap::new();
    for (text, r) in &lows {
        if r["code"] == 0 {
            accepted.insert(reply_seq(r), (text.clone(), "Low"));
        } else {
            assert_freq_dropped(r);
        }
    }
    let low_offered = lows.len();
    let low_accepted = accepted.len();
    for h in &highs {
        if h.reply["code"] == 0 {
            accepted.insert(reply_seq(&h.reply), (h.text.clone(), "High"));
        }
    }
    assert!(
        accepted.len() <= CAP * windows,
        "{} admitted over {windows} window(s) with a cap of {CAP}",
        accepted.len()
    );
    assert!(
        low_offered > CAP * windows,
        "precondition: the flood offered only {low_offered} Low messages in {windows} window(s)"
    );
    eprintln!("Low flood: {low_accepted} of {low_offered} admitted over {windows} window(s)");

    // Receivers get exactly the admitted messages, gap-free.
    let seqs: Vec<u64> = accepted.keys().copied().collect();
    assert_eq!(seqs.first(), Some(&1));
    assert_gap_free(&seqs);
    let got = rx.next_messages(accepted.len()).await;
    let got: BTreeMap<u64, (String, &str)> = got
        .iter()
        .map(|m| {
            let p = if m["priority"] == "High" { "High" } else { "Low" };
            (seq_of(m), (text_of(m).to_string(), p))
        })
        .collect();
    assert_eq!(got, accepted);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}
