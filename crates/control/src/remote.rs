//! The gateway's side of the internal `RoomControlService`: the
//! `RoomControl` port over gRPC to room control. A call that does not reach
//! room control fails with a retryable 10002; a refusal by the room rules
//! comes back exactly as in standalone mode.

use crate::convert::{attribute_write_to_proto, patch_to_proto, room_from_proto};
use crate::internal::InternalToken;
use async_trait::async_trait;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, Room, RoomPatch, UserProfile};
use roomcast_core::ports::attributes::AttributeSnapshot;
use roomcast_core::ports::control::RoomControl;
use roomcast_core::rooms::AttributeChange;
use roomcast_core::{CoreError, Result};
use roomcast_proto::convert::{actor_to_pb, check_error};
use roomcast_proto::internal::v1 as ipb;
use roomcast_proto::internal::v1::room_control_service_client::RoomControlServiceClient;
use std::time::Duration;
use tonic::Request;
use tonic::transport::{Channel, Endpoint};

#[derive(Clone)]
pub struct RemoteControl {
    client: RoomControlServiceClient<Channel>,
    bearer: tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
}

impl RemoteControl {
    /// Connects lazily to `url` (e.g. `http://roomcast-control:50051`); every
    /// call gives up after `timeout`.
    pub fn new(url: &str, token: &InternalToken, timeout: Duration) -> Result<Self> {
        let endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| CoreError::InvalidParameter(format!("control url {url:?}: {e}")))?
            .connect_timeout(timeout)
            .timeout(timeout);
        let bearer = token
            .bearer()
            .parse()
            .map_err(|_| CoreError::Internal("internal token is not valid metadata".into()))?;
        Ok(Self {
            client: RoomControlServiceClient::new(endpoint.connect_lazy()),
            bearer,
        })
    }

    fn request<T>(&self, msg: T) -> Request<T> {
        let mut req = Request::new(msg);
        req.metadata_mut()
            .insert(crate::metadata::AUTHORIZATION, self.bearer.clone());
        req
    }
}

fn unreachable(s: tonic::Status) -> CoreError {
    CoreError::ControlUnavailable(format!("{}: {}", s.code(), s.message()))
}

#[async_trait]
impl RoomControl for RemoteControl {
    async fn mute(&self, app: AppId, actor: &Actor, room: &str, users: &[String], duration_secs: u64) -> Result<()> {
        let msg = ipb::MuteRequest {
            actor: Some(actor_to_pb(app, actor)),
            room_id: room.to_string(),
            user_ids: users.to_vec(),
            duration_secs,
        };
        let r = self.client.clone().mute(self.request(msg)).await.map_err(unreachable)?;
        check_error(r.into_inner().error)
    }

    async fn ban(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        users: &[String],
        duration_secs: u64,
        description: &str,
    ) -> Result<()> {
        let msg = ipb::BanRequest {
            actor: Some(actor_to_pb(app, actor)),
            room_id: room.to_string(),
            user_ids: users.to_vec(),
            duration_secs,
            description: description.to_string(),
        };
        let r = self.client.clone().ban(self.request(msg)).await.map_err(unreachable)?;
        check_error(r.into_inner().error)
    }

    async fn unban(&self, app: AppId, actor: &Actor, room: &str, users: &[String]) -> Result<()> {
        let msg = ipb::UnbanRequest {
            actor: Some(actor_to_pb(app, actor)),
            room_id: room.to_string(),
            user_ids: users.to_vec(),
        };
        let r = self
            .client
            .clone()
            .unban(self.request(msg))
            .await
            .map_err(unreachable)?;
        check_error(r.into_inner().error)
    }

    async fn set_admin(&self, app: AppId, actor: &Actor, room: &str, user: &str, admin: bool) -> Result<()> {
        let msg = ipb::SetAdminRequest {
            actor: Some(actor_to_pb(app, actor)),
            room_id: room.to_string(),
            user_id: user.to_string(),
            admin,
        };
        let r = self
            .client
            .clone()
            .set_admin(self.request(msg))
            .await
            .map_err(unreachable)?;
        check_error(r.into_inner().error)
    }

    async fn modify_room(&self, app: AppId, actor: &Actor, room: &str, patch: RoomPatch) -> Result<Room> {
        let msg = ipb::ModifyRoomRequest {
            actor: Some(actor_to_pb(app, actor)),
            patch: Some(patch_to_proto(room, patch)),
        };
        let r = self
            .client
            .clone()
            .modify_room(self.request(msg))
            .await
            .map_err(unreachable)?
            .into_inner();
        check_error(r.error)?;
        r.room
            .map(room_from_proto)
            .ok_or_else(|| CoreError::Internal("room control answered without the room".into()))
    }

    async fn dismiss_room(&self, app: AppId, actor: &Actor, room: &str) -> Result<()> {
        let msg = ipb::DismissRoomRequest {
            actor: Some(actor_to_pb(app, actor)),
            room_id: room.to_string(),
        };
        let r = self
            .client
            .clone()
            .dismiss_room(self.request(msg))
            .await
            .map_err(unreachable)?;
        check_error(r.into_inner().error)
    }

    async fn update_profile(&self, app: AppId, user: &str, profile: &UserProfile) -> Result<UserProfile> {
        let msg = ipb::UpdateProfileRequest {
            actor: Some(actor_to_pb(app, &Actor::User(user.to_string()))),
            nick: profile.nick.clone(),
            avatar: profile.avatar.clone(),
        };
        let r = self
            .client
            .clone()
            .update_profile(self.request(msg))
            .await
            .map_err(unreachable)?
            .into_inner();
        check_error(r.error)?;
        Ok(UserProfile {
            nick: r.nick,
            avatar: r.avatar,
        })
    }

    async fn write_attributes(
        &self,
        app: AppId,
        actor: &Actor,
        room: &str,
        change: AttributeChange,
        expected_version: Option<u64>,
    ) -> Result<AttributeSnapshot> {
        let msg = ipb::WriteAttributesRequest {
            actor: Some(actor_to_pb(app, actor)),
            write: Some(attribute_write_to_proto(room, change, expected_version)),
        };
        let r = self
            .client
            .clone()
            .write_attributes(self.request(msg))
            .await
            .map_err(unreachable)?
            .into_inner();
        check_error(r.error)?;
        let a = r.attributes.unwrap_or_default();
        Ok(AttributeSnapshot {
            version: a.version,
            values: a.attributes.into_iter().collect(),
        })
    }
}
