//! Screening one message: matching every field and applying actions.

use std::cell::RefCell;
use std::ops::Range;

use serde::Serialize;

use crate::dictionary::{Dictionary, TermMatch};
use crate::normalize::{Normalized, normalize_into};
use crate::policy::{Action, ActionTable, Category};

/// One message to screen: its user-visible text fields (e.g. the text of a
/// text element, or the data/desc/ext of a custom element), plus who sent it
/// where.
///
/// `app` selects the app's word list on top of the global one (`None`:
/// global list only); `app`, `room` and `user` are also copied into the
/// audit log for every hit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenRequest {
    /// Fields in the caller's order; the outcome uses the same order.
    pub fields: Vec<String>,
    /// App the message belongs to.
    pub app: Option<u64>,
    /// Room the message was sent to (audit context only).
    pub room: Option<String>,
    /// Sender (audit context only).
    pub user: Option<String>,
}

impl ScreenRequest {
    /// A request over `fields`, screened against the global list only.
    pub fn new(fields: Vec<String>) -> Self {
        Self {
            fields,
            ..Self::default()
        }
    }

    /// A request with a single field.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(vec![text.into()])
    }

    /// A request over `fields` of `app`, sent by `user` to `room`.
    pub fn for_app(app: u64, room: impl Into<String>, user: impl Into<String>, fields: Vec<String>) -> Self {
        Self {
            fields,
            app: Some(app),
            room: Some(room.into()),
            user: Some(user.into()),
        }
    }

    /// Sets the app, so its word list applies too.
    pub fn with_app(mut self, app: u64) -> Self {
        self.app = Some(app);
        self
    }

    /// Sets the room recorded in the audit log.
    pub fn with_room(mut self, room: impl Into<String>) -> Self {
        self.room = Some(room.into());
        self
    }

    /// Sets the sender recorded in the audit log.
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
}

/// A dictionary term found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Hit {
    /// Category of the matching list entry.
    pub category: Category,
    /// The list entry as written in its word list.
    pub term: String,
    /// Action configured for the category.
    pub action: Action,
    /// Index of the field it was found in.
    pub field: usize,
}

/// The verdict on a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScreenOutcome {
    /// The first blocking hit, if any; the message must then be rejected.
    pub blocked: Option<Hit>,
    /// The fields in request order, with masked terms replaced by `*`.
    pub fields: Vec<String>,
    /// Every hit, by field and then position.
    pub hits: Vec<Hit>,
}

impl ScreenOutcome {
    /// An outcome that lets `fields` through untouched.
    pub fn pass(fields: Vec<String>) -> Self {
        Self {
            blocked: None,
            fields,
            hits: Vec::new(),
        }
    }

    /// Whether the message must be rejected.
    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    /// Whether nothing matched at all.
    pub fn is_clean(&self) -> bool {
        self.hits.is_empty()
    }

    /// The strongest action among all hits (`Block > Mask > Flag`), or `None`
    /// when nothing matched.
    pub fn verdict(&self) -> Option<Action> {
        self.hits.iter().map(|h| h.action).max()
    }

    /// Hits per category and action in this outcome, e.g. for metrics.
    pub fn counts(&self) -> Vec<(Category, Action, usize)> {
        let mut counts: Vec<(Category, Action, usize)> = Vec::new();
        for hit in &self.hits {
            match counts
                .iter_mut()
                .find(|(c, a, _)| *c == hit.category && *a == hit.action)
            {
                Some((_, _, n)) => *n += 1,
                None => counts.push((hit.category, hit.action, 1)),
            }
        }
        counts
    }
}

thread_local! {
    /// Folding buffers reused across messages screened on this thread, so a
    /// clean message costs no allocation beyond what the caller passed in.
    static FOLDED: RefCell<Normalized> = RefCell::new(Normalized::default());
}

/// Folded buffers above this size are released after use, so one huge
/// message does not pin memory on a worker forever.
const KEEP_BUFFER_BYTES: usize = 64 * 1024;

/// Screens every field of `request` against `global` and, for the request's
/// app, `app`; the two lists (terms and allow-lists) act as one.
pub(crate) fn screen(
    global: &Dictionary,
    app: Option<&Dictionary>,
    actions: &ActionTable,
    request: &mut ScreenRequest,
) -> ScreenOutcome {
    let mut outcome = ScreenOutcome::default();
    let app = app.filter(|d| !d.is_empty() || d.has_allow());
    if global.is_empty() && app.is_none_or(|d| d.is_empty()) {
        outcome.fields = std::mem::take(&mut request.fields);
        return outcome;
    }
    let dictionaries: &[&Dictionary] = match app {
        Some(app) => &[global, app],
        None => &[global],
    };
    FOLDED.with(|folded| {
        let mut folded = folded.borrow_mut();
        for (index, field) in request.fields.iter_mut().enumerate() {
            normalize_into(field, &mut folded);
            if folded.is_empty() {
                continue;
            }
            screen_field(dictionaries, actions, &folded, field, index, &mut outcome);
        }
        if folded.capacity_bytes() > KEEP_BUFFER_BYTES {
            *folded = Normalized::default();
        }
    });
    outcome.fields = std::mem::take(&mut request.fields);
    outcome
}

fn screen_field(
    dictionaries: &[&Dictionary],
    actions: &ActionTable,
    folded: &Normalized,
    field: &mut String,
    index: usize,
    outcome: &mut ScreenOutcome,
) {
    let mut found: Vec<TermMatch<'_>> = Vec::new();
    for dictionary in dictionaries {
        dictionary.find_terms(folded, &mut found);
    }
    if found.is_empty() {
        return;
    }
    let mut allowed = Vec::new();
    for dictionary in dictionaries.iter().filter(|d| d.has_allow()) {
        dictionary.find_allowed(folded, &mut allowed);
    }
    allowed.sort_unstable();
    // Two lists are merged here, so restore "by position, longest first";
    // the sort is stable, so the global list's hits come first on a tie.
    if dictionaries.len() > 1 {
        found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    }
    // Both loops below walk hits in start order, keeping per-hit work
    // constant: a message stuffed with thousands of occurrences must not
    // cost quadratic time on a worker.
    let mut allowed = allowed.into_iter().peekable();
    let mut allowed_end = 0;
    let mut masked = Vec::new();
    let mut same_start: Vec<(usize, Category)> = Vec::new();
    let mut group = usize::MAX;
    for m in found {
        // The widest allowed span starting at or before this hit covers it
        // if any allowed span does.
        while let Some((_, end)) = allowed.next_if(|&(start, _)| start <= m.start) {
            allowed_end = allowed_end.max(end);
        }
        if allowed_end >= m.end {
            continue;
        }
        // The same occurrence found twice in one category (listed globally
        // and for the app, or with and without a wildcard) is one hit.
        if group != m.start {
            group = m.start;
            same_start.clear();
        }
        if same_start.contains(&(m.end, m.category)) {
            continue;
        }
        same_start.push((m.end, m.category));
        let hit = Hit {
            category: m.category,
            term: m.term.to_owned(),
            action: actions.get(m.category),
            field: index,
        };
        match hit.action {
            Action::Block => {
                if outcome.blocked.is_none() {
                    outcome.blocked = Some(hit.clone());
                }
            }
            Action::Mask => masked.extend(folded.original_range(m.start..m.end)),
            Action::Flag => {}
        }
        outcome.hits.push(hit);
    }
    if !masked.is_empty() {
        *field = mask(field, masked);
    }
}

/// Replaces every char whose start lies in one of `ranges` with one `*`, so
/// the masked text has as many chars as the original.
fn mask(original: &str, mut ranges: Vec<Range<usize>>) -> String {
    ranges.sort_unstable_by_key(|r| r.start);
    let mut out = String::with_capacity(original.len());
    let mut next = 0;
    for (at, c) in original.char_indices() {
        while next < ranges.len() && ranges[next].end <= at {
            next += 1;
        }
        let inside = ranges.get(next).is_some_and(|r| r.start <= at);
        out.push(if inside { '*' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_handles_overlapping_and_nested_ranges() {
        assert_eq!(mask("abcdefgh", vec![2..4, 0..3]), "****efgh");
        assert_eq!(mask("abcdefgh", vec![0..6, 1..2, 7..8]), "******g*");
        assert_eq!(mask("ａbｃ", vec![0..3, 4..7]), "*b*");
    }
}
