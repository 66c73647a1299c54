//! Folding text into the form dictionary terms are matched against.
//!
//! The same function folds dictionary terms at build time and message text at
//! screening time, so any evasion it undoes on one side it undoes on the
//! other. The folded copy is only ever used for matching; the message that is
//! delivered is the original, masked through the position map kept here.
//!
//! Steps, per character (see `docs/moderation.md` for the reasoning):
//!
//! 1. Unicode NFKC: full-width, circled, mathematical and other compatibility
//!    forms become plain letters and digits; decomposed accents compose.
//! 2. Full case folding (lowercase, plus `ß` → `ss`, final sigma).
//! 3. Han ideographs: Traditional → Simplified ([`crate::hanzi`]).
//! 4. Everything else non-ASCII: homoglyph folding with `decancer`, so
//!    Cyrillic `с`, Greek `ο`, small caps `ᴋ`, `©`, accented `ü`… become the
//!    Latin letter they imitate. CJK, kana, Hangul, emoji and scripts whose
//!    letters are not used as Latin look-alikes are left alone.
//! 5. Whatever is not a letter or digit afterwards is dropped as a separator.

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use decancer::{Options, Translation, cure_char};
use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::hanzi::{is_han, simplify};

/// Folded text plus, for every folded character, the byte range of the
/// original text it came from.
#[derive(Clone, Default)]
pub struct Normalized {
    text: String,
    /// One entry per folded char, in order.
    chars: Vec<FoldedChar>,
    /// Indices of folded Latin chars that follow another Latin char across
    /// a lone apostrophe (`it's`): one word, so no word starts there.
    joined: Vec<u32>,
    /// In a derived text (see [`crate::evasion`]): indices of the chars an
    /// evasion rule produced, sorted.
    marked: Vec<u32>,
    /// Whether any folded char is an ASCII letter.
    latin: bool,
    /// Reused buffer for NFKC output, so refolding into the same value does
    /// not allocate once it has warmed up.
    scratch: String,
}

/// A folded char and where it sits. Offsets are `u32` to keep the entry at
/// 16 bytes (one cache line holds four); texts are far below 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FoldedChar {
    pub(crate) ch: char,
    /// Byte offset in the folded text.
    pub(crate) at: u32,
    /// Byte range of the original text it came from.
    pub(crate) from: u32,
    pub(crate) to: u32,
}

impl PartialEq for Normalized {
    fn eq(&self, other: &Self) -> bool {
        // `scratch` is not part of the value.
        self.text == other.text && self.chars == other.chars && self.joined == other.joined
    }
}

impl Eq for Normalized {}

impl fmt::Debug for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalized")
            .field("text", &self.text)
            .field("origins", &self.origins())
            .finish()
    }
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
    pub fn origins(&self) -> Vec<Range<usize>> {
        self.chars.iter().map(FoldedChar::origin).collect()
    }

    /// Maps a byte span of the folded text back to the original text.
    ///
    /// The result runs from the first original char behind the span to the
    /// last one, so separators that folding removed from the middle are
    /// included. Returns `None` for an empty span or one that does not sit on
    /// char boundaries of the folded text.
    pub fn original_range(&self, folded: Range<usize>) -> Option<Range<usize>> {
        let (first, last) = self.char_span(folded)?;
        Some(self.original_span(first, last))
    }

    /// The original byte range behind folded chars `first..=last`. Text
    /// under a right-to-left override is folded in display order, so origins
    /// are not always increasing; the range covers all of them.
    pub(crate) fn original_span(&self, first: usize, last: usize) -> Range<usize> {
        let (a, b) = (&self.chars[first], &self.chars[last]);
        if a.from <= b.from {
            return a.from as usize..b.to as usize;
        }
        let span = &self.chars[first..=last];
        let from = span.iter().map(|c| c.from).min().unwrap_or(a.from);
        let to = span.iter().map(|c| c.to).max().unwrap_or(b.to);
        from as usize..to as usize
    }

    /// The folded chars with their positions.
    pub(crate) fn chars(&self) -> &[FoldedChar] {
        &self.chars
    }

    /// Index of the first and last folded char of a byte span.
    pub(crate) fn char_span(&self, folded: Range<usize>) -> Option<(usize, usize)> {
        if folded.start >= folded.end || folded.end > self.text.len() || !self.text.is_char_boundary(folded.end) {
            return None;
        }
        let first = self.chars.binary_search_by_key(&folded.start, |c| c.at as usize).ok()?;
        let last = self.chars.partition_point(|c| (c.at as usize) < folded.end) - 1;
        Some((first, last))
    }

    /// Whether the folded char at `index` is an ASCII letter or digit, i.e.
    /// part of a Latin word. Homoglyphs, full-width and accented Latin have
    /// all been folded to ASCII by then, so this covers them too.
    pub(crate) fn is_latin_at(&self, index: usize) -> bool {
        self.chars[index].ch.is_ascii()
    }

    /// Whether folded chars `left` and `left + 1` came from original text
    /// with nothing removed between them (same original char, or adjacent
    /// ones). A removed char is always a separator, so "not adjacent" means
    /// a word boundary in the original.
    pub(crate) fn adjacent(&self, left: usize) -> bool {
        self.chars[left].to >= self.chars[left + 1].from
    }

    /// Whether a Latin word may start at folded char `index`: it is the
    /// first char, or the char before it is separated from it in the
    /// original or is not Latin.
    pub(crate) fn word_starts_at(&self, index: usize) -> bool {
        index == 0 || !self.is_latin_at(index - 1) || self.separated(index - 1)
    }

    /// Whether folded chars `left` and `left + 1` lie in different words of
    /// the original: something was removed between them, and it was not a
    /// lone apostrophe inside a Latin word (`it's hit` must not spell
    /// `shit`). Only the start of a word uses this; a word may still end at
    /// an apostrophe (`ass's`).
    pub(crate) fn separated(&self, left: usize) -> bool {
        !self.adjacent(left) && (self.joined.is_empty() || self.joined.binary_search(&(left as u32 + 1)).is_err())
    }

    /// Heap memory held by the buffers.
    pub(crate) fn capacity_bytes(&self) -> usize {
        self.text.capacity()
            + self.chars.capacity() * std::mem::size_of::<FoldedChar>()
            + (self.joined.capacity() + self.marked.capacity()) * 4
            + self.scratch.capacity()
    }

    /// Number of folded chars.
    pub(crate) fn char_count(&self) -> usize {
        self.chars.len()
    }

    fn clear(&mut self) {
        self.text.clear();
        self.chars.clear();
        self.joined.clear();
        self.marked.clear();
        self.latin = false;
    }

    /// Empties the text for building a derived one with [`push`](Self::push).
    pub(crate) fn reset(&mut self) {
        self.clear();
    }

    /// Appends a folded char that came from original bytes `from..to`;
    /// `marked` records that an evasion rule produced it.
    pub(crate) fn push(&mut self, ch: char, from: u32, to: u32, marked: bool) {
        self.latin |= ch.is_ascii_alphabetic();
        if marked {
            self.marked.push(self.chars.len() as u32);
        }
        self.chars.push(FoldedChar {
            ch,
            at: self.text.len() as u32,
            from,
            to,
        });
        self.text.push(ch);
    }

    /// Whether any folded char is an ASCII letter (a Latin word, or pinyin).
    pub(crate) fn has_latin(&self) -> bool {
        self.latin
    }

    /// Whether a char an evasion rule produced lies in `first..=last`.
    pub(crate) fn has_marked(&self, first: usize, last: usize) -> bool {
        let at = self.marked.partition_point(|&m| (m as usize) < first);
        self.marked.get(at).is_some_and(|&m| m as usize <= last)
    }
}

impl FoldedChar {
    fn origin(&self) -> Range<usize> {
        self.from as usize..self.to as usize
    }
}

/// Folds `input` and records where each folded char came from.
///
/// Folding is: Unicode NFKC (full-width, circled, mathematical and other
/// compatibility forms become plain letters and digits), full lowercase case
/// folding, Traditional → Simplified Chinese, homoglyph folding of look-alikes
/// of Latin letters (Cyrillic, Greek, small caps, accented letters, letter-like
/// symbols), and removal of everything that is not a letter or digit —
/// whitespace, punctuation, symbols and emoji, zero-width and other format
/// characters, and generic combining diacritics. Letters and digits of every
/// script are kept.
pub fn normalize(input: &str) -> Normalized {
    let mut out = Normalized {
        text: String::with_capacity(input.len()),
        chars: Vec::with_capacity(input.len()),
        joined: Vec::new(),
        marked: Vec::new(),
        latin: false,
        scratch: String::new(),
    };
    normalize_into(input, &mut out);
    out
}

/// Like [`normalize`], but reuses `out`'s buffers; screening keeps one
/// [`Normalized`] per thread so the hot path does not allocate.
///
/// # Panics
///
/// If `input` is 4 GiB or longer.
pub fn normalize_into(input: &str, out: &mut Normalized) {
    assert!(u32::try_from(input.len()).is_ok(), "text too long to screen");
    out.clear();
    let Normalized {
        text,
        chars,
        joined,
        scratch,
        latin,
        ..
    } = out;
    fold(input, scratch, |ch, origin| {
        *latin |= ch.is_ascii_alphabetic();
        if let Some(prev) = chars.last()
            && prev.to < origin.start as u32
            && ch.is_ascii()
            && prev.ch.is_ascii()
            && is_apostrophe(&input[prev.to as usize..origin.start])
        {
            joined.push(chars.len() as u32);
        }
        chars.push(FoldedChar {
            ch,
            at: text.len() as u32,
            from: origin.start as u32,
            to: origin.end as u32,
        });
        text.push(ch);
    });
}

/// Folds `input` like [`normalize`] without keeping the position map; used
/// for dictionary terms, where only the folded form matters.
pub fn normalize_str(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut scratch = String::new();
    fold(input, &mut scratch, |c, _| out.push(c));
    out
}

fn fold(input: &str, scratch: &mut String, mut emit: impl FnMut(char, Range<usize>)) {
    // Conjoining Hangul jamo compose with the letter before them even when
    // they came from different segments (a dropped separator between them,
    // or compatibility jamo that NFKC turned into conjoining ones), so the
    // last folded char is held back until the next one is known; otherwise
    // folding the output again would compose them and folding would not be
    // idempotent.
    let mut held: Option<(char, Range<usize>)> = None;
    let mut hold = |c: char, origin: Range<usize>| {
        if let Some((prev, from)) = held.take() {
            if let Some(syllable) = compose_jamo(prev, c) {
                held = Some((syllable, from.start..origin.end));
                return;
            }
            emit(prev, from);
        }
        held = Some((c, origin));
    };
    fold_segments(input, scratch, &mut hold);
    if let Some((c, origin)) = held {
        emit(c, origin);
    }
}

/// A Hangul syllable from a leading consonant and a vowel, or from an LV
/// syllable and a trailing consonant.
fn compose_jamo(prev: char, next: char) -> Option<char> {
    if matches!(next, '\u{1161}'..='\u{1175}' | '\u{11A8}'..='\u{11C2}') {
        compose(prev, next)
    } else {
        None
    }
}

fn fold_segments(input: &str, scratch: &mut String, emit: &mut impl FnMut(char, Range<usize>)) {
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        // `&#115;` shows as `s`: the decoded char stands for the entity.
        if c == '&'
            && let Some((decoded, len)) = crate::display::html_entity(&input[start..])
        {
            while chars.next_if(|&(at, _)| at < start + len).is_some() {}
            fold_one(decoded, start..start + len, scratch, emit);
            continue;
        }
        // Text after a right-to-left override is shown reversed: fold it in
        // the order readers see it.
        if c == crate::display::RIGHT_TO_LEFT_OVERRIDE {
            let end = crate::display::override_end(input, start + c.len_utf8());
            for (at, reversed) in input[start + c.len_utf8()..end].char_indices().rev() {
                let at = start + c.len_utf8() + at;
                fold_one(reversed, at..at + reversed.len_utf8(), scratch, emit);
            }
            while chars.next_if(|&(at, _)| at < end).is_some() {}
            continue;
        }
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
            // What the segment ends in once composed: Hangul L + V compose
            // to an LV syllable, which then composes with a trailing T jamo
            // that V alone does not compose with.
            last = compose(last, next).unwrap_or(next);
        }

        if end - start == c.len_utf8()
            && let Some(folded) = fold_single_fast(c)
        {
            if let Some(folded) = folded {
                emit(folded, start..end);
            }
            continue;
        }

        fold_segment(&input[start..end], scratch);
        for folded in scratch.chars() {
            fold_char(folded, &mut |f| emit(f, start..end));
        }
    }
}

/// Folds one char on its own, reporting `origin` for whatever it yields.
fn fold_one(c: char, origin: Range<usize>, scratch: &mut String, emit: &mut impl FnMut(char, Range<usize>)) {
    if let Some(folded) = fold_single_fast(c) {
        if let Some(folded) = folded {
            emit(folded, origin);
        }
        return;
    }
    fold_segment(c.encode_utf8(&mut [0; 4]), scratch);
    for folded in scratch.chars() {
        fold_char(folded, &mut |f| emit(f, origin.clone()));
    }
}

fn is_apostrophe(gap: &str) -> bool {
    matches!(gap, "'" | "\u{2019}" | "\u{2018}" | "\u{02BC}")
}

/// Shortcuts for single chars that make up most non-ASCII chat text, giving
/// exactly what the general path would (a unit test checks every char they
/// cover): `Some(Some(c))` keep `c`, `Some(None)` drop, `None` no shortcut.
#[inline]
fn fold_single_fast(c: char) -> Option<Option<char>> {
    if c.is_ascii() {
        return Some(c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase()));
    }
    if matches!(c, '\u{4E00}'..='\u{9FFF}') {
        // Already NFKC and caseless; only Traditional forms change.
        return Some(Some(simplify(c)));
    }
    if let '\u{FF01}'..='\u{FF5E}' = c {
        // Full-width ASCII is NFKC-equivalent to plain ASCII.
        let ascii = char::from_u32(c as u32 - 0xFEE0)?;
        return Some(ascii.is_ascii_alphanumeric().then(|| ascii.to_ascii_lowercase()));
    }
    if let Some(letter) = crate::display::regional_indicator(c) {
        return Some(Some(letter));
    }
    if is_inert(c) {
        return Some(None);
    }
    None
}

/// Chars that are always dropped: emoji and other pictographs, zero-width
/// and joiner controls, variation selectors, CJK punctuation and tag
/// characters. Listed so the very common emoji does not go through NFKC
/// and the homoglyph tables.
fn is_inert(c: char) -> bool {
    match c {
        '\u{3001}'..='\u{3004}' | '\u{3008}'..='\u{3020}' | '\u{3030}' => true,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' => true,
        '\u{E0020}'..='\u{E007F}' => true,
        PICTOGRAPHS_START..PICTOGRAPHS_END => {
            let offset = c as usize - PICTOGRAPHS_START as usize;
            PICTOGRAPHS[offset / 64] & (1 << (offset % 64)) != 0
        }
        _ => false,
    }
}

/// The emoji blocks (Mahjong tiles through Symbols and Pictographs
/// Extended-A). Some of their symbols are letter look-alikes that the
/// homoglyph tables fold (🌢 → `o`), so rather than hand-maintaining
/// exceptions the set of chars that fold to nothing is computed once from
/// the general path.
const PICTOGRAPHS_START: char = '\u{1F000}';
const PICTOGRAPHS_END: char = '\u{1FB00}';

static PICTOGRAPHS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let len = PICTOGRAPHS_END as usize - PICTOGRAPHS_START as usize;
    let mut bits = vec![0u64; len.div_ceil(64)];
    let mut scratch = String::new();
    for (offset, c) in (PICTOGRAPHS_START..PICTOGRAPHS_END).enumerate() {
        let mut kept = false;
        fold_segment(c.encode_utf8(&mut [0; 4]), &mut scratch);
        for folded in scratch.chars() {
            fold_char(folded, &mut |_| kept = true);
        }
        if !kept {
            bits[offset / 64] |= 1 << (offset % 64);
        }
    }
    bits
});

/// Builds the lazily computed tables now.
pub(crate) fn preload() {
    crate::hanzi::preload();
    crate::segment::preload();
    LazyLock::force(&PICTOGRAPHS);
}

/// Whether `next` must be folded together with the char before it.
fn joins(prev: char, next: char) -> bool {
    // Neither ASCII nor Han ever combines with a predecessor; checking first
    // keeps Chinese text off the normalization tables.
    if next.is_ascii() || is_han(next) {
        return false;
    }
    canonical_combining_class(next) != 0
        // Starters that still compose with their predecessor: Hangul jamo,
        // two-part Indic vowels.
        || compose(prev, next).is_some()
        // Half-width (semi-)voiced sound marks are starters that NFKC turns
        // into combining marks, which then compose with the preceding kana.
        || matches!(next, '\u{FF9E}' | '\u{FF9F}')
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
        // A capital Greek or Cyrillic letter imitates the Latin capital it
        // looks like (`Η` is H, while `η` looks like n): fold it as a
        // capital, before lowercasing would turn it into another look-alike.
        _ if c.is_uppercase() && crate::display::is_greek_or_cyrillic(c) => {
            match crate::display::capital_lookalike(c) {
                Some(latin) => out.push(latin),
                None => out.extend(c.to_lowercase()),
            }
        }
        _ => out.extend(c.to_lowercase()),
    }
}

/// What `decancer` may fold. Scripts whose letters are not used to imitate
/// Latin are kept as they are: folding them would turn ordinary Chinese,
/// Japanese, Korean, Arabic… text into Latin gibberish that Latin terms could
/// then match. Emoji are kept so that they stay separators (the enclosed
/// letters such as 🅵 are still folded; decancer does not count them as
/// emoji).
#[inline]
fn homoglyph_options() -> Options {
    Options::default()
        .retain_chinese()
        .retain_japanese()
        .retain_korean()
        .retain_emojis()
        .retain_arabic()
        .retain_hebrew()
        .retain_devanagari()
        .retain_bengali()
        .retain_gujarati()
        .retain_tamil()
        .retain_thai()
        .retain_lao()
        .retain_burmese()
        .retain_khmer()
        .retain_mongolian()
}

/// Folds one char of NFKC, case-folded text and emits what is kept.
fn fold_char(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            emit(c.to_ascii_lowercase());
        }
        return;
    }
    if is_han(c) {
        emit(simplify(c));
        return;
    }
    if let Some(letter) = crate::display::regional_indicator(c) {
        emit(letter);
        return;
    }
    if let Some(han) = crate::hanzi::radical(c) {
        emit(simplify(han));
        return;
    }
    match cure_char(c, homoglyph_options()) {
        Translation::Character(cured) => emit_kept(cured, emit),
        Translation::String(cured) => cured.chars().for_each(|cured| emit_kept(cured, emit)),
        Translation::None => {}
    }
}

fn emit_kept(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            emit(c.to_ascii_lowercase());
        }
    } else if is_kept(c) {
        emit(c);
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
        assert_eq!(normalize_str("AbC-1é"), "abc1e");
        assert_eq!(normalize_str("e\u{301}"), "e");
    }

    #[test]
    fn conjoining_hangul_jamo_fold_into_one_syllable() {
        // Found by fuzzing (fuzz/, moderation_normalize): L + V + T jamo were
        // cut after V, so the first fold gave `가` + `ᆨ` and only a second
        // fold gave `각`: folding was not idempotent.
        assert_eq!(normalize_str("\u{1100}\u{1161}\u{11A8}"), "\u{AC01}");
        let once = normalize_str("\u{1100}\u{1161}\u{11A8} 한국어");
        assert_eq!(normalize_str(&once), once);
        assert_eq!(normalize("\u{1100}\u{1161}\u{11A8}").origins(), vec![0..9]);
        // Jamo that meet only once a separator is dropped, or compatibility
        // jamo (NFKC makes them conjoining), compose in the first fold too.
        assert_eq!(normalize_str("\u{1100}\u{1161}*\0\u{11A8} "), "\u{AC01}");
        assert_eq!(normalize("가 \u{11A8}").origins(), vec![0..7]);
        assert_eq!(normalize_str("ㄱㅏ"), "가");
        for text in ["가 \u{11A8}", "ㄱㅏㄱ", "ㅋㅋㅋ", "ㄱ ㅏ"] {
            let once = normalize_str(text);
            assert_eq!(normalize_str(&once), once, "{text:?}");
        }
    }

    #[test]
    fn original_range_rejects_bad_spans() {
        let n = normalize("ａｂ");
        assert_eq!(n.original_range(0..0), None);
        assert_eq!(n.original_range(0..5), None);
        assert_eq!(n.original_range(0..2), Some(0..6));
        assert_eq!(n.original_range(1..2), Some(3..6));
    }

    /// The general path for one char, without the shortcuts.
    fn slow(c: char) -> String {
        let mut scratch = String::new();
        let mut out = String::new();
        let mut buf = [0; 4];
        fold_segment(c.encode_utf8(&mut buf), &mut scratch);
        for folded in scratch.chars() {
            fold_char(folded, &mut |f| out.push(f));
        }
        out
    }

    #[test]
    fn single_char_shortcuts_agree_with_the_general_path() {
        // Exhaustive over every scalar value, so a shortcut range that is too
        // wide (e.g. swallowing a letter-like symbol) is caught here.
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if let Some(fast) = fold_single_fast(c) {
                let fast: String = fast.into_iter().collect();
                assert_eq!(fast, slow(c), "U+{:04X} {c:?}", c as u32);
            }
        }
    }

    #[test]
    fn folding_every_char_is_idempotent() {
        // The dictionary stores folded terms and matches folded text; if a
        // folded char folded further, a term could never match itself.
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let once = normalize_str(c.encode_utf8(&mut [0; 4]));
            assert_eq!(normalize_str(&once), once, "U+{:04X} {c:?}", c as u32);
        }
    }
}
