//! Per-app moderation lists and the audit log, managed through the admin
//! API: persisted in a `ModerationStore`, applied to every screener without
//! a restart or a screening gap.

use super::invalid;
use crate::{
    AuditRecord, ChangeReport, Dictionary, ListChange, ListScope, ListSet, ModerationError, Screener, WordList,
};
use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::Mutex;
use roomcast_core::ids::AppId;
use roomcast_core::ports::bus::Bus;
use roomcast_core::subject;
use roomcast_core::{CoreError, Result};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Most audit records kept per app.
pub const AUDIT_CAPACITY: usize = 10_000;
/// Most terms in one app's list.
pub const MAX_TERMS_PER_APP: usize = 1_000_000;

/// Where lists and audit records live: memory in standalone mode, Redis in
/// a cluster.
#[async_trait]
pub trait ModerationStore: Send + Sync + 'static {
    /// The app's list and an opaque version for `put_word_list`.
    async fn word_list(&self, app: AppId) -> Result<(WordList, u64)>;
    /// Stores `list` if the version is still `version`; returns whether it did.
    async fn put_word_list(&self, app: AppId, version: u64, list: &WordList) -> Result<bool>;
    /// Appends records, keeping the newest `AUDIT_CAPACITY` per app.
    async fn record_audit(&self, app: AppId, records: &[AuditRecord]) -> Result<()>;
    /// Newest first.
    async fn audit(&self, app: AppId) -> Result<Vec<AuditRecord>>;
}

/// In-process lists and audit log, for standalone mode.
#[derive(Default)]
pub struct MemoryModerationStore {
    lists: Mutex<HashMap<AppId, (WordList, u64)>>,
    audit: Mutex<HashMap<AppId, VecDeque<AuditRecord>>>,
}

#[async_trait]
impl ModerationStore for MemoryModerationStore {
    async fn word_list(&self, app: AppId) -> Result<(WordList, u64)> {
        Ok(self.lists.lock().get(&app).cloned().unwrap_or_default())
    }

    async fn put_word_list(&self, app: AppId, version: u64, list: &WordList) -> Result<bool> {
        let mut lists = self.lists.lock();
        let entry = lists.entry(app).or_default();
        if entry.1 != version {
            return Ok(false);
        }
        *entry = (list.clone(), version + 1);
        Ok(true)
    }

    async fn record_audit(&self, app: AppId, records: &[AuditRecord]) -> Result<()> {
        let mut audit = self.audit.lock();
        let log = audit.entry(app).or_default();
        for r in records {
            log.push_front(r.clone());
        }
        log.truncate(AUDIT_CAPACITY);
        Ok(())
    }

    async fn audit(&self, app: AppId) -> Result<Vec<AuditRecord>> {
        Ok(self
            .audit
            .lock()
            .get(&app)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default())
    }
}

/// List management and propagation; cheap to clone.
#[derive(Clone)]
pub struct Lists {
    store: Arc<dyn ModerationStore>,
    bus: Arc<dyn Bus>,
    /// The screener of this process, if it screens (standalone, moderators).
    screener: Option<Screener>,
}

impl Lists {
    /// `screener`: this process's own, if it screens (it then loads lists).
    pub fn new(store: Arc<dyn ModerationStore>, bus: Arc<dyn Bus>, screener: Option<Screener>) -> Self {
        Self { store, bus, screener }
    }

    /// Where lists and the audit log are kept.
    pub fn store(&self) -> &Arc<dyn ModerationStore> {
        &self.store
    }

    /// Applies a change to the app's stored list (retrying concurrent
    /// changes), then makes every screener load it.
    pub async fn change(&self, app: AppId, change: ListChange) -> Result<ChangeReport> {
        for _ in 0..16 {
            let (list, version) = self.store.word_list(app).await?;
            let change = change.clone();
            // Folding-aware add/remove, exactly as the screener will apply it.
            let (report, next) = tokio::task::spawn_blocking(move || {
                let set = ListSet::new(Dictionary::empty(), MAX_TERMS_PER_APP);
                set.set(ListScope::App(app), Dictionary::from_word_list(&list)?);
                let report = set.apply(ListScope::App(app), change)?;
                Ok::<_, ModerationError>((report, set.word_list(ListScope::App(app))))
            })
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?
            .map_err(invalid)?;
            if self.store.put_word_list(app, version, &next).await? {
                self.apply_locally(app, next).await?;
                if let Err(e) = self.bus.publish(&subject::lists(app), Bytes::new()).await {
                    tracing::warn!(app, error = %e, "list change not announced; screeners pick it up on restart");
                }
                tracing::info!(
                    app,
                    added = report.added,
                    removed = report.removed,
                    terms = report.terms,
                    "moderation list changed"
                );
                return Ok(report);
            }
        }
        Err(CoreError::Storage("the list is changing too fast; retry".into()))
    }

    async fn apply_locally(&self, app: AppId, list: WordList) -> Result<()> {
        if let Some(screener) = self.screener.clone() {
            tokio::task::spawn_blocking(move || screener.set_app_terms(app, list))
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?
                .map_err(invalid)?;
        }
        Ok(())
    }

    /// Loads the app's stored list into this process's screener.
    pub async fn sync(&self, app: AppId) -> Result<()> {
        let (list, _) = self.store.word_list(app).await?;
        self.apply_locally(app, list).await
    }

    /// Loads every app's list now, then again whenever another process
    /// announces a change, until `shutdown`.
    pub async fn run_sync(&self, apps: Vec<AppId>, shutdown: CancellationToken) -> Result<()> {
        let mut tasks = Vec::new();
        for app in apps {
            let mut sub = self.bus.subscribe(&subject::lists(app)).await?;
            if let Err(e) = self.sync(app).await {
                tracing::warn!(app, error = %e, "initial list load failed");
            }
            let (this, stop) = (self.clone(), shutdown.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        m = sub.next() => {
                            if m.is_none() {
                                break;
                            }
                            if let Err(e) = this.sync(app).await {
                                tracing::warn!(app, error = %e, "list reload failed");
                            }
                        }
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    }

    /// The app's stored list.
    pub async fn word_list(&self, app: AppId) -> Result<WordList> {
        Ok(self.store.word_list(app).await?.0)
    }
}
