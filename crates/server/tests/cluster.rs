//! Cluster mode end to end: real nats-server, real redis-server, real
//! `roomcast gateway|control|moderator` processes, real WebSockets and gRPC.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::cluster::Cluster;
use support::*;

const FAST_ROOMS: &str = "[rooms]\nmember_tips = false\n[rooms.frequency]\nroom_cap_per_sec = 100000\nnormal_cap_per_sec = 100000\nlow_cap_per_sec = 100000\nlowest_cap_per_sec = 100000\n";

async fn wait_online(control: &support::roomcast::Node, room: &str, want: u64, within: Duration) {
    wait_online_count_within(&mut control.admin().await, room, want, within).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_deliver_everything_in_sequence_order() {
    let c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let _m1 = c.spawn("moderator");
    let _m2 = c.spawn("moderator");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;

    let mut alice = ga.user("alice").await;
    let mut bob = gb.user("bob").await;
    let mut carol = ga.user("carol").await;
    for cl in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(cl.join("r").await["code"], 0);
    }
    wait_online(&control, "r", 3, Duration::from_secs(2)).await;

    let mut acked = Vec::new();
    for i in 0..40 {
        let (sender, name) = if i % 2 == 0 { (&mut alice, "a") } else { (&mut bob, "b") };
        let r = send_reliably(
            sender,
            "r",
            &format!("{name}{i}"),
            &format!("k{i}"),
            Duration::from_secs(10),
        )
        .await;
        acked.push(r["data"]["seq"].as_u64().unwrap());
    }
    let on_a = carol.next_messages(40).await;
    let on_b = bob.next_messages(40).await;
    for got in [&on_a, &on_b] {
        let seqs: Vec<u64> = got.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "gap-free and in order: {seqs:?}"
        );
        assert_eq!(
            seqs, acked,
            "members see exactly the acknowledged messages in sequence order"
        );
    }
    let texts_a: Vec<&Value> = on_a.iter().map(|m| &m["msgBody"]).collect();
    let texts_b: Vec<&Value> = on_b.iter().map(|m| &m["msgBody"]).collect();
    assert_eq!(texts_a, texts_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_moderator_loses_no_acknowledged_message() {
    let c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let mut m1 = c.spawn("moderator");
    let _m2 = c.spawn("moderator");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;
    let mut bob = gb.user("bob").await;
    bob.join("r").await;

    // Several senders keep requests in flight while a moderator dies.
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = Vec::new();
    for s in 0..4 {
        let mut cl = ga.user(&format!("sender{s}")).await;
        cl.join("r").await;
        let progress = progress.clone();
        senders.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..100 {
                let text = format!("s{s}m{i}");
                let r = send_reliably(&mut cl, "r", &text, &format!("k{i}"), Duration::from_secs(30)).await;
                acked.push((r["data"]["seq"].as_u64().unwrap(), text));
                progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            acked
        }));
    }
    while progress.load(std::sync::atomic::Ordering::Relaxed) < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    m1.proc.kill();
    assert!(
        progress.load(std::sync::atomic::Ordering::Relaxed) < 400,
        "the kill happened under load"
    );
    let mut acked = std::collections::BTreeMap::new();
    for s in senders {
        acked.extend(s.await.unwrap());
    }
    assert_eq!(acked.len(), 400, "every message was eventually acknowledged");
    // Every acknowledged message arrives (a retried one may arrive twice:
    // the contract is at-least-once for the crash window).
    let mut seen = std::collections::BTreeMap::new();
    while !acked.keys().all(|seq| seen.contains_key(seq)) {
        let m = bob.next_event_of("message").await;
        seen.insert(
            m["seq"].as_u64().unwrap(),
            m["msgBody"][0]["MsgContent"]["Text"].as_str().unwrap().to_string(),
        );
    }
    for (seq, text) in &acked {
        assert_eq!(
            seen.get(seq),
            Some(text),
            "acknowledged message {seq} ({text}) is missing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restart_is_survived_without_dropping_clients() {
    let mut c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let _m = c.spawn("moderator");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;
    let mut alice = ga.user("alice").await;
    let mut bob = gb.user("bob").await;
    alice.join("r").await;
    bob.join("r").await;
    send_reliably(&mut alice, "r", "before", "k0", Duration::from_secs(10)).await;
    assert_eq!(
        bob.next_messages(1).await[0]["msgBody"][0]["MsgContent"]["Text"],
        "before"
    );

    c.nats.restart();

    // The same sockets carry on: sending is retried until the cluster has
    // reconnected and resubscribed, then delivery resumes.
    let r = send_reliably(&mut alice, "r", "after", "k1", Duration::from_secs(30)).await;
    let got = bob.next_messages(1).await;
    assert_eq!(got[0]["msgBody"][0]["MsgContent"]["Text"], "after");
    assert_eq!(got[0]["seq"], r["data"]["seq"]);
    assert!(alice.closed.is_none() && bob.closed.is_none());
    bob.assert_ping_ok().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_keeps_rooms_mutes_and_bans() {
    let mut c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let mut admin = control.admin().await;
    control.create_room("kept").await;
    mute(&mut admin, "kept", &["carol"], 3600).await.unwrap();
    ban(&mut admin, "kept", &["dave"], 3600, "spam").await.unwrap();

    c.redis.restart();

    let deadline = Instant::now() + Duration::from_secs(30);
    let rooms = loop {
        match admin
            .get_rooms(pb::GetRoomsRequest {
                room_ids: vec!["kept".into()],
            })
            .await
        {
            Ok(r) => break r.into_inner(),
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "control never recovered from the redis restart: {e}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert_eq!(rooms.rooms.len(), 1, "room survived");
    let muted = list_muted(&mut admin, "kept").await.unwrap().into_inner();
    assert_eq!(
        muted.muted.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
        ["carol"]
    );
    let banned = list_banned(&mut admin, "kept").await.unwrap().into_inner();
    assert_eq!(banned.banned.len(), 1);
    assert_eq!(banned.banned[0].user_id, "dave");
    assert_eq!(banned.banned[0].description, "spam");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_gateway_clients_move_on_and_leave_the_online_count() {
    let c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let _m = c.spawn("moderator");
    let mut ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control.create_room("r").await;
    let mut alice = ga.user("alice").await;
    let mut bob = ga.user("bob").await;
    let mut carol = gb.user("carol").await;
    for cl in [&mut alice, &mut bob, &mut carol] {
        cl.join("r").await;
    }
    wait_online(&control, "r", 3, Duration::from_secs(2)).await;

    ga.proc.kill();
    // Reaped once the dead gateway's heartbeat expires (3 s by default).
    wait_online(&control, "r", 1, Duration::from_secs(15)).await;

    let mut alice = gb.user("alice").await;
    assert_eq!(alice.join("r").await["code"], 0);
    wait_online(&control, "r", 2, Duration::from_secs(2)).await;
    send_reliably(&mut alice, "r", "back", "k1", Duration::from_secs(10)).await;
    let got = carol.next_messages(1).await;
    assert_eq!(got[0]["msgBody"][0]["MsgContent"]["Text"], "back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_and_ban_through_any_control_replica_reach_every_gateway() {
    let c = Cluster::start(FAST_ROOMS);
    let control1 = c.spawn("control");
    let control2 = c.spawn("control");
    let _m = c.spawn("moderator");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    control1.create_room("r").await;
    let mut alice = ga.user("alice").await;
    let mut bob = gb.user("bob").await;
    alice.join("r").await;
    bob.join("r").await;
    // Warm the caches on both gateways and the moderator.
    send_reliably(&mut bob, "r", "hi", "w1", Duration::from_secs(10)).await;
    send_reliably(&mut alice, "r", "hi", "w2", Duration::from_secs(10)).await;

    let mut admin2 = control2.admin().await;
    mute(&mut admin2, "r", &["bob"], 600).await.unwrap();
    // Invalidation is pushed over NATS: the very next send is refused.
    let r = bob.send_msg("r", "muted?").await;
    assert_eq!(r["code"], 10017, "{r}");

    let mut admin1 = control1.admin().await;
    ban(&mut admin1, "r", &["alice"], 600, "").await.unwrap();
    let kicked = alice.next_push().await;
    assert_eq!(kicked["type"], "kicked");
    assert_eq!(kicked["reason"], "banned");
    let r = alice.join("r").await;
    assert_eq!(r["code"], 10007, "{r}");
    wait_online(&control2, "r", 1, Duration::from_secs(2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_changes_reach_every_moderator_and_hits_are_audited() {
    use pb::ChangeOp;
    let c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let _m1 = c.spawn("moderator");
    let _m2 = c.spawn("moderator");
    let ga = c.spawn("gateway");
    control.create_room("r").await;
    let mut alice = ga.user("alice").await;
    alice.join("r").await;
    send_reliably(&mut alice, "r", "quuxword", "w0", Duration::from_secs(10)).await;

    let mut m = moderation_at(control.grpc).await;
    m.change_terms(pb::ChangeTermsRequest {
        op: ChangeOp::Add as i32,
        terms: vec![pb::Term {
            category: "politics".into(),
            text: "quuxword".into(),
        }],
        allow: vec![],
    })
    .await
    .unwrap();
    // The first moderator to reload starts blocking; within a second every
    // moderator has the term, so from then on nothing gets through.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut i = 0;
    loop {
        i += 1;
        let r = send(&mut alice, "r", text_body("quuxword"), None, Some(&format!("q{i}"))).await;
        if r["code"] == 80001 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the list change never reached the moderators: {r}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for j in 0..20 {
        let r = send(&mut alice, "r", text_body("quuxword"), None, Some(&format!("z{j}"))).await;
        assert_eq!(
            r["code"], 80001,
            "a moderator still lets the term through a second later: {r}"
        );
    }
    let audit = m
        .query_audit(pb::QueryAuditRequest::default())
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(
        audit.len() >= 20,
        "hits from both moderators are in the shared audit log: {}",
        audit.len()
    );
    assert!(
        audit
            .iter()
            .all(|a| a.term == "quuxword" && a.user_id == "alice" && a.action == "block")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_gateway_restores_its_reaped_presence() {
    let c = Cluster::start(FAST_ROOMS);
    let control = c.spawn("control");
    let ga = c.spawn("gateway");
    control.create_room("r").await;
    let mut alice = ga.user("alice").await;
    let mut bob = ga.user("bob").await;
    alice.join("r").await;
    bob.join("r").await;
    wait_online(&control, "r", 2, Duration::from_secs(2)).await;

    // Freeze the gateway past its heartbeat TTL: control reaps its presence.
    ga.proc.signal("STOP");
    wait_online(&control, "r", 0, Duration::from_secs(15)).await;
    ga.proc.signal("CONT");
    // Its next heartbeat finds the registration lapsed and records its
    // connections again; the clients never noticed.
    wait_online(&control, "r", 2, Duration::from_secs(10)).await;
    alice.assert_ping_ok().await;
}
