//! `ModerationStore` over Redis: each app's list as one JSON value with a
//! version for compare-and-set, and a capped audit list.

use crate::error::{ClusterError, redis_err};
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use roomcast_core::Result;
use roomcast_core::ids::AppId;
use roomcast_moderation::service::{AUDIT_CAPACITY, ModerationStore};
use roomcast_moderation::{AuditRecord, WordList};
use std::sync::LazyLock;

pub fn words_key(app: AppId) -> String {
    format!("rc:{app}:words")
}
pub fn words_version_key(app: AppId) -> String {
    format!("rc:{app}:words:v")
}
pub fn audit_key(app: AppId) -> String {
    format!("rc:{app}:audit")
}

/// KEYS: list, version. ARGV: expected version, new list JSON.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local v = tonumber(redis.call('GET', KEYS[2]) or '0')
        if v ~= tonumber(ARGV[1]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        redis.call('INCR', KEYS[2])
        return 1",
    )
});

#[derive(Clone)]
pub struct RedisModerationStore {
    conn: ConnectionManager,
}

impl RedisModerationStore {
    pub fn new(conn: ConnectionManager) -> Self {
        Self { conn }
    }
}

#[async_trait]
impl ModerationStore for RedisModerationStore {
    async fn word_list(&self, app: AppId) -> Result<(WordList, u64)> {
        let (list, version): (Option<String>, Option<u64>) = redis::pipe()
            .get(words_key(app))
            .get(words_version_key(app))
            .query_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        let list = match list {
            Some(raw) => serde_json::from_str(&raw).map_err(|e| ClusterError::Corrupt {
                key: words_key(app),
                reason: e.to_string(),
            })?,
            None => WordList::default(),
        };
        Ok((list, version.unwrap_or(0)))
    }

    async fn put_word_list(&self, app: AppId, version: u64, list: &WordList) -> Result<bool> {
        let json = serde_json::to_string(list).expect("lists serialize");
        let ok: i64 = PUT
            .key(words_key(app))
            .key(words_version_key(app))
            .arg(version)
            .arg(json)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(redis_err)?;
        Ok(ok == 1)
    }

    async fn record_audit(&self, app: AppId, records: &[AuditRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = records
            .iter()
            .map(|r| serde_json::to_string(r).expect("records serialize"))
            .collect();
        redis::pipe()
            .atomic()
            .lpush(audit_key(app), rows)
            .ignore()
            .ltrim(audit_key(app), 0, AUDIT_CAPACITY as isize - 1)
            .ignore()
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(redis_err)
    }

    async fn audit(&self, app: AppId) -> Result<Vec<AuditRecord>> {
        let rows: Vec<String> = self
            .conn
            .clone()
            .lrange(audit_key(app), 0, -1)
            .await
            .map_err(redis_err)?;
        Ok(rows.iter().filter_map(|r| serde_json::from_str(r).ok()).collect())
    }
}
