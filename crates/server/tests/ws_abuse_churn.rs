//! Join/quit churn: one logged-in user joining and quitting as fast as it
//! can is held to the join/quit rate (`10006`), its tips are coalesced, and
//! bursts of other members' Normal messages all go through (no `200001`).

mod support;

use serde_json::json;
use std::time::Duration;
use support::*;

#[tokio::test]
async fn churn_neither_floods_tips_nor_crowds_out_chat() {
    let mut config = abuse_config();
    // Only the join/quit limits and tip coalescing are under test here.
    config.gateway.limits.request_rate = RateOptions {
        per_sec: 100_000.0,
        burst: 100_000,
    };
    config.gateway.user_send_rate = RateOptions {
        per_sec: 100.0,
        burst: 100,
    };
    let (server, room) = TestServer::with_room_in(config, "churned", None).await;
    let mut chat = Chat::start(server.http, &room, "192.0.2.10").await;
    let mut watcher = server.joined("watcher", &room).await;

    let mut churner = server.user("churner").await;
    let churn_room = room.clone();
    let churn = tokio::spawn(async move {
        let (mut ok, mut limited) = (0, 0);
        let until = tokio::time::Instant::now() + Duration::from_millis(3_500);
        while tokio::time::Instant::now() < until {
            for op in ["join", "quit"] {
                let r = churner.request(op, json!({ "roomId": churn_room })).await;
                match r["code"].as_u64() {
                    Some(0) => ok += 1,
                    Some(10006) => {
                        assert_eq!(r["retryable"], true, "{r}");
                        limited += 1;
                    }
                    // A quit after a refused join.
                    Some(10007) => {}
                    _ => panic!("{op}: {r}"),
                }
            }
        }
        (ok, limited)
    });

    // Bursts of Normal messages after quiet seconds: frequency control only
    // reserves room for what Normal asked for in the previous second, so
    // without coalescing the tips would have taken this second's room.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for burst in 0..2 {
        for i in 0..15 {
            let r = chat.alice.send_msg(&room, &format!("burst {burst} #{i}")).await;
            assert_eq!(r["code"], 0, "burst {burst} message {i} during churn: {r}");
        }
        tokio::time::sleep(Duration::from_millis(1_300)).await;
    }
    let (ok, limited) = churn.await.unwrap();
    assert!(limited > 0, "join/quit never limited ({ok} done)");

    // The churner's tips: at most one per second (plus the first).
    let mut tips = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1_500);
    while let Ok(e) = tokio::time::timeout_at(deadline, watcher.next_event()).await {
        if e["kind"] == "tip" && e["tip"]["users"][0] == "churner" {
            tips += 1;
        }
    }
    assert!(
        (1..=6).contains(&tips),
        "{tips} churner tips in ~4 s ({ok} joins/quits done)"
    );
    chat.exchange().await;
}
