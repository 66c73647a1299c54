//! After-event callbacks in cluster mode: gateways (joins), moderators
//! (messages) and room control (room changes) queue them in Redis; room
//! control delivers. A control killed while the app's endpoint is down
//! loses nothing queued: its restarted replica takes the pending callbacks
//! over and delivers each once the endpoint recovers.

mod support;

use support::callbacks::*;
use support::cluster::Cluster;
use support::*;

const SEND: &str = "Group.CallbackAfterSendMsg";

async fn metric(node: &support::roomcast::Node, name: &str) -> u64 {
    let (status, page) = http_get(node.http, "/metrics").await;
    assert_eq!(status, 200);
    callback_metric(&page, name, SEND)
}

/// A retry is counted after its backoff: poll for it.
async fn wait_metric_at_least(node: &support::roomcast::Node, name: &str, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while metric(node, name).await < n {
        assert!(tokio::time::Instant::now() < deadline, "{name} stayed below {n}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_callbacks_survive_a_control_restart_while_the_endpoint_is_down() {
    let receiver = CallbackServer::start().await;
    let c = Cluster::start("[rooms]\nmember_tips = false\n");
    append_callbacks_toml(
        &c.config,
        &receiver.settings(&[
            CallbackCommand::AfterCreateGroup,
            CallbackCommand::AfterNewMemberJoin,
            CallbackCommand::AfterSendMsg,
        ]),
    );
    let mut control = c.spawn("control");
    let _moderator = c.spawn("moderator");
    let gateway = c.spawn("gateway");

    // Each role's callbacks reach the app server, once each.
    control.create_room("cb-cluster").await;
    let mut alice = gateway.user("alice").await;
    assert_eq!(alice.join("cb-cluster").await["code"], 0);
    let first = alice.send_msg("cb-cluster", "before").await;
    assert_eq!(first["code"], 0, "{first}");
    receiver.wait_for(CallbackCommand::AfterCreateGroup, 1).await;
    let joined = receiver.wait_for(CallbackCommand::AfterNewMemberJoin, 1).await;
    assert_eq!(joined[0].body["NewMemberList"][0]["Member_Account"], "alice");
    let sent = receiver.wait_for(CallbackCommand::AfterSendMsg, 1).await;
    assert_eq!(sent[0].body["MsgSeq"], first["data"]["seq"]);
    assert_eq!(metric(&control, "roomcast_callbacks_delivered_total").await, 1);

    // The endpoint goes down; control takes five callbacks and retries them.
    receiver.answer(Answer::Fail);
    let mut seqs = vec![first["data"]["seq"].as_u64().unwrap()];
    for i in 0..5 {
        let r = alice.send_msg("cb-cluster", &format!("m{i}")).await;
        assert_eq!(r["code"], 0, "{r}");
        seqs.push(r["data"]["seq"].as_u64().unwrap());
    }
    receiver.wait_refused(5).await;
    wait_metric_at_least(&control, "roomcast_callbacks_retried_total", 1).await;

    // Control dies with them pending; its replacement takes them over
    // (still failing for a while), then the endpoint recovers.
    control.proc.kill();
    let control = c.respawn(&control);
    let refused = receiver.refused();
    receiver.wait_refused(refused + 5).await;
    receiver.answer(Answer::Ok);

    let got = receiver.wait_for(CallbackCommand::AfterSendMsg, 6).await;
    let mut got_seqs: Vec<u64> = got.iter().map(|r| r.body["MsgSeq"].as_u64().unwrap()).collect();
    got_seqs.sort_unstable();
    assert_eq!(got_seqs, seqs, "every message's callback, once");
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.of(CallbackCommand::AfterSendMsg).len(), 6, "no duplicates");
    assert_eq!(metric(&control, "roomcast_callbacks_delivered_total").await, 5);
    wait_metric_at_least(&control, "roomcast_callbacks_retried_total", 1).await;
    assert_eq!(metric(&control, "roomcast_callbacks_failed_total").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_control_replicas_share_the_queue_and_deliver_each_callback_once() {
    let receiver = CallbackServer::start().await;
    let c = Cluster::start("[rooms]\nmember_tips = false\n");
    append_callbacks_toml(&c.config, &receiver.settings(&[CallbackCommand::AfterSendMsg]));
    let a = c.spawn("control");
    let b = c.spawn("control");
    let _moderator = c.spawn("moderator");
    let gateway = c.spawn("gateway");
    a.create_room("cb-shared").await;
    let mut alice = gateway.user("alice").await;
    assert_eq!(alice.join("cb-shared").await["code"], 0);

    let mut seqs = Vec::new();
    for i in 0..30 {
        let r = alice.send_msg("cb-shared", &format!("m{i}")).await;
        assert_eq!(r["code"], 0, "{r}");
        seqs.push(r["data"]["seq"].as_u64().unwrap());
    }
    let got = receiver.wait_for(CallbackCommand::AfterSendMsg, 30).await;
    let mut got_seqs: Vec<u64> = got.iter().map(|r| r.body["MsgSeq"].as_u64().unwrap()).collect();
    got_seqs.sort_unstable();
    assert_eq!(got_seqs, seqs);
    tokio::time::sleep(QUIET).await;
    assert_eq!(receiver.of(CallbackCommand::AfterSendMsg).len(), 30, "no duplicates");
    let (by_a, by_b) = (
        metric(&a, "roomcast_callbacks_delivered_total").await,
        metric(&b, "roomcast_callbacks_delivered_total").await,
    );
    assert_eq!(by_a + by_b, 30, "a {by_a}, b {by_b}");
}
