//! Room control as the only writer of room state, in cluster mode: an
//! owner's or admin's WebSocket ops and users' profile changes travel from
//! the gateway to room control over the internal gRPC service, come back
//! with the same codes and details as in standalone mode, fail retryably
//! when room control is down, and the internal service refuses outsiders
//! (and is reported by gRPC health, not advertised by reflection).

mod support;

use roomcast_proto::internal::v1 as ipb;
use roomcast_proto::internal::v1::room_control_service_client::RoomControlServiceClient;
use std::time::Duration;
use support::cluster::Cluster;
use support::server::{ADMIN_TOKEN, APP};
use support::*;

const NO_TIPS: &str = "[rooms]\nmember_tips = false\n";

async fn muted(admin: &mut AdminClient, room: &str) -> Vec<pb::MutedMember> {
    list_muted(admin, room).await.expect("list muted").into_inner().muted
}

async fn banned(admin: &mut AdminClient, room: &str) -> Vec<pb::BannedMember> {
    list_banned(admin, room).await.expect("list banned").into_inner().banned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_ops_over_websocket_are_applied_by_room_control_with_their_details() {
    let c = Cluster::start(NO_TIPS);
    let control = c.spawn("control");
    let _m = c.spawn("moderator");
    let ga = c.spawn("gateway");
    let gb = c.spawn("gateway");
    let mut admin = control.admin().await;
    create_room(&mut admin, "live", Some("owner")).await;

    let mut owner = ga.user("owner").await;
    let mut viewer = gb.user("viewer").await;
    let mut troll = gb.user("troll").await;
    for cl in [&mut owner, &mut viewer, &mut troll] {
        assert_eq!(cl.join("live").await["code"], 0);
    }

    // Mute: stored by control, so the moderators refuse the muted sender,
    // and the reply says until when (cluster mode used to lose that).
    assert_eq!(owner.mute("live", &["viewer"], 600).await["code"], 0);
    let muted = muted(&mut admin, "live").await;
    assert_eq!(muted.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(), ["viewer"]);
    let r = viewer.send_msg("live", "hello").await;
    assert_eq!(r["code"], 10017, "{r}");
    assert_eq!(r["data"]["mutedUntil"], muted[0].muted_until, "{r}");

    // Ban: stored by control, the user is kicked on the other gateway, and a
    // rejoin is refused with the ban's end.
    assert_eq!(owner.ban("live", &["troll"], 600).await["code"], 0);
    let kicked = troll.next_push().await;
    assert_eq!(kicked["type"], "kicked", "{kicked}");
    assert_eq!(kicked["reason"], "banned", "{kicked}");
    let banned = banned(&mut admin, "live").await;
    assert_eq!(banned.len(), 1);
    let r = troll.join("live").await;
    assert_eq!(r["code"], 10007, "{r}");
    assert_eq!(r["data"]["bannedUntil"], banned[0].banned_until, "{r}");

    // Room edits by the owner: applied by control, visible to the operator.
    let r = owner
        .modify_room("live", serde_json::json!({ "name": "Launch party" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(get_room(&mut admin, "live").await.name, "Launch party");

    // A refusal by the room rules comes back as in standalone mode.
    let r = viewer.mute("live", &["owner"], 60).await;
    assert_eq!(r["code"], 10007, "{r}");

    // Profiles too: stored by control, returned by a login on another gateway.
    let r = viewer
        .request("updateProfile", serde_json::json!({ "nick": "Vee", "avatar": "v.png" }))
        .await;
    assert_eq!(r["code"], 0, "{r}");
    let mut elsewhere = Client::raw_at(ga.http).await;
    let login = elsewhere.login(APP, "viewer", &usersig("viewer")).await;
    assert_eq!(login["code"], 0, "{login}");
    assert_eq!(login["data"]["nick"], "Vee", "{login}");
    assert_eq!(login["data"]["avatar"], "v.png", "{login}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_state_changes_fail_retryably_while_room_control_is_down() {
    let c = Cluster::start(NO_TIPS);
    let mut control = c.spawn("control");
    let _m = c.spawn("moderator");
    let ga = c.spawn("gateway");
    create_room(&mut control.admin().await, "live", Some("owner")).await;
    let mut owner = ga.user("owner").await;
    assert_eq!(owner.join("live").await["code"], 0);

    control.proc.kill();
    let _ = control.proc.wait_exit(Duration::from_secs(5)).await;
    let r = owner.mute("live", &["viewer"], 60).await;
    assert_eq!(r["code"], 10002, "{r}");
    assert_eq!(r["retryable"], true, "{r}");
    // The gateway wrote nothing itself: no mute exists once control is back.
    let back = c.respawn(&control);
    assert!(muted(&mut back.admin().await, "live").await.is_empty());
    let r = owner.mute("live", &["viewer"], 60).await;
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(muted(&mut back.admin().await, "live").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_internal_service_refuses_callers_without_the_cluster_token() {
    let c = Cluster::start(NO_TIPS);
    let control = c.spawn("control");
    create_room(&mut control.admin().await, "live", Some("owner")).await;
    let mut client = RoomControlServiceClient::new(channel(control.grpc).await);
    let mute = || ipb::MuteRequest {
        actor: Some(ipb::Actor {
            app: APP,
            user_id: String::new(),
        }),
        room_id: "live".into(),
        user_ids: vec!["viewer".into()],
        duration_secs: 60,
    };
    let admin_bearer = format!("Bearer {ADMIN_TOKEN}");
    for auth in [None, Some("Bearer not-the-token"), Some(admin_bearer.as_str())] {
        let mut req = tonic::Request::new(mute());
        if let Some(v) = auth {
            req.metadata_mut().insert("authorization", v.parse().unwrap());
        }
        let err = client.mute(req).await.expect_err("refused");
        assert_eq!(err.code(), tonic::Code::Unauthenticated, "{auth:?}: {err}");
    }
    assert!(muted(&mut control.admin().await, "live").await.is_empty());

    // Its health is reported beside the admin services' (reflection does
    // not advertise it).
    use support::grpc::{self, ServingStatus};
    for service in [
        grpc::SERVER,
        grpc::ROOM_ADMIN,
        grpc::MODERATION_ADMIN,
        grpc::ROOM_CONTROL,
    ] {
        let status = grpc::health_check(control.grpc, service).await;
        assert_eq!(status.ok(), Some(ServingStatus::Serving), "{service:?}");
    }
    let names = grpc::reflection_v1::list_services(control.grpc).await;
    assert!(!names.iter().any(|n| n == grpc::ROOM_CONTROL), "{names:?}");
}
