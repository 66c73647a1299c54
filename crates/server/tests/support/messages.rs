//! Helpers for tests about room messages: a configuration without limits or
//! tips in the way, `send` requests, pipelining, sequence numbers and
//! frequency-control windows.

use super::client::{Client, text_body};
use super::server::base_config;
use super::{Config, FrequencyOptions, RateOptions};
use serde_json::{Value, json};

/// Base configuration with everything that could get in the way of a test
/// turned off: no join/quit tips, and per-user and per-room limits far above
/// anything a test sends unless the test lowers them.
pub fn message_config() -> Config {
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.gateway.user_send_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    c.rooms.frequency = uniform_caps(100_000);
    c
}

/// Frequency options with the room cap and every sub-cap at `per_sec`.
pub fn uniform_caps(per_sec: u32) -> FrequencyOptions {
    FrequencyOptions {
        room_cap_per_sec: per_sec,
        normal_cap_per_sec: per_sec,
        low_cap_per_sec: per_sec,
        lowest_cap_per_sec: per_sec,
    }
}

/// The `data` of a `send` request.
pub fn send_data(room: &str, body: Value, priority: Option<&str>, key: Option<&str>) -> Value {
    let mut d = json!({ "roomId": room, "msgBody": body });
    if let Some(p) = priority {
        d["priority"] = json!(p);
    }
    if let Some(k) = key {
        d["msgKey"] = json!(k);
    }
    d
}

pub async fn send(c: &mut Client, room: &str, body: Value, priority: Option<&str>, key: Option<&str>) -> Value {
    c.request("send", send_data(room, body, priority, key)).await
}

/// Sends all `send` requests back-to-back without waiting, then collects the
/// replies (a connection answers its requests in order).
pub async fn pipelined(c: &mut Client, tag: &str, reqs: &[Value]) -> Vec<Value> {
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

pub fn seq_of(v: &Value) -> u64 {
    v["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {v}"))
}

pub fn reply_seq(r: &Value) -> u64 {
    r["data"]["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq in reply {r}"))
}

/// Asserts consecutive sequence numbers.
pub fn assert_gap_free(seqs: &[u64]) {
    for w in seqs.windows(2) {
        assert_eq!(w[1], w[0] + 1, "sequence not gap-free/increasing: {seqs:?}");
    }
}

pub fn assert_freq_dropped(r: &Value) {
    assert_eq!(r["code"], 200001, "{r}");
    assert_eq!(r["data"]["dropReason"], "MsgFreqCtrl", "{r}");
}

/// The one-second frequency-control window of a wall-clock time (ms).
pub fn window(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// Number of one-second windows the interval [from, to] touches.
pub fn windows_touched(from: i64, to: i64) -> usize {
    (window(to) - window(from) + 1) as usize
}

/// `(seq, text)` of each message event.
pub fn seqs_and_texts(ms: &[Value]) -> Vec<(u64, String)> {
    ms.iter()
        .map(|m| (seq_of(m), super::client::text_of(m).to_string()))
        .collect()
}

/// Sends until accepted, retrying retryable failures with the same msgKey
/// (what a well-behaved client does). Returns the accepted reply.
pub async fn send_reliably(c: &mut Client, room: &str, text: &str, key: &str, within: std::time::Duration) -> Value {
    let deadline = std::time::Instant::now() + within;
    loop {
        let r = send(c, room, text_body(text), None, Some(key)).await;
        if r["code"] == 0 {
            return r;
        }
        assert_eq!(r["retryable"], true, "non-retryable failure for {key}: {r}");
        assert!(
            std::time::Instant::now() < deadline,
            "{key} was not accepted in time: {r}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
