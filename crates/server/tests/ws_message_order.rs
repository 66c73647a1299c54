//! Message order and delivery over real WebSockets: gap-free sequencing
//! across senders, the per-user send rate, and idempotent send by msgKey.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::*;

// ---- sequencing -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seq_is_gap_free_across_senders_and_identical_for_receivers() {
    const PER_SENDER: usize = 25;
    let (server, room) = TestServer::with_room_in(message_config(), "seqs", Some("owner1")).await;
    let mut rx1 = server.joined_guest(&room).await;
    let mut rx2 = server.joined("watcher", &room).await;

    let mut tasks = Vec::new();
    for user in ["alice", "bob", "carol"] {
        let mut c = server.joined(user, &room).await;
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for i in 0..PER_SENDER {
                let text = format!("{user}-{i}");
                let r = c.send_msg(&room, &text).await;
                assert_eq!(r["code"], 0, "{r}");
                sent.push((reply_seq(&r), text));
            }
            (user, sent, c)
        }));
    }
    let mut by_seq = BTreeMap::new();
    let mut keep = Vec::new();
    for t in tasks {
        let (user, sent, c) = t.await.unwrap();
        // One connection's messages are sequenced in the order it sent them.
        let seqs: Vec<u64> = sent.iter().map(|(s, _)| *s).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{user}: {seqs:?}");
        for (s, text) in sent {
            assert!(by_seq.insert(s, (user, text)).is_none(), "seq {s} given twice");
        }
        keep.push(c);
    }
    let total = 3 * PER_SENDER;
    let expected: Vec<u64> = (1..=total as u64).collect();
    assert_eq!(by_seq.keys().copied().collect::<Vec<_>>(), expected, "reply seqs");

    let got1 = rx1.next_messages(total).await;
    let got2 = rx2.next_messages(total).await;
    let view = |ms: &[Value]| -> Vec<(u64, String, String)> {
        ms.iter()
            .map(|m| {
                (
                    seq_of(m),
                    m["from"].as_str().unwrap().to_string(),
                    text_of(m).to_string(),
                )
            })
            .collect()
    };
    let (v1, v2) = (view(&got1), view(&got2));
    assert_eq!(v1, v2, "two receivers saw different orders");
    let seqs: Vec<u64> = v1.iter().map(|(s, ..)| *s).collect();
    assert_eq!(seqs, expected, "delivered seqs");
    for (s, from, text) in &v1 {
        let (user, sent_text) = &by_seq[s];
        assert_eq!((from.as_str(), text.as_str()), (*user, sent_text.as_str()), "seq {s}");
    }
    rx1.assert_no_event(QUIET).await;
    rx2.assert_no_event(QUIET).await;

    server.stop().await;
}

// ---- per-user rate limit ----------------------------------------------------

#[tokio::test]
async fn per_user_send_rate_is_limited() {
    let mut c = message_config();
    c.gateway.user_send_rate = RateOptions { per_sec: 1.0, burst: 3 };
    let (server, room) = TestServer::with_room_in(c, "rate", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut alice2 = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;
    let mut rx = server.joined_guest(&room).await;

    for i in 0..3 {
        let r = alice.send_msg(&room, &format!("burst-{i}")).await;
        assert_eq!(r["code"], 0, "send {i} within the burst: {r}");
    }
    let r = alice.send_msg(&room, "one too many").await;
    assert_eq!(r["code"], 10023, "{r}");
    assert_eq!(r["retryable"], true, "{r}");
    // The limit is per user, not per connection ...
    let r = alice2.send_msg(&room, "other connection").await;
    assert_eq!(r["code"], 10023, "{r}");
    assert_eq!(r["retryable"], true, "{r}");
    // ... and other users are unaffected.
    let r = bob.send_msg(&room, "bob is fine").await;
    assert_eq!(r["code"], 0, "{r}");

    let got = rx.next_messages(4).await;
    let texts: Vec<&str> = got.iter().map(text_of).collect();
    assert_eq!(texts, ["burst-0", "burst-1", "burst-2", "bob is fine"]);
    rx.assert_no_event(QUIET).await;

    // Retrying later succeeds: at 1 token/s, 1.2 s refills at least one.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = alice.send_msg(&room, "after waiting").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(text_of(&rx.next_event_of("message").await), "after waiting");

    server.stop().await;
}

// ---- idempotent send --------------------------------------------------------

#[tokio::test]
async fn same_msg_key_is_delivered_once() {
    let (server, room) = TestServer::with_room_in(message_config(), "idem", Some("owner1")).await;
    let room2 = server.create_room("idem2", Some("owner1")).await;
    let mut alice = server.joined("alice", &room).await;
    let mut bob = server.joined("bob", &room).await;
    let mut rx = server.joined_guest(&room).await;
    let mut rx2 = server.joined_guest(&room2).await;
    assert_eq!(alice.join(&room2).await["code"], 0);

    let first = send(&mut alice, &room, text_body("once"), None, Some("k1")).await;
    assert_eq!(first["code"], 0, "{first}");
    let again = send(&mut alice, &room, text_body("once"), None, Some("k1")).await;
    assert_eq!(
        again,
        json!({ "id": again["id"], "code": 0, "message": "ok", "data": first["data"] })
    );
    assert_eq!(again["data"], first["data"], "resend must get the identical reply");
    // Even with a different body, the key decides: the first result is returned.
    let changed = send(&mut alice, &room, text_body("changed"), None, Some("k1")).await;
    assert_eq!(changed["code"], 0, "{changed}");
    assert_eq!(changed["data"], first["data"]);

    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), reply_seq(&first));
    assert_eq!(m["msgKey"], "k1");
    assert_eq!(text_of(&m), "once");
    rx.assert_no_event(QUIET).await;

    // A different key is a new message.
    let other = send(&mut alice, &room, text_body("once"), None, Some("k2")).await;
    assert_eq!(other["code"], 0, "{other}");
    assert_eq!(reply_seq(&other), reply_seq(&first) + 1);
    // The same key from another user is independent.
    let bobs = send(&mut bob, &room, text_body("bob k1"), None, Some("k1")).await;
    assert_eq!(bobs["code"], 0, "{bobs}");
    assert_eq!(reply_seq(&bobs), reply_seq(&other) + 1);
    // The same key in another room is independent too.
    let elsewhere = send(&mut alice, &room2, text_body("room2 k1"), None, Some("k1")).await;
    assert_eq!(elsewhere["code"], 0, "{elsewhere}");
    assert_eq!(reply_seq(&elsewhere), 1);

    let got = rx.next_messages(2).await;
    assert_eq!(
        got.iter()
            .map(|m| (seq_of(m), m["from"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [(reply_seq(&other), "alice"), (reply_seq(&bobs), "bob")]
    );
    assert_eq!(got[0]["msgKey"], "k2");
    assert_eq!(got[1]["msgKey"], "k1");
    let m = rx2.next_event_of("message").await;
    assert_eq!(text_of(&m), "room2 k1");
    rx.assert_no_event(QUIET).await;
    rx2.assert_no_event(QUIET).await;

    // The same key sent concurrently from two connections of one user.
    let mut alice2 = server.joined("alice", &room).await;
    let d = send_data(&room, text_body("racing"), None, Some("k3"));
    let (a, b) = tokio::join!(alice.request("send", d.clone()), alice2.request("send", d));
    assert_eq!(a["code"], 0, "{a}");
    assert_eq!(a["data"], b["data"], "{a} vs {b}");
    let m = rx.next_event_of("message").await;
    assert_eq!(text_of(&m), "racing");
    assert_eq!(seq_of(&m), reply_seq(&a));
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}
