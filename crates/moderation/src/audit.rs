//! A bounded in-memory log of every hit, for operators to review.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::policy::{Action, Category};
use crate::screen::{Hit, ScreenRequest};

/// Records returned by one query when it sets no limit.
pub const DEFAULT_AUDIT_LIMIT: usize = 100;

/// Records kept per message. Repeats of the same term in the same field are
/// recorded once and at most this many records are kept, so one message
/// stuffed with listed terms cannot flush everyone else's records out of the
/// log. Counters still count every hit.
pub const MAX_AUDIT_RECORDS_PER_MESSAGE: usize = 16;

/// One hit, with the context it happened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When the message was screened, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// App of the message; `None` when it was screened without one.
    pub app: Option<u64>,
    /// Room of the message, when the caller gave one.
    pub room: Option<String>,
    /// Sender of the message, when the caller gave one.
    pub user: Option<String>,
    /// Category of the matched entry.
    pub category: Category,
    /// The entry as written in its list.
    pub term: String,
    /// What was done.
    pub action: Action,
    /// Index of the field the hit was found in.
    pub field: usize,
}

/// A filter over the audit log. Records are returned newest first.
///
/// `app` is always matched exactly (`None` selects hits of messages screened
/// without an app), so one app's operator never sees another app's records;
/// the other filters are optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditQuery {
    /// The app whose records to return.
    pub app: Option<u64>,
    /// Only this room.
    pub room: Option<String>,
    /// Only this sender.
    pub user: Option<String>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only records at or after this time (Unix milliseconds).
    pub since_ms: Option<u64>,
    /// At most this many records ([`DEFAULT_AUDIT_LIMIT`] when unset).
    pub limit: Option<usize>,
}

impl AuditQuery {
    /// Records of `app`.
    pub fn app(app: u64) -> Self {
        Self {
            app: Some(app),
            ..Self::default()
        }
    }

    /// Only this room.
    pub fn room(mut self, room: impl Into<String>) -> Self {
        self.room = Some(room.into());
        self
    }

    /// Only this sender.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Only this category.
    pub fn category(mut self, category: Category) -> Self {
        self.category = Some(category);
        self
    }

    /// Only records at or after `time_ms`.
    pub fn since_ms(mut self, time_ms: u64) -> Self {
        self.since_ms = Some(time_ms);
        self
    }

    /// At most `limit` records.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    fn matches(&self, record: &AuditRecord) -> bool {
        record.app == self.app
            && self.room.as_ref().is_none_or(|room| record.room.as_ref() == Some(room))
            && self.user.as_ref().is_none_or(|user| record.user.as_ref() == Some(user))
            && self.category.is_none_or(|category| record.category == category)
            && self.since_ms.is_none_or(|since| record.time_ms >= since)
    }
}

/// How many hits of one category led to one action since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitCount {
    /// Category of the matched entries.
    pub category: Category,
    /// Action taken.
    pub action: Action,
    /// Hits counted, including those since evicted from the log.
    pub count: u64,
}

const ACTIONS: [Action; 3] = [Action::Flag, Action::Mask, Action::Block];

pub(crate) struct AuditLog {
    capacity: usize,
    records: Mutex<VecDeque<AuditRecord>>,
    /// Indexed `[category][action]`; counted even when `capacity` is 0.
    counts: [[AtomicU64; ACTIONS.len()]; Category::ALL.len()],
}

impl AuditLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            // Grows on demand: a log that never sees a hit costs nothing.
            records: Mutex::new(VecDeque::new()),
            counts: Default::default(),
        }
    }

    /// Records the hits of one screened message.
    pub(crate) fn record(&self, request: &ScreenRequest, hits: &[Hit]) {
        if hits.is_empty() {
            return;
        }
        for hit in hits {
            self.counts[category_index(hit.category)][action_index(hit.action)].fetch_add(1, Ordering::Relaxed);
        }
        if self.capacity == 0 {
            return;
        }
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        // Build outside the lock; only the push is serialized.
        let mut distinct: Vec<&Hit> = Vec::new();
        for hit in hits {
            if distinct.len() == MAX_AUDIT_RECORDS_PER_MESSAGE {
                break;
            }
            let repeat = distinct
                .iter()
                .any(|d| d.field == hit.field && d.category == hit.category && d.term == hit.term);
            if !repeat {
                distinct.push(hit);
            }
        }
        let new: Vec<AuditRecord> = distinct
            .into_iter()
            .map(|hit| AuditRecord {
                time_ms,
                app: request.app,
                room: request.room.clone(),
                user: request.user.clone(),
                category: hit.category,
                term: hit.term.clone(),
                action: hit.action,
                field: hit.field,
            })
            .collect();
        let mut records = self.records.lock();
        for record in new {
            if records.len() == self.capacity {
                records.pop_front();
            }
            records.push_back(record);
        }
    }

    pub(crate) fn query(&self, query: &AuditQuery) -> Vec<AuditRecord> {
        let limit = query.limit.unwrap_or(DEFAULT_AUDIT_LIMIT);
        let records = self.records.lock();
        records
            .iter()
            .rev()
            .filter(|r| query.matches(r))
            .take(limit)
            .cloned()
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.records.lock().len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn counts(&self) -> Vec<HitCount> {
        let mut out = Vec::new();
        for category in Category::ALL {
            for action in ACTIONS {
                let count = self.counts[category_index(category)][action_index(action)].load(Ordering::Relaxed);
                if count > 0 {
                    out.push(HitCount {
                        category,
                        action,
                        count,
                    });
                }
            }
        }
        out
    }
}

fn category_index(category: Category) -> usize {
    Category::ALL.iter().position(|&c| c == category).unwrap_or(0)
}

fn action_index(action: Action) -> usize {
    ACTIONS.iter().position(|&a| a == action).unwrap_or(0)
}
