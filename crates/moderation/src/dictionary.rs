//! Categorised word lists and allow-lists compiled into automata.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

use crate::error::ModerationError;
use crate::lists::{Term, WordList};
use crate::normalize::{Normalized, normalize_str};
use crate::options::ListSource;
use crate::policy::Category;

/// An immutable, compiled set of terms plus an allow-list.
///
/// Terms are stored folded (see [`crate::normalize`]) and matched against
/// folded text. Distinct list entries that fold to the same string share one
/// automaton pattern but keep their own category and spelling, so a term
/// listed under two categories reports both.
///
/// Term syntax: a term is matched as written after folding, except that a
/// leading and/or trailing `*` lifts the Latin word-boundary requirement on
/// that side (`fuck*` also matches `fucking`); see [`Dictionary::find_all`]
/// and the crate docs for the matching rules.
pub struct Dictionary {
    terms: PatternSet<Owner>,
    /// Pinyin spellings of the Chinese terms ([`crate::pinyin`]), kept
    /// apart so that text without Latin letters — most Chinese chat — never
    /// scans them.
    pinyin: PatternSet<Owner>,
    allow: PatternSet<Box<str>>,
    entries: usize,
}

/// Patterns compiled for matching.
///
/// Matching does not run the automaton over the whole text. A large
/// dictionary's automaton does not fit in the CPU caches, and an unanchored
/// scan touches a cold state for nearly every byte of Chinese text (three
/// bytes per char, and almost every common char starts some term). Instead
/// [`StartFilter`] — a small bitmap of the first two chars of every pattern —
/// picks the few positions where a pattern can start, and only there an
/// *anchored* search walks the trie.
struct PatternSet<O> {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern<O>>,
    filter: StartFilter,
    /// All-ASCII patterns by length, for words written with `*`
    /// masking letters ([`Dictionary::masked_matches`]).
    latin_by_len: Vec<Vec<u32>>,
}

/// Longest masked word looked up (longer words are not self-censored terms).
const MAX_MASKED_LEN: usize = 24;

struct Pattern<O> {
    folded: Box<str>,
    /// Whether the start / end of the pattern is an ASCII letter or digit of
    /// a Latin term, and so must sit on a word boundary in the text.
    left_word: bool,
    right_word: bool,
    owners: Vec<O>,
    /// Other patterns that are proper prefixes of this one. Leftmost-longest
    /// search only reports the longest pattern at a position, so these are
    /// reported alongside it; otherwise e.g. a masked term could hide a
    /// blocked term it starts with, or a boundary failure of the longest
    /// pattern could hide a shorter one that does sit on a boundary.
    prefixes: Vec<usize>,
    /// Whether every char is a Han ideograph: such a match is checked
    /// against Chinese word boundaries ([`crate::segment`]).
    han: bool,
}

#[derive(Clone)]
struct Owner {
    category: Category,
    /// The entry as written, including any `*`.
    term: Box<str>,
    /// `*` on that side: no word boundary required there.
    open_left: bool,
    open_right: bool,
}

/// A term occurrence in folded text with what screening needs to judge it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) category: Category,
    pub(crate) term: &'a str,
    /// An all-Han term: subject to the Chinese word-boundary check.
    pub(crate) han: bool,
    /// The entry has `*` on that side (match anywhere).
    pub(crate) open_left: bool,
    pub(crate) open_right: bool,
}

/// One occurrence of a dictionary term in folded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermMatch<'a> {
    /// Byte offset in the folded text where the match starts.
    pub start: usize,
    /// Byte offset in the folded text where the match ends (exclusive).
    pub end: usize,
    /// Category of the list entry.
    pub category: Category,
    /// The entry as written in its list, before folding.
    pub term: &'a str,
}

impl Dictionary {
    /// A dictionary that matches nothing.
    pub fn empty() -> Self {
        Self {
            terms: PatternSet::empty(),
            pinyin: PatternSet::empty(),
            allow: PatternSet::empty(),
            entries: 0,
        }
    }

    /// A builder for adding entries and files incrementally.
    pub fn builder() -> DictionaryBuilder {
        DictionaryBuilder::default()
    }

    /// Builds from `(category, term)` entries. Terms that fold to nothing
    /// (e.g. only punctuation) are skipped, since they would match everywhere.
    pub fn new<I, T>(entries: I) -> Result<Self, ModerationError>
    where
        I: IntoIterator<Item = (Category, T)>,
        T: AsRef<str>,
    {
        let mut builder = Self::builder();
        for (category, term) in entries {
            builder.add(category, term.as_ref());
        }
        builder.build()
    }

    /// Builds from a [`WordList`] (terms and allow-list).
    pub fn from_word_list(list: &WordList) -> Result<Self, ModerationError> {
        let mut builder = Self::builder();
        for term in &list.terms {
            builder.add(term.category, &term.text);
        }
        for phrase in &list.allow {
            builder.add_allow(phrase);
        }
        builder.build()
    }

    /// Loads word-list files; see [`DictionaryBuilder::add_file`] for the
    /// format.
    pub fn from_files(sources: &[ListSource]) -> Result<Self, ModerationError> {
        let mut builder = Self::builder();
        for source in sources {
            builder.add_file(source)?;
        }
        builder.build()
    }

    /// A builder holding this dictionary's entries, for deriving a changed
    /// copy. Entries are not folded again, so this is cheap next to
    /// [`DictionaryBuilder::build`].
    pub fn to_builder(&self) -> DictionaryBuilder {
        let mut builder = DictionaryBuilder::default();
        for pattern in &self.terms.patterns {
            let id = builder.terms.intern(&pattern.folded);
            builder.terms.owners[id].extend(pattern.owners.iter().cloned());
        }
        for pattern in &self.allow.patterns {
            let id = builder.allow.intern(&pattern.folded);
            builder.allow.owners[id].extend(pattern.owners.iter().cloned());
        }
        builder
    }

    /// Number of distinct `(category, folded term, wildcards)` entries.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the dictionary has no terms (an allow-list alone matches
    /// nothing).
    pub fn is_empty(&self) -> bool {
        self.terms.automaton.is_none()
    }

    /// Number of distinct folded patterns in the term automaton.
    pub fn pattern_count(&self) -> usize {
        self.terms.patterns.len()
    }

    /// Number of patterns derived from Chinese terms (their pinyin
    /// spellings), on top of [`pattern_count`](Self::pattern_count).
    pub fn derived_pattern_count(&self) -> usize {
        self.pinyin.patterns.len()
    }

    /// Number of distinct (folded) allow-list phrases.
    pub fn allow_len(&self) -> usize {
        self.allow.patterns.len()
    }

    /// Every entry, as written, grouped by folded form.
    pub fn terms(&self) -> impl Iterator<Item = Term> + '_ {
        self.terms.patterns.iter().flat_map(|p| {
            p.owners.iter().map(|o| Term {
                category: o.category,
                text: o.term.to_string(),
            })
        })
    }

    /// Every allow-list phrase, as first written.
    pub fn allow_phrases(&self) -> impl Iterator<Item = &str> + '_ {
        self.allow.patterns.iter().flat_map(|p| p.owners.iter().map(|o| &**o))
    }

    /// The entries as a [`WordList`], e.g. to show or persist them.
    pub fn to_word_list(&self) -> WordList {
        WordList {
            terms: self.terms().collect(),
            allow: self.allow_phrases().map(str::to_owned).collect(),
        }
    }

    /// Every occurrence of every term in `folded`, which must be the output of
    /// [`crate::normalize`]. Ordered by start offset, longest first.
    ///
    /// This is plain substring matching on folded text: it cannot apply the
    /// Latin word-boundary rule or the allow-list, which need the position
    /// map back to the original text. Screening does both.
    pub fn find_all<'a>(&'a self, folded: &str) -> Vec<TermMatch<'a>> {
        let mut found = Vec::new();
        self.terms.scan_str(folded, |pattern, start, end| {
            found.extend(pattern.owners.iter().map(|owner| TermMatch {
                start,
                end,
                category: owner.category,
                term: &owner.term,
            }));
        });
        found
    }

    /// Appends the term occurrences that count under the matching rules
    /// (Latin terms on word boundaries, others anywhere) to `out`.
    pub(crate) fn find_terms<'a>(&'a self, text: &Normalized, out: &mut Vec<Candidate<'a>>) {
        Self::find_in(&self.terms, text, out);
        if text.has_latin() {
            Self::find_in(&self.pinyin, text, out);
        }
    }

    fn find_in<'a>(set: &'a PatternSet<Owner>, text: &Normalized, out: &mut Vec<Candidate<'a>>) {
        set.scan(text, |pattern, start, end| {
            let (left, right) = boundaries(pattern, text, start, end);
            for owner in &pattern.owners {
                if (left || owner.open_left) && (right || owner.open_right) {
                    out.push(Candidate {
                        start,
                        end,
                        category: owner.category,
                        term: &owner.term,
                        han: pattern.han,
                        open_left: owner.open_left,
                        open_right: owner.open_right,
                    });
                }
            }
        });
    }

    /// Entries a word written with masking chars matches: `word` is the
    /// lowercased word with `None` for each masking char (`f**k`), and
    /// every listed all-ASCII term of the same length whose letters agree
    /// at the unmasked positions is reported as `(category, term)`.
    pub(crate) fn masked_matches<'a>(&'a self, word: &[Option<u8>], out: &mut Vec<(Category, &'a str)>) {
        let Some(ids) = self.terms.latin_by_len.get(word.len()) else {
            return;
        };
        for &id in ids {
            let pattern = &self.terms.patterns[id as usize];
            let agrees = pattern.folded.bytes().zip(word).all(|(b, w)| w.is_none_or(|w| w == b));
            if agrees {
                out.extend(pattern.owners.iter().map(|o| (o.category, &*o.term)));
            }
        }
    }

    /// Appends the folded byte spans of allow-list occurrences to `out`.
    /// Allow phrases obey the same boundary rule as terms.
    pub(crate) fn find_allowed(&self, text: &Normalized, out: &mut Vec<(usize, usize)>) {
        self.allow.scan(text, |pattern, start, end| {
            if boundaries(pattern, text, start, end) == (true, true) {
                out.push((start, end));
            }
        });
    }

    /// Whether there is an allow-list to consult at all.
    pub(crate) fn has_allow(&self) -> bool {
        self.allow.automaton.is_some()
    }
}

/// Whether a match of `pattern` at folded bytes `start..end` sits on a word
/// boundary at its left and right end, as far as the pattern needs one.
///
/// Decided on the original text through the position map: the neighbour
/// folded char must either come from a different original char with
/// something removed in between (a separator), or not be Latin. Separators
/// *inside* the match (`c.u.n.t`) do not matter, so spaced-out terms match,
/// while `Scunthorpe` and `class` keep `cunt` and `ass` from matching.
fn boundaries<O>(pattern: &Pattern<O>, text: &Normalized, start: usize, end: usize) -> (bool, bool) {
    if !pattern.left_word && !pattern.right_word {
        return (true, true);
    }
    let Some((first, last)) = text.char_span(start..end) else {
        return (false, false);
    };
    let left = !pattern.left_word || text.word_starts_at(first);
    let right =
        !pattern.right_word || last + 1 == text.char_count() || !text.adjacent(last) || !text.is_latin_at(last + 1);
    (left, right)
}

impl<O> PatternSet<O> {
    fn empty() -> Self {
        Self {
            automaton: None,
            patterns: Vec::new(),
            filter: StartFilter::default(),
            latin_by_len: Vec::new(),
        }
    }

    fn build(
        folded: Vec<String>,
        owners: Vec<Vec<O>>,
        open_left: impl Fn(&O) -> bool,
    ) -> Result<Self, ModerationError> {
        let (folded, owners): (Vec<String>, Vec<Vec<O>>) = folded
            .into_iter()
            .zip(owners)
            .filter(|(_, owners)| !owners.is_empty())
            .unzip();
        if folded.is_empty() {
            return Ok(Self::empty());
        }
        // Anchored only: searches start where the filter says a pattern may
        // start, so no failure transitions are needed at search time.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .prefilter(false)
            .build(&folded)
            .map_err(|e| ModerationError::InvalidOptions(format!("word lists cannot be compiled: {e}")))?;
        let index: FastMap<&str, usize> = folded.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
        let patterns: Vec<Pattern<O>> = folded
            .iter()
            .zip(owners)
            .map(|(folded, owners)| {
                let latin = folded.bytes().any(|b| b.is_ascii_alphabetic());
                Pattern {
                    han: folded.chars().all(crate::hanzi::is_han),
                    left_word: latin && folded.as_bytes()[0].is_ascii_alphanumeric(),
                    right_word: latin && folded.as_bytes()[folded.len() - 1].is_ascii_alphanumeric(),
                    prefixes: folded
                        .char_indices()
                        .skip(1)
                        .filter_map(|(cut, _)| index.get(&folded[..cut]).copied())
                        .collect(),
                    folded: folded.as_str().into(),
                    owners,
                }
            })
            .collect();
        let filter = StartFilter::new(&patterns, open_left);
        let mut latin_by_len = vec![Vec::new(); MAX_MASKED_LEN + 1];
        for (id, pattern) in patterns.iter().enumerate() {
            let len = pattern.folded.len();
            if len <= MAX_MASKED_LEN && pattern.folded.bytes().all(|b| b.is_ascii_alphanumeric()) {
                latin_by_len[len].push(id as u32);
            }
        }
        Ok(Self {
            automaton: Some(automaton),
            patterns,
            filter,
            latin_by_len,
        })
    }

    /// Calls `found` for every occurrence of every pattern in normalized
    /// text: at each start position the longest pattern, then its prefixes,
    /// longest first.
    #[inline]
    fn scan<'a>(&'a self, text: &Normalized, mut found: impl FnMut(&'a Pattern<O>, usize, usize)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let chars = text.chars();
        for (i, c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).map(|n| n.ch);
            if self.filter.may_start(c.ch, next, || text.word_starts_at(i)) {
                self.search_at(automaton, text.as_str(), c.at as usize, &mut found);
            }
        }
    }

    /// Like [`scan`](Self::scan) over bare folded text: every position
    /// counts as a word start, since there is no map to decide otherwise.
    fn scan_str<'a>(&'a self, folded: &str, mut found: impl FnMut(&'a Pattern<O>, usize, usize)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let mut chars = folded.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            if self.filter.may_start(c, next, || true) {
                self.search_at(automaton, folded, at, &mut found);
            }
        }
    }

    #[inline]
    fn search_at<'a>(
        &'a self,
        automaton: &AhoCorasick,
        text: &str,
        at: usize,
        found: &mut impl FnMut(&'a Pattern<O>, usize, usize),
    ) {
        let input = Input::new(text).span(at..text.len()).anchored(Anchored::Yes);
        let Some(m) = automaton.find(input) else {
            return;
        };
        let pattern = &self.patterns[m.pattern().as_usize()];
        found(pattern, m.start(), m.end());
        for &prefix in pattern.prefixes.iter().rev() {
            let prefix = &self.patterns[prefix];
            found(prefix, m.start(), m.start() + prefix.folded.len());
        }
    }
}

/// A one-hash Bloom filter over the first one or two folded chars of every
/// pattern. No false negatives: any position where a pattern starts passes.
/// False positives only cost an anchored search that finds nothing.
///
/// Patterns whose start needs a Latin word boundary are kept apart, so
/// ordinary Latin words are only probed at word starts, not at every letter.
#[derive(Default)]
struct StartFilter {
    anywhere: Bits,
    word_start: Bits,
}

impl StartFilter {
    fn new<O>(patterns: &[Pattern<O>], open_left: impl Fn(&O) -> bool) -> Self {
        let key = |p: &Pattern<O>| {
            let mut chars = p.folded.chars();
            let first = chars.next().unwrap_or_default();
            chars.next().map_or(single_key(first), |second| pair_key(first, second))
        };
        let anywhere = |p: &Pattern<O>| !p.left_word || p.owners.iter().any(&open_left);
        let word = |p: &Pattern<O>| p.left_word && !p.owners.iter().all(&open_left);
        Self {
            anywhere: Bits::new(patterns.iter().filter(|p| anywhere(p)).map(key)),
            word_start: Bits::new(patterns.iter().filter(|p| word(p)).map(key)),
        }
    }

    /// Whether a pattern may start at a char `c` followed by `next`;
    /// `word_start` tells whether a Latin word may start there.
    #[inline]
    fn may_start(&self, c: char, next: Option<char>, word_start: impl FnOnce() -> bool) -> bool {
        let probe = |bits: &Bits| bits.contains(single_key(c)) || next.is_some_and(|n| bits.contains(pair_key(c, n)));
        probe(&self.anywhere) || (c.is_ascii() && probe(&self.word_start) && word_start())
    }
}

fn single_key(c: char) -> u64 {
    // 0x1F_FFFF is no char, so a single never collides with a pair's key.
    (u64::from(c) << 21) | 0x1F_FFFF
}

fn pair_key(first: char, second: char) -> u64 {
    (u64::from(first) << 21) | u64::from(second)
}

/// A bitmap addressed by a multiplicative hash.
#[derive(Default)]
struct Bits {
    words: Box<[u64]>,
    shift: u32,
}

impl Bits {
    /// About 32 bits per key: ~3% false positives, and 400 KB for 100k
    /// patterns, which still sits in L2 cache.
    fn new(keys: impl Iterator<Item = u64> + Clone) -> Self {
        let count = keys.clone().count();
        if count == 0 {
            return Self::default();
        }
        let bits = (count * 32).next_power_of_two().max(4096);
        let mut filter = Self {
            words: vec![0; bits / 64].into_boxed_slice(),
            shift: 64 - bits.trailing_zeros(),
        };
        for key in keys {
            let bit = filter.bit(key);
            filter.words[bit / 64] |= 1 << (bit % 64);
        }
        filter
    }

    #[inline]
    fn bit(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    fn contains(&self, key: u64) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let bit = self.bit(key);
        self.words[bit / 64] & (1 << (bit % 64)) != 0
    }
}

impl Default for Dictionary {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dictionary")
            .field("entries", &self.entries)
            .field("patterns", &self.terms.patterns.len())
            .field("allow", &self.allow.patterns.len())
            .finish()
    }
}

/// Maps keyed by folded terms, which come from operators: a fast
/// non-cryptographic hash keeps 100k-term rebuilds quick, and flooding is
/// not a concern because only admins can add terms.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// FxHash-style multiply-rotate hashing, a word at a time.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(tail) ^ bytes.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }
}

/// Folded patterns with their owners, before compilation.
struct Pending<O> {
    index: FastMap<String, usize>,
    folded: Vec<String>,
    owners: Vec<Vec<O>>,
}

impl<O> Default for Pending<O> {
    fn default() -> Self {
        Self {
            index: FastMap::default(),
            folded: Vec::new(),
            owners: Vec::new(),
        }
    }
}

impl<O> Pending<O> {
    fn intern(&mut self, folded: &str) -> usize {
        if let Some(&id) = self.index.get(folded) {
            return id;
        }
        let id = self.folded.len();
        self.index.insert(folded.to_owned(), id);
        self.folded.push(folded.to_owned());
        self.owners.push(Vec::new());
        id
    }

    fn owners_of(&mut self, folded: &str) -> Option<&mut Vec<O>> {
        let &id = self.index.get(folded)?;
        Some(&mut self.owners[id])
    }

    fn len(&self) -> usize {
        self.owners.iter().map(Vec::len).sum()
    }
}

/// Accumulates entries for a [`Dictionary`].
#[derive(Default)]
pub struct DictionaryBuilder {
    terms: Pending<Owner>,
    allow: Pending<Box<str>>,
}

/// Splits `*` wildcards off a term and folds the rest.
fn parse_term(term: &str) -> (String, bool, bool) {
    let trimmed = term.trim();
    let open_left = trimmed.starts_with('*');
    let open_right = trimmed.ends_with('*');
    (normalize_str(trimmed.trim_matches('*')), open_left, open_right)
}

impl DictionaryBuilder {
    /// Adds one term. Returns false when it was skipped: it folds to nothing,
    /// or the same folded term (with the same wildcards) is already present
    /// in this category.
    pub fn add(&mut self, category: Category, term: &str) -> bool {
        let (folded, open_left, open_right) = parse_term(term);
        if folded.is_empty() {
            return false;
        }
        let id = self.terms.intern(&folded);
        let owners = &mut self.terms.owners[id];
        if owners
            .iter()
            .any(|o| o.category == category && o.open_left == open_left && o.open_right == open_right)
        {
            return false;
        }
        owners.push(Owner {
            category,
            term: term.trim().into(),
            open_left,
            open_right,
        });
        true
    }

    /// Removes the entry of `category` that folds like `term` (same
    /// wildcards), whatever its spelling. Returns whether one was present.
    pub fn remove(&mut self, category: Category, term: &str) -> bool {
        let (folded, open_left, open_right) = parse_term(term);
        let Some(owners) = self.terms.owners_of(&folded) else {
            return false;
        };
        let before = owners.len();
        owners.retain(|o| !(o.category == category && o.open_left == open_left && o.open_right == open_right));
        owners.len() != before
    }

    /// Adds an allow-list phrase. Returns false when it folds to nothing or
    /// is already present.
    pub fn add_allow(&mut self, phrase: &str) -> bool {
        let folded = normalize_str(phrase);
        if folded.is_empty() {
            return false;
        }
        let id = self.allow.intern(&folded);
        let owners = &mut self.allow.owners[id];
        if !owners.is_empty() {
            return false;
        }
        owners.push(phrase.trim().into());
        true
    }

    /// Removes the allow-list phrase that folds like `phrase`. Returns
    /// whether one was present.
    pub fn remove_allow(&mut self, phrase: &str) -> bool {
        let folded = normalize_str(phrase);
        self.allow.owners_of(&folded).is_some_and(|owners| {
            let present = !owners.is_empty();
            owners.clear();
            present
        })
    }

    /// Number of term entries currently held.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether no term is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of allow-list phrases currently held.
    pub fn allow_len(&self) -> usize {
        self.allow.len()
    }

    /// Adds every term of a word-list file and returns how many were added.
    ///
    /// Format: UTF-8, one term per line, surrounding whitespace trimmed;
    /// blank lines and lines starting with `#` are ignored. A leading byte
    /// order mark is tolerated because editors on some platforms add one.
    pub fn add_file(&mut self, source: &ListSource) -> Result<usize, ModerationError> {
        read_lines(&source.path, |line| self.add(source.category, line))
    }

    /// Adds every phrase of an allow-list file (same format as
    /// [`add_file`](Self::add_file)) and returns how many were added.
    pub fn add_allow_file(&mut self, path: &Path) -> Result<usize, ModerationError> {
        read_lines(path, |line| self.add_allow(line))
    }

    /// Compiles the automata.
    pub fn build(self) -> Result<Dictionary, ModerationError> {
        let entries = self.terms.len();
        let pinyin = self.pinyin_spellings();
        Ok(Dictionary {
            terms: PatternSet::build(self.terms.folded, self.terms.owners, |o| o.open_left)?,
            pinyin: PatternSet::build(pinyin.folded, pinyin.owners, |o| o.open_left)?,
            allow: PatternSet::build(self.allow.folded, self.allow.owners, |_| false)?,
            entries,
        })
    }
}

impl DictionaryBuilder {
    /// The pinyin spellings of every Chinese term, with that term's owners;
    /// a spelling that is also a listed term (or derived twice) keeps the
    /// first owners only.
    fn pinyin_spellings(&self) -> Pending<Owner> {
        let mut pending = Pending::default();
        for (folded, owners) in self.terms.folded.iter().zip(&self.terms.owners) {
            if owners.is_empty() {
                continue;
            }
            for spelling in crate::pinyin::spellings(folded) {
                if self.terms.index.contains_key(&spelling) || pending.index.contains_key(&spelling) {
                    continue;
                }
                let id = pending.intern(&spelling);
                pending.owners[id].clone_from(owners);
            }
        }
        pending
    }
}

fn read_lines(path: &Path, mut add: impl FnMut(&str) -> bool) -> Result<usize, ModerationError> {
    let error = |line: Option<usize>, reason: String| ModerationError::ListFile {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| error(None, e.to_string()))?;
    let bytes = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
    let mut added = 0;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(raw)
            .map_err(|e| error(Some(index + 1), format!("invalid utf-8: {e}")))?
            .trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if add(line) {
            added += 1;
        } else {
            tracing::debug!(
                path = %path.display(),
                line = index + 1,
                "word list entry skipped (empty after folding or duplicate)"
            );
        }
    }
    Ok(added)
}

impl fmt::Debug for DictionaryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DictionaryBuilder")
            .field("entries", &self.terms.len())
            .field("patterns", &self.terms.folded.len())
            .field("allow", &self.allow.len())
            .finish()
    }
}
