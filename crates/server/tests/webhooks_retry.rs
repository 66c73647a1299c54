//! After-event callbacks, standalone: an app server that fails (HTTP 500,
//! then no answer in time) and recovers gets every callback, once each,
//! and /metrics counts every retry. (One test per file: the counters are
//! process-wide.)

mod support;

use support::callbacks::*;
use support::*;

const SEND: &str = "Group.CallbackAfterSendMsg";

async fn counters(server: &TestServer) -> [u64; 4] {
    let (status, page) = http_get(server.http, "/metrics").await;
    assert_eq!(status, 200);
    [
        "roomcast_callbacks_delivered_total",
        "roomcast_callbacks_retried_total",
        "roomcast_callbacks_failed_total",
        "roomcast_callbacks_dropped_total",
    ]
    .map(|name| callback_metric(&page, name, SEND))
}

#[tokio::test]
async fn an_endpoint_that_fails_then_recovers_loses_nothing_and_retries_are_counted() {
    let receiver = CallbackServer::start().await;
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.apps[0].callbacks = Some(receiver.settings(&[CallbackCommand::AfterSendMsg]));
    let server = TestServer::start_with(c).await;
    let room = server.create_room("cb-retry", None).await;
    let mut alice = server.joined("alice", &room).await;
    let [delivered0, retried0, failed0, dropped0] = counters(&server).await;

    receiver.answer(Answer::Fail);
    let mut seqs = Vec::new();
    for i in 0..10 {
        let r = alice.send_msg(&room, &format!("m{i}")).await;
        assert_eq!(r["code"], 0, "{r}");
        seqs.push(r["data"]["seq"].as_u64().unwrap());
    }
    receiver.wait_refused(10).await;
    // Down differently: the endpoint takes the request and never answers
    // within the callback timeout.
    receiver.answer(Answer::Hang);
    let refused = receiver.refused();
    receiver.wait_refused(refused + 3).await;
    receiver.answer(Answer::Ok);

    let got = receiver.wait_for(CallbackCommand::AfterSendMsg, 10).await;
    let mut got_seqs: Vec<u64> = got.iter().map(|r| r.body["MsgSeq"].as_u64().unwrap()).collect();
    got_seqs.sort_unstable();
    assert_eq!(got_seqs, seqs, "every message's callback, once");
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.of(CallbackCommand::AfterSendMsg).len(), 10, "no duplicates");

    let [delivered, retried, failed, dropped] = counters(&server).await;
    assert_eq!(delivered - delivered0, 10);
    // Every refused attempt was retried, and nothing else was.
    assert_eq!(retried - retried0, receiver.refused() as u64);
    assert_eq!(failed - failed0, 0);
    assert_eq!(dropped - dropped0, 0);
}
