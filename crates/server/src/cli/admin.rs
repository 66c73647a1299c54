//! `roomcast admin …`: the gRPC admin API for operators.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use roomcast_proto::v1 as pb;
use roomcast_proto::v1::moderation_admin_service_client::ModerationAdminServiceClient;
use roomcast_proto::v1::room_admin_service_client::RoomAdminServiceClient;
use std::collections::HashMap;
use std::path::PathBuf;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::transport::Channel;

#[derive(Args)]
pub struct AdminArgs {
    /// gRPC endpoint of room control.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub endpoint: String,
    /// Config holding the app's secret (used to mint the admin's userSig).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub sdkappid: Option<u64>,
    /// Use this admin token instead of a userSig.
    #[arg(long)]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PriorityArg {
    High,
    Normal,
    Low,
    Lowest,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a room (generated ID unless --id).
    CreateRoom {
        #[arg(long)]
        id: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, default_value = "")]
        introduction: String,
        #[arg(long, default_value = "")]
        notification: String,
        #[arg(long, default_value = "")]
        face_url: String,
        /// key=value, repeatable.
        #[arg(long, value_parser = parse_kv)]
        custom: Vec<(String, String)>,
        #[arg(long)]
        mute_all: bool,
    },
    Dismiss {
        room: String,
    },
    Get {
        rooms: Vec<String>,
    },
    List {
        #[arg(long, default_value = "")]
        cursor: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    Modify {
        room: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        introduction: Option<String>,
        #[arg(long)]
        notification: Option<String>,
        #[arg(long)]
        face_url: Option<String>,
        /// key=value (empty value removes), repeatable.
        #[arg(long, value_parser = parse_kv)]
        custom: Vec<(String, String)>,
        #[arg(long)]
        mute_all: Option<bool>,
    },
    SetAdmin {
        room: String,
        user: String,
    },
    UnsetAdmin {
        room: String,
        user: String,
    },
    /// Mute users for --duration seconds.
    Mute {
        room: String,
        #[arg(long)]
        duration: u32,
        #[arg(required = true)]
        users: Vec<String>,
    },
    Unmute {
        room: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
    Muted {
        room: String,
    },
    Ban {
        room: String,
        #[arg(long)]
        duration: u32,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
    Unban {
        room: String,
        #[arg(required = true)]
        users: Vec<String>,
    },
    Banned {
        room: String,
    },
    /// Send a text (or --body-json MsgBody) as --from, or as the app admin.
    Send {
        room: String,
        #[arg(long)]
        text: Option<String>,
        #[arg(long)]
        body_json: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long, value_enum, default_value = "normal")]
        priority: PriorityArg,
        #[arg(long, default_value = "")]
        msg_key: String,
    },
    Notice {
        room: String,
        content: String,
    },
    Broadcast {
        content: String,
    },
    OnlineCount {
        room: String,
    },
    OnlineMembers {
        room: String,
        #[arg(long, default_value = "")]
        cursor: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// The app's moderation word list.
    #[command(subcommand)]
    Terms(TermsCommand),
    /// Moderation hits, newest first.
    Audit {
        #[arg(long, default_value = "")]
        room: String,
        #[arg(long, default_value = "")]
        user: String,
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Subcommand)]
pub enum TermsCommand {
    /// Add terms (and --allow phrases) in one category.
    Add {
        #[arg(long)]
        category: String,
        terms: Vec<String>,
        #[arg(long)]
        allow: Vec<String>,
    },
    /// Remove terms (and --allow phrases).
    Remove {
        #[arg(long)]
        category: String,
        terms: Vec<String>,
        #[arg(long)]
        allow: Vec<String>,
    },
    /// Import a word file (one term per line, '#' comments) into one category.
    Import {
        #[arg(long)]
        category: String,
        file: PathBuf,
        /// Replace the whole list instead of adding.
        #[arg(long)]
        replace: bool,
    },
    List {
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value = "")]
        cursor: String,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
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

fn auth(args: &AdminArgs) -> anyhow::Result<Auth> {
    use roomcast_control::metadata as md;
    let cfg = super::load_config(args.config.clone());
    let (app, header) = match (&args.token, cfg) {
        (Some(token), cfg) => {
            let app = args
                .sdkappid
                .or_else(|| cfg.ok().and_then(|c| c.apps.first().map(|a| a.sdkappid)))
                .context("--sdkappid is required with --token when no config is available")?;
            (app, vec![(md::AUTHORIZATION, format!("Bearer {token}"))])
        }
        (None, cfg) => {
            let cfg = cfg?;
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

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let auth = auth(&args)?;
    let channel = Channel::from_shared(args.endpoint.clone())?
        .connect()
        .await
        .with_context(|| format!("connecting to {}", args.endpoint))?;
    let mut c = RoomAdminServiceClient::with_interceptor(channel.clone(), auth.clone());
    let mut m = ModerationAdminServiceClient::with_interceptor(channel, auth);
    let out = match args.command {
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
            format!("{:#?}", c.create_room(req).await?.into_inner())
        }
        AdminCommand::Dismiss { room } => {
            format!(
                "{:#?}",
                c.dismiss_room(pb::DismissRoomRequest { room_id: room })
                    .await?
                    .into_inner()
            )
        }
        AdminCommand::Get { rooms } => format!(
            "{:#?}",
            c.get_rooms(pb::GetRoomsRequest { room_ids: rooms }).await?.into_inner()
        ),
        AdminCommand::List { cursor, limit } => {
            format!(
                "{:#?}",
                c.list_rooms(pb::ListRoomsRequest { cursor, limit }).await?.into_inner()
            )
        }
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
            format!("{:#?}", c.modify_room(req).await?.into_inner())
        }
        AdminCommand::SetAdmin { room, user } => {
            format!(
                "{:#?}",
                c.set_admin(pb::SetAdminRequest {
                    room_id: room,
                    user_id: user,
                    admin: true
                })
                .await?
                .into_inner()
            )
        }
        AdminCommand::UnsetAdmin { room, user } => {
            format!(
                "{:#?}",
                c.set_admin(pb::SetAdminRequest {
                    room_id: room,
                    user_id: user,
                    admin: false
                })
                .await?
                .into_inner()
            )
        }
        AdminCommand::Mute { room, duration, users } => {
            let req = pb::MuteMembersRequest {
                room_id: room,
                user_ids: users,
                duration_secs: duration,
            };
            format!("{:#?}", c.mute_members(req).await?.into_inner())
        }
        AdminCommand::Unmute { room, users } => {
            let req = pb::MuteMembersRequest {
                room_id: room,
                user_ids: users,
                duration_secs: 0,
            };
            format!("{:#?}", c.mute_members(req).await?.into_inner())
        }
        AdminCommand::Muted { room } => format!(
            "{:#?}",
            c.list_muted(pb::ListMutedRequest { room_id: room }).await?.into_inner()
        ),
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
            format!("{:#?}", c.ban_members(req).await?.into_inner())
        }
        AdminCommand::Unban { room, users } => {
            format!(
                "{:#?}",
                c.unban_members(pb::UnbanMembersRequest {
                    room_id: room,
                    user_ids: users
                })
                .await?
                .into_inner()
            )
        }
        AdminCommand::Banned { room } => format!(
            "{:#?}",
            c.list_banned(pb::ListBannedRequest { room_id: room })
                .await?
                .into_inner()
        ),
        AdminCommand::Send {
            room,
            text,
            body_json,
            from,
            priority,
            msg_key,
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
                skip_moderation: false,
            };
            format!("{:#?}", c.send_message(req).await?.into_inner())
        }
        AdminCommand::Notice { room, content } => {
            format!(
                "{:#?}",
                c.send_notice(pb::SendNoticeRequest { room_id: room, content })
                    .await?
                    .into_inner()
            )
        }
        AdminCommand::Broadcast { content } => format!(
            "{:#?}",
            c.broadcast(pb::BroadcastRequest { content }).await?.into_inner()
        ),
        AdminCommand::OnlineCount { room } => {
            format!(
                "{:#?}",
                c.get_online_count(pb::GetOnlineCountRequest { room_id: room })
                    .await?
                    .into_inner()
            )
        }
        AdminCommand::OnlineMembers { room, cursor, limit } => {
            let req = pb::ListOnlineMembersRequest {
                room_id: room,
                cursor,
                limit,
            };
            format!("{:#?}", c.list_online_members(req).await?.into_inner())
        }
        AdminCommand::Terms(cmd) => {
            let to_terms = |category: &str, terms: Vec<String>| -> Vec<pb::Term> {
                terms
                    .into_iter()
                    .map(|text| pb::Term {
                        category: category.to_string(),
                        text,
                    })
                    .collect()
            };
            let resp = match cmd {
                TermsCommand::Add { category, terms, allow } => {
                    let req = pb::ChangeTermsRequest {
                        op: pb::ChangeOp::Add as i32,
                        terms: to_terms(&category, terms),
                        allow,
                    };
                    m.change_terms(req).await?.into_inner()
                }
                TermsCommand::Remove { category, terms, allow } => {
                    let req = pb::ChangeTermsRequest {
                        op: pb::ChangeOp::Remove as i32,
                        terms: to_terms(&category, terms),
                        allow,
                    };
                    m.change_terms(req).await?.into_inner()
                }
                TermsCommand::Import {
                    category,
                    file,
                    replace,
                } => {
                    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                    let out = m
                        .import_terms(pb::ImportTermsRequest {
                            category,
                            text,
                            replace,
                        })
                        .await?
                        .into_inner();
                    println!("{out:#?}");
                    return Ok(());
                }
                TermsCommand::List {
                    category,
                    cursor,
                    limit,
                } => {
                    let out = m
                        .list_terms(pb::ListTermsRequest {
                            category,
                            cursor,
                            limit,
                        })
                        .await?
                        .into_inner();
                    println!("{out:#?}");
                    return Ok(());
                }
            };
            format!("{resp:#?}")
        }
        AdminCommand::Audit {
            room,
            user,
            category,
            limit,
        } => {
            let req = pb::QueryAuditRequest {
                room_id: room,
                user_id: user,
                category,
                since_ms: 0,
                limit,
            };
            format!("{:#?}", m.query_audit(req).await?.into_inner())
        }
    };
    println!("{out}");
    Ok(())
}
