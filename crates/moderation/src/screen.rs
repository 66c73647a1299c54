//! Screening one message: matching every field and applying actions.

use std::ops::Range;

use serde::Serialize;

use crate::dictionary::Dictionary;
use crate::normalize::normalize;
use crate::policy::{Action, ActionTable, Category};

/// One message to screen: its user-visible text fields (e.g. the text of a
/// text element, or the data/desc/ext of a custom element).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenRequest {
    /// Fields in the caller's order; the outcome uses the same order.
    pub fields: Vec<String>,
}

impl ScreenRequest {
    /// A request over `fields`.
    pub fn new(fields: Vec<String>) -> Self {
        Self { fields }
    }

    /// A request with a single field.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            fields: vec![text.into()],
        }
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
}

pub(crate) fn screen(dictionary: &Dictionary, actions: &ActionTable, request: ScreenRequest) -> ScreenOutcome {
    if dictionary.is_empty() {
        return ScreenOutcome::pass(request.fields);
    }
    let mut outcome = ScreenOutcome {
        blocked: None,
        fields: Vec::with_capacity(request.fields.len()),
        hits: Vec::new(),
    };
    for (index, field) in request.fields.into_iter().enumerate() {
        let folded = normalize(&field);
        let mut masked = Vec::new();
        for found in dictionary.find_all(folded.as_str()) {
            let hit = Hit {
                category: found.category,
                term: found.term.to_owned(),
                action: actions.get(found.category),
                field: index,
            };
            match hit.action {
                Action::Block => {
                    if outcome.blocked.is_none() {
                        outcome.blocked = Some(hit.clone());
                    }
                }
                Action::Mask => masked.extend(folded.original_range(found.start..found.end)),
                Action::Flag => {}
            }
            outcome.hits.push(hit);
        }
        outcome
            .fields
            .push(if masked.is_empty() { field } else { mask(&field, masked) });
    }
    outcome
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
