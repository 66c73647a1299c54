//! After-event callbacks, standalone: past the app's queue bound, while its
//! endpoint is down, new callbacks are dropped and counted; the ones queued
//! are delivered when it recovers, so delivered + dropped = emitted. And a
//! callback that exhausts its attempts is counted as failed.

mod support;

use support::callbacks::*;
use support::*;

const SEND: &str = "Group.CallbackAfterSendMsg";

async fn counter(server: &TestServer, name: &str) -> u64 {
    let (status, page) = http_get(server.http, "/metrics").await;
    assert_eq!(status, 200);
    callback_metric(&page, name, SEND)
}

#[tokio::test]
async fn past_the_queue_bound_callbacks_are_dropped_and_counted() {
    let receiver = CallbackServer::start().await;
    let mut settings = receiver.settings(&[CallbackCommand::AfterSendMsg]);
    settings.queue_max = 3;
    settings.max_concurrency = 1;
    let mut c = base_config();
    c.rooms.member_tips = false;
    c.apps[0].callbacks = Some(settings);
    let server = TestServer::start_with(c).await;
    let room = server.create_room("cb-full", None).await;
    let mut alice = server.joined("alice", &room).await;

    receiver.answer(Answer::Fail);
    for i in 0..10 {
        assert_eq!(alice.send_msg(&room, &format!("m{i}")).await["code"], 0);
    }
    receiver.wait_refused(2).await;
    // One in flight (retrying) and three queued; the other six dropped.
    let dropped = counter(&server, "roomcast_callbacks_dropped_total").await;
    assert!(dropped >= 6, "dropped {dropped}");
    receiver.answer(Answer::Ok);
    let delivered = receiver
        .wait_for(CallbackCommand::AfterSendMsg, 10 - dropped as usize)
        .await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.of(CallbackCommand::AfterSendMsg).len(), delivered.len());
    assert_eq!(
        counter(&server, "roomcast_callbacks_delivered_total").await + dropped,
        10
    );
    assert_eq!(counter(&server, "roomcast_callbacks_failed_total").await, 0);
}

#[tokio::test]
async fn a_callback_out_of_attempts_is_counted_as_failed() {
    let receiver = CallbackServer::start().await;
    let mut settings = receiver.settings(&[CallbackCommand::AfterCreateGroup]);
    settings.max_attempts = 3;
    let mut c = base_config();
    c.apps[0].callbacks = Some(settings);
    let server = TestServer::start_with(c).await;
    receiver.answer(Answer::Fail);
    server.create_room("cb-fail", None).await;
    receiver.wait_refused(3).await;
    let command = "Group.CallbackAfterCreateGroup";
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, page) = http_get(server.http, "/metrics").await;
        if callback_metric(&page, "roomcast_callbacks_failed_total", command) == 1 {
            assert_eq!(callback_metric(&page, "roomcast_callbacks_retried_total", command), 2);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never counted as failed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Given up: the endpoint's recovery brings nothing more.
    receiver.answer(Answer::Ok);
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.refused(), 3);
    assert!(receiver.received().is_empty());
}
