//! Folding text into the form dictionary terms are matched against.
//!
//! The same function folds dictionary terms at build time and message text at
//! screening time, so any evasion it undoes on one side it undoes on the
//! other. The folded copy is only ever used for matching; the message that is
//! delivered is the original, masked through the position map kept here.

use std::ops::Range;

use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Folded text plus, for every folded character, the byte range of the
/// original text it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    /// Byte offset in `text` of each folded char; lets a byte span reported by
    /// the matcher be turned into char indices by binary search.
    starts: Vec<usize>,
    /// Original byte range of each folded char, parallel to `starts`.
    origins: Vec<Range<usize>>,
}

impl Normalized {
    /// The folded text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The folded text, without the position map.
    pub fn into_string(self) -> String {
        self.text
    }

    /// Whether nothing survived folding.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// For each folded char, in order, the byte range of the original text it
    /// came from. Several folded chars may share a range (e.g. `ﬁ` → `fi`).
    pub fn origins(&self) -> &[Range<usize>] {
        &self.origins
    }

    /// Maps a byte span of the folded text back to the original text.
    ///
    /// The result runs from the first original char behind the span to the
    /// last one, so separators that folding removed from the middle are
    /// included. Returns `None` for an empty span or one that does not sit on
    /// char boundaries of the folded text.
    pub fn original_range(&self, folded: Range<usize>) -> Option<Range<usize>> {
        if folded.start >= folded.end || folded.end > self.text.len() || !self.text.is_char_boundary(folded.end) {
            return None;
        }
        let first = self.starts.binary_search(&folded.start).ok()?;
        let last = self.starts.partition_point(|&s| s < folded.end) - 1;
        Some(self.origins[first].start..self.origins[last].end)
    }
}

/// Folds `input` and records where each folded char came from.
///
/// Folding is: Unicode NFKC (full-width, circled, mathematical and other
/// compatibility forms become plain letters and digits), full lowercase case
/// folding, and removal of everything that is not a letter or digit —
/// whitespace, punctuation, symbols and emoji, zero-width and other format
/// characters, and generic combining diacritics left over after composition.
/// Letters and digits of every script are kept.
pub fn normalize(input: &str) -> Normalized {
    let mut out = Normalized {
        text: String::with_capacity(input.len()),
        starts: Vec::with_capacity(input.len()),
        origins: Vec::with_capacity(input.len()),
    };
    fold(input, |c, origin| {
        out.starts.push(out.text.len());
        out.text.push(c);
        out.origins.push(origin);
    });
    out
}

/// Folds `input` like [`normalize`] without keeping the position map; used
/// for dictionary terms, where only the folded form matters.
pub fn normalize_str(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    fold(input, |c, _| out.push(c));
    out
}

fn fold(input: &str, mut emit: impl FnMut(char, Range<usize>)) {
    let mut scratch = String::new();
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        // ASCII followed by ASCII cannot compose with anything, so the common
        // case skips the Unicode machinery entirely.
        if c.is_ascii() && chars.peek().is_none_or(|&(_, next)| next.is_ascii()) {
            if c.is_ascii_alphanumeric() {
                emit(c.to_ascii_lowercase(), start..start + 1);
            }
            continue;
        }

        // NFKC composes across characters (`e` + U+0301 → `é`), so chars are
        // folded in segments that keep composing sequences together; every
        // folded char of a segment maps to the whole segment.
        let mut end = start + c.len_utf8();
        let mut last = c;
        while let Some(&(at, next)) = chars.peek() {
            if !joins(last, next) {
                break;
            }
            chars.next();
            end = at + next.len_utf8();
            last = next;
        }

        if end - start == c.len_utf8() && is_plain_cjk(c) {
            emit(c, start..end);
            continue;
        }

        fold_segment(&input[start..end], &mut scratch);
        for folded in scratch.chars().filter(|&f| is_kept(f)) {
            emit(folded, start..end);
        }
    }
}

/// Whether `next` must be folded together with the char before it.
fn joins(prev: char, next: char) -> bool {
    canonical_combining_class(next) != 0
        // Starters that still compose with their predecessor: Hangul jamo,
        // two-part Indic vowels.
        || compose(prev, next).is_some()
        // Half-width (semi-)voiced sound marks are starters that NFKC turns
        // into combining marks, which then compose with the preceding kana.
        || matches!(next, '\u{FF9E}' | '\u{FF9F}')
}

/// CJK Unified Ideographs are already NFKC and caseless; skipping the
/// normalizer for them keeps Chinese text, the bulk of traffic, cheap.
fn is_plain_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}')
}

fn fold_segment(segment: &str, scratch: &mut String) {
    scratch.clear();
    for c in segment.nfkc() {
        fold_case(c, scratch);
    }
    // Lowercasing can (rarely) produce a sequence that is not NFKC; a second
    // pass keeps folding idempotent, which the dictionary relies on.
    if is_nfkc_quick(scratch.chars()) != IsNormalized::Yes {
        let renormalized: String = scratch.nfkc().collect();
        *scratch = renormalized;
    }
}

fn fold_case(c: char, out: &mut String) {
    match c {
        // Full case folding differs from lowercasing here; without these a
        // word-final sigma or German sharp s would defeat a listed term.
        'ς' => out.push('σ'),
        'ß' | 'ẞ' => out.push_str("ss"),
        _ => out.extend(c.to_lowercase()),
    }
}

/// Letters and digits (Unicode Alphabetic or Numeric) are content; everything
/// else — Z*, P*, S*, C* (incl. zero-width and format chars), emoji, variation
/// selectors — is treated as a separator people insert to dodge filters.
fn is_kept(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric() && !is_generic_diacritic(c)
}

/// Script-neutral combining marks (the "zalgo" blocks). After NFKC anything
/// left from these did not compose into a letter, so it is noise; a few of
/// them are formally Alphabetic, hence the explicit ranges.
fn is_generic_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fast_path_matches_general_path() {
        // A non-ASCII char at the end forces the general path for the last
        // ASCII char; both paths must agree.
        assert_eq!(normalize_str("AbC-1é"), "abc1é");
        assert_eq!(normalize_str("e\u{301}"), "é");
    }

    #[test]
    fn original_range_rejects_bad_spans() {
        let n = normalize("ａｂ");
        assert_eq!(n.original_range(0..0), None);
        assert_eq!(n.original_range(0..5), None);
        assert_eq!(n.original_range(0..2), Some(0..6));
        assert_eq!(n.original_range(1..2), Some(3..6));
    }
}
