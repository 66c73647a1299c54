//! `roomcast.internal.v1.RoomControlService`: room-state changes that
//! gateways make on behalf of their users, applied by room control (the
//! only writer of room state). Callers prove they belong to the cluster
//! with the internal token; the user's own rights are checked by the room
//! rules, exactly as in standalone mode.

use crate::convert::{attribute_write_from_proto, patch_from_proto, room_to_proto};
use hmac::{Hmac, Mac};
use roomcast_core::apps::Apps;
use roomcast_core::model::UserProfile;
use roomcast_core::ports::control::RoomControl;
use roomcast_core::{CoreError, Result};
use roomcast_proto::convert::{actor_from_pb, error_field};
use roomcast_proto::internal::v1 as ipb;
use roomcast_proto::internal::v1::room_control_service_server::{RoomControlService, RoomControlServiceServer};
use sha2::Sha256;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The shared secret of one cluster's processes.
#[derive(Clone)]
pub struct InternalToken(Arc<str>);

impl InternalToken {
    /// An explicitly configured token.
    pub fn new(token: &str) -> Self {
        Self(token.into())
    }

    /// Derived from every app's secret, which every process of a cluster is
    /// configured with and nobody outside it knows: clusters need no extra
    /// secret, and changing an app secret changes the token everywhere.
    pub fn derive(apps: &Apps) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"roomcast internal token v1").expect("any key length");
        for id in apps.ids() {
            if let Ok(app) = apps.get(id) {
                mac.update(&id.to_be_bytes());
                mac.update(&(app.secret.len() as u64).to_be_bytes());
                mac.update(app.secret.as_bytes());
            }
        }
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        Self(hex.into())
    }

    /// The `authorization` header value callers send.
    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }

    fn check<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let given = req
            .metadata()
            .get(crate::metadata::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let expected = self.bearer();
        let same = given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(Status::unauthenticated("not a member of this cluster"))
        }
    }
}

/// The internal service over the in-process room rules.
#[derive(Clone)]
pub struct InternalService {
    rooms: Arc<dyn RoomControl>,
    token: InternalToken,
}

impl InternalService {
    pub fn new(rooms: Arc<dyn RoomControl>, token: InternalToken) -> Self {
        Self { rooms, token }
    }

    pub fn into_server(self) -> RoomControlServiceServer<Self> {
        RoomControlServiceServer::new(self)
    }
}

type Rpc<T> = Result<Response<T>, Status>;

/// Domain errors travel in the reply, so the caller sees the same code,
/// message and details (mutedUntil, bannedUntil) as in standalone mode.
fn reply<T, R>(r: &Result<T>, build: impl FnOnce(Option<ipb::Error>) -> R) -> Rpc<R> {
    Ok(Response::new(build(error_field(r))))
}

#[tonic::async_trait]
impl RoomControlService for InternalService {
    async fn mute(&self, req: Request<ipb::MuteRequest>) -> Rpc<ipb::MuteResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            self.rooms
                .mute(app, &actor, &r.room_id, &r.user_ids, r.duration_secs)
                .await
        }
        .await;
        reply(&result, |error| ipb::MuteResponse { error })
    }

    async fn ban(&self, req: Request<ipb::BanRequest>) -> Rpc<ipb::BanResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            self.rooms
                .ban(app, &actor, &r.room_id, &r.user_ids, r.duration_secs, &r.description)
                .await
        }
        .await;
        reply(&result, |error| ipb::BanResponse { error })
    }

    async fn unban(&self, req: Request<ipb::UnbanRequest>) -> Rpc<ipb::UnbanResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            self.rooms.unban(app, &actor, &r.room_id, &r.user_ids).await
        }
        .await;
        reply(&result, |error| ipb::UnbanResponse { error })
    }

    async fn set_admin(&self, req: Request<ipb::SetAdminRequest>) -> Rpc<ipb::SetAdminResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            self.rooms.set_admin(app, &actor, &r.room_id, &r.user_id, r.admin).await
        }
        .await;
        reply(&result, |error| ipb::SetAdminResponse { error })
    }

    async fn modify_room(&self, req: Request<ipb::ModifyRoomRequest>) -> Rpc<ipb::ModifyRoomResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            let (room_id, patch) = patch_from_proto(
                r.patch
                    .ok_or_else(|| CoreError::InvalidParameter("missing patch".into()))?,
            );
            self.rooms.modify_room(app, &actor, &room_id, patch).await
        }
        .await;
        let error = error_field(&result);
        Ok(Response::new(ipb::ModifyRoomResponse {
            error,
            room: result.ok().map(|room| room_to_proto(room, 0)),
        }))
    }

    async fn dismiss_room(&self, req: Request<ipb::DismissRoomRequest>) -> Rpc<ipb::DismissRoomResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            self.rooms.dismiss_room(app, &actor, &r.room_id).await
        }
        .await;
        reply(&result, |error| ipb::DismissRoomResponse { error })
    }

    async fn update_profile(&self, req: Request<ipb::UpdateProfileRequest>) -> Rpc<ipb::UpdateProfileResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            let user = actor
                .user_id()
                .ok_or_else(|| CoreError::InvalidParameter("a profile belongs to a user".into()))?
                .to_string();
            let profile = UserProfile {
                nick: r.nick,
                avatar: r.avatar,
            };
            self.rooms.update_profile(app, &user, &profile).await
        }
        .await;
        let error = error_field(&result);
        let stored = result.unwrap_or_default();
        Ok(Response::new(ipb::UpdateProfileResponse {
            error,
            nick: stored.nick,
            avatar: stored.avatar,
        }))
    }

    async fn write_attributes(&self, req: Request<ipb::WriteAttributesRequest>) -> Rpc<ipb::WriteAttributesResponse> {
        self.token.check(&req)?;
        let r = req.into_inner();
        let result = async {
            let (app, actor) = actor_from_pb(r.actor)?;
            let (room, change, expected) = attribute_write_from_proto(r.write.unwrap_or_default())?;
            self.rooms.write_attributes(app, &actor, &room, change, expected).await
        }
        .await;
        let error = error_field(&result);
        Ok(Response::new(ipb::WriteAttributesResponse {
            error,
            attributes: result.ok().map(|s| roomcast_proto::v1::WriteAttributesResponse {
                version: s.version,
                attributes: s.values.into_iter().collect(),
            }),
        }))
    }
}
