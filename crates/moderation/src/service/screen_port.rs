//! The `Screen` port over the engine: screens, counts hits by category and
//! action, records them in the app's audit log, and turns a blocking hit
//! into `CoreError::Blocked`.

use super::lists::ModerationStore;
use super::metrics::MODERATION_HITS;
use crate::{AuditRecord, Hit, MAX_AUDIT_RECORDS_PER_MESSAGE, ScreenRequest, Screener};
use async_trait::async_trait;
use roomcast_core::ids::AppId;
use roomcast_core::model::now_ms;
use roomcast_core::ports::screen::{Screen, ScreenContext};
use roomcast_core::{CoreError, Result};
use std::collections::HashSet;
use std::sync::Arc;

/// Screening as the room service sees it.
#[derive(Clone)]
pub struct ScreenService {
    screener: Screener,
    store: Arc<dyn ModerationStore>,
}

impl ScreenService {
    /// Screens with `screener`, auditing hits into `store`.
    pub fn new(screener: Screener, store: Arc<dyn ModerationStore>) -> Self {
        Self { screener, store }
    }

    /// Audit records for one message's hits (one per field and term, at
    /// most a handful per message so a flood cannot wash the log out).
    async fn record_audit(&self, ctx: ScreenContext<'_>, hits: &[Hit]) {
        let time_ms = now_ms().max(0) as u64;
        let mut seen = HashSet::new();
        let records: Vec<_> = hits
            .iter()
            .filter(|h| seen.insert((h.field, h.term.as_str())))
            .take(MAX_AUDIT_RECORDS_PER_MESSAGE)
            .map(|h| AuditRecord {
                time_ms,
                app: Some(ctx.app),
                room: Some(ctx.room.to_string()),
                user: Some(ctx.user.to_string()),
                category: h.category,
                term: h.term.clone(),
                action: h.action,
                field: h.field,
            })
            .collect();
        if let Err(e) = self.store.record_audit(ctx.app, &records).await {
            tracing::warn!(app = ctx.app, error = %e, "audit records not stored");
        }
    }
}

#[async_trait]
impl Screen for ScreenService {
    async fn screen(&self, ctx: ScreenContext<'_>, fields: Vec<String>) -> Result<Vec<String>> {
        let app: AppId = ctx.app;
        let outcome = self
            .screener
            .screen(ScreenRequest::for_app(app, ctx.room, ctx.user, fields))
            .await?;
        for hit in &outcome.hits {
            metrics::counter!(MODERATION_HITS, "category" => hit.category.as_str(), "action" => hit.action.as_str())
                .increment(1);
        }
        if !outcome.hits.is_empty() {
            self.record_audit(ctx, &outcome.hits).await;
        }
        if let Some(hit) = outcome.blocked {
            tracing::info!(
                app,
                room = ctx.room,
                user = ctx.user,
                category = hit.category.as_str(),
                "blocked by moderation"
            );
            return Err(CoreError::Blocked {
                category: hit.category.as_str().to_string(),
            });
        }
        Ok(outcome.fields)
    }
}
