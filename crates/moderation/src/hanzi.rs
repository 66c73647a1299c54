//! Traditional → Simplified Chinese folding, one character at a time.
//!
//! The mapping is OpenCC's `TSCharacters.txt` (Apache-2.0, vendored under
//! `data/opencc/`), reduced to its first (default) candidate per character.
//! Phrase-level conversion (OpenCC's `TSPhrases`) is deliberately not used:
//! every conversion here is one char to one char, so the position map that
//! masking relies on stays a plain per-char map. The cost is that the few
//! characters whose simplified form depends on the word (e.g. 乾 in 乾隆 vs
//! 乾淨) always take the default candidate; since terms and messages are
//! folded by the same function, a listed term still matches the same text.

use std::sync::LazyLock;

const DATA: &str = include_str!("../data/opencc/TSCharacters.txt");

/// Variant characters (异体字, Japanese shinjitai, radical forms) and their
/// standard Simplified form; folded like Traditional characters.
const VARIANTS: &str = include_str!("../data/variants.txt");

/// The block that holds almost every traditional character (CJK Extension A
/// and the Unified Ideographs) is looked up by direct index, because Chinese
/// text is the bulk of traffic and a binary search per character would cost
/// more than the rest of folding.
const DENSE_START: u32 = 0x3400;
const DENSE_END: u32 = 0xA000;

struct Table {
    /// Target for each code point in `DENSE_START..DENSE_END`, or 0 for
    /// "unchanged".
    dense: Box<[u32]>,
    /// Sorted `(traditional, simplified)` pairs outside the dense block
    /// (mostly CJK Extension B).
    sparse: Box<[(u32, u32)]>,
}

static TABLE: LazyLock<Table> = LazyLock::new(Table::load);

impl Table {
    fn load() -> Self {
        let mut pairs: Vec<(char, char)> = DATA
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| {
                let (key, values) = line.split_once('\t')?;
                let mut key = key.chars();
                let from = key.next()?;
                let to = values.split_whitespace().next()?.chars().next()?;
                // Multi-char keys would break the one-to-one position map;
                // the file has none, and any that appear later are skipped.
                key.next().is_none().then_some((from, to))
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|&mut (from, _)| from);
        let variants: Vec<(char, char)> = variant_pairs()
            .filter(|&(from, _)| pairs.binary_search_by_key(&from, |&(f, _)| f).is_err())
            .collect();
        pairs.extend(variants);
        pairs.sort_unstable();
        pairs.dedup_by_key(|&mut (from, _)| from);
        let lookup = |pairs: &[(char, char)], c: char| {
            pairs
                .binary_search_by_key(&c, |&(from, _)| from)
                .ok()
                .map(|i| pairs[i].1)
        };
        // Follow chains (薴 → 苧 → 苎) so folding is idempotent: a folded
        // term must fold to itself, or the dictionary would miss it.
        let resolved: Vec<(u32, u32)> = pairs
            .iter()
            .map(|&(from, mut to)| {
                for _ in 0..8 {
                    match lookup(&pairs, to) {
                        Some(next) if next != to => to = next,
                        _ => break,
                    }
                }
                (from as u32, to as u32)
            })
            .collect();

        let mut dense = vec![0u32; (DENSE_END - DENSE_START) as usize].into_boxed_slice();
        let mut sparse = Vec::new();
        for (from, to) in resolved {
            if from == to {
                continue;
            }
            if (DENSE_START..DENSE_END).contains(&from) {
                dense[(from - DENSE_START) as usize] = to;
            } else {
                sparse.push((from, to));
            }
        }
        Self {
            dense,
            sparse: sparse.into_boxed_slice(),
        }
    }
}

fn variant_pairs() -> impl Iterator<Item = (char, char)> {
    VARIANTS
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (from, to) = line.split_once('\t')?;
            Some((from.chars().next()?, to.trim().chars().next()?))
        })
}

/// The CJK Radicals Supplement forms that stand for a whole character
/// (`⻔` for 门), so a term cannot be spelled with them. Looked up only for
/// chars in that block, which ordinary text does not use.
pub(crate) fn radical(c: char) -> Option<char> {
    if !matches!(c, '\u{2E80}'..='\u{2EFF}') {
        return None;
    }
    let code = c as u32;
    let table = &*TABLE;
    table
        .sparse
        .binary_search_by_key(&code, |&(from, _)| from)
        .ok()
        .and_then(|i| char::from_u32(table.sparse[i].1))
}

/// Forces the table to load now rather than on the first Chinese message.
pub(crate) fn preload() {
    LazyLock::force(&TABLE);
}

/// The simplified form of `c`, or `c` itself.
#[inline]
pub(crate) fn simplify(c: char) -> char {
    let code = c as u32;
    let table = &*TABLE;
    let to = if (DENSE_START..DENSE_END).contains(&code) {
        table.dense[(code - DENSE_START) as usize]
    } else if code >= 0x20000 || (0x2E80..0x2F00).contains(&code) {
        table
            .sparse
            .binary_search_by_key(&code, |&(from, _)| from)
            .map_or(0, |i| table.sparse[i].1)
    } else {
        0
    };
    if to == 0 { c } else { char::from_u32(to).unwrap_or(c) }
}

/// Han ideographs (Unified, Extension A and the supplementary-plane
/// extensions): the characters [`simplify`] may change, and the ones kept
/// away from homoglyph folding.
#[inline]
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{20000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_common_traditional_characters() {
        let traditional = "法輪功發髮臺灣國語廣東話體";
        let simplified: String = traditional.chars().map(simplify).collect();
        assert_eq!(simplified, "法轮功发发台湾国语广东话体");
        // Simplified and non-Han text is untouched.
        for c in "简体字abcカ한😀".chars() {
            assert_eq!(simplify(c), c);
        }
    }

    #[test]
    fn chains_are_resolved_so_folding_is_idempotent() {
        for &(from, to) in TABLE.sparse.iter() {
            let to = char::from_u32(to).unwrap();
            assert_eq!(simplify(to), to, "{:?}", char::from_u32(from));
        }
        for (offset, &to) in TABLE.dense.iter().enumerate() {
            if to != 0 {
                let to = char::from_u32(to).unwrap();
                assert_eq!(simplify(to), to, "U+{:X}", DENSE_START as usize + offset);
            }
        }
        assert_eq!(simplify('薴'), '苎');
    }
}
