//! Display tricks undone before matching: text that *shows* as a listed
//! term although its code points differ.
//!
//! * HTML numeric entities (`&#115;` shows as `s` wherever the text is
//!   rendered as HTML);
//! * a right-to-left override (U+202E), which shows the text after it
//!   reversed until the end of the embedding (U+202C), the line or the text;
//! * regional indicator symbols (`🇸🇪` is two letters, S and E, that most
//!   platforms draw as a flag and some as boxed letters);
//! * Greek and Cyrillic capitals, which imitate Latin *capitals*: `Η` (eta)
//!   is an H, while its lowercase `η` looks like an n.

/// U+202E RIGHT-TO-LEFT OVERRIDE.
pub(crate) const RIGHT_TO_LEFT_OVERRIDE: char = '\u{202E}';

/// Where the text reversed by an override starting before byte `from` ends:
/// at the next POP DIRECTIONAL FORMATTING, LEFT-TO-RIGHT OVERRIDE, line
/// break, or the end of the text.
pub(crate) fn override_end(input: &str, from: usize) -> usize {
    input[from..]
        .find(['\u{202C}', '\u{202D}', '\n', '\r', '\u{2029}'])
        .map_or(input.len(), |at| from + at)
}

/// Decodes an HTML character reference at the start of `text` (which starts
/// with `&`): numeric (`&#115;`, `&#x73;`, the `;` optional as browsers
/// accept it) or one of the few named ones chat text carries. Returns the
/// char and the length of the reference. Named references all stand for
/// punctuation, returned as a space (a separator).
pub(crate) fn html_entity(text: &str) -> Option<(char, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (radix, digits_at) = match bytes.get(2) {
            Some(b'x' | b'X') => (16, 3),
            _ => (10, 2),
        };
        let digits = bytes[digits_at..]
            .iter()
            .take_while(|b| {
                if radix == 16 {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 || digits > 7 {
            return None;
        }
        let value = u32::from_str_radix(&text[digits_at..digits_at + digits], radix).ok()?;
        let mut len = digits_at + digits;
        if bytes.get(len) == Some(&b';') {
            len += 1;
        }
        return char::from_u32(value).filter(|c| !c.is_control()).map(|c| (c, len));
    }
    const NAMED: [&str; 6] = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;"];
    NAMED
        .iter()
        .find(|name| {
            text.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
        .map(|name| (' ', name.len()))
}

/// The Latin letter a regional indicator symbol stands for.
#[inline]
pub(crate) fn regional_indicator(c: char) -> Option<char> {
    let offset = (c as u32).checked_sub(0x1F1E6)?;
    (offset < 26).then(|| char::from(b'a' + offset as u8))
}

pub(crate) fn is_greek_or_cyrillic(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{052F}' | '\u{1F00}'..='\u{1FFF}')
}

/// The lowercase Latin letter a Greek or Cyrillic capital imitates, if any.
pub(crate) fn capital_lookalike(c: char) -> Option<char> {
    Some(match c {
        'Α' | 'Ά' | 'А' | 'Ӑ' | 'Ӓ' => 'a',
        'Β' | 'В' => 'b',
        'Ϲ' | 'С' => 'c',
        'Ε' | 'Έ' | 'Е' | 'Ё' | 'Ѐ' => 'e',
        'Η' | 'Ή' | 'Н' | 'Һ' => 'h',
        'Ι' | 'Ί' | 'Ϊ' | 'І' | 'Ї' | 'Ӏ' => 'i',
        'Ϳ' | 'Ј' => 'j',
        'Κ' | 'К' => 'k',
        'Μ' | 'М' => 'm',
        'Ν' => 'n',
        'Ο' | 'Ό' | 'О' | 'Ӧ' => 'o',
        'Ρ' | 'Р' => 'p',
        'Ԛ' => 'q',
        'Ѕ' => 's',
        'Τ' | 'Т' => 't',
        'Υ' | 'Ύ' | 'Ϋ' | 'У' | 'Ү' => 'y',
        'Ԝ' => 'w',
        'Χ' | 'Х' => 'x',
        'Ζ' => 'z',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_with_their_length() {
        assert_eq!(html_entity("&#115;hit"), Some(('s', 6)));
        assert_eq!(html_entity("&#x73hit"), Some(('s', 5)));
        assert_eq!(html_entity("&AMP; x"), Some((' ', 5)));
        assert_eq!(html_entity("& nothing"), None);
        assert_eq!(html_entity("&#;"), None);
        assert_eq!(html_entity("&#99999999;"), None);
        // Never slices inside a multi-byte char.
        assert_eq!(html_entity("&a\u{e9}"), None);
        assert_eq!(html_entity("&"), None);
    }

    #[test]
    fn regional_indicators_are_letters() {
        assert_eq!(regional_indicator('🇦'), Some('a'));
        assert_eq!(regional_indicator('🇿'), Some('z'));
        assert_eq!(regional_indicator('😀'), None);
    }
}
