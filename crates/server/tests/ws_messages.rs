mod common;
use common::*;

// Messages over real WebSockets: element fidelity, body validation and size
// limit, sequencing, per-user rate limit, idempotent send, room frequency
// control with priorities, admin-API messages, notices and broadcast, and
// content moderation.
//
// Nothing here asserts on speed. Where frequency control depends on which
// one-second window a message lands in, the tests bracket every request with
// the wall clock (the server runs in this process and reads the same clock)
// and assert only what holds for every possible window alignment.

use roomcast_core::freq::FrequencyOptions;
use roomcast_core::model::now_ms;
use roomcast_core::ratelimit::RateOptions;
use roomcast_moderation::{Category, ListSource};
use roomcast_proto::v1 as pb;
use roomcast_server::Config;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long "nothing else arrives" is watched for.
const QUIET: Duration = Duration::from_millis(400);

/// Base configuration with everything that could get in the way of a test
/// turned off: no join/quit tips, and per-user and per-room limits far above
/// anything a test sends unless the test lowers them.
fn config() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.gateway.user_send_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    c.rooms.frequency = FrequencyOptions {
        room_cap_per_sec: 100_000,
        normal_cap_per_sec: 100_000,
        low_cap_per_sec: 100_000,
        lowest_cap_per_sec: 100_000,
    };
    c
}

/// The `data` of a `send` request.
fn send_data(room: &str, body: Value, priority: Option<&str>, key: Option<&str>) -> Value {
    let mut d = json!({ "roomId": room, "msgBody": body });
    if let Some(p) = priority {
        d["priority"] = json!(p);
    }
    if let Some(k) = key {
        d["msgKey"] = json!(k);
    }
    d
}

async fn send(c: &mut Client, room: &str, body: Value, priority: Option<&str>, key: Option<&str>) -> Value {
    c.request("send", send_data(room, body, priority, key)).await
}

/// Sends all `send` requests back-to-back without waiting, then collects the
/// replies (a connection answers its requests in order).
async fn pipelined(c: &mut Client, tag: &str, reqs: &[Value]) -> Vec<Value> {
    for (i, data) in reqs.iter().enumerate() {
        let frame = json!({ "id": format!("{tag}-{i}"), "op": "send", "data": data });
        c.send_text(&frame.to_string()).await;
    }
    let mut out = Vec::with_capacity(reqs.len());
    for i in 0..reqs.len() {
        out.push(c.reply_for(json!(format!("{tag}-{i}"))).await);
    }
    out
}

/// The next `n` message events.
async fn messages(c: &mut Client, n: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(c.next_event_of("message").await);
    }
    out
}

fn seq_of(v: &Value) -> u64 {
    v["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {v}"))
}

fn reply_seq(r: &Value) -> u64 {
    r["data"]["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq in reply {r}"))
}

fn text_of(m: &Value) -> &str {
    m["msgBody"][0]["MsgContent"]["Text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {m}"))
}

/// Asserts consecutive sequence numbers.
fn assert_gap_free(seqs: &[u64]) {
    for w in seqs.windows(2) {
        assert_eq!(w[1], w[0] + 1, "sequence not gap-free/increasing: {seqs:?}");
    }
}

fn assert_freq_dropped(r: &Value) {
    assert_eq!(r["code"], 200001, "{r}");
    assert_eq!(r["data"]["dropReason"], "MsgFreqCtrl", "{r}");
}

fn window(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// Number of one-second windows the interval [from, to] touches.
fn windows_touched(from: i64, to: i64) -> usize {
    (window(to) - window(from) + 1) as usize
}

fn word_list(terms: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(f, "# test word list").unwrap();
    for t in terms {
        writeln!(f, "{t}").unwrap();
    }
    f.flush().unwrap();
    f
}

async fn joined(server: &TestServer, user: &str, room: &str) -> Client {
    let mut c = server.user(user).await;
    let r = c.join(room).await;
    assert_eq!(r["code"], 0, "{user} join: {r}");
    c
}

async fn joined_guest(server: &TestServer, room: &str) -> Client {
    let mut c = server.guest().await;
    let r = c.join(room).await;
    assert_eq!(r["code"], 0, "guest join: {r}");
    c
}

fn admin_msg(room: &str, body: &Value, priority: pb::Priority, key: &str) -> pb::SendMessageRequest {
    pb::SendMessageRequest {
        room_id: room.into(),
        from_user: String::new(),
        priority: priority as i32,
        msg_body_json: body.to_string(),
        msg_key: key.into(),
        skip_moderation: false,
    }
}

// ---- elements --------------------------------------------------------------

#[tokio::test]
async fn elements_are_delivered_intact_with_sender_metadata() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("elems", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut bob = joined(&server, "bob", &room).await;
    let r = alice
        .request(
            "updateProfile",
            json!({ "nick": "Alice ✨", "avatar": "https://cdn.example/a.png" }),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");

    let mixed = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hello 🌍 你好 \"quoted\" \\ \n new line" } },
        { "MsgType": "TIMCustomElem", "MsgContent": {
            "Data": "{\"gift\":\"rose\",\"count\":3}", "Desc": "a rose", "Ext": "ext-1" } },
        { "MsgType": "TIMFaceElem", "MsgContent": { "Index": 7, "Data": "smile" } }
    ]);
    let custom_only = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "d", "Desc": "", "Ext": "e" } }
    ]);
    let face_only = json!([{ "MsgType": "TIMFaceElem", "MsgContent": { "Index": 0, "Data": "" } }]);
    let cases = [
        (mixed, None, None, "Normal"),
        (custom_only, Some("High"), Some("key-1"), "High"),
        (face_only, Some("Low"), None, "Low"),
        (text_body("lowest"), Some("Lowest"), None, "Lowest"),
        (text_body("normal"), Some("Normal"), None, "Normal"),
    ];
    for (body, priority, key, expected_priority) in cases {
        let t0 = now_ms();
        let r = send(&mut alice, &room, body.clone(), priority, key).await;
        let t1 = now_ms();
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(r["data"]["roomId"], room.as_str());
        let m = bob.next_event_of("message").await;
        assert_eq!(m["kind"], "message");
        assert_eq!(m["roomId"], room.as_str());
        assert_eq!(m["seq"], r["data"]["seq"], "{m} vs {r}");
        assert_eq!(m["time"], r["data"]["time"], "{m} vs {r}");
        let time = m["time"].as_i64().unwrap();
        assert!((t0..=t1).contains(&time), "time {time} outside [{t0}, {t1}]");
        assert_eq!(m["from"], "alice");
        assert_eq!(m["nick"], "Alice ✨");
        assert_eq!(m["avatar"], "https://cdn.example/a.png");
        assert_eq!(m["priority"], expected_priority, "{m}");
        assert_eq!(m["msgBody"], body, "body changed in transit");
        match key {
            Some(k) => assert_eq!(m["msgKey"], k),
            None => assert!(m.get("msgKey").is_none_or(Value::is_null), "{m}"),
        }
    }

    // A sender without a profile: empty nick and avatar.
    let r = bob.send_msg(&room, "from bob").await;
    assert_eq!(r["code"], 0, "{r}");
    let m = alice.next_event_of("message").await;
    // alice also saw her own messages; skip to bob's.
    let m = if m["from"] == "bob" {
        m
    } else {
        loop {
            let m = alice.next_event_of("message").await;
            if m["from"] == "bob" {
                break m;
            }
        }
    };
    assert_eq!(m["nick"], "");
    assert_eq!(m["avatar"], "");
    assert_eq!(text_of(&m), "from bob");

    server.stop().await;
}

// ---- validation ------------------------------------------------------------

#[tokio::test]
async fn invalid_msg_bodies_are_rejected_with_10004() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("invalid", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut bob = joined_guest(&server, &room).await;

    let custom = json!({ "MsgType": "TIMCustomElem", "MsgContent": { "Data": "a", "Desc": "b", "Ext": "c" } });
    let bad_bodies = [
        ("empty array", json!([])),
        (
            "unknown MsgType",
            json!([{ "MsgType": "TIMImageElem", "MsgContent": { "UUID": "x" } }]),
        ),
        ("two custom elements", json!([custom.clone(), custom.clone()])),
        (
            "two custom elements around text",
            json!([custom.clone(), { "MsgType": "TIMTextElem", "MsgContent": { "Text": "t" } }, custom]),
        ),
        ("not an array", json!("hello")),
        (
            "object",
            json!({ "MsgType": "TIMTextElem", "MsgContent": { "Text": "x" } }),
        ),
        (
            "text without Text",
            json!([{ "MsgType": "TIMTextElem", "MsgContent": { "Txt": "x" } }]),
        ),
        (
            "face with string index",
            json!([{ "MsgType": "TIMFaceElem", "MsgContent": { "Index": "1" } }]),
        ),
        ("missing MsgType", json!([{ "MsgContent": { "Text": "x" } }])),
    ];
    for (what, body) in bad_bodies {
        let r = send(&mut alice, &room, body, None, None).await;
        assert_eq!(r["code"], 10004, "{what}: {r}");
    }
    let r = alice
        .request(
            "send",
            json!({ "roomId": room, "msgBody": text_body("x"), "priority": "Urgent" }),
        )
        .await;
    assert_eq!(r["code"], 10004, "unknown priority: {r}");
    let r = alice.request("send", json!({ "roomId": room })).await;
    assert_eq!(r["code"], 10004, "missing msgBody: {r}");

    bob.assert_no_event(QUIET).await;

    // A valid message still goes through afterwards, as seq 1: rejected
    // requests consumed no sequence numbers.
    let r = alice.send_msg(&room, "valid").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(reply_seq(&r), 1, "{r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(seq_of(&m), 1);
    assert_eq!(text_of(&m), "valid");

    server.stop().await;
}

#[tokio::test]
async fn send_preconditions_and_msg_key_length() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("precond", Some("owner1")).await;
    let mut rx = joined_guest(&server, &room).await;

    // Guests may listen but not send.
    let r = rx.send_msg(&room, "guest talking").await;
    assert_eq!(r["code"], 6014, "{r}");
    // Logged in but not a member.
    let mut alice = server.user("alice").await;
    let r = alice.send_msg(&room, "not joined").await;
    assert_eq!(r["code"], 10007, "{r}");
    assert_eq!(alice.join(&room).await["code"], 0);
    // msgKey is at most 64 bytes.
    let r = send(&mut alice, &room, text_body("long key"), None, Some(&"k".repeat(65))).await;
    assert_eq!(r["code"], 10004, "{r}");
    rx.assert_no_event(QUIET).await;
    let key = "k".repeat(64);
    let r = send(&mut alice, &room, text_body("max key"), None, Some(&key)).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    assert_eq!(m["msgKey"], key.as_str());
    // An empty msgKey means no key: both copies are delivered.
    for _ in 0..2 {
        let r = send(&mut alice, &room, text_body("no key"), None, Some("")).await;
        assert_eq!(r["code"], 0, "{r}");
    }
    let got = messages(&mut rx, 2).await;
    assert_eq!(seq_of(&got[1]), seq_of(&got[0]) + 1);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn body_over_12_kib_is_rejected_with_80002() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("bigbody", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut bob = joined_guest(&server, &room).await;

    const MAX: usize = 12 * 1024;
    // Bytes of the serialized body besides the text itself.
    let overhead = serde_json::to_string(&text_body("")).unwrap().len();

    let r = alice.send_msg(&room, &"x".repeat(MAX - overhead + 1)).await;
    assert_eq!(r["code"], 80002, "one byte over: {r}");
    let r = alice.send_msg(&room, &"y".repeat(20_000)).await;
    assert_eq!(r["code"], 80002, "far over: {r}");
    let big_custom = json!([{ "MsgType": "TIMCustomElem", "MsgContent": {
        "Data": "d".repeat(5000), "Desc": "e".repeat(5000), "Ext": "f".repeat(5000) } }]);
    let r = send(&mut alice, &room, big_custom, None, None).await;
    assert_eq!(r["code"], 80002, "large custom element: {r}");
    bob.assert_no_event(QUIET).await;

    // Exactly at the limit is fine.
    let exact = "z".repeat(MAX - overhead);
    let r = alice.send_msg(&room, &exact).await;
    assert_eq!(r["code"], 0, "exactly {MAX} bytes: {r}");
    let m = bob.next_event_of("message").await;
    assert_eq!(text_of(&m), exact);

    server.stop().await;
}

// ---- sequencing ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seq_is_gap_free_across_senders_and_identical_for_receivers() {
    const PER_SENDER: usize = 25;
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("seqs", Some("owner1")).await;
    let mut rx1 = joined_guest(&server, &room).await;
    let mut rx2 = joined(&server, "watcher", &room).await;

    let mut tasks = Vec::new();
    for user in ["alice", "bob", "carol"] {
        let mut c = joined(&server, user, &room).await;
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

    let got1 = messages(&mut rx1, total).await;
    let got2 = messages(&mut rx2, total).await;
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

// ---- per-user rate limit ---------------------------------------------------

#[tokio::test]
async fn per_user_send_rate_is_limited() {
    let mut c = config();
    c.gateway.user_send_rate = RateOptions { per_sec: 1.0, burst: 3 };
    let server = TestServer::start_with(c).await;
    let room = server.create_room("rate", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut alice2 = joined(&server, "alice", &room).await;
    let mut bob = joined(&server, "bob", &room).await;
    let mut rx = joined_guest(&server, &room).await;

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

    let got = messages(&mut rx, 4).await;
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

// ---- idempotent send -------------------------------------------------------

#[tokio::test]
async fn same_msg_key_is_delivered_once() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("idem", Some("owner1")).await;
    let room2 = server.create_room("idem2", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut bob = joined(&server, "bob", &room).await;
    let mut rx = joined_guest(&server, &room).await;
    let mut rx2 = joined_guest(&server, &room2).await;
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

    let got = messages(&mut rx, 2).await;
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
    let mut alice2 = joined(&server, "alice", &room).await;
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

// ---- room frequency control ------------------------------------------------

#[tokio::test]
async fn room_frequency_cap_drops_excess_messages() {
    const CAP: usize = 5;
    const SENT: usize = 30;
    let mut c = config();
    c.rooms.frequency.room_cap_per_sec = CAP as u32;
    let server = TestServer::start_with(c).await;
    let room = server.create_room("freq", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut rx = joined_guest(&server, &room).await;

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

    let got = messages(&mut rx, accepted.len()).await;
    let got: Vec<(u64, String)> = got.iter().map(|m| (seq_of(m), text_of(m).to_string())).collect();
    assert_eq!(got, accepted, "receiver must get exactly the accepted messages");
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn sub_caps_spare_high_priority_and_privileged_senders() {
    const SUB: usize = 3;
    const N: usize = 12;
    let mut c = config();
    c.rooms.frequency = FrequencyOptions {
        room_cap_per_sec: 1000,
        normal_cap_per_sec: SUB as u32,
        low_cap_per_sec: SUB as u32,
        lowest_cap_per_sec: SUB as u32,
    };
    let server = TestServer::start_with(c).await;
    let room = server.create_room("subcap", Some("owner1")).await;
    let mut admin = server.admin().await;
    admin
        .set_admin(pb::SetAdminRequest {
            room_id: room.clone(),
            user_id: "mod1".into(),
            admin: true,
        })
        .await
        .expect("set admin");
    let mut alice = joined(&server, "alice", &room).await;
    let mut owner = joined(&server, "owner1", &room).await;
    let mut moderator = joined(&server, "mod1", &room).await;
    let mut rx = joined_guest(&server, &room).await;

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
    let got = messages(&mut rx, accepted.len()).await;
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
    let mut c = config();
    c.rooms.frequency.room_cap_per_sec = CAP as u32;
    let server = TestServer::start_with(c).await;
    let room = server.create_room("prio", Some("owner1")).await;
    let mut rx = joined_guest(&server, &room).await;
    let mut vip = joined(&server, "vip", &room).await;

    // Several users flood Low messages for the whole test.
    let stop = Arc::new(AtomicBool::new(false));
    let flood_start = now_ms();
    let mut flooders = Vec::new();
    for user in ["low1", "low2", "low3"] {
        let mut c = joined(&server, user, &room).await;
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
    let got = messages(&mut rx, accepted.len()).await;
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

// ---- admin API messages ----------------------------------------------------

#[tokio::test]
async fn admin_api_messages_are_delivered() {
    let server = TestServer::start_with(config()).await;
    let room = server.create_room("adminmsg", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let r = alice
        .request("updateProfile", json!({ "nick": "Alice", "avatar": "https://a/x.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let mut rx = joined_guest(&server, &room).await;
    let mut admin = server.admin().await;

    let body = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "{\"type\":\"gift\"}", "Desc": "gift", "Ext": "" } }
    ]);
    let resp = admin
        .send_message(admin_msg(&room, &body, pb::Priority::High, ""))
        .await
        .expect("admin send")
        .into_inner();
    assert_eq!(resp.drop_reason, "");
    assert!(resp.seq > 0);
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(m["time"], resp.time_ms);
    assert_eq!(m["priority"], "High");
    assert_eq!(m["from"], ADMIN);
    assert_eq!(m["msgBody"], body);

    // On behalf of a user: that user's profile is stamped on it.
    let mut req = admin_msg(&room, &text_body("on behalf"), pb::Priority::Low, "");
    req.from_user = "alice".into();
    let resp = admin.send_message(req).await.expect("admin send").into_inner();
    assert_eq!(resp.drop_reason, "");
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(m["from"], "alice");
    assert_eq!(m["nick"], "Alice");
    assert_eq!(m["avatar"], "https://a/x.png");
    assert_eq!(m["priority"], "Low");
    assert_eq!(text_of(&m), "on behalf");
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn dropped_admin_api_message_reports_msg_freq_ctrl() {
    let mut c = config();
    c.rooms.frequency.room_cap_per_sec = 2;
    let server = TestServer::start_with(c).await;
    let room = server.create_room("admindrop", Some("owner1")).await;
    let mut rx = joined_guest(&server, &room).await;
    let mut admin = server.admin().await;

    // The app admin is exempt from sub-caps but not from the room cap: keep
    // sending until one is dropped (with a cap of 2/s that is the third one
    // unless a window boundary intervenes).
    let mut accepted = Vec::new();
    let mut dropped = None;
    for i in 0..500 {
        let body = text_body(&format!("admin-{i}"));
        let req = admin_msg(&room, &body, pb::Priority::Normal, &format!("key-{i}"));
        let resp = admin.send_message(req.clone()).await.expect("admin send").into_inner();
        if resp.drop_reason.is_empty() {
            assert!(resp.seq > 0);
            accepted.push((resp.seq, format!("admin-{i}")));
        } else {
            dropped = Some((req, resp));
            break;
        }
    }
    let (req, resp) = dropped.expect("no admin-API message was ever dropped with a cap of 2/s");
    assert_eq!(resp.drop_reason, "MsgFreqCtrl");
    assert_eq!(resp.seq, 0);
    assert!(resp.time_ms > 0);
    // Resending the dropped message with its key returns the same answer.
    let again = admin.send_message(req).await.expect("admin resend").into_inner();
    assert_eq!(again, resp);

    let seqs: Vec<u64> = accepted.iter().map(|(s, _)| *s).collect();
    assert_gap_free(&seqs);
    let got = messages(&mut rx, accepted.len()).await;
    let got: Vec<(u64, String)> = got.iter().map(|m| (seq_of(m), text_of(m).to_string())).collect();
    assert_eq!(got, accepted);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

// ---- notices and broadcast -------------------------------------------------

#[tokio::test]
async fn notice_arrives_even_when_the_room_cap_is_exhausted() {
    let mut c = config();
    c.rooms.frequency.room_cap_per_sec = 1;
    let server = TestServer::start_with(c).await;
    let room = server.create_room("notice", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut rx = joined(&server, "bob", &room).await;
    let mut admin = server.admin().await;

    // Exhaust the room cap: send until a message is dropped.
    let mut accepted = Vec::new();
    let mut saw_drop = false;
    for burst in 0..100 {
        let reqs: Vec<Value> = (0..5)
            .map(|i| send_data(&room, text_body(&format!("b{burst}-{i}")), None, None))
            .collect();
        for (i, r) in pipelined(&mut alice, &format!("b{burst}"), &reqs)
            .await
            .iter()
            .enumerate()
        {
            if r["code"] == 0 {
                accepted.push((reply_seq(r), format!("b{burst}-{i}")));
            } else {
                assert_freq_dropped(r);
                saw_drop = true;
            }
        }
        if saw_drop {
            break;
        }
    }
    assert!(saw_drop, "the room cap of 1/s never dropped anything");

    let content = "System maintenance at 02:00 🛠";
    let resp = admin
        .send_notice(pb::SendNoticeRequest {
            room_id: room.clone(),
            content: content.into(),
        })
        .await
        .expect("notice")
        .into_inner();
    let last = accepted.last().map_or(0, |(s, _)| *s);
    assert_eq!(resp.seq, last + 1, "notice must take the next seq");

    let got = messages(&mut rx, accepted.len()).await;
    let got: Vec<(u64, String)> = got.iter().map(|m| (seq_of(m), text_of(m).to_string())).collect();
    assert_eq!(got, accepted);
    let n = rx.next_event().await;
    assert_eq!(n["kind"], "notice", "{n}");
    assert_eq!(n["notice"], content);
    assert_eq!(n["priority"], "High");
    assert_eq!(n["roomId"], room.as_str());
    assert_eq!(seq_of(&n), resp.seq);
    assert!(n["time"].as_i64().unwrap() > 0);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn broadcast_reaches_members_of_every_room() {
    let server = TestServer::start_with(config()).await;
    let a = server.create_room("bc-a", Some("owner1")).await;
    let b = server.create_room("bc-b", None).await;
    let _empty = server.create_room("bc-empty", None).await;
    let mut alice = joined(&server, "alice", &a).await;
    let mut guest = joined_guest(&server, &b).await;
    let mut carol = joined(&server, "carol", &a).await;
    assert_eq!(carol.join(&b).await["code"], 0);
    // Some traffic first, so notices continue each room's own sequence.
    let r = alice.send_msg(&a, "before").await;
    assert_eq!(
        (r["code"].as_u64(), r["data"]["seq"].as_u64()),
        (Some(0), Some(1)),
        "{r}"
    );

    let mut admin = server.admin().await;
    let content = "broadcast to everyone";
    let resp = admin
        .broadcast(pb::BroadcastRequest {
            content: content.into(),
        })
        .await
        .expect("broadcast")
        .into_inner();
    assert_eq!(resp.rooms, 3);

    let n = alice.next_event_of("notice").await;
    assert_eq!(
        (n["roomId"].as_str(), n["notice"].as_str()),
        (Some(a.as_str()), Some(content))
    );
    assert_eq!(n["seq"], 2);
    assert_eq!(n["priority"], "High");
    let n = guest.next_event_of("notice").await;
    assert_eq!(
        (n["roomId"].as_str(), n["notice"].as_str()),
        (Some(b.as_str()), Some(content))
    );
    assert_eq!(n["seq"], 1);
    assert_eq!(n["priority"], "High");
    let mut rooms = BTreeSet::new();
    for _ in 0..2 {
        let n = carol.next_event_of("notice").await;
        assert_eq!(n["notice"], content);
        rooms.insert(n["roomId"].as_str().unwrap().to_string());
    }
    assert_eq!(rooms, BTreeSet::from([a.clone(), b.clone()]));
    alice.assert_no_event(QUIET).await;
    guest.assert_no_event(QUIET).await;
    carol.assert_no_event(QUIET).await;

    server.stop().await;
}

// ---- moderation ------------------------------------------------------------

struct Lists {
    _files: Vec<tempfile::NamedTempFile>,
}

fn moderated_config() -> (Config, Lists) {
    let porn = word_list(&["sexcam"]);
    let politics = word_list(&["overthrowgov"]);
    let custom = word_list(&["secretcode"]);
    let abuse = word_list(&["idiot"]);
    let ads = word_list(&["buycoins"]);
    let mut c = config();
    c.moderation.lists = vec![
        ListSource::new(Category::Porn, porn.path()),
        ListSource::new(Category::Politics, politics.path()),
        ListSource::new(Category::Custom, custom.path()),
        ListSource::new(Category::Abuse, abuse.path()),
        ListSource::new(Category::Ads, ads.path()),
    ];
    (
        c,
        Lists {
            _files: vec![porn, politics, custom, abuse, ads],
        },
    )
}

#[tokio::test]
async fn blocked_terms_are_rejected_with_80001_including_evasions() {
    let (c, _lists) = moderated_config();
    let server = TestServer::start_with(c).await;
    let room = server.create_room("modblock", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut rx = joined_guest(&server, &room).await;

    let texts = [
        "free sexcam here",
        "SEXCAM",
        "S E X C A M",
        "s.e-x_c*a/m",
        "ｓｅｘｃａｍ",
        "ＳＥＸ ＣＡＭ",
        "sex\u{200B}cam",
        "s\u{200D}e\u{2060}x\u{FEFF}c\u{200C}am",
        "𝐬𝐞𝐱𝐜𝐚𝐦",
        "ⓢⓔⓧⓒⓐⓜ",
        "sex🔥cam",
        "join to overthrowgov now",
        "the secret code is",
        // A blocked term wins over a masked one in the same message.
        "idiot sexcam",
    ];
    for text in texts {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 80001, "{text:?} must be blocked: {r}");
    }
    // Every screened field of a custom element, and any element of the body.
    for field in ["Data", "Desc", "Ext"] {
        let mut content = json!({ "Data": "ok", "Desc": "ok", "Ext": "ok" });
        content[field] = json!("watch S E X C A M");
        let body = json!([{ "MsgType": "TIMCustomElem", "MsgContent": content }]);
        let r = send(&mut alice, &room, body, None, None).await;
        assert_eq!(r["code"], 80001, "custom {field} must be screened: {r}");
    }
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "harmless" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "ｓｅｘｃａｍ" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 80001, "second text element must be screened: {r}");
    // With a msgKey the block is not remembered as a success.
    let r = send(&mut alice, &room, text_body("sexcam"), None, Some("mk")).await;
    assert_eq!(r["code"], 80001, "{r}");
    let r = send(&mut alice, &room, text_body("sexcam"), None, Some("mk")).await;
    assert_eq!(r["code"], 80001, "{r}");
    rx.assert_no_event(QUIET).await;

    // Admin-API messages are screened unless told otherwise.
    let mut admin = server.admin().await;
    let err = admin
        .send_message(admin_msg(&room, &text_body("s e x c a m"), pb::Priority::High, ""))
        .await
        .expect_err("admin message with a blocked term");
    assert_eq!(status_code(&err), 80001, "{err:?}");
    rx.assert_no_event(QUIET).await;
    let mut req = admin_msg(&room, &text_body("sexcam (trusted)"), pb::Priority::High, "");
    req.skip_moderation = true;
    let resp = admin
        .send_message(req)
        .await
        .expect("trusted admin message")
        .into_inner();
    let m = rx.next_event_of("message").await;
    assert_eq!(seq_of(&m), resp.seq);
    assert_eq!(text_of(&m), "sexcam (trusted)");

    // Blocked messages consumed no seq: the next one follows directly.
    let r = alice.send_msg(&room, "all good").await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(reply_seq(&r), resp.seq + 1);
    assert_eq!(text_of(&rx.next_event_of("message").await), "all good");

    server.stop().await;
}

#[tokio::test]
async fn masked_terms_are_starred_per_original_character() {
    let (c, _lists) = moderated_config();
    let server = TestServer::start_with(c).await;
    let room = server.create_room("modmask", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut rx = joined_guest(&server, &room).await;

    let cases = [
        ("you idiot!", "you *****!"),
        ("IDIOT", "*****"),
        ("you I D I O T", "you *********"),
        ("you ｉｄｉｏｔ!", "you *****!"),
        ("id\u{200B}iot", "******"),
        ("idiot and idiot", "***** and *****"),
        ("please BuyCoins today", "please ******** today"),
        ("你好 idiot 你好", "你好 ***** 你好"),
    ];
    for (text, expected) in cases {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 0, "{text:?}: {r}");
        let m = rx.next_event_of("message").await;
        assert_eq!(seq_of(&m), reply_seq(&r));
        let got = text_of(&m);
        assert_eq!(got, expected, "masking {text:?}");
        assert_eq!(got.chars().count(), text.chars().count());
    }

    // Custom element fields are masked individually; the face is untouched.
    let body = json!([
        { "MsgType": "TIMCustomElem", "MsgContent": {
            "Data": "{\"say\":\"idiot\"}", "Desc": "what an IDIOT", "Ext": "buy coins" } },
        { "MsgType": "TIMFaceElem", "MsgContent": { "Index": 3, "Data": "smile" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    let content = &m["msgBody"][0]["MsgContent"];
    assert_eq!(content["Data"], "{\"say\":\"*****\"}");
    assert_eq!(content["Desc"], "what an *****");
    assert_eq!(content["Ext"], "*********");
    assert_eq!(
        m["msgBody"][1],
        json!({ "MsgType": "TIMFaceElem", "MsgContent": { "Index": 3, "Data": "smile" } })
    );

    // Several screened fields across elements, masked in place.
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "idiot" } },
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "fine", "Desc": "i d i o t", "Ext": "" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "fine too" } },
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "ＩＤＩＯＴ!" } }
    ]);
    let r = send(&mut alice, &room, body, None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    let m = rx.next_event_of("message").await;
    assert_eq!(
        m["msgBody"],
        json!([
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "*****" } },
            { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "fine", "Desc": "*********", "Ext": "" } },
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "fine too" } },
            { "MsgType": "TIMTextElem", "MsgContent": { "Text": "*****!" } }
        ])
    );
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}

#[tokio::test]
async fn clean_messages_pass_untouched() {
    let (c, _lists) = moderated_config();
    let server = TestServer::start_with(c).await;
    let room = server.create_room("modclean", Some("owner1")).await;
    let mut alice = joined(&server, "alice", &room).await;
    let mut rx = joined_guest(&server, &room).await;

    let texts = [
        "Hello, World!",
        "ｆｕｌｌ ｗｉｄｔｈ and 你好 👋🏽 café",
        "an idiom, not an insult; sex ed cam era",
        "zero\u{200B}width\u{200D}joiner",
        "  spaces  \t tabs \n newlines  ",
        "\"quotes\" \\ backslash </script>",
    ];
    for text in texts {
        let r = alice.send_msg(&room, text).await;
        assert_eq!(r["code"], 0, "{text:?}: {r}");
        let m = rx.next_event_of("message").await;
        assert_eq!(text_of(&m), text, "clean text changed");
    }
    let body = json!([
        { "MsgType": "TIMTextElem", "MsgContent": { "Text": "gift for you" } },
        { "MsgType": "TIMCustomElem", "MsgContent": { "Data": "{\"k\":[1,2,3]}", "Desc": "desc", "Ext": "ext" } }
    ]);
    let r = send(&mut alice, &room, body.clone(), None, None).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(rx.next_event_of("message").await["msgBody"], body);
    rx.assert_no_event(QUIET).await;

    server.stop().await;
}
