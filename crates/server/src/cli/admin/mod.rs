//! `roomcast admin …`: the gRPC admin API for operators.
//!
//! Replies print as one JSON document on stdout (the response message, with
//! its proto JSON field names) or, with `--output table`, as a table; a
//! failure prints its numeric code to stderr and exits non-zero. See
//! docs/admin-api.md, "CLI".

mod args;
mod output;

pub use args::{AdminArgs, AdminCommand, EXAMPLES, LONG_ABOUT, PriorityArg, TermsCommand};

use anyhow::Context;
use output::Render;
use roomcast_proto::v1 as pb;
use roomcast_proto::v1::moderation_admin_service_client::ModerationAdminServiceClient;
use roomcast_proto::v1::room_admin_service_client::RoomAdminServiceClient;
use roomcast_server::config::Config;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Where the CLI dials when neither `--endpoint` nor a config names a server.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:50051";

// ---- where and as whom -----------------------------------------------------------

/// The endpoint to dial: `--endpoint`, else the config's `server.grpc_addr`,
/// else [`DEFAULT_ENDPOINT`].
fn endpoint(flag: Option<&str>, cfg: Option<&Config>) -> anyhow::Result<String> {
    if let Some(e) = flag {
        return Ok(if e.contains("://") {
            e.to_string()
        } else {
            format!("http://{e}")
        });
    }
    let Some(cfg) = cfg else {
        return Ok(DEFAULT_ENDPOINT.to_string());
    };
    let addr = cfg.server.grpc_addr;
    anyhow::ensure!(
        addr.port() != 0,
        "the config's server.grpc_addr ({addr}) has no fixed port; pass --endpoint"
    );
    Ok(format!("http://{}", dial_addr(addr)))
}

/// A listening address as a client dials it: an unspecified host (0.0.0.0,
/// [::]) means this machine's loopback.
fn dial_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

#[derive(Clone)]
struct Auth {
    headers: Vec<(&'static str, MetadataValue<tonic::metadata::Ascii>)>,
}

impl Interceptor for Auth {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        for (k, v) in &self.headers {
            req.metadata_mut().insert(*k, v.clone());
        }
        Ok(req)
    }
}

fn auth(args: &AdminArgs, cfg: Option<&Config>) -> anyhow::Result<Auth> {
    use roomcast_control::metadata as md;
    let (app, header) = match (&args.token, cfg) {
        (Some(token), cfg) => {
            let app = args
                .sdkappid
                .or_else(|| cfg.and_then(|c| c.apps.first().map(|a| a.sdkappid)))
                .context("--sdkappid is required with --token when no config is available")?;
            (app, vec![(md::AUTHORIZATION, format!("Bearer {token}"))])
        }
        (None, cfg) => {
            let cfg = cfg.context("a config with the app's secret is needed (or --token)")?;
            let app = match args.sdkappid {
                Some(id) => cfg.apps.iter().find(|a| a.sdkappid == id),
                None => cfg.apps.first(),
            }
            .context("no such app in the config")?;
            let sig = roomcast_auth::gen_usersig(
                app.sdkappid,
                &app.secret,
                &app.admin_identifier,
                3600,
                roomcast_core::apps::now_secs(),
            );
            (
                app.sdkappid,
                vec![(md::IDENTIFIER, app.admin_identifier.clone()), (md::USERSIG, sig)],
            )
        }
    };
    let mut headers = vec![(md::SDKAPPID, app.to_string().parse()?)];
    for (k, v) in header {
        headers.push((k, v.parse().context("metadata value is not ASCII")?));
    }
    Ok(Auth { headers })
}

/// The config, if one is to be had: an explicit `--config` must load, and
/// so must the default one unless `--token` stands in for its secret.
fn config(args: &AdminArgs) -> anyhow::Result<Option<Config>> {
    match super::load_config(args.config.clone()) {
        Ok(cfg) => Ok(Some(cfg)),
        Err(_) if args.config.is_none() && args.token.is_some() => Ok(None),
        Err(e) => Err(e),
    }
}

// ---- the calls ---------------------------------------------------------------------

type RoomClient = RoomAdminServiceClient<InterceptedService<Channel, Auth>>;
type ModerationClient = ModerationAdminServiceClient<InterceptedService<Channel, Auth>>;

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let cfg = config(&args)?;
    let auth = auth(&args, cfg.as_ref())?;
    let endpoint = endpoint(args.endpoint.as_deref(), cfg.as_ref())?;
    let channel = Channel::from_shared(endpoint.clone())
        .with_context(|| format!("invalid endpoint {endpoint:?}"))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("connecting to {endpoint}"))?;
    let rooms = RoomAdminServiceClient::with_interceptor(channel.clone(), auth.clone());
    let moderation = ModerationAdminServiceClient::with_interceptor(channel, auth);
    let reply = call(args.command, rooms, moderation)
        .await
        .map_err(output::describe_error)?;
    output::print(args.output, reply.as_ref())
}

/// Runs one command and returns its reply.
async fn call(cmd: AdminCommand, mut c: RoomClient, mut m: ModerationClient) -> anyhow::Result<Box<dyn Render>> {
    fn boxed<T: Render + 'static>(resp: tonic::Response<T>) -> Box<dyn Render> {
        Box::new(resp.into_inner())
    }
    Ok(match cmd {
        AdminCommand::CreateRoom {
            id,
            name,
            owner,
            introduction,
            notification,
            face_url,
            custom,
            mute_all,
        } => {
            let req = pb::CreateRoomRequest {
                room_id: id.unwrap_or_default(),
                name,
                owner: owner.unwrap_or_default(),
                introduction,
                notification,
                face_url,
                custom: custom.into_iter().collect::<HashMap<_, _>>(),
                mute_all,
            };
            boxed(c.create_room(req).await?)
        }
        AdminCommand::Dismiss { room } => boxed(c.dismiss_room(pb::DismissRoomRequest { room_id: room }).await?),
        AdminCommand::Get { rooms } => boxed(c.get_rooms(pb::GetRoomsRequest { room_ids: rooms }).await?),
        AdminCommand::List { cursor, limit } => boxed(c.list_rooms(pb::ListRoomsRequest { cursor, limit }).await?),
        AdminCommand::Modify {
            room,
            name,
            introduction,
            notification,
            face_url,
            custom,
            mute_all,
        } => {
            let req = pb::ModifyRoomRequest {
                room_id: room,
                name,
                introduction,
                notification,
                face_url,
                custom: custom.into_iter().collect(),
                mute_all,
            };
            boxed(c.modify_room(req).await?)
        }
        AdminCommand::SetAdmin { room, user } => boxed(c.set_admin(set_admin(room, user, true)).await?),
        AdminCommand::UnsetAdmin { room, user } => boxed(c.set_admin(set_admin(room, user, false)).await?),
        AdminCommand::Mute { room, duration, users } => boxed(c.mute_members(mute(room, users, duration)).await?),
        AdminCommand::Unmute { room, users } => boxed(c.mute_members(mute(room, users, 0)).await?),
        AdminCommand::Muted { room } => boxed(c.list_muted(pb::ListMutedRequest { room_id: room }).await?),
        AdminCommand::Ban {
            room,
            duration,
            description,
            users,
        } => {
            let req = pb::BanMembersRequest {
                room_id: room,
                user_ids: users,
                duration_secs: duration,
                description,
            };
            boxed(c.ban_members(req).await?)
        }
        AdminCommand::Unban { room, users } => {
            let req = pb::UnbanMembersRequest {
                room_id: room,
                user_ids: users,
            };
            boxed(c.unban_members(req).await?)
        }
        AdminCommand::Banned { room } => boxed(c.list_banned(pb::ListBannedRequest { room_id: room }).await?),
        AdminCommand::Send {
            room,
            text,
            body_json,
            from,
            priority,
            msg_key,
            skip_moderation,
        } => {
            let msg_body_json = match (text, body_json) {
                (Some(t), None) => {
                    serde_json::json!([{ "MsgType": "TIMTextElem", "MsgContent": { "Text": t } }]).to_string()
                }
                (None, Some(j)) => j,
                _ => anyhow::bail!("give exactly one of --text or --body-json"),
            };
            let priority = match priority {
                PriorityArg::High => pb::Priority::High,
                PriorityArg::Normal => pb::Priority::Normal,
                PriorityArg::Low => pb::Priority::Low,
                PriorityArg::Lowest => pb::Priority::Lowest,
            };
            let req = pb::SendMessageRequest {
                room_id: room,
                from_user: from.unwrap_or_default(),
                priority: priority as i32,
                msg_body_json,
                msg_key,
                skip_moderation,
            };
            boxed(c.send_message(req).await?)
        }
        AdminCommand::Notice { room, content } => {
            boxed(c.send_notice(pb::SendNoticeRequest { room_id: room, content }).await?)
        }
        AdminCommand::Broadcast { content } => boxed(c.broadcast(pb::BroadcastRequest { content }).await?),
        AdminCommand::OnlineCount { room } => {
            boxed(c.get_online_count(pb::GetOnlineCountRequest { room_id: room }).await?)
        }
        AdminCommand::OnlineMembers { room, cursor, limit } => {
            let req = pb::ListOnlineMembersRequest {
                room_id: room,
                cursor,
                limit,
            };
            boxed(c.list_online_members(req).await?)
        }
        AdminCommand::Terms(cmd) => terms(cmd, &mut m).await?,
        AdminCommand::Audit {
            room,
            user,
            category,
            since_ms,
            limit,
        } => {
            let req = pb::QueryAuditRequest {
                room_id: room,
                user_id: user,
                category,
                since_ms,
                limit,
            };
            boxed(m.query_audit(req).await?)
        }
    })
}

fn set_admin(room_id: String, user_id: String, admin: bool) -> pb::SetAdminRequest {
    pb::SetAdminRequest {
        room_id,
        user_id,
        admin,
    }
}

fn mute(room_id: String, user_ids: Vec<String>, duration_secs: u32) -> pb::MuteMembersRequest {
    pb::MuteMembersRequest {
        room_id,
        user_ids,
        duration_secs,
    }
}

async fn terms(cmd: TermsCommand, m: &mut ModerationClient) -> anyhow::Result<Box<dyn Render>> {
    let to_terms = |category: &str, terms: Vec<String>| -> Vec<pb::Term> {
        terms
            .into_iter()
            .map(|text| pb::Term {
                category: category.to_string(),
                text,
            })
            .collect()
    };
    let change = |op: pb::ChangeOp, category: &str, terms: Vec<String>, allow: Vec<String>| pb::ChangeTermsRequest {
        op: op as i32,
        terms: to_terms(category, terms),
        allow,
    };
    Ok(match cmd {
        TermsCommand::Add { category, terms, allow } => {
            let req = change(pb::ChangeOp::Add, &category, terms, allow);
            Box::new(m.change_terms(req).await?.into_inner())
        }
        TermsCommand::Remove { category, terms, allow } => {
            let req = change(pb::ChangeOp::Remove, &category, terms, allow);
            Box::new(m.change_terms(req).await?.into_inner())
        }
        TermsCommand::Import {
            category,
            file,
            replace,
        } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let req = pb::ImportTermsRequest {
                category,
                text,
                replace,
            };
            Box::new(m.import_terms(req).await?.into_inner())
        }
        TermsCommand::List {
            category,
            cursor,
            limit,
        } => {
            let req = pb::ListTermsRequest {
                category,
                cursor,
                limit,
            };
            Box::new(m.list_terms(req).await?.into_inner())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg_at(addr: &str) -> Config {
        let mut c = Config::default();
        c.server.grpc_addr = addr.parse().unwrap();
        c
    }

    #[test]
    fn the_flag_wins_then_the_config_then_the_default() {
        let cfg = cfg_at("10.1.2.3:6000");
        assert_eq!(endpoint(Some("http://h:1"), Some(&cfg)).unwrap(), "http://h:1");
        assert_eq!(endpoint(Some("h:1"), None).unwrap(), "http://h:1");
        assert_eq!(endpoint(None, Some(&cfg)).unwrap(), "http://10.1.2.3:6000");
        assert_eq!(endpoint(None, None).unwrap(), DEFAULT_ENDPOINT);
        assert!(endpoint(None, Some(&cfg_at("127.0.0.1:0"))).is_err());
    }

    #[test]
    fn an_unspecified_host_dials_loopback() {
        assert_eq!(
            endpoint(None, Some(&cfg_at("0.0.0.0:7000"))).unwrap(),
            "http://127.0.0.1:7000"
        );
        assert_eq!(endpoint(None, Some(&cfg_at("[::]:7000"))).unwrap(), "http://[::1]:7000");
        assert_eq!(
            endpoint(None, Some(&cfg_at("[fd00::1]:7000"))).unwrap(),
            "http://[fd00::1]:7000"
        );
    }
}
