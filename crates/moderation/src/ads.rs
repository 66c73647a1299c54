//! The ads detector: contact details that no word list can hold.
//!
//! Works on a lightly folded copy of the original text that keeps
//! separators (they matter here): full-width ASCII becomes ASCII, letters
//! are lowercased, Chinese and circled numerals become digits, and
//! obfuscated dots (`点`, `。`, `(dot)`, ` dot `) become `.`. Each char keeps
//! the byte range of the original it came from, so a hit can be masked.
//!
//! * **Phone numbers**: a run of digits (separators such as spaces, `-`,
//!   `.` allowed between them) that is a Chinese mobile number
//!   (`1[3-9]` + 9 digits, optionally after `86`), or has 8–15 digits after
//!   a `+`, or 7–12 digits after a cue (`电话`, `手机`, `tel`, `phone`…).
//! * **Contacts**: an ID after a messaging cue (`微信`, `vx`, `wx`, `qq`,
//!   `加`, `v`, `微`…, fillers like `我`, `:`, `号` allowed between): 5–11
//!   digits, or 6–20 letters, digits, `_`, `-` starting with a letter.
//!   After the weak cues (`加`, `v`, `微`, `q`) the ID must contain a
//!   digit, so `加油` or `v me` stay clean.
//! * **URLs**: `label.tld` with a known top-level domain, the dot possibly
//!   obfuscated and spaced (`abc dot com`, `abc点com`).

use std::ops::Range;

use crate::policy::{Action, AdsDetector};

/// One detected item: its original byte range, the label reported as the
/// hit's term, and the configured action.
pub(crate) struct AdHit {
    pub(crate) range: Range<usize>,
    pub(crate) term: &'static str,
    pub(crate) action: Action,
}

/// Term reported for phone numbers.
pub const PHONE: &str = "<phone>";
/// Term reported for messaging-app IDs.
pub const CONTACT: &str = "<contact>";
/// Term reported for URLs and domains.
pub const URL: &str = "<url>";

#[derive(Clone, Copy)]
struct Lite {
    ch: char,
    from: usize,
    to: usize,
}

/// Finds the configured kinds of contact details in `text`.
pub(crate) fn detect(text: &str, detector: &AdsDetector, out: &mut Vec<AdHit>) {
    if !detector.is_enabled() || text.is_empty() {
        return;
    }
    let chars = lite(text);
    if let Some(action) = detector.phone {
        phones(&chars, |range| {
            out.push(AdHit {
                range,
                term: PHONE,
                action,
            })
        });
    }
    if let Some(action) = detector.contact {
        contacts(&chars, |range| {
            out.push(AdHit {
                range,
                term: CONTACT,
                action,
            })
        });
    }
    if let Some(action) = detector.url {
        urls(&chars, |range| {
            out.push(AdHit {
                range,
                term: URL,
                action,
            })
        });
    }
}

fn lite(text: &str) -> Vec<Lite> {
    let mut out: Vec<Lite> = Vec::with_capacity(text.len());
    for (from, c) in text.char_indices() {
        let to = from + c.len_utf8();
        let ch = match c {
            '\u{FF0E}' => '.',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c).to_ascii_lowercase(),
            '\u{3000}' => ' ',
            '零' | '〇' => '0',
            '一' | '壹' | '幺' | '①' => '1',
            '二' | '贰' | '两' | '②' => '2',
            '三' | '叁' | '③' => '3',
            '四' | '肆' | '④' => '4',
            '五' | '伍' | '⑤' => '5',
            '六' | '陆' | '⑥' => '6',
            '七' | '柒' | '⑦' => '7',
            '八' | '捌' | '⑧' => '8',
            '九' | '玖' | '⑨' => '9',
            '点' | '點' | '。' | '｡' => '.',
            _ => c.to_ascii_lowercase(),
        };
        out.push(Lite { ch, from, to });
    }
    // `(dot)`, `[dot]`, `[.]`, `(.)` and a lone word `dot` are dots too.
    let mut i = 0;
    let mut folded = Vec::with_capacity(out.len());
    while i < out.len() {
        let rest = &out[i..];
        let starts = |s: &str| rest.len() >= s.chars().count() && s.chars().zip(rest).all(|(a, b)| a == b.ch);
        let word_start = i == 0 || !out[i - 1].ch.is_ascii_alphanumeric();
        let long = ["(dot)", "[dot]", "[.]", "(.)", "{dot}"]
            .iter()
            .find(|s| starts(s))
            .map(|s| s.len())
            .or_else(|| {
                (word_start && starts("dot") && rest.get(3).is_none_or(|c| !c.ch.is_ascii_alphanumeric())).then_some(3)
            });
        match long {
            Some(n) => {
                folded.push(Lite {
                    ch: '.',
                    from: rest[0].from,
                    to: rest[n - 1].to,
                });
                i += n;
            }
            None => {
                folded.push(rest[0]);
                i += 1;
            }
        }
    }
    folded
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn is_digit_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '_' | '/' | '(' | ')' | '\u{2014}' | '~' | ',')
}

const PHONE_CUES: [&str; 10] = [
    "电话", "手机", "致电", "联系", "热线", "tel", "phone", "call", "whatsapp", "号码",
];

fn phones(chars: &[Lite], mut found: impl FnMut(Range<usize>)) {
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i].ch) || (i > 0 && chars[i - 1].ch.is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut end = i;
        let mut j = i;
        while j < chars.len() && (is_digit(chars[j].ch) || is_digit_separator(chars[j].ch)) {
            if is_digit(chars[j].ch) {
                digits.push(chars[j].ch);
                end = j;
            }
            j += 1;
        }
        i = end + 1;
        if chars.get(end + 1).is_some_and(|c| c.ch.is_ascii_alphabetic()) {
            continue;
        }
        let mobile = |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
        let plus = start > 0 && matches!(chars[start - 1].ch, '+' | '＋');
        let before: String = chars[start.saturating_sub(8)..start].iter().map(|c| c.ch).collect();
        let cue = PHONE_CUES.iter().any(|cue| before.contains(cue));
        let is_phone = mobile(&digits)
            || (digits.len() == 13 && digits.starts_with("86") && mobile(&digits[2..]))
            || (plus && (8..=15).contains(&digits.len()))
            || (cue && (7..=12).contains(&digits.len()));
        if is_phone {
            let from = if plus { start - 1 } else { start };
            found(chars[from].from..chars[end].to);
        }
    }
}

/// Messaging cues; `true` for the weak ones, after which the ID must hold
/// a digit.
const CONTACT_CUES: [(&str, bool); 17] = [
    ("微信", false),
    ("薇信", false),
    ("威信", false),
    ("v信", false),
    ("vx", false),
    ("wx", false),
    ("weixin", false),
    ("wechat", false),
    ("qq", false),
    ("扣扣", false),
    ("企鹅", false),
    ("telegram", false),
    ("加", true),
    ("微", true),
    ("薇", true),
    ("v", true),
    ("q", true),
];

const FILLERS: &[char] = &[
    ' ', ':', '：', '=', '-', '_', '+', '~', '我', '号', '是', '为', '，', ',', '。', '.',
];

fn contacts(chars: &[Lite], mut found: impl FnMut(Range<usize>)) {
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        let cue = CONTACT_CUES
            .iter()
            .find(|(cue, _)| cue.chars().count() <= rest.len() && cue.chars().zip(rest).all(|(a, b)| a == b.ch));
        let Some(&(cue, weak)) = cue else {
            i += 1;
            continue;
        };
        let latin = cue.is_ascii();
        let cue_len = cue.chars().count();
        if latin && i > 0 && chars[i - 1].ch.is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let mut j = i + cue_len;
        let mut fillers = 0;
        while j < chars.len() && FILLERS.contains(&chars[j].ch) && fillers < 4 {
            j += 1;
            fillers += 1;
        }
        // A Latin cue glued to letters is just a word (`vincent`).
        if latin && fillers == 0 && chars.get(j).is_some_and(|c| c.ch.is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let id_start = j;
        while j < chars.len() && (chars[j].ch.is_ascii_alphanumeric() || matches!(chars[j].ch, '_' | '-')) {
            j += 1;
        }
        let id: String = chars[id_start..j].iter().map(|c| c.ch).collect();
        let has_digit = id.bytes().any(|b| b.is_ascii_digit());
        let numeric = id.bytes().all(|b| b.is_ascii_digit());
        let valid = if numeric {
            (5..=11).contains(&id.len())
        } else {
            (6..=20).contains(&id.len()) && id.as_bytes()[0].is_ascii_alphabetic()
        };
        if valid && (!weak || has_digit) {
            found(chars[i].from..chars[j - 1].to);
            i = j;
        } else {
            i += 1;
        }
    }
}

const TLDS: [&str; 21] = [
    "com", "net", "org", "cn", "io", "cc", "top", "xyz", "vip", "info", "biz", "app", "site", "shop", "club", "link",
    "ly", "tk", "co", "tv", "ru",
];

fn urls(chars: &[Lite], mut found: impl FnMut(Range<usize>)) {
    let is_label = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let mut last_end = 0;
    for (k, dot) in chars.iter().enumerate() {
        if dot.ch != '.' {
            continue;
        }
        let mut r = k + 1;
        while r < chars.len() && chars[r].ch == ' ' {
            r += 1;
        }
        let tld_start = r;
        while r < chars.len() && chars[r].ch.is_ascii_alphabetic() {
            r += 1;
        }
        if chars.get(r).is_some_and(|c| c.ch.is_ascii_digit()) {
            continue;
        }
        let tld: String = chars[tld_start..r].iter().map(|c| c.ch).collect();
        if !TLDS.contains(&tld.as_str()) {
            continue;
        }
        let mut l = k;
        while l > 0 && chars[l - 1].ch == ' ' {
            l -= 1;
        }
        let label_end = l;
        while l > 0 && is_label(chars[l - 1].ch) {
            l -= 1;
        }
        if label_end - l < 2 || chars[l].from < last_end {
            continue;
        }
        // Take in `www.` / `http://` and subdomains before the label.
        while l > 1 && chars[l - 1].ch == '.' && is_label(chars[l - 2].ch) {
            l -= 2;
            while l > 0 && is_label(chars[l - 1].ch) {
                l -= 1;
            }
        }
        found(chars[l].from..chars[r - 1].to);
        last_end = chars[r - 1].to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, String)> {
        let detector = AdsDetector {
            phone: Some(Action::Block),
            contact: Some(Action::Block),
            url: Some(Action::Block),
        };
        let mut out = Vec::new();
        detect(text, &detector, &mut out);
        out.into_iter().map(|h| (h.term, text[h.range].to_string())).collect()
    }

    #[test]
    fn each_kind_is_found() {
        assert_eq!(kinds("call 138 1234 5678 now"), [(PHONE, "138 1234 5678".to_string())]);
        assert_eq!(
            kinds("一三八一二三四五六七八"),
            [(PHONE, "一三八一二三四五六七八".to_string())]
        );
        assert_eq!(kinds("加vx：abc_123"), [(CONTACT, "vx：abc_123".to_string())]);
        assert_eq!(kinds("see abc dot com"), [(URL, "abc dot com".to_string())]);
        assert_eq!(kinds("去abc点com看"), [(URL, "abc点com".to_string())]);
        assert_eq!(
            kinds("https://www.example.com/x"),
            [(URL, "www.example.com".to_string())]
        );
    }

    #[test]
    fn ordinary_text_is_clean() {
        for text in [
            "加油加油",
            "23333333333",
            "v me 50",
            "Vincent2024",
            "e.g. this",
            "3.14 is pi",
            "我微笑了",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
    }
}
