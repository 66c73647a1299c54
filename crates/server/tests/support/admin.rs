//! gRPC clients of the admin services, their authentication metadata, and
//! helpers for the admin calls that tests repeat.

use super::WAIT;
use super::server::{ADMIN_TOKEN, APP};
use super::{ModerationAdminServiceClient, RoomAdminServiceClient, pb};
use std::net::SocketAddr;
use std::time::Duration;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

#[derive(Clone)]
pub enum AdminAuth {
    Token(String),
    Sig { identifier: String, sig: String },
    None,
    App(u64, Box<AdminAuth>),
}

#[derive(Clone)]
pub struct AuthInterceptor(AdminAuth);

impl AuthInterceptor {
    pub fn token(token: &str) -> Self {
        Self(AdminAuth::Token(token.to_string()))
    }
}

impl tonic::service::Interceptor for AuthInterceptor {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let (app, auth) = match &self.0 {
            AdminAuth::App(app, inner) => (*app, inner.as_ref().clone()),
            other => (APP, other.clone()),
        };
        let md = req.metadata_mut();
        md.insert("x-roomcast-sdkappid", app.to_string().parse().unwrap());
        match auth {
            AdminAuth::Token(t) => {
                md.insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            AdminAuth::Sig { identifier, sig } => {
                md.insert("x-roomcast-identifier", identifier.parse().unwrap());
                md.insert("x-roomcast-usersig", sig.parse().unwrap());
            }
            AdminAuth::None | AdminAuth::App(..) => {}
        }
        Ok(req)
    }
}

pub type AdminClient = RoomAdminServiceClient<InterceptedService<Channel, AuthInterceptor>>;
pub type ModClient = ModerationAdminServiceClient<InterceptedService<Channel, AuthInterceptor>>;

/// A plain gRPC channel to `grpc` (no metadata at all).
pub async fn channel(grpc: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{grpc}"))
        .unwrap()
        .connect()
        .await
        .expect("grpc connects")
}

/// A room admin client that sends nothing but the SDKAppID: no credentials.
pub async fn bare_admin_client(grpc: SocketAddr) -> RoomAdminServiceClient<Channel> {
    RoomAdminServiceClient::new(channel(grpc).await)
}

/// A room admin client presenting `auth`.
pub async fn admin_client(grpc: SocketAddr, auth: AdminAuth) -> AdminClient {
    RoomAdminServiceClient::with_interceptor(channel(grpc).await, AuthInterceptor(auth))
}

/// A room admin client with the test app's admin token.
pub async fn admin_at(grpc: SocketAddr) -> AdminClient {
    admin_client(grpc, AdminAuth::Token(ADMIN_TOKEN.into())).await
}

/// A moderation admin client with the test app's admin token.
pub async fn moderation_at(grpc: SocketAddr) -> ModClient {
    ModerationAdminServiceClient::with_interceptor(channel(grpc).await, AuthInterceptor::token(ADMIN_TOKEN))
}

/// A moderation admin client without any metadata.
pub async fn bare_moderation_client(grpc: SocketAddr) -> ModerationAdminServiceClient<Channel> {
    ModerationAdminServiceClient::new(channel(grpc).await)
}

/// The numeric code a failed admin call carries.
pub fn status_code(s: &tonic::Status) -> u32 {
    s.metadata()
        .get("x-roomcast-code")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Asserts a failed call with the given gRPC status and numeric code.
pub fn expect_status<T: std::fmt::Debug>(
    result: Result<tonic::Response<T>, tonic::Status>,
    code: Code,
    numeric: u32,
    what: &str,
) -> tonic::Status {
    let status = match result {
        Ok(r) => panic!("{what}: expected {code:?}/{numeric}, got success {:?}", r.into_inner()),
        Err(s) => s,
    };
    assert_eq!(status.code(), code, "{what}: {status:?}");
    assert_eq!(status_code(&status), numeric, "{what}: {status:?}");
    status
}

// ---- rooms ------------------------------------------------------------------

pub fn create_req(id: &str, name: &str) -> pb::CreateRoomRequest {
    pb::CreateRoomRequest {
        room_id: id.into(),
        name: name.into(),
        ..Default::default()
    }
}

/// Creates a room (named "test room", owned by `owner` if given) and
/// returns its ID.
pub async fn create_room(admin: &mut AdminClient, id: &str, owner: Option<&str>) -> String {
    let resp = admin
        .create_room(pb::CreateRoomRequest {
            room_id: id.into(),
            name: "test room".into(),
            owner: owner.unwrap_or_default().into(),
            ..Default::default()
        })
        .await
        .expect("create room");
    resp.into_inner().room.unwrap().room_id
}

/// The stored room `id`, which must exist.
pub async fn get_room(admin: &mut AdminClient, id: &str) -> pb::Room {
    let resp = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec![id.into()],
        })
        .await
        .expect("get rooms")
        .into_inner();
    assert_eq!(resp.rooms.len(), 1, "{resp:?}");
    resp.rooms.into_iter().next().unwrap()
}

/// The room `id`, which must be gone (reported missing).
pub async fn assert_room_missing(admin: &mut AdminClient, id: &str) {
    let got = admin
        .get_rooms(pb::GetRoomsRequest {
            room_ids: vec![id.into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(got.rooms.is_empty(), "{got:?}");
    assert_eq!(got.missing, vec![id.to_string()]);
}

pub fn list_rooms_req() -> pb::ListRoomsRequest {
    pb::ListRoomsRequest {
        cursor: String::new(),
        limit: 10,
    }
}

// ---- presence ---------------------------------------------------------------

pub async fn online_count(admin: &mut AdminClient, room: &str) -> u64 {
    admin
        .get_online_count(pb::GetOnlineCountRequest { room_id: room.into() })
        .await
        .expect("online count")
        .into_inner()
        .count
}

/// One page of online members of `room`.
pub async fn online_members(
    admin: &mut AdminClient,
    room: &str,
    cursor: &str,
    limit: u32,
) -> Result<tonic::Response<pb::ListOnlineMembersResponse>, tonic::Status> {
    admin
        .list_online_members(pb::ListOnlineMembersRequest {
            room_id: room.into(),
            cursor: cursor.into(),
            limit,
        })
        .await
}

/// Waits until the online count settles at `want` (leaves after a
/// disconnect, a kick or a reaped node are asynchronous), for at most `within`.
pub async fn wait_online_count_within(admin: &mut AdminClient, room: &str, want: u64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let n = online_count(admin, room).await;
        if n == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "online count of {room} is {n}, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`wait_online_count_within`] the harness wait.
pub async fn wait_online_count(admin: &mut AdminClient, room: &str, want: u64) {
    wait_online_count_within(admin, room, want, WAIT).await;
}

// ---- members ----------------------------------------------------------------

fn user_ids(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| u.to_string()).collect()
}

pub async fn set_room_admin(
    admin: &mut AdminClient,
    room: &str,
    user: &str,
    on: bool,
) -> Result<tonic::Response<pb::SetAdminResponse>, tonic::Status> {
    admin
        .set_admin(pb::SetAdminRequest {
            room_id: room.into(),
            user_id: user.into(),
            admin: on,
        })
        .await
}

pub async fn mute(
    admin: &mut AdminClient,
    room: &str,
    users: &[&str],
    secs: u32,
) -> Result<tonic::Response<pb::MuteMembersResponse>, tonic::Status> {
    admin
        .mute_members(pb::MuteMembersRequest {
            room_id: room.into(),
            user_ids: user_ids(users),
            duration_secs: secs,
        })
        .await
}

pub async fn ban(
    admin: &mut AdminClient,
    room: &str,
    users: &[&str],
    secs: u32,
    description: &str,
) -> Result<tonic::Response<pb::BanMembersResponse>, tonic::Status> {
    admin
        .ban_members(pb::BanMembersRequest {
            room_id: room.into(),
            user_ids: user_ids(users),
            duration_secs: secs,
            description: description.into(),
        })
        .await
}

pub async fn unban(
    admin: &mut AdminClient,
    room: &str,
    users: &[&str],
) -> Result<tonic::Response<pb::UnbanMembersResponse>, tonic::Status> {
    admin
        .unban_members(pb::UnbanMembersRequest {
            room_id: room.into(),
            user_ids: user_ids(users),
        })
        .await
}

pub async fn list_muted(
    admin: &mut AdminClient,
    room: &str,
) -> Result<tonic::Response<pb::ListMutedResponse>, tonic::Status> {
    admin.list_muted(pb::ListMutedRequest { room_id: room.into() }).await
}

pub async fn list_banned(
    admin: &mut AdminClient,
    room: &str,
) -> Result<tonic::Response<pb::ListBannedResponse>, tonic::Status> {
    admin.list_banned(pb::ListBannedRequest { room_id: room.into() }).await
}

// ---- messages ---------------------------------------------------------------

/// A text `msg_body_json`.
pub fn text_json(text: &str) -> String {
    super::client::text_body(text).to_string()
}

/// An admin-API message request (screened, from the app admin).
pub fn admin_msg(room: &str, body: &serde_json::Value, priority: pb::Priority, key: &str) -> pb::SendMessageRequest {
    pb::SendMessageRequest {
        room_id: room.into(),
        from_user: String::new(),
        priority: priority as i32,
        msg_body_json: body.to_string(),
        msg_key: key.into(),
        skip_moderation: false,
    }
}

pub async fn send_notice(admin: &mut AdminClient, room: &str, content: &str) -> pb::SendNoticeResponse {
    admin
        .send_notice(pb::SendNoticeRequest {
            room_id: room.into(),
            content: content.into(),
        })
        .await
        .expect("notice")
        .into_inner()
}
