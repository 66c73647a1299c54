//! How `roomcast admin` prints: a reply as one JSON document (the default)
//! or as a table, and a failed call as one line with its numeric code.

use clap::ValueEnum;
use roomcast_control::CODE_METADATA;
use roomcast_proto::v1 as pb;
use std::fmt::Write as _;

#[derive(Clone, Copy, Default, ValueEnum)]
pub enum OutputFormat {
    /// One JSON document: the reply message with its proto JSON field names (lowerCamelCase)
    #[default]
    Json,
    /// A readable table (lists) or key/value lines; times in UTC
    Table,
}

/// The reply message as pretty-printed JSON: every field present (zero
/// values included), 64-bit integers as JSON numbers, map keys sorted.
pub(super) trait Json {
    fn json(&self) -> serde_json::Result<String>;
}

impl<T: serde::Serialize> Json for T {
    fn json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }
}

/// A reply the CLI can print.
pub(super) trait Render: Json {
    fn table(&self) -> Table;
}

pub(super) fn print(format: OutputFormat, reply: &dyn Render) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => println!("{}", reply.json()?),
        OutputFormat::Table => print!("{}", reply.table().render()),
    }
    Ok(())
}

/// A failed call as the one line `main` prints to stderr:
/// `code <n> (<GRPC_STATUS>): <message>`.
pub(super) fn describe_error(e: anyhow::Error) -> anyhow::Error {
    let Some(status) = e.downcast_ref::<tonic::Status>() else {
        return e;
    };
    let grpc = grpc_code_name(status.code());
    let numeric = status.metadata().get(CODE_METADATA).and_then(|v| v.to_str().ok());
    match numeric {
        Some(n) => anyhow::anyhow!("code {n} ({grpc}): {}", status.message()),
        None => anyhow::anyhow!("{grpc}: {}", status.message()),
    }
}

fn grpc_code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

// ---- tables ------------------------------------------------------------------------

/// Rows under a header (lists), or key/value lines (a single object, no
/// header), and notes after them (cursors, missing IDs).
#[derive(Default)]
pub(super) struct Table {
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    fn new(head: &[&'static str]) -> Self {
        Self {
            head: head.to_vec(),
            ..Self::default()
        }
    }

    /// Key/value lines.
    fn fields(fields: Vec<(&'static str, String)>) -> Self {
        Self {
            rows: fields.into_iter().map(|(k, v)| vec![k.to_string(), v]).collect(),
            ..Self::default()
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn note(&mut self, label: &str, value: &str) {
        if !value.is_empty() {
            self.notes.push(format!("{label}: {value}"));
        }
    }

    fn render(&self) -> String {
        if self.head.is_empty() && self.rows.is_empty() && self.notes.is_empty() {
            return "ok\n".into();
        }
        let mut lines: Vec<Vec<&str>> = Vec::new();
        if !self.head.is_empty() {
            lines.push(self.head.clone());
        }
        lines.extend(self.rows.iter().map(|r| r.iter().map(String::as_str).collect()));
        let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                lines
                    .iter()
                    .filter_map(|l| l.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for line in lines {
            let mut text = String::new();
            for (i, cell) in line.iter().enumerate() {
                let cell = if cell.is_empty() { "-" } else { cell };
                let _ = write!(text, "{cell:<w$}  ", w = widths[i]);
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
    }
}

/// Unix seconds as UTC, `2006-01-02T15:04:05Z`; 0 as empty.
fn utc_secs(secs: i64) -> String {
    if secs == 0 {
        return String::new();
    }
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix milliseconds as UTC with milliseconds; 0 as empty.
fn utc_ms(ms: i64) -> String {
    if ms == 0 {
        return String::new();
    }
    let s = utc_secs(ms.div_euclid(1000));
    format!("{}.{:03}Z", s.trim_end_matches('Z'), ms.rem_euclid(1000))
}

/// Days since 1970-01-01 as (year, month, day) of the proleptic Gregorian
/// calendar (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn custom(map: &std::collections::HashMap<String, String>) -> String {
    let mut kv: Vec<_> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    kv.sort();
    kv.join(", ")
}

// ---- replies -----------------------------------------------------------------------

fn room_fields(r: &pb::Room) -> Table {
    Table::fields(vec![
        ("roomId", r.room_id.clone()),
        ("name", r.name.clone()),
        ("owner", r.owner.clone()),
        ("introduction", r.introduction.clone()),
        ("notification", r.notification.clone()),
        ("faceUrl", r.face_url.clone()),
        ("custom", custom(&r.custom)),
        ("muteAll", r.mute_all.to_string()),
        ("admins", r.admins.join(", ")),
        ("createdAt", utc_ms(r.created_at_ms)),
        ("onlineCount", r.online_count.to_string()),
    ])
}

fn rooms_table(rooms: &[pb::Room]) -> Table {
    let mut t = Table::new(&[
        "ROOM", "NAME", "OWNER", "ONLINE", "MUTE_ALL", "ADMINS", "CUSTOM", "CREATED",
    ]);
    for r in rooms {
        t.row(vec![
            r.room_id.clone(),
            r.name.clone(),
            r.owner.clone(),
            r.online_count.to_string(),
            r.mute_all.to_string(),
            r.admins.join(","),
            custom(&r.custom),
            utc_ms(r.created_at_ms),
        ]);
    }
    t
}

impl Render for pb::CreateRoomResponse {
    fn table(&self) -> Table {
        self.room.as_ref().map(room_fields).unwrap_or_default()
    }
}

impl Render for pb::ModifyRoomResponse {
    fn table(&self) -> Table {
        self.room.as_ref().map(room_fields).unwrap_or_default()
    }
}

impl Render for pb::GetRoomsResponse {
    fn table(&self) -> Table {
        let mut t = rooms_table(&self.rooms);
        t.note("missing", &self.missing.join(", "));
        t
    }
}

impl Render for pb::ListRoomsResponse {
    fn table(&self) -> Table {
        let mut t = rooms_table(&self.rooms);
        t.note("next cursor", &self.next_cursor);
        t
    }
}

/// Replies without fields print `ok`.
macro_rules! empty_reply {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn table(&self) -> Table {
                Table::default()
            }
        }
    )*};
}

empty_reply!(
    pb::DismissRoomResponse,
    pb::SetAdminResponse,
    pb::MuteMembersResponse,
    pb::BanMembersResponse,
    pb::UnbanMembersResponse
);

impl Render for pb::ListMutedResponse {
    fn table(&self) -> Table {
        let mut t = Table::new(&["USER", "MUTED_UNTIL"]);
        for m in &self.muted {
            t.row(vec![m.user_id.clone(), utc_secs(m.muted_until)]);
        }
        t
    }
}

impl Render for pb::ListBannedResponse {
    fn table(&self) -> Table {
        let mut t = Table::new(&["USER", "BANNED_UNTIL", "DESCRIPTION"]);
        for b in &self.banned {
            t.row(vec![b.user_id.clone(), utc_secs(b.banned_until), b.description.clone()]);
        }
        t
    }
}

impl Render for pb::SendMessageResponse {
    fn table(&self) -> Table {
        Table::fields(vec![
            ("seq", self.seq.to_string()),
            ("time", utc_ms(self.time_ms)),
            ("dropReason", self.drop_reason.clone()),
        ])
    }
}

impl Render for pb::SendNoticeResponse {
    fn table(&self) -> Table {
        Table::fields(vec![("seq", self.seq.to_string())])
    }
}

impl Render for pb::BroadcastResponse {
    fn table(&self) -> Table {
        Table::fields(vec![("rooms", self.rooms.to_string())])
    }
}

impl Render for pb::GetOnlineCountResponse {
    fn table(&self) -> Table {
        Table::fields(vec![("count", self.count.to_string())])
    }
}

impl Render for pb::ListOnlineMembersResponse {
    fn table(&self) -> Table {
        let mut t = Table::new(&["USER", "NICK", "AVATAR", "JOINED"]);
        for m in &self.members {
            t.row(vec![
                m.user_id.clone(),
                m.nick.clone(),
                m.avatar.clone(),
                utc_ms(m.joined_at_ms),
            ]);
        }
        t.note("next cursor", &self.next_cursor);
        t
    }
}

fn change_fields(added: u32, removed: u32, skipped: u32, terms: u32, allow: u32) -> Table {
    Table::fields(vec![
        ("added", added.to_string()),
        ("removed", removed.to_string()),
        ("skipped", skipped.to_string()),
        ("terms", terms.to_string()),
        ("allow", allow.to_string()),
    ])
}

impl Render for pb::ChangeTermsResponse {
    fn table(&self) -> Table {
        change_fields(self.added, self.removed, self.skipped, self.terms, self.allow)
    }
}

impl Render for pb::ImportTermsResponse {
    fn table(&self) -> Table {
        change_fields(self.added, self.removed, self.skipped, self.terms, self.allow)
    }
}

impl Render for pb::ListTermsResponse {
    fn table(&self) -> Table {
        let mut t = Table::new(&["CATEGORY", "TERM"]);
        for term in &self.terms {
            t.row(vec![term.category.clone(), term.text.clone()]);
        }
        t.note("allow", &self.allow.join(", "));
        t.note("total", &self.total.to_string());
        t.note("next cursor", &self.next_cursor);
        t
    }
}

impl Render for pb::QueryAuditResponse {
    fn table(&self) -> Table {
        let mut t = Table::new(&["TIME", "ROOM", "USER", "CATEGORY", "TERM", "ACTION"]);
        for e in &self.entries {
            t.row(vec![
                utc_ms(e.time_ms),
                e.room_id.clone(),
                e.user_id.clone(),
                e.category.clone(),
                e.term.clone(),
                e.action.clone(),
            ]);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(utc_secs(0), "");
        assert_eq!(utc_secs(1), "1970-01-01T00:00:01Z");
        assert_eq!(utc_secs(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_secs(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(utc_ms(1_767_225_599_042), "2025-12-31T23:59:59.042Z");
    }

    #[test]
    fn tables_align_and_mark_empty_cells() {
        let mut t = Table::new(&["USER", "NICK"]);
        t.row(vec!["alice".into(), String::new()]);
        t.row(vec!["bo".into(), "Bob".into()]);
        t.note("next cursor", "");
        t.note("total", "2");
        assert_eq!(t.render(), "USER   NICK\nalice  -\nbo     Bob\ntotal: 2\n");
        assert_eq!(Table::default().render(), "ok\n");
    }
}
