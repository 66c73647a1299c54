//! Pinyin spellings of Chinese terms.
//!
//! Chat users dodge Chinese lists by writing a term, or one character of
//! it, in pinyin: `falungong`, `法lun功`, `色qing`, or by its initials
//! (`flg`). For every listed term of two to eight Han characters the
//! dictionary also compiles:
//!
//! * the whole term in pinyin (`seqing`), a Latin word like any other
//!   (whole-word matching, spaced-out letters included);
//! * each character in turn replaced by its pinyin (`se情`, `色qing`);
//! * for terms of three or more characters, the initials (`flg`); two
//!   letters are too short to tell a term from an abbreviation.
//!
//! Readings come from the `pinyin` crate (the Unicode Unihan / pinyin-data
//! tables), default reading only: a character with several readings
//! (多音字) is matched by its most common one. Mixing more than one
//! pinyin syllable with characters (`fa轮gong`) is not covered: the
//! combinations grow exponentially with the term length.

use pinyin::ToPinyin;

use crate::hanzi::is_han;
use crate::normalize::normalize_str;

/// Longest term, in chars, given pinyin spellings.
const MAX_CHARS: usize = 8;

/// The pinyin spellings of a folded term, if it is all Han; already folded.
pub(crate) fn spellings(folded: &str) -> Vec<String> {
    let chars: Vec<char> = folded.chars().collect();
    if !(2..=MAX_CHARS).contains(&chars.len()) || !chars.iter().all(|&c| is_han(c)) {
        return Vec::new();
    }
    let Some(readings) = chars
        .iter()
        .map(|c| {
            c.to_pinyin().map(|p| {
                let plain = p.plain();
                // Plain readings are ASCII but for `ü`; folding is costly
                // enough to skip when a 100k-term list is rebuilt.
                if plain.is_ascii() {
                    plain.to_owned()
                } else {
                    normalize_str(plain)
                }
            })
        })
        .collect::<Option<Vec<String>>>()
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(chars.len() + 2);
    out.push(readings.concat());
    if chars.len() >= 3 {
        out.push(readings.iter().filter_map(|r| r.chars().next()).collect());
    }
    for replaced in 0..chars.len() {
        let mut spelling = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if i == replaced {
                spelling.push_str(&readings[i]);
            } else {
                spelling.push(c);
            }
        }
        out.push(spelling);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_a_term() {
        assert_eq!(
            spellings("法轮功"),
            ["falungong", "flg", "fa轮功", "法lun功", "法轮gong"]
        );
        assert_eq!(spellings("色情"), ["seqing", "se情", "色qing"]);
        assert!(spellings("色").is_empty());
        assert!(spellings("sex").is_empty());
    }
}
