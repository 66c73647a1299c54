use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ModerationError;
use crate::policy::{Action, ActionTable, AdsDetector, AppPolicy, Category, CrossWord, ScreenPolicy};

/// Limits chosen so a typo (e.g. an extra zero) fails at startup instead of
/// spawning thousands of threads or preallocating gigabytes of queue.
const MAX_WORKERS: usize = 256;
const MAX_QUEUE_CAPACITY: usize = 1_000_000;
const MAX_AUDIT_CAPACITY: usize = 10_000_000;
const MAX_TERMS_PER_LIST: usize = 10_000_000;

/// Configuration of the screening stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModerationOptions {
    /// When false every message passes untouched and no threads are started.
    pub enabled: bool,
    /// Number of screening threads.
    pub workers: usize,
    /// Requests that may wait for a worker before new ones are rejected as
    /// overloaded.
    pub queue_capacity: usize,
    /// Word lists to load, each tagged with its category.
    pub lists: Vec<ListSource>,
    /// Per-category overrides of [`Category::default_action`].
    pub actions: BTreeMap<Category, Action>,
    /// Allow-list files for the global list (same format as word lists, one
    /// phrase per line): a hit that lies entirely inside an occurrence of an
    /// allow-listed phrase is ignored.
    pub allow_lists: Vec<PathBuf>,
    /// Hits kept in the in-memory audit log; the oldest are evicted first.
    /// 0 keeps none (hit counters still run).
    pub audit_capacity: usize,
    /// Most terms (and, separately, allow-list phrases) one list — global or
    /// one app's — may hold; larger list changes are rejected.
    pub max_terms_per_list: usize,
    /// Chinese terms found across a word boundary: `pass` (default),
    /// `review` (deliver, report as a flag hit) or `block`.
    pub cross_word: CrossWord,
    /// The ads detector for every app (off by default).
    pub ads: AdsDetector,
    /// Per-app overrides of `cross_word` and `ads`.
    pub apps: Vec<AppPolicy>,
}

impl Default for ModerationOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            workers: 2,
            queue_capacity: 4096,
            lists: Vec::new(),
            actions: BTreeMap::new(),
            allow_lists: Vec::new(),
            audit_capacity: 10_000,
            max_terms_per_list: 1_000_000,
            cross_word: CrossWord::Pass,
            ads: AdsDetector::default(),
            apps: Vec::new(),
        }
    }
}

impl ModerationOptions {
    /// Checks the values serde cannot check on its own.
    pub fn validate(&self) -> Result<(), ModerationError> {
        if !(1..=MAX_WORKERS).contains(&self.workers) {
            return Err(ModerationError::InvalidOptions(format!(
                "workers must be between 1 and {MAX_WORKERS}, got {}",
                self.workers
            )));
        }
        if !(1..=MAX_QUEUE_CAPACITY).contains(&self.queue_capacity) {
            return Err(ModerationError::InvalidOptions(format!(
                "queue_capacity must be between 1 and {MAX_QUEUE_CAPACITY}, got {}",
                self.queue_capacity
            )));
        }
        if self.audit_capacity > MAX_AUDIT_CAPACITY {
            return Err(ModerationError::InvalidOptions(format!(
                "audit_capacity must be at most {MAX_AUDIT_CAPACITY}, got {}",
                self.audit_capacity
            )));
        }
        if !(1..=MAX_TERMS_PER_LIST).contains(&self.max_terms_per_list) {
            return Err(ModerationError::InvalidOptions(format!(
                "max_terms_per_list must be between 1 and {MAX_TERMS_PER_LIST}, got {}",
                self.max_terms_per_list
            )));
        }
        let mut apps: Vec<u64> = self.apps.iter().map(|a| a.app).collect();
        apps.sort_unstable();
        if let Some(w) = apps.windows(2).find(|w| w[0] == w[1]) {
            return Err(ModerationError::InvalidOptions(format!(
                "moderation policy for app {} given twice",
                w[0]
            )));
        }
        if self.allow_lists.iter().any(|p| p.as_os_str().is_empty()) {
            return Err(ModerationError::InvalidOptions("allow list with an empty path".into()));
        }
        if let Some(list) = self.lists.iter().find(|l| l.path.as_os_str().is_empty()) {
            return Err(ModerationError::InvalidOptions(format!(
                "word list for category {} has an empty path",
                list.category
            )));
        }
        Ok(())
    }

    /// The policy for apps without an override.
    pub fn default_policy(&self) -> ScreenPolicy {
        ScreenPolicy {
            cross_word: self.cross_word,
            ads: self.ads,
        }
    }

    /// The effective policy of every app with an override.
    pub fn app_policies(&self) -> impl Iterator<Item = (u64, ScreenPolicy)> + '_ {
        self.apps.iter().map(|a| {
            (
                a.app,
                ScreenPolicy {
                    cross_word: a.cross_word.unwrap_or(self.cross_word),
                    ads: a.ads.unwrap_or(self.ads),
                },
            )
        })
    }

    /// The effective action for every category.
    pub fn action_table(&self) -> ActionTable {
        ActionTable::new(&self.actions)
    }
}

/// One word-list file: UTF-8, one term per line, `#` comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSource {
    /// Category every term in the file belongs to.
    pub category: Category,
    /// Location of the file.
    pub path: PathBuf,
}

impl ListSource {
    /// Convenience constructor.
    pub fn new(category: Category, path: impl Into<PathBuf>) -> Self {
        Self {
            category,
            path: path.into(),
        }
    }
}
