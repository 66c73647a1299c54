//! The command line of `roomcast admin`: every command and flag, with the
//! help text `--help` shows.

use super::output::OutputFormat;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The help heading of the options every admin command takes.
const GLOBAL: &str = "Global options";

/// The long help of `roomcast admin`.
pub const LONG_ABOUT: &str = "Operate a running server through the gRPC admin API \
(roomcast.v1.RoomAdminService and roomcast.v1.ModerationAdminService).

The server dialled is --endpoint if given, else the config's server.grpc_addr (an unspecified host \
such as 0.0.0.0 dials loopback), else 127.0.0.1:50051. Calls authenticate as the app's admin with a \
userSig minted from the app's secret in the config, or with --token.

A reply prints as one JSON document on stdout: the response message with its proto JSON field names \
(lowerCamelCase), every field present, 64-bit integers as numbers. --output table prints a table \
instead. A failed call prints `Error: code <n> (<gRPC status>): <message>` to stderr and exits with \
status 1. See docs/admin-api.md.";

/// Examples under `roomcast admin --help`.
pub const EXAMPLES: &str = "Examples:
  roomcast admin --config roomcast.toml create-room --id live-1 --name Launch
  roomcast admin list --output table
  roomcast admin mute live-1 --duration 600 carol
  roomcast admin --endpoint 10.0.0.5:50051 --token \"$TOKEN\" --sdkappid 1400000000 online-count live-1";

#[derive(Args)]
pub struct AdminArgs {
    /// gRPC endpoint of room control, e.g. http://10.0.0.5:50051 or 10.0.0.5:50051 [default: the
    /// config's server.grpc_addr, else http://127.0.0.1:50051]
    #[arg(long, global = true, value_name = "URL", help_heading = GLOBAL)]
    pub endpoint: Option<String>,
    /// Config file holding the app's secret (to mint the admin's userSig) and server.grpc_addr
    /// [default: $ROOMCAST_CONFIG, ./roomcast.toml or ./roomcast-dev.toml]
    #[arg(long, short, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// The app to act on [default: the first app in the config]
    #[arg(long, global = true, value_name = "ID", help_heading = GLOBAL)]
    pub sdkappid: Option<u64>,
    /// Authenticate with this admin token (apps[].admin_token) instead of a userSig
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub token: Option<String>,
    /// How to print replies
    #[arg(long, short, global = true, value_enum, default_value = "json", help_heading = GLOBAL)]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// Message priority under room frequency control.
#[derive(Clone, Copy, ValueEnum)]
pub enum PriorityArg {
    /// Kept longest under load
    High,
    /// The default
    Normal,
    /// Dropped before normal
    Low,
    /// Dropped first
    Lowest,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a room (CreateRoom); the server generates an @TGS#… ID unless --id
    CreateRoom {
        /// Room ID (≤ 48 printable ASCII bytes, not starting with @TGS#)
        #[arg(long)]
        id: Option<String>,
        /// Room name (≤ 30 bytes)
        #[arg(long, default_value = "", hide_default_value = true)]
        name: String,
        /// Owner user ID [default: the app admin]
        #[arg(long)]
        owner: Option<String>,
        /// Introduction (≤ 240 bytes)
        #[arg(long, default_value = "", hide_default_value = true)]
        introduction: String,
        /// Notification shown to members (≤ 300 bytes)
        #[arg(long, default_value = "", hide_default_value = true)]
        notification: String,
        /// Room picture URL (≤ 100 bytes)
        #[arg(long, default_value = "", hide_default_value = true)]
        face_url: String,
        /// A custom field as key=value (repeatable, ≤ 20 fields)
        #[arg(long, value_parser = parse_kv, value_name = "KEY=VALUE")]
        custom: Vec<(String, String)>,
        /// Mute everyone but the owner and admins from the start
        #[arg(long)]
        mute_all: bool,
    },
    /// End a room (DismissRoom): every member is told and removed
    Dismiss {
        /// Room ID
        room: String,
    },
    /// Show rooms by ID with their online counts (GetRooms); unknown IDs are listed as missing
    Get {
        /// Room IDs (≤ 1000)
        #[arg(required = true)]
        rooms: Vec<String>,
    },
    /// List the app's rooms ordered by ID, one page at a time (ListRooms)
    List {
        /// The nextCursor of the previous page; empty for the first page
        #[arg(long, default_value = "", hide_default_value = true)]
        cursor: String,
        /// Rooms per page (1–1000)
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Change a room's profile, custom fields or mute-all (ModifyRoom); members get a tip
    Modify {
        /// Room ID
        room: String,
        /// New name (≤ 30 bytes)
        #[arg(long)]
        name: Option<String>,
        /// New introduction (≤ 240 bytes)
        #[arg(long)]
        introduction: Option<String>,
        /// New notification (≤ 300 bytes)
        #[arg(long)]
        notification: Option<String>,
        /// New picture URL (≤ 100 bytes)
        #[arg(long)]
        face_url: Option<String>,
        /// Set a custom field as key=value; an empty value removes it (repeatable)
        #[arg(long, value_parser = parse_kv, value_name = "KEY=VALUE")]
        custom: Vec<(String, String)>,
        /// Mute (true) or unmute (false) everyone but the owner and admins
        #[arg(long, value_name = "BOOL")]
        mute_all: Option<bool>,
    },
    /// Make a user a room admin (SetAdmin)
    SetAdmin {
        /// Room ID
        room: String,
        /// User ID (not the owner)
        user: String,
    },
    /// Revoke a user's room admin role (SetAdmin with admin=false)
    UnsetAdmin {
        /// Room ID
        room: String,
        /// User ID
        user: String,
    },
    /// Mute users in a room for --duration seconds (MuteMembers)
    Mute {
        /// Room ID
        room: String,
        /// Seconds; 0 unmutes, 4294967295 is permanent
        #[arg(long, value_name = "SECS")]
        duration: u32,
        /// User IDs (≤ 500)
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Lift users' mutes in a room (MuteMembers with duration 0)
    Unmute {
        /// Room ID
        room: String,
        /// User IDs (≤ 500)
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// List a room's active mutes with their expiry (ListMuted)
    Muted {
        /// Room ID
        room: String,
    },
    /// Ban users from a room for --duration seconds: they are removed and cannot rejoin (BanMembers)
    Ban {
        /// Room ID
        room: String,
        /// Seconds, ≥ 1; 4294967295 is permanent
        #[arg(long, value_name = "SECS")]
        duration: u32,
        /// Why (≤ 1000 bytes), kept with the ban
        #[arg(long, default_value = "", hide_default_value = true)]
        description: String,
        /// User IDs (≤ 20)
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Lift users' bans in a room (UnbanMembers)
    Unban {
        /// Room ID
        room: String,
        /// User IDs (≤ 20)
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// List a room's active bans with their expiry (ListBanned)
    Banned {
        /// Room ID
        room: String,
    },
    /// Send a message to a room (SendMessage): --text or a --body-json MsgBody, as --from or the app admin
    Send {
        /// Room ID
        room: String,
        /// Send one text element with this text
        #[arg(long, conflicts_with = "body_json")]
        text: Option<String>,
        /// Send this Tencent MsgBody JSON, e.g. '[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]'
        #[arg(long, value_name = "JSON")]
        body_json: Option<String>,
        /// Send as this user (their mute state applies) [default: the app admin]
        #[arg(long, value_name = "USER")]
        from: Option<String>,
        /// Priority under room frequency control
        #[arg(long, value_enum, default_value = "normal")]
        priority: PriorityArg,
        /// Idempotency key: a resend within 5 minutes returns the first result
        #[arg(long, default_value = "", hide_default_value = true, value_name = "KEY")]
        msg_key: String,
        /// Skip content moderation
        #[arg(long)]
        skip_moderation: bool,
    },
    /// Send a system notice to every online member of a room (SendNotice); never dropped
    Notice {
        /// Room ID
        room: String,
        /// Notice text (≤ 12 KiB)
        content: String,
    },
    /// Send a system notice to every room of the app (Broadcast)
    Broadcast {
        /// Notice text (≤ 12 KiB)
        content: String,
    },
    /// Count a room's distinct online members (GetOnlineCount)
    OnlineCount {
        /// Room ID
        room: String,
    },
    /// List a room's online members, most recent joiners first (ListOnlineMembers)
    OnlineMembers {
        /// Room ID
        room: String,
        /// The nextCursor of the previous page; empty for the first page
        #[arg(long, default_value = "", hide_default_value = true)]
        cursor: String,
        /// Members per page (1–1000)
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Manage the app's moderation word list (ChangeTerms, ImportTerms, ListTerms)
    #[command(subcommand)]
    Terms(TermsCommand),
    /// Show moderation hits from the audit log, newest first (QueryAudit)
    Audit {
        /// Only hits in this room
        #[arg(long, default_value = "", hide_default_value = true)]
        room: String,
        /// Only hits of this user
        #[arg(long, default_value = "", hide_default_value = true)]
        user: String,
        /// Only this category (porn, politics, abuse, ads, custom)
        #[arg(long, default_value = "", hide_default_value = true)]
        category: String,
        /// Only hits at or after this time (unix milliseconds)
        #[arg(long, default_value_t = 0, value_name = "UNIX_MS")]
        since_ms: i64,
        /// At most this many entries (1–1000)
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Subcommand)]
pub enum TermsCommand {
    /// Add terms (and --allow phrases) in one category
    Add {
        /// porn, politics, abuse, ads or custom
        #[arg(long)]
        category: String,
        /// Terms to add
        terms: Vec<String>,
        /// Allow-list phrases to add (they override hits inside them; repeatable)
        #[arg(long, value_name = "PHRASE")]
        allow: Vec<String>,
    },
    /// Remove terms (and --allow phrases) from one category
    Remove {
        /// porn, politics, abuse, ads or custom
        #[arg(long)]
        category: String,
        /// Terms to remove
        terms: Vec<String>,
        /// Allow-list phrases to remove (repeatable)
        #[arg(long, value_name = "PHRASE")]
        allow: Vec<String>,
    },
    /// Import a word file (one term per line, '#' comments) into one category
    Import {
        /// porn, politics, abuse, ads or custom
        #[arg(long)]
        category: String,
        /// The word file
        file: PathBuf,
        /// Replace the app's whole list (every category and the allow-list) instead of adding
        #[arg(long)]
        replace: bool,
    },
    /// List the app's terms (and, on the first page, the allow-list)
    List {
        /// Only this category [default: every category]
        #[arg(long, default_value = "", hide_default_value = true)]
        category: String,
        /// The nextCursor of the previous page; empty for the first page
        #[arg(long, default_value = "", hide_default_value = true)]
        cursor: String,
        /// Terms per page (1–10000)
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}
