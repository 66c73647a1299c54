//! The standard gRPC services on the admin port, as tools use them: server
//! reflection in both protocol versions (grpcurl, Postman, evans), health
//! of the server and of each service through a drain, and the error model
//! (`x-roomcast-code` metadata plus `google.rpc.Status` details).

mod support;

use support::grpc::*;
use support::*;
use tonic::Code;

// ---- reflection ---------------------------------------------------------------------

/// What both reflection versions must list: the admin services under their
/// buf-style names, the health service and the reflection services; nothing
/// internal.
fn assert_public_services(version: &str, names: &[String]) {
    for want in [
        ROOM_ADMIN,
        MODERATION_ADMIN,
        HEALTH,
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ] {
        assert!(names.iter().any(|n| n == want), "{version}: {want} not in {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.starts_with("roomcast.internal.")),
        "{version}: internal services are not advertised: {names:?}"
    );
}

#[tokio::test]
async fn reflection_v1_lists_and_describes_every_public_service() {
    let server = TestServer::start().await;
    let names = reflection_v1::list_services(server.grpc).await;
    assert_public_services("v1", &names);

    for symbol in [
        ROOM_ADMIN,
        MODERATION_ADMIN,
        HEALTH,
        // ImportTerms answers its own message (buf's RPC_RESPONSE_STANDARD_NAME).
        "roomcast.v1.ImportTermsResponse",
    ] {
        let files = reflection_v1::file_containing_symbol(server.grpc, symbol).await;
        assert!(files.is_ok_and(|f| !f.is_empty()), "{symbol} is described");
    }
    // The pre-buf names are gone.
    for old in ["roomcast.v1.RoomAdmin", "roomcast.v1.ModerationAdmin"] {
        let r = reflection_v1::file_containing_symbol(server.grpc, old).await;
        assert_eq!(r.err(), Some(Code::NotFound), "{old}");
    }
    server.stop().await;
}

#[tokio::test]
async fn reflection_v1alpha_serves_tools_that_ask_the_old_version() {
    let server = TestServer::start().await;
    let names = reflection_v1alpha::list_services(server.grpc).await;
    assert_public_services("v1alpha", &names);
    for symbol in [ROOM_ADMIN, MODERATION_ADMIN, HEALTH] {
        let files = reflection_v1alpha::file_containing_symbol(server.grpc, symbol).await;
        assert!(files.is_ok_and(|f| !f.is_empty()), "{symbol} is described");
    }
    server.stop().await;
}

// ---- health -------------------------------------------------------------------------

#[tokio::test]
async fn health_covers_the_server_and_both_admin_services_until_the_drain() {
    let server = TestServer::start().await;
    let services = [SERVER, ROOM_ADMIN, MODERATION_ADMIN];
    for service in services {
        let status = health_check(server.grpc, service).await;
        assert_eq!(status.ok(), Some(ServingStatus::Serving), "{service:?}");
    }
    let unknown = health_check(server.grpc, "no.such.Service").await;
    assert_eq!(unknown.unwrap_err().code(), Code::NotFound);
    // Standalone mode serves no internal service, so it reports none.
    let internal = health_check(server.grpc, ROOM_CONTROL).await;
    assert_eq!(internal.unwrap_err().code(), Code::NotFound);

    // A drain turns every one of them NOT_SERVING, before the port closes:
    // load balancers and probes watching any name see it.
    let mut watches = Vec::new();
    for service in services {
        let mut w = health_watch(server.grpc, service).await;
        assert_eq!(next_health(&mut w).await, ServingStatus::Serving, "{service:?}");
        watches.push((service, w));
    }
    server.shutdown.cancel();
    for (service, w) in &mut watches {
        assert_eq!(next_health(w).await, ServingStatus::NotServing, "{service:?}");
    }
    drop(watches);
    server.stop().await;
}

// ---- errors -------------------------------------------------------------------------

#[tokio::test]
async fn a_failed_call_carries_its_code_in_metadata_and_status_details() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    let r = admin
        .get_online_count(pb::GetOnlineCountRequest {
            room_id: "no-such-room".into(),
        })
        .await;
    let status = expect_status(r, Code::NotFound, 10010, "missing room");
    let d = error_details(&status);
    assert_eq!(d.code, Code::NotFound as i32, "{d:?}");
    assert_eq!(d.message, status.message(), "{d:?}");
    assert_eq!(d.domain, "roomcast", "{d:?}");
    assert_eq!(d.reason, "ROOM_NOT_FOUND", "{d:?}");
    assert_eq!(d.metadata.get("code").map(String::as_str), Some("10010"), "{d:?}");
    assert_eq!(d.metadata.get("retryable").map(String::as_str), Some("false"), "{d:?}");

    // The client-facing details travel too: until when a sender is muted.
    let room = server.create_room("errors", None).await;
    mute(&mut admin, &room, &["carol"], 600).await.expect("mute");
    let mut req = admin_msg(&room, &text_body("hi"), pb::Priority::Normal, "");
    req.from_user = "carol".into();
    let status = expect_status(
        admin.send_message(req).await,
        Code::PermissionDenied,
        10017,
        "muted sender",
    );
    let d = error_details(&status);
    assert_eq!(d.reason, "MUTED", "{d:?}");
    let until: i64 = d.metadata["mutedUntil"].parse().expect("unix seconds");
    assert!(
        (now_secs() as i64 + 590..=now_secs() as i64 + 610).contains(&until),
        "{d:?}"
    );

    // Authentication failures are described the same way.
    let mut bare = bare_admin_client(server.grpc).await;
    let status = expect_status(
        bare.list_rooms(list_rooms_req()).await,
        Code::Unauthenticated,
        70002,
        "no metadata",
    );
    let d = error_details(&status);
    assert_eq!(d.metadata.get("code").map(String::as_str), Some("70002"), "{d:?}");
    server.stop().await;
}
