//! Authentication of the gRPC admin API (`roomcast.v1.RoomAdminService`).
//! The health and reflection services beside it: `grpc_services.rs`.

mod support;

use support::*;
use tonic::Code;

// ---- authentication ---------------------------------------------------------

#[tokio::test]
async fn admin_calls_without_metadata_are_unauthenticated() {
    let server = TestServer::start().await;

    // Nothing at all, not even the SDKAppID.
    let mut bare = bare_admin_client(server.grpc).await;
    let r = bare.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70002, "no metadata");

    // The SDKAppID but no credentials.
    let mut none = admin_client(server.grpc, AdminAuth::None).await;
    let r = none.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70002, "no credentials");
    let r = none.create_room(create_req("anon", "x")).await;
    expect_status(r, Code::Unauthenticated, 70002, "create without credentials");

    // Nothing was created by the rejected call.
    assert_room_missing(&mut server.admin().await, "anon").await;
    server.stop().await;
}

#[tokio::test]
async fn admin_token_and_usersig_authentication() {
    let server = TestServer::start().await;

    // The configured token works.
    let mut token = server.admin().await;
    token.list_rooms(list_rooms_req()).await.expect("valid token");

    // The admin identifier with a valid userSig works.
    let sig = sig_with(APP, SECRET, ADMIN, 3600, now_secs());
    let mut by_sig = admin_client(
        server.grpc,
        AdminAuth::Sig {
            identifier: ADMIN.into(),
            sig,
        },
    )
    .await;
    let room = by_sig
        .create_room(create_req("by-sig", "signed"))
        .await
        .expect("admin usersig works")
        .into_inner()
        .room
        .unwrap();
    assert_eq!(room.room_id, "by-sig");

    // Every other credential is refused, for reading and for creating.
    let admin_sig = |sig: String| AdminAuth::Sig {
        identifier: ADMIN.into(),
        sig,
    };
    let refused = [
        (
            "wrong token",
            AdminAuth::Token("not-the-admin-token-123".into()),
            Code::PermissionDenied,
            10007,
        ),
        // A valid userSig of an ordinary user is not an admin credential.
        (
            "non-admin identifier",
            AdminAuth::Sig {
                identifier: "alice".into(),
                sig: usersig("alice"),
            },
            Code::PermissionDenied,
            10007,
        ),
        // The admin identifier presenting someone else's sig.
        (
            "sig minted for another identifier",
            admin_sig(usersig("alice")),
            Code::Unauthenticated,
            70013,
        ),
        (
            "expired admin sig",
            admin_sig(sig_with(APP, SECRET, ADMIN, 60, now_secs() - 7200)),
            Code::Unauthenticated,
            70001,
        ),
        (
            "garbage sig",
            admin_sig("definitely-not-a-usersig".into()),
            Code::Unauthenticated,
            70003,
        ),
        (
            "sig with the wrong secret",
            admin_sig(sig_with(
                APP,
                "another-secret-0123456789abcdef",
                ADMIN,
                3600,
                now_secs(),
            )),
            Code::Unauthenticated,
            70003,
        ),
        // An app this server does not serve, with otherwise valid credentials.
        (
            "unknown app",
            AdminAuth::App(999, Box::new(AdminAuth::Token(ADMIN_TOKEN.into()))),
            Code::Unauthenticated,
            60006,
        ),
    ];
    let mut refused_ids = Vec::new();
    for (i, (what, auth, code, numeric)) in refused.into_iter().enumerate() {
        let mut client = admin_client(server.grpc, auth).await;
        let r = client.list_rooms(list_rooms_req()).await;
        expect_status(r, code, numeric, what);
        let id = format!("by-refused-{i}");
        let r = client.create_room(create_req(&id, "x")).await;
        expect_status(r, code, numeric, &format!("create with {what}"));
        refused_ids.push(id);
    }

    // The rejected creates left nothing behind.
    let mut ids = refused_ids.clone();
    ids.push("by-sig".into());
    let mut got = token
        .get_rooms(pb::GetRoomsRequest { room_ids: ids })
        .await
        .unwrap()
        .into_inner();
    got.missing.sort();
    assert_eq!(got.missing, refused_ids);
    assert_eq!(got.rooms.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn guessing_the_admin_credentials_locks_them() {
    let mut config = base_config();
    config.auth.admin_max_failures = 3;
    let server = TestServer::start_with(config).await;
    let admin_sig = |sig: String| AdminAuth::Sig {
        identifier: ADMIN.into(),
        sig,
    };
    let wrong = sig_with(APP, "another-secret-0123456789abcdef", ADMIN, 3600, now_secs());
    let mut guesser = admin_client(server.grpc, admin_sig(wrong)).await;
    for _ in 0..3 {
        expect_status(
            guesser.list_rooms(list_rooms_req()).await,
            Code::Unauthenticated,
            70003,
            "guess",
        );
    }
    // The right sig right after the guesses is refused too.
    let right = sig_with(APP, SECRET, ADMIN, 3600, now_secs());
    let mut admin = admin_client(server.grpc, admin_sig(right)).await;
    expect_status(
        admin.list_rooms(list_rooms_req()).await,
        Code::Unauthenticated,
        70050,
        "locked",
    );
    // The token is a separate credential, with its own count.
    let mut bad_token = admin_client(server.grpc, AdminAuth::Token("not-the-admin-token-123".into())).await;
    for _ in 0..3 {
        expect_status(
            bad_token.list_rooms(list_rooms_req()).await,
            Code::PermissionDenied,
            10007,
            "token guess",
        );
    }
    let mut token = server.admin().await;
    let r = token.list_rooms(list_rooms_req()).await;
    expect_status(r, Code::Unauthenticated, 70050, "token locked");
    server.stop().await;
}
