//! `roomcast.v1.RoomAdminService`: the operator's admin API over the room service.
//! Every call is authenticated and scoped to one app.

use crate::auth::authorize;
use crate::convert::{attribute_write_from_proto, patch_from_proto, room_to_proto};
use crate::error::ControlError;
use roomcast_core::ids::AppId;
use roomcast_core::model::{Actor, RoomProfile, ValidBody};
use roomcast_core::ports::counters::CounterMode;
use roomcast_core::ports::idempotency::SendOutcome;
use roomcast_core::ports::submit::MessageSubmitter;
use roomcast_core::rooms::{CreateRoom, Rooms, SendRequest, Sender};
use roomcast_proto::convert::priority_from_pb;
use roomcast_proto::v1 as pb;
use roomcast_proto::v1::room_admin_service_server::{RoomAdminService, RoomAdminServiceServer};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The admin API service; cheap to clone.
#[derive(Clone)]
pub struct AdminService {
    rooms: Rooms,
    submitter: Arc<dyn MessageSubmitter>,
}

impl AdminService {
    /// `submitter` takes `SendMessage` calls: the room service itself in
    /// standalone mode, the moderator pool in cluster mode.
    pub fn new(rooms: Rooms, submitter: Arc<dyn MessageSubmitter>) -> Self {
        Self { rooms, submitter }
    }

    /// The tonic server for this service.
    pub fn into_server(self) -> RoomAdminServiceServer<Self> {
        RoomAdminServiceServer::new(self)
    }

    fn authorize<T>(&self, req: &Request<T>) -> Result<AppId, ControlError> {
        authorize(self.rooms.apps(), req)
    }

    /// `SendMessage` itself; refusals are counted by the caller.
    async fn try_send_message(
        &self,
        req: Request<pb::SendMessageRequest>,
    ) -> Result<pb::SendMessageResponse, ControlError> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let json: serde_json::Value = serde_json::from_str(&r.msg_body_json)
            .map_err(|e| ControlError::InvalidArgument(format!("msg_body_json: {e}")))?;
        let body = core(ValidBody::parse(json))?;
        let sender = if r.from_user.is_empty() {
            Sender::AppAdmin
        } else {
            core(roomcast_core::ids::validate_user_id(&r.from_user))?;
            let profile = core(self.rooms.profile(app, &r.from_user).await)?;
            Sender::User {
                id: r.from_user,
                profile,
            }
        };
        let send = SendRequest {
            room_id: r.room_id,
            sender,
            priority: core(priority_from_pb(r.priority))?,
            body,
            msg_key: Some(r.msg_key).filter(|k| !k.is_empty()),
            skip_moderation: r.skip_moderation,
            callbacks: Default::default(),
        };
        let resp = match core(self.submitter.submit(app, send).await)? {
            SendOutcome::Delivered { seq, time_ms } => pb::SendMessageResponse {
                seq,
                time_ms,
                drop_reason: String::new(),
            },
            SendOutcome::Dropped { time_ms } => pb::SendMessageResponse {
                seq: 0,
                time_ms,
                drop_reason: "MsgFreqCtrl".into(),
            },
        };
        Ok(resp)
    }
}

type Rpc<T> = Result<Response<T>, Status>;

fn ok<T>(v: T) -> Rpc<T> {
    Ok(Response::new(v))
}

fn core<T>(r: roomcast_core::Result<T>) -> Result<T, ControlError> {
    r.map_err(ControlError::from)
}

#[tonic::async_trait]
impl RoomAdminService for AdminService {
    async fn create_room(&self, req: Request<pb::CreateRoomRequest>) -> Rpc<pb::CreateRoomResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let create = CreateRoom {
            room_id: Some(r.room_id).filter(|s| !s.is_empty()),
            owner: Some(r.owner).filter(|s| !s.is_empty()),
            profile: RoomProfile {
                name: r.name,
                introduction: r.introduction,
                notification: r.notification,
                face_url: r.face_url,
                custom: r.custom.into_iter().collect(),
                mute_all: r.mute_all,
            },
        };
        let room = core(self.rooms.create_room(app, create).await)?;
        ok(pb::CreateRoomResponse {
            room: Some(room_to_proto(room, 0)),
        })
    }

    async fn dismiss_room(&self, req: Request<pb::DismissRoomRequest>) -> Rpc<pb::DismissRoomResponse> {
        let app = self.authorize(&req)?;
        core(
            self.rooms
                .dismiss_room(app, &Actor::AppAdmin, &req.get_ref().room_id)
                .await,
        )?;
        ok(pb::DismissRoomResponse {})
    }

    async fn get_rooms(&self, req: Request<pb::GetRoomsRequest>) -> Rpc<pb::GetRoomsResponse> {
        let app = self.authorize(&req)?;
        let (found, missing) = core(self.rooms.rooms(app, &req.get_ref().room_ids).await)?;
        let mut rooms = Vec::with_capacity(found.len());
        for room in found {
            let online = core(self.rooms.online_count(app, &room.id).await).unwrap_or(0);
            rooms.push(room_to_proto(room, online));
        }
        ok(pb::GetRoomsResponse { rooms, missing })
    }

    async fn list_rooms(&self, req: Request<pb::ListRoomsRequest>) -> Rpc<pb::ListRoomsResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        let page = core(
            self.rooms
                .list_rooms(app, Some(r.cursor.as_str()), r.limit as usize)
                .await,
        )?;
        let mut rooms = Vec::with_capacity(page.items.len());
        for room in page.items {
            let online = core(self.rooms.online_count(app, &room.id).await).unwrap_or(0);
            rooms.push(room_to_proto(room, online));
        }
        ok(pb::ListRoomsResponse {
            rooms,
            next_cursor: page.next_cursor.unwrap_or_default(),
        })
    }

    async fn modify_room(&self, req: Request<pb::ModifyRoomRequest>) -> Rpc<pb::ModifyRoomResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let (room_id, patch) = patch_from_proto(r);
        let room = core(self.rooms.modify_room(app, &Actor::AppAdmin, &room_id, patch).await)?;
        let online = core(self.rooms.online_count(app, &room.id).await).unwrap_or(0);
        ok(pb::ModifyRoomResponse {
            room: Some(room_to_proto(room, online)),
        })
    }

    async fn set_admin(&self, req: Request<pb::SetAdminRequest>) -> Rpc<pb::SetAdminResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        core(
            self.rooms
                .set_admin(app, &Actor::AppAdmin, &r.room_id, &r.user_id, r.admin)
                .await,
        )?;
        ok(pb::SetAdminResponse {})
    }

    async fn mute_members(&self, req: Request<pb::MuteMembersRequest>) -> Rpc<pb::MuteMembersResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        core(
            self.rooms
                .mute(
                    app,
                    &Actor::AppAdmin,
                    &r.room_id,
                    &r.user_ids,
                    u64::from(r.duration_secs),
                )
                .await,
        )?;
        ok(pb::MuteMembersResponse {})
    }

    async fn list_muted(&self, req: Request<pb::ListMutedRequest>) -> Rpc<pb::ListMutedResponse> {
        let app = self.authorize(&req)?;
        let muted = core(self.rooms.muted(app, &req.get_ref().room_id).await)?;
        ok(pb::ListMutedResponse {
            muted: muted
                .into_iter()
                .map(|m| pb::MutedMember {
                    user_id: m.user_id,
                    muted_until: m.until,
                })
                .collect(),
        })
    }

    async fn ban_members(&self, req: Request<pb::BanMembersRequest>) -> Rpc<pb::BanMembersResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        core(
            self.rooms
                .ban(
                    app,
                    &Actor::AppAdmin,
                    &r.room_id,
                    &r.user_ids,
                    u64::from(r.duration_secs),
                    &r.description,
                )
                .await,
        )?;
        ok(pb::BanMembersResponse {})
    }

    async fn unban_members(&self, req: Request<pb::UnbanMembersRequest>) -> Rpc<pb::UnbanMembersResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        core(self.rooms.unban(app, &Actor::AppAdmin, &r.room_id, &r.user_ids).await)?;
        ok(pb::UnbanMembersResponse {})
    }

    async fn list_banned(&self, req: Request<pb::ListBannedRequest>) -> Rpc<pb::ListBannedResponse> {
        let app = self.authorize(&req)?;
        let banned = core(self.rooms.banned(app, &req.get_ref().room_id).await)?;
        ok(pb::ListBannedResponse {
            banned: banned
                .into_iter()
                .map(|b| pb::BannedMember {
                    user_id: b.user_id,
                    banned_until: b.until,
                    description: b.description,
                })
                .collect(),
        })
    }

    async fn send_message(&self, req: Request<pb::SendMessageRequest>) -> Rpc<pb::SendMessageResponse> {
        let result = self.try_send_message(req).await;
        match &result {
            Err(e) => roomcast_core::metrics::count_rejection(e.code()),
            Ok(r) if !r.drop_reason.is_empty() => {
                roomcast_core::metrics::count_rejection(roomcast_core::error::CODE_FREQUENCY_CONTROLLED)
            }
            Ok(_) => {}
        }
        ok(result?)
    }

    async fn send_notice(&self, req: Request<pb::SendNoticeRequest>) -> Rpc<pb::SendNoticeResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        let seq = core(self.rooms.send_notice(app, &r.room_id, &r.content).await)?;
        ok(pb::SendNoticeResponse { seq })
    }

    async fn broadcast(&self, req: Request<pb::BroadcastRequest>) -> Rpc<pb::BroadcastResponse> {
        let app = self.authorize(&req)?;
        let rooms = core(self.rooms.broadcast(app, &req.get_ref().content).await)?;
        ok(pb::BroadcastResponse { rooms })
    }

    async fn get_online_count(&self, req: Request<pb::GetOnlineCountRequest>) -> Rpc<pb::GetOnlineCountResponse> {
        let app = self.authorize(&req)?;
        let count = core(self.rooms.online_count(app, &req.get_ref().room_id).await)?;
        ok(pb::GetOnlineCountResponse { count })
    }

    async fn list_online_members(
        &self,
        req: Request<pb::ListOnlineMembersRequest>,
    ) -> Rpc<pb::ListOnlineMembersResponse> {
        let app = self.authorize(&req)?;
        let r = req.get_ref();
        let page = core(
            self.rooms
                .online_members(app, &r.room_id, Some(r.cursor.as_str()), r.limit as usize)
                .await,
        )?;
        ok(pb::ListOnlineMembersResponse {
            members: page
                .items
                .into_iter()
                .map(|m| pb::OnlineMember {
                    user_id: m.user_id,
                    joined_at_ms: m.joined_at_ms,
                    nick: m.nick,
                    avatar: m.avatar,
                })
                .collect(),
            next_cursor: page.next_cursor.unwrap_or_default(),
        })
    }

    async fn get_counters(&self, req: Request<pb::GetCountersRequest>) -> Rpc<pb::GetCountersResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let counters = core(
            self.rooms
                .get_counters(app, Some(&Actor::AppAdmin), &r.room_id, &r.keys)
                .await,
        )?;
        ok(pb::GetCountersResponse {
            counters: counters.into_iter().collect(),
        })
    }

    async fn update_counters(&self, req: Request<pb::UpdateCountersRequest>) -> Rpc<pb::UpdateCountersResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let mode = match pb::CounterMode::try_from(r.mode) {
            Ok(pb::CounterMode::Set) => CounterMode::Set,
            Ok(pb::CounterMode::Increase) => CounterMode::Increase,
            Ok(pb::CounterMode::Decrease) => CounterMode::Decrease,
            _ => {
                return Err(ControlError::InvalidArgument("mode must be SET, INCREASE or DECREASE".into()).into());
            }
        };
        let entries = r.counters.into_iter().collect();
        let counters = core(
            self.rooms
                .update_counters(app, &Actor::AppAdmin, &r.room_id, mode, &entries)
                .await,
        )?;
        ok(pb::UpdateCountersResponse {
            counters: counters.into_iter().collect(),
        })
    }

    async fn delete_counters(&self, req: Request<pb::DeleteCountersRequest>) -> Rpc<pb::DeleteCountersResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        core(
            self.rooms
                .delete_counters(app, &Actor::AppAdmin, &r.room_id, &r.keys)
                .await,
        )?;
        ok(pb::DeleteCountersResponse {})
    }

    async fn get_attributes(&self, req: Request<pb::GetAttributesRequest>) -> Rpc<pb::GetAttributesResponse> {
        let app = self.authorize(&req)?;
        let r = req.into_inner();
        let snap = core(self.rooms.attributes(app, &r.room_id).await)?;
        ok(pb::GetAttributesResponse {
            version: snap.version,
            attributes: snap.values.into_iter().collect(),
        })
    }

    async fn write_attributes(&self, req: Request<pb::WriteAttributesRequest>) -> Rpc<pb::WriteAttributesResponse> {
        let app = self.authorize(&req)?;
        let (room, change, expected) = core(attribute_write_from_proto(req.into_inner()))?;
        let snap = core(
            self.rooms
                .write_attributes(app, &Actor::AppAdmin, &room, change, expected)
                .await,
        )?;
        ok(pb::WriteAttributesResponse {
            version: snap.version,
            attributes: snap.values.into_iter().collect(),
        })
    }
}
