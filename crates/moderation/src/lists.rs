//! Word lists per scope: one global dictionary plus one per app, changed
//! at runtime by rebuilding only the affected dictionary.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::dictionary::Dictionary;
use crate::error::ModerationError;
use crate::policy::Category;

/// One word-list entry: a term and the category it belongs to.
///
/// `text` is matched after folding (case, width, homoglyphs, Traditional
/// Chinese, separators); a leading/trailing `*` lifts the Latin
/// word-boundary requirement on that side.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// Category, and through it the action.
    pub category: Category,
    /// The term as written.
    pub text: String,
}

impl Term {
    /// Convenience constructor.
    pub fn new(category: Category, text: impl Into<String>) -> Self {
        Self {
            category,
            text: text.into(),
        }
    }
}

/// The full contents of one scope's list: terms plus allow-list phrases.
///
/// An allow-list phrase overrides hits that lie entirely inside one of its
/// occurrences in the same field (e.g. allow `Scunthorpe United`, or `分析`
/// when `分` is listed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WordList {
    /// Listed terms.
    pub terms: Vec<Term>,
    /// Allow-list phrases.
    pub allow: Vec<String>,
}

impl WordList {
    /// A list of `terms` and no allow-list.
    pub fn terms(terms: impl IntoIterator<Item = Term>) -> Self {
        Self {
            terms: terms.into_iter().collect(),
            allow: Vec::new(),
        }
    }

    /// Adds allow-list phrases.
    pub fn with_allow<S: Into<String>>(mut self, allow: impl IntoIterator<Item = S>) -> Self {
        self.allow.extend(allow.into_iter().map(Into::into));
        self
    }
}

/// Which dictionary a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListScope {
    /// The list every message is screened against.
    Global,
    /// The list of one app, used on top of the global one for that app's
    /// messages only.
    App(u64),
}

/// A change to one scope's list, as an admin API would submit it.
///
/// Removal matches entries by category and folded form, so removing `fuck`
/// also removes an entry written `F U C K` in the same category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ListChange {
    /// Adds terms and allow-list phrases; entries already present are
    /// skipped.
    Add {
        /// Terms to add.
        #[serde(default)]
        terms: Vec<Term>,
        /// Allow-list phrases to add.
        #[serde(default)]
        allow: Vec<String>,
    },
    /// Removes terms and allow-list phrases; entries not present are
    /// skipped.
    Remove {
        /// Terms to remove.
        #[serde(default)]
        terms: Vec<Term>,
        /// Allow-list phrases to remove.
        #[serde(default)]
        allow: Vec<String>,
    },
    /// Replaces the whole list.
    Replace {
        /// The new terms.
        #[serde(default)]
        terms: Vec<Term>,
        /// The new allow-list.
        #[serde(default)]
        allow: Vec<String>,
    },
}

impl ListChange {
    /// A change that replaces the list with `list`.
    pub fn replace(list: WordList) -> Self {
        Self::Replace {
            terms: list.terms,
            allow: list.allow,
        }
    }
}

/// What a change did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReport {
    /// Entries (terms and phrases) added.
    pub added: usize,
    /// Entries removed.
    pub removed: usize,
    /// Entries skipped: duplicates, ones that fold to nothing, or removals
    /// of entries that were not there.
    pub skipped: usize,
    /// Terms in the scope's list afterwards.
    pub terms: usize,
    /// Allow-list phrases in the scope's list afterwards.
    pub allow: usize,
}

/// The global dictionary plus one dictionary per app.
///
/// Readers take lock-free snapshots; writers rebuild the one affected
/// dictionary and swap it in atomically, so a message is always screened
/// against either the complete old or the complete new list, never a gap.
pub struct ListSet {
    global: ArcSwap<Dictionary>,
    /// Apps with a non-empty list. Replaced wholesale on change: copying a
    /// map of `Arc`s is cheap next to rebuilding an automaton.
    apps: ArcSwap<HashMap<u64, Arc<Dictionary>>>,
    /// Serializes read-modify-write of lists so concurrent changes are not
    /// lost. Readers never take it.
    writer: Mutex<()>,
    max_terms: usize,
}

impl ListSet {
    /// A set with `global` and no app lists; changes that would leave a list
    /// with more than `max_terms` terms or phrases are rejected.
    pub fn new(global: Dictionary, max_terms: usize) -> Self {
        Self {
            global: ArcSwap::from_pointee(global),
            apps: ArcSwap::from_pointee(HashMap::new()),
            writer: Mutex::new(()),
            max_terms,
        }
    }

    /// The global dictionary.
    pub fn global(&self) -> Arc<Dictionary> {
        self.global.load_full()
    }

    /// The dictionary of `app`, if it has a list.
    pub fn app(&self, app: u64) -> Option<Arc<Dictionary>> {
        self.apps.load().get(&app).cloned()
    }

    /// Apps that have a list, in ascending order.
    pub fn apps(&self) -> Vec<u64> {
        let mut apps: Vec<u64> = self.apps.load().keys().copied().collect();
        apps.sort_unstable();
        apps
    }

    /// The dictionary of `scope` (empty for an app without a list).
    pub fn dictionary(&self, scope: ListScope) -> Arc<Dictionary> {
        match scope {
            ListScope::Global => self.global(),
            ListScope::App(app) => self.app(app).unwrap_or_default(),
        }
    }

    /// The entries of `scope`.
    pub fn word_list(&self, scope: ListScope) -> WordList {
        self.dictionary(scope).to_word_list()
    }

    /// Whether screening a message of `app` has anything to match.
    pub(crate) fn is_empty_for(&self, app: Option<u64>) -> bool {
        self.global.load().is_empty() && app.is_none_or(|app| self.apps.load().get(&app).is_none_or(|d| d.is_empty()))
    }

    /// Runs `f` with the dictionaries a message of `app` is screened
    /// against.
    pub(crate) fn with_snapshot<R>(
        &self,
        app: Option<u64>,
        f: impl FnOnce(&Dictionary, Option<&Dictionary>) -> R,
    ) -> R {
        let global = self.global.load();
        match app {
            Some(app) => {
                let apps = self.apps.load();
                f(&global, apps.get(&app).map(|d| &**d))
            }
            None => f(&global, None),
        }
    }

    /// Installs an already built dictionary for `scope`.
    pub fn set(&self, scope: ListScope, dictionary: Dictionary) {
        let _writer = self.writer.lock();
        self.store(scope, dictionary);
    }

    /// Applies `change` to `scope`: derives the new entries from the current
    /// ones, compiles them, and swaps the result in. Only that scope's
    /// dictionary is rebuilt.
    ///
    /// Blocking and CPU-bound (about 0.2 s for 100,000 terms
    /// in release builds): call it from a blocking thread, e.g. tokio's
    /// `spawn_blocking`, never directly on an async worker. When it returns,
    /// every message screened from then on sees the change; messages already
    /// being screened finish against the old list. On error nothing changes.
    pub fn apply(&self, scope: ListScope, change: ListChange) -> Result<ChangeReport, ModerationError> {
        let _writer = self.writer.lock();
        let mut report = ChangeReport::default();
        let mut builder = match &change {
            ListChange::Replace { .. } => Dictionary::builder(),
            _ => self.dictionary(scope).to_builder(),
        };
        match change {
            ListChange::Add { terms, allow } | ListChange::Replace { terms, allow } => {
                for term in &terms {
                    count(
                        &mut report.added,
                        &mut report.skipped,
                        builder.add(term.category, &term.text),
                    );
                }
                for phrase in &allow {
                    count(&mut report.added, &mut report.skipped, builder.add_allow(phrase));
                }
            }
            ListChange::Remove { terms, allow } => {
                for term in &terms {
                    count(
                        &mut report.removed,
                        &mut report.skipped,
                        builder.remove(term.category, &term.text),
                    );
                }
                for phrase in &allow {
                    count(&mut report.removed, &mut report.skipped, builder.remove_allow(phrase));
                }
            }
        }
        report.terms = builder.len();
        report.allow = builder.allow_len();
        if report.terms > self.max_terms || report.allow > self.max_terms {
            return Err(ModerationError::InvalidList(format!(
                "a list may hold at most {} terms and {} allow-list phrases; this change would leave {} and {}",
                self.max_terms, self.max_terms, report.terms, report.allow
            )));
        }
        self.store(scope, builder.build()?);
        Ok(report)
    }

    fn store(&self, scope: ListScope, dictionary: Dictionary) {
        match scope {
            ListScope::Global => self.global.store(Arc::new(dictionary)),
            ListScope::App(app) => {
                let mut apps = HashMap::clone(&self.apps.load());
                if dictionary.is_empty() && dictionary.allow_len() == 0 {
                    apps.remove(&app);
                } else {
                    apps.insert(app, Arc::new(dictionary));
                }
                self.apps.store(Arc::new(apps));
            }
        }
    }

    /// Drops `app`'s list. Returns whether it had one.
    pub fn remove_app(&self, app: u64) -> bool {
        let _writer = self.writer.lock();
        let had = self.apps.load().contains_key(&app);
        if had {
            self.store(ListScope::App(app), Dictionary::empty());
        }
        had
    }
}

fn count(done: &mut usize, skipped: &mut usize, changed: bool) {
    if changed {
        *done += 1;
    } else {
        *skipped += 1;
    }
}

impl std::fmt::Debug for ListSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListSet")
            .field("global", &*self.global.load())
            .field("apps", &self.apps.load().len())
            .finish()
    }
}
