//! Screening one message: matching every field and applying actions.

use std::cell::RefCell;
use std::ops::Range;

use serde::Serialize;

use crate::dictionary::{Candidate, Dictionary};
use crate::normalize::{Normalized, normalize_into};
use crate::policy::{Action, ActionTable, Category, CrossWord, ScreenPolicy};
use crate::{ads, evasion, segment};

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
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

#[derive(Default)]
struct Buffers {
    /// The folded field.
    folded: Normalized,
    /// A derived text (see [`crate::evasion`]).
    derived: Normalized,
    /// The field with leetspeak substituted.
    leet: String,
}

impl Buffers {
    fn capacity_bytes(&self) -> usize {
        self.folded.capacity_bytes() + self.derived.capacity_bytes() + self.leet.capacity()
    }
}

/// Folded buffers above this size are released after use, so one huge
/// message does not pin memory on a worker forever.
const KEEP_BUFFER_BYTES: usize = 64 * 1024;

/// What screening one message consults besides the text.
pub(crate) struct Context<'a> {
    pub(crate) global: &'a Dictionary,
    pub(crate) app: Option<&'a Dictionary>,
    pub(crate) actions: &'a ActionTable,
    pub(crate) policy: &'a ScreenPolicy,
}

/// Screens every field of `request` against the global list and, for the
/// request's app, its list; the two lists (terms and allow-lists) act as
/// one.
pub(crate) fn screen(context: &Context<'_>, request: &mut ScreenRequest) -> ScreenOutcome {
    let mut outcome = ScreenOutcome::default();
    let global = context.global;
    let app = context.app.filter(|d| !d.is_empty() || d.has_allow());
    let ads = context.policy.ads.is_enabled();
    if global.is_empty() && app.is_none_or(|d| d.is_empty()) && !ads {
        outcome.fields = std::mem::take(&mut request.fields);
        return outcome;
    }
    let dictionaries: &[&Dictionary] = match app {
        Some(app) => &[global, app],
        None => &[global],
    };
    BUFFERS.with(|buffers| {
        let mut buffers = buffers.borrow_mut();
        for (index, field) in request.fields.iter_mut().enumerate() {
            normalize_into(field, &mut buffers.folded);
            if buffers.folded.is_empty() && !ads {
                continue;
            }
            let mut field_screen = FieldScreen {
                dictionaries,
                context,
                found: Vec::new(),
            };
            field_screen.run(field, &mut buffers);
            field_screen.finish(field, index, &mut outcome);
        }
        if buffers.capacity_bytes() > KEEP_BUFFER_BYTES {
            *buffers = Buffers::default();
        }
    });
    outcome.fields = std::mem::take(&mut request.fields);
    outcome
}

/// A hit in one field, located in the original text.
struct Found<'a> {
    range: Range<usize>,
    category: Category,
    term: &'a str,
    action: Action,
}

struct FieldScreen<'a, 'c> {
    dictionaries: &'a [&'a Dictionary],
    context: &'a Context<'c>,
    found: Vec<Found<'a>>,
}

/// Which hits a pass keeps.
#[derive(Clone, Copy)]
enum Pass<'t> {
    /// The plain folded text: all of them.
    Plain,
    /// A derived text: those using a char the evasion rule produced.
    Derived,
    /// The leet-substituted field: those using a substitution.
    Leet { original: &'t str, leet: &'t str },
}

impl<'a> FieldScreen<'a, '_> {
    fn run(&mut self, field: &str, buffers: &mut Buffers) {
        let Buffers { folded, derived, leet } = buffers;
        self.matches(folded, Pass::Plain);
        if self.dictionaries.iter().all(|d| d.is_empty()) {
            self.ads(field);
            self.allow(folded);
            return;
        }
        let (stretched, split) = evasion::char_triggers(folded);
        if stretched {
            for keep in [1, 2] {
                evasion::collapse(folded, keep, derived);
                self.matches(derived, Pass::Derived);
            }
        }
        if split {
            evasion::recombine_split(folded, derived);
            self.matches(derived, Pass::Derived);
        }
        let (leet_chars, masks) = evasion::byte_triggers(field);
        if leet_chars {
            for one in [b'i', b'l'] {
                evasion::leet_text(field, one, leet);
                normalize_into(leet, derived);
                self.matches(
                    derived,
                    Pass::Leet {
                        original: field,
                        leet: leet.as_str(),
                    },
                );
            }
        }
        if masks {
            self.masked(field);
        }
        self.ads(field);
        self.allow(folded);
    }

    fn matches(&mut self, text: &Normalized, pass: Pass<'_>) {
        let mut candidates: Vec<Candidate<'a>> = Vec::new();
        for dictionary in self.dictionaries {
            dictionary.find_terms(text, &mut candidates);
        }
        for candidate in candidates {
            let Some((first, last)) = text.char_span(candidate.start..candidate.end) else {
                continue;
            };
            let range = text.original_span(first, last);
            let keep = match pass {
                Pass::Plain => true,
                Pass::Derived => text.has_marked(first, last),
                Pass::Leet { original, leet } => evasion::substituted(original, leet, range.clone()),
            };
            if !keep {
                continue;
            }
            let mut action = self.context.actions.get(candidate.category);
            if candidate.han && self.context.policy.cross_word != CrossWord::Block {
                let (left, right) = segment::crossings(text, first, last);
                if (left && !candidate.open_left) || (right && !candidate.open_right) {
                    match self.context.policy.cross_word {
                        CrossWord::Review => action = Action::Flag,
                        CrossWord::Pass | CrossWord::Block => continue,
                    }
                }
            }
            self.found.push(Found {
                range,
                category: candidate.category,
                term: candidate.term,
                action,
            });
        }
    }

    fn masked(&mut self, field: &str) {
        let mut terms: Vec<(Category, &'a str)> = Vec::new();
        let dictionaries = self.dictionaries;
        evasion::masked_words(field, |range, word| {
            terms.clear();
            for dictionary in dictionaries {
                dictionary.masked_matches(word, &mut terms);
            }
            for &(category, term) in &terms {
                self.found.push(Found {
                    range: range.clone(),
                    category,
                    term,
                    action: self.context.actions.get(category),
                });
            }
        });
    }

    fn ads(&mut self, field: &str) {
        let mut hits = Vec::new();
        ads::detect(field, &self.context.policy.ads, &mut hits);
        self.found.extend(hits.into_iter().map(|hit| Found {
            range: hit.range,
            category: Category::Ads,
            term: hit.term,
            action: hit.action,
        }));
    }

    /// Drops hits inside an allow-listed phrase.
    fn allow(&mut self, folded: &Normalized) {
        if self.found.is_empty() {
            return;
        }
        let mut allowed = Vec::new();
        for dictionary in self.dictionaries.iter().filter(|d| d.has_allow()) {
            dictionary.find_allowed(folded, &mut allowed);
        }
        // Restore "by position, longest first"; the sort is stable, so the
        // global list's hits come first on a tie.
        self.found
            .sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
        if allowed.is_empty() {
            return;
        }
        let mut allowed: Vec<Range<usize>> = allowed
            .into_iter()
            .filter_map(|(start, end)| folded.original_range(start..end))
            .collect();
        allowed.sort_unstable_by_key(|r| r.start);
        // Both walk in start order, keeping per-hit work constant: a
        // message stuffed with thousands of occurrences must not cost
        // quadratic time on a worker.
        let mut allowed = allowed.into_iter().peekable();
        let mut allowed_end = 0;
        self.found.retain(|f| {
            while let Some(range) = allowed.next_if(|r| r.start <= f.range.start) {
                allowed_end = allowed_end.max(range.end);
            }
            allowed_end < f.range.end
        });
    }

    fn finish(self, field: &mut String, index: usize, outcome: &mut ScreenOutcome) {
        if self.found.is_empty() {
            return;
        }
        let mut masked = Vec::new();
        let mut same_start: Vec<(usize, Category)> = Vec::new();
        let mut group = usize::MAX;
        for f in self.found {
            // The same occurrence found twice in one category (listed
            // globally and for the app, with and without a wildcard, or by
            // two passes) is one hit.
            if group != f.range.start {
                group = f.range.start;
                same_start.clear();
            }
            if same_start.contains(&(f.range.end, f.category)) {
                continue;
            }
            same_start.push((f.range.end, f.category));
            let hit = Hit {
                category: f.category,
                term: f.term.to_owned(),
                action: f.action,
                field: index,
            };
            match hit.action {
                Action::Block => {
                    if outcome.blocked.is_none() {
                        outcome.blocked = Some(hit.clone());
                    }
                }
                Action::Mask => masked.push(f.range),
                Action::Flag => {}
            }
            outcome.hits.push(hit);
        }
        if !masked.is_empty() {
            *field = mask(field, masked);
        }
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
