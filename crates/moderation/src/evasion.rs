//! Evasions undone by looking at a message a second way.
//!
//! Folding ([`crate::normalize`]) is one fixed function applied to terms and
//! messages alike. The evasions here cannot be folded that way without
//! breaking ordinary text — `1` is a digit far more often than an `i`, `oo`
//! is a real double letter, `女干` are two real characters — so screening
//! builds a *derived* text only when a message shows the trigger, matches
//! it against the same dictionaries, and keeps a hit only if it uses at
//! least one char the rule produced (everything else the plain pass
//! already judged):
//!
//! * **Leetspeak** (`p0rn`, `a$$`, `sh!t`, `f4ck`): digits and symbols
//!   standing for letters, applied where a leet char touches an ASCII
//!   letter, in two readings (`1`/`!`/`|` as `i`, then as `l`). The
//!   replacement is byte for byte, so the position map is exact, and Latin
//!   word boundaries are judged on the substituted text: the substitution
//!   must complete a term at word boundaries (`ass1`, `h4x` stay clean).
//! * **Stretched letters** (`shiiiit`, `poooorn`, `asssss`): runs of three
//!   or more of the same ASCII letter, collapsed to one and, separately, to
//!   two (for terms with a double letter). Runs of two are left alone:
//!   `good` must not read as `god`.
//! * **Split characters** (`女干` for `奸`, `弓虽` for `强`): pairs of
//!   components recombined through a small table.
//!
//! Masked letters (`f**k`) are matched separately, word by word
//! ([`masked_words`]).

use crate::normalize::Normalized;

/// The letter a leet char stands for; `one` is the reading of `1`, `!`
/// and `|` (`i` or `l`).
#[inline]
fn leet(byte: u8, one: u8) -> Option<u8> {
    Some(match byte {
        b'0' => b'o',
        b'1' | b'!' | b'|' => one,
        b'3' => b'e',
        b'4' | b'@' => b'a',
        b'5' | b'$' => b's',
        b'7' | b'+' => b't',
        b'8' => b'b',
        b'9' => b'g',
        _ => return None,
    })
}

/// Which byte-level evasions a field may hold: `(leet, masks)`. One pass,
/// since it runs on every message.
pub(crate) fn byte_triggers(field: &str) -> (bool, bool) {
    let bytes = field.as_bytes();
    let (mut leet_found, mut masks) = (false, false);
    let mut prev_letter = false;
    // A leet char counts next to a letter or a leet symbol (`@$$`).
    for (i, &b) in bytes.iter().enumerate() {
        let letter = b.is_ascii_alphabetic();
        if !letter && b.is_ascii() && b > b' ' {
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            let prev = if i > 0 { bytes[i - 1] } else { b' ' };
            let wordy = |b: u8| b.is_ascii_alphabetic() || matches!(b, b'@' | b'$' | b'!' | b'|');
            if leet(b, b'i').is_some() && (wordy(prev) || wordy(next)) {
                leet_found = true;
            }
            if prev_letter && is_mask(b) {
                masks = true;
            }
        }
        prev_letter = letter;
    }
    (leet_found, masks)
}

/// `field` with every leet char replaced by its letter (same length and
/// char boundaries: only ASCII bytes change).
pub(crate) fn leet_text(field: &str, one: u8, out: &mut String) {
    out.clear();
    out.extend(field.chars().map(|c| {
        if c.is_ascii() {
            leet(c as u8, one).map_or(c, char::from)
        } else {
            c
        }
    }));
}

/// Whether a leet-substituted text differs from `original` inside the
/// original byte range `range` (the hit used a substitution).
pub(crate) fn substituted(original: &str, leet: &str, range: std::ops::Range<usize>) -> bool {
    original.as_bytes()[range.clone()] != leet.as_bytes()[range]
}

/// Which char-level evasions folded text may hold: `(stretched, split)`:
/// a run of three or more of one ASCII letter, a component pair.
pub(crate) fn char_triggers(text: &Normalized) -> (bool, bool) {
    let chars = text.chars();
    let (mut stretched, mut split) = (false, false);
    for (i, c) in chars.iter().enumerate() {
        let c = c.ch;
        if c.is_ascii() {
            if c.is_ascii_alphabetic() && i >= 2 && chars[i - 1].ch == c && chars[i - 2].ch == c {
                stretched = true;
            }
        } else if FIRST_BLOOM & (1u128 << bloom_bit(c)) != 0
            && let Some(next) = chars.get(i + 1)
            && recombine(c, next.ch).is_some()
        {
            split = true;
        }
    }
    (stretched, split)
}

/// Derives `out` from `text` with every run of three or more of one ASCII
/// letter cut to `keep` (1 or 2) letters; the last kept letter stands for
/// the rest of the run and is marked.
pub(crate) fn collapse(text: &Normalized, keep: usize, out: &mut Normalized) {
    out.reset();
    let chars = text.chars();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut run = 1;
        while c.ch.is_ascii_alphabetic() && i + run < chars.len() && chars[i + run].ch == c.ch {
            run += 1;
        }
        if run >= 3 {
            for k in 0..keep {
                let to = if k + 1 == keep {
                    chars[i + run - 1].to
                } else {
                    chars[i + k].to
                };
                out.push(c.ch, chars[i + k].from, to, k + 1 == keep);
            }
        } else {
            for c in &chars[i..i + run] {
                out.push(c.ch, c.from, c.to, false);
            }
        }
        i += run;
    }
}

/// Components written side by side for one character, and the character.
const COMPONENTS: &[(char, char, char)] = &[
    ('女', '干', '奸'),
    ('弓', '虽', '强'),
    ('身', '寸', '射'),
    ('米', '青', '精'),
    ('月', '匈', '胸'),
    ('女', '马', '妈'),
    ('氵', '去', '法'),
    ('车', '仑', '轮'),
    ('工', '力', '功'),
    ('口', '勿', '吻'),
    ('扌', '喿', '操'),
    ('辶', '畐', '逼'),
    ('尸', '穴', '屄'),
    ('尸', '吊', '屌'),
    ('贝', '者', '赌'),
    ('十', '尃', '博'),
    ('衤', '果', '裸'),
    ('女', '票', '嫖'),
    ('女', '昌', '娼'),
    ('女', '支', '妓'),
    ('女', '乃', '奶'),
    ('女', '表', '婊'),
    ('又', '鸟', '鸡'),
    ('木', '仓', '枪'),
    ('火', '包', '炮'),
    ('犭', '虫', '独'),
    ('艹', '早', '草'),
    ('口', '欠', '吹'),
    ('口', '及', '吸'),
    ('阝', '月', '阴'),
    ('阝', '日', '阳'),
    ('忄', '生', '性'),
    ('马', '蚤', '骚'),
    ('钅', '戋', '钱'),
    ('贝', '兼', '赚'),
    ('亻', '言', '信'),
    ('讠', '舌', '话'),
];

/// A 128-bit Bloom filter of the first components, so the test above costs
/// one multiply per Chinese char for most of them.
const FIRST_BLOOM: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < COMPONENTS.len() {
        bits |= 1 << bloom_bit(COMPONENTS[i].0);
        i += 1;
    }
    bits
};

const fn bloom_bit(c: char) -> u32 {
    ((c as u32).wrapping_mul(0x9E37_79B9) >> 25) & 127
}

fn recombine(first: char, second: char) -> Option<char> {
    COMPONENTS
        .iter()
        .find(|&&(a, b, _)| a == first && b == second)
        .map(|&(_, _, c)| c)
}

/// Derives `out` from `text` with component pairs recombined (marked).
pub(crate) fn recombine_split(text: &Normalized, out: &mut Normalized) {
    out.reset();
    let chars = text.chars();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(next) = chars.get(i + 1)
            && let Some(whole) = recombine(c.ch, next.ch)
        {
            out.push(whole, c.from, next.to, true);
            i += 2;
            continue;
        }
        out.push(c.ch, c.from, c.to, false);
        i += 1;
    }
}

/// Chars that self-censoring writers put in place of letters.
fn is_mask(c: u8) -> bool {
    matches!(c, b'*' | b'#')
}

/// Words of `field` written with masking chars in place of letters
/// (`f**k`, `sh*t`, `a**`, `b***h`): runs of ASCII letters and `*`/`#`
/// that start with a letter and hold at least one mask. Each comes with
/// its byte range and the lowercased letters, `None` per mask. A word
/// starting with a mask (`**bold**`, `#tag`) is not taken: that is
/// markup, not a censored word.
pub(crate) fn masked_words(field: &str, mut found: impl FnMut(std::ops::Range<usize>, &[Option<u8>])) {
    let bytes = field.as_bytes();
    let mut word: Vec<Option<u8>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = bytes[i].is_ascii_alphabetic()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && !is_mask(bytes[i - 1]));
        if !starts_word {
            i += 1;
            continue;
        }
        let start = i;
        word.clear();
        while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || is_mask(bytes[i])) {
            word.push((!is_mask(bytes[i])).then(|| bytes[i].to_ascii_lowercase()));
            i += 1;
        }
        let glued = i < bytes.len() && bytes[i].is_ascii_digit();
        if !glued && word.len() >= 3 && word.contains(&None) {
            found(start..i, &word);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    #[test]
    fn leet_is_byte_for_byte() {
        let mut out = String::new();
        leet_text("p0rn 你好 a$$", b'i', &mut out);
        assert_eq!(out, "porn 你好 ass");
        assert_eq!(byte_triggers("sh!t"), (true, false));
        assert_eq!(byte_triggers("666 2333 a*"), (false, true));
    }

    #[test]
    fn stretched_runs_collapse_to_one_or_two() {
        let text = normalize("shiiiit asssss");
        let mut out = Normalized::default();
        collapse(&text, 1, &mut out);
        assert_eq!(out.as_str(), "shitas");
        collapse(&text, 2, &mut out);
        assert_eq!(out.as_str(), "shiitass");
        assert_eq!(out.original_range(0..4), Some(0..6));
        assert_eq!(out.original_range(0..5), Some(0..7));
    }

    #[test]
    fn masked_words_keep_their_letters() {
        let mut words = Vec::new();
        masked_words("what the f**k, **bold** a#b 5*3 f*ck9", |range, word| {
            words.push((
                range,
                word.iter().map(|b| b.map_or('?', char::from)).collect::<String>(),
            ))
        });
        assert_eq!(words, [(9..13, "f??k".to_string()), (24..27, "a?b".to_string())]);
    }
}
