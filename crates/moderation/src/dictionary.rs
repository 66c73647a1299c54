//! Categorised word lists compiled into one automaton.

use std::collections::HashMap;
use std::fmt;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use crate::error::ModerationError;
use crate::normalize::normalize_str;
use crate::options::ListSource;
use crate::policy::Category;

/// An immutable, compiled set of terms.
///
/// Terms are stored folded (see [`crate::normalize`]) and matched against
/// folded text. Distinct list entries that fold to the same string share one
/// automaton pattern but keep their own category and spelling, so a term
/// listed under two categories reports both.
pub struct Dictionary {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    entries: usize,
}

struct Pattern {
    /// Byte length of the folded pattern.
    len: usize,
    owners: Vec<Owner>,
    /// Other patterns that are proper prefixes of this one. Leftmost-longest
    /// search only reports the longest pattern at a position, so these are
    /// reported alongside it; otherwise e.g. a masked term could hide a
    /// blocked term it starts with.
    prefixes: Vec<usize>,
}

struct Owner {
    category: Category,
    term: Box<str>,
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
            automaton: None,
            patterns: Vec::new(),
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

    /// Loads word-list files; see [`DictionaryBuilder::add_file`] for the
    /// format.
    pub fn from_files(sources: &[ListSource]) -> Result<Self, ModerationError> {
        let mut builder = Self::builder();
        for source in sources {
            builder.add_file(source)?;
        }
        builder.build()
    }

    /// Number of distinct `(category, folded term)` entries.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether the dictionary matches nothing.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Number of distinct folded patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Every occurrence of every term in `folded`, which must be the output of
    /// [`crate::normalize`]. Ordered by start offset, longest first.
    pub fn find_all<'a>(&'a self, folded: &str) -> Vec<TermMatch<'a>> {
        let mut found = Vec::new();
        let Some(automaton) = &self.automaton else {
            return found;
        };
        let mut at = 0;
        while at < folded.len() {
            let Some(m) = automaton.find(Input::new(folded).span(at..folded.len())) else {
                break;
            };
            let pattern = &self.patterns[m.pattern().as_usize()];
            push_owners(&mut found, pattern, m.start(), m.end());
            for &prefix in pattern.prefixes.iter().rev() {
                let prefix = &self.patterns[prefix];
                push_owners(&mut found, prefix, m.start(), m.start() + prefix.len);
            }
            // Resume one char after the match *start*, not at its end: a
            // non-overlapping scan would let an earlier (say, masked) term
            // swallow the beginning of an overlapping blocked one.
            at = m.start() + folded[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }
}

fn push_owners<'a>(found: &mut Vec<TermMatch<'a>>, pattern: &'a Pattern, start: usize, end: usize) {
    found.extend(pattern.owners.iter().map(|owner| TermMatch {
        start,
        end,
        category: owner.category,
        term: &owner.term,
    }));
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
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

/// Accumulates entries for a [`Dictionary`].
#[derive(Default)]
pub struct DictionaryBuilder {
    index: HashMap<String, usize>,
    folded: Vec<String>,
    owners: Vec<Vec<Owner>>,
    entries: usize,
}

impl DictionaryBuilder {
    /// Adds one term. Returns false when it was skipped: it folds to nothing,
    /// or the same folded term is already present in this category.
    pub fn add(&mut self, category: Category, term: &str) -> bool {
        let folded = normalize_str(term);
        if folded.is_empty() {
            return false;
        }
        let id = match self.index.get(&folded) {
            Some(&id) => id,
            None => {
                let id = self.folded.len();
                self.index.insert(folded.clone(), id);
                self.folded.push(folded);
                self.owners.push(Vec::new());
                id
            }
        };
        let owners = &mut self.owners[id];
        if owners.iter().any(|o| o.category == category) {
            return false;
        }
        owners.push(Owner {
            category,
            term: term.into(),
        });
        self.entries += 1;
        true
    }

    /// Adds every term of a word-list file and returns how many were added.
    ///
    /// Format: UTF-8, one term per line, surrounding whitespace trimmed;
    /// blank lines and lines starting with `#` are ignored. A leading byte
    /// order mark is tolerated because editors on some platforms add one.
    pub fn add_file(&mut self, source: &ListSource) -> Result<usize, ModerationError> {
        let error = |line: Option<usize>, reason: String| ModerationError::ListFile {
            path: source.path.clone(),
            line,
            reason,
        };
        let bytes = std::fs::read(&source.path).map_err(|e| error(None, e.to_string()))?;
        let bytes = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
        let mut added = 0;
        for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = std::str::from_utf8(raw)
                .map_err(|e| error(Some(index + 1), format!("invalid utf-8: {e}")))?
                .trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if self.add(source.category, line) {
                added += 1;
            } else {
                tracing::debug!(
                    path = %source.path.display(),
                    line = index + 1,
                    "word list entry skipped (empty after folding or duplicate)"
                );
            }
        }
        Ok(added)
    }

    /// Compiles the automaton.
    pub fn build(self) -> Result<Dictionary, ModerationError> {
        if self.folded.is_empty() {
            return Ok(Dictionary::empty());
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&self.folded)
            .map_err(|e| ModerationError::InvalidOptions(format!("word lists cannot be compiled: {e}")))?;
        let patterns = self
            .folded
            .iter()
            .zip(self.owners)
            .map(|(folded, owners)| Pattern {
                len: folded.len(),
                owners,
                prefixes: folded
                    .char_indices()
                    .skip(1)
                    .filter_map(|(cut, _)| self.index.get(&folded[..cut]).copied())
                    .collect(),
            })
            .collect();
        Ok(Dictionary {
            automaton: Some(automaton),
            patterns,
            entries: self.entries,
        })
    }
}

impl fmt::Debug for DictionaryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DictionaryBuilder")
            .field("entries", &self.entries)
            .field("patterns", &self.folded.len())
            .finish()
    }
}
