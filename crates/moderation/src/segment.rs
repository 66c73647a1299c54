//! Chinese word boundaries, to tell a term from two words that happen to
//! spell it (`特色情况`, "special situation", is `特色` + `情况` and contains
//! `色情`).
//!
//! A full segmenter (jieba-rs) carries a 5 MB dictionary, an HMM and regex;
//! screening only needs a yes/no for the rare messages where a Chinese term
//! was found, so this is a compact dictionary segmenter instead: forward and
//! backward maximum matching over the 40,000 most frequent words of jieba's
//! dictionary (`data/jieba/`), with the term itself counted as a word. A
//! match is "across a word boundary" when **both** segmentations cut it:
//! some word starts before the term and ends inside it, or starts inside it
//! and ends after it. Requiring both keeps the cheap evasion of appending a
//! character (`色情况片`: forward matching keeps `色情` whole) from passing.
//! Separators are already folded away, so an enumeration comma between the
//! words (`特色、情况`) changes nothing.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::hanzi::is_han;
use crate::normalize::Normalized;

const WORDS: &str = include_str!("../data/jieba/words.txt");
/// Longest word in the list, in chars.
const MAX_WORD: usize = 4;
/// Chars of context looked at on each side of a match.
const CONTEXT: usize = 16;

static DICTIONARY: LazyLock<HashSet<&'static str>> = LazyLock::new(|| WORDS.lines().collect());

/// Builds the word set now rather than on the first Chinese hit.
pub(crate) fn preload() {
    LazyLock::force(&DICTIONARY);
}

/// Which side of a Han match at folded chars `first..=last` lies across a
/// word boundary in both segmentations: `(left, right)`.
pub(crate) fn crossings(text: &Normalized, first: usize, last: usize) -> (bool, bool) {
    let chars = text.chars();
    let mut from = first;
    while from > 0 && first - from < CONTEXT && is_han(chars[from - 1].ch) {
        from -= 1;
    }
    let mut to = last + 1;
    while to < chars.len() && to - last <= CONTEXT && is_han(chars[to].ch) {
        to += 1;
    }
    let run: Vec<char> = chars[from..to].iter().map(|c| c.ch).collect();
    let term = (first - from, last + 1 - from);
    let forward = forward_words(&run, term);
    let backward = backward_words(&run, term);
    let cuts = |words: &[(usize, usize)]| {
        let left = words.iter().any(|&(s, e)| s < term.0 && e > term.0 && e < term.1);
        let right = words.iter().any(|&(s, e)| s > term.0 && s < term.1 && e > term.1);
        (left, right)
    };
    let (fl, fr) = cuts(&forward);
    let (bl, br) = cuts(&backward);
    (fl && bl, fr && br)
}

fn is_word(run: &[char], start: usize, end: usize, term: (usize, usize)) -> bool {
    if (start, end) == term {
        return true;
    }
    if end - start > MAX_WORD {
        return false;
    }
    let mut buf = [0u8; MAX_WORD * 4];
    let mut len = 0;
    for c in &run[start..end] {
        len += c.encode_utf8(&mut buf[len..]).len();
    }
    std::str::from_utf8(&buf[..len]).is_ok_and(|w| DICTIONARY.contains(w))
}

fn forward_words(run: &[char], term: (usize, usize)) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut at = 0;
    while at < run.len() {
        let longest = (run.len() - at).min(MAX_WORD.max(term.1 - term.0));
        let len = (2..=longest)
            .rev()
            .find(|&len| is_word(run, at, at + len, term))
            .unwrap_or(1);
        words.push((at, at + len));
        at += len;
    }
    words
}

fn backward_words(run: &[char], term: (usize, usize)) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut end = run.len();
    while end > 0 {
        let longest = end.min(MAX_WORD.max(term.1 - term.0));
        let len = (2..=longest)
            .rev()
            .find(|&len| is_word(run, end - len, end, term))
            .unwrap_or(1);
        words.push((end - len, end));
        end -= len;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn cross(text: &str, term: &str) -> (bool, bool) {
        let folded = normalize(text);
        let start = folded.as_str().find(term).unwrap();
        let chars: Vec<usize> = folded.chars().iter().map(|c| c.at as usize).collect();
        let first = chars.iter().position(|&at| at == start).unwrap();
        let last = first + term.chars().count() - 1;
        crossings(&folded, first, last)
    }

    #[test]
    fn words_that_spell_a_term_are_told_apart() {
        assert_eq!(cross("特色情况", "色情"), (true, true));
        assert_eq!(cross("特色、情况", "色情"), (true, true));
        assert_eq!(cross("看色情片", "色情"), (false, false));
        assert_eq!(cross("色情况片", "色情"), (false, false));
        assert_eq!(cross("色情", "色情"), (false, false));
    }
}
