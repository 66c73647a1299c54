//! Pinning memory without logging in: sockets that each start a text
//! message of almost the frame limit and never finish it, pinging to look
//! alive. The gateway-wide incoming budget closes those that would take it
//! past its cap (1013); the message deadline closes the rest (1008), pings
//! or not. Checked through the gateway's own accounting
//! (`roomcast_incoming_buffer_bytes`), on the real binary.

mod support;

use std::time::Duration;
use support::raw_ws::*;
use support::roomcast::*;
use support::*;

const BUDGET: f64 = 3_000_000.0;
const GAUGE: &str = "roomcast_incoming_buffer_bytes";

/// Keeps a socket alive the way the attacker did (a ping every 100 ms,
/// server pings answered) until the server closes it; returns the code.
async fn hold(mut ws: RawWs) -> u16 {
    loop {
        let _ = ws.write_frame(OP_PING, b"").await;
        match ws.read_frame().await {
            Some((OP_CLOSE, p)) => return u16::from_be_bytes([p[0], p[1]]),
            Some((OP_PING, p)) => {
                let _ = ws.write_frame(OP_PONG, &p).await;
            }
            Some(_) => {}
            None => return 1006,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn unfinished_messages_are_bounded_in_bytes_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[gateway]\nping_interval_ms = 200\nidle_timeout_ms = 30000\n\
             [gateway.limits]\nincoming_budget_bytes = {BUDGET}\nmessage_timeout_ms = 2000\n"
        ),
    );
    let server = Node::standalone(&config, &[]);
    let room = server.create_room("pinned").await;
    let mut chat = Chat::start(server.http, &room, "127.0.0.2").await;
    assert_eq!(metric(server.http, GAUGE).await, 0.0);

    let mut holders = Vec::new();
    let mut peak: f64 = 0.0;
    for _ in 0..8 {
        let mut ws = RawWs::connect(server.http, &format!("/ws?sdkAppId={APP}")).await;
        // Not final: the message stays open.
        let _ = ws.write_raw(&masked_frame(false, OP_TEXT, &vec![b'x'; 900_000])).await;
        holders.push(tokio::spawn(hold(ws)));
        peak = peak.max(metric(server.http, GAUGE).await);
        chat.exchange().await;
    }
    let mut codes = Vec::new();
    for h in holders {
        while !h.is_finished() {
            peak = peak.max(metric(server.http, GAUGE).await);
            chat.exchange().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        codes.push(h.await.unwrap());
    }
    assert!(peak > 900_000.0, "the pinned messages were charged (peak {peak})");
    assert!(peak <= BUDGET, "held {peak} bytes, over the {BUDGET}-byte budget");
    assert!(codes.contains(&1013), "none over the budget: {codes:?}");
    assert!(codes.contains(&1008), "none held until the deadline: {codes:?}");
    assert!(codes.iter().all(|c| [1013, 1008].contains(c)), "{codes:?}");

    let deadline = tokio::time::Instant::now() + WAIT;
    while metric(server.http, GAUGE).await != 0.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "bytes still charged after every close"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (reason, at_least) in [("incoming_budget", 1.0), ("message_timeout", 1.0)] {
        let n = metric(
            server.http,
            &format!("roomcast_limit_disconnects_total{{reason=\"{reason}\"}}"),
        )
        .await;
        assert!(n >= at_least, "{reason}: {n}");
    }
    chat.exchange().await;
}
