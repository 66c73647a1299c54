//! Folding: every evasion class must hit, and a near-miss in the same
//! disguise must pass, so the folding is neither too weak nor too greedy.

use roomcast_moderation::{Category, Dictionary, ModerationOptions, ScreenRequest, Screener, normalize, normalize_str};

fn screener() -> Screener {
    let dictionary = Dictionary::new([(Category::Abuse, "fuck"), (Category::Politics, "法轮功")]).unwrap();
    Screener::with_dictionary(dictionary, &ModerationOptions::default()).unwrap()
}

fn hits(screener: &Screener, text: &str) -> Vec<String> {
    screener
        .screen_blocking(ScreenRequest::text(text))
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.term)
        .collect()
}

#[test]
fn each_evasion_class_hits_and_its_near_miss_passes() {
    let screener = screener();
    let cases = [
        ("case", "FuCk", "FoRk"),
        ("full-width", "ｆｕｃｋ", "ｆｏｒｋ"),
        ("full-width caps", "ＦＵＣＫ", "ＤＵＣＫ"),
        ("mathematical bold", "𝐟𝐮𝐜𝐤", "𝐝𝐮𝐜𝐤"),
        ("mathematical script", "𝒻𝓊𝒸𝓀", "𝒹𝓊𝒸𝓀"),
        ("circled", "ⓕⓤⓒⓚ", "ⓓⓤⓒⓚ"),
        ("circled caps", "ⒻⓊⒸⓀ", "ⒹⓊⒸⓀ"),
        ("parenthesized", "⒡⒰⒞⒦", "⒡⒪⒭⒦"),
        ("spaced", "f u c k", "f o r k"),
        (
            "ideographic space",
            "f\u{3000}u\u{3000}c\u{3000}k",
            "d\u{3000}u\u{3000}c\u{3000}k",
        ),
        ("dotted", "f.u.c.k", "d.u.c.k"),
        ("mixed punctuation", "f_u-c*k!", "f_o-r*k!"),
        ("zero-width space", "f\u{200b}uck", "d\u{200b}uck"),
        (
            "zero-width joiner",
            "f\u{200d}u\u{200c}c\u{2060}k",
            "f\u{200d}o\u{200c}r\u{2060}k",
        ),
        ("bom and soft hyphen", "f\u{feff}u\u{ad}ck", "d\u{feff}u\u{ad}ck"),
        ("variation selectors", "f\u{fe0f}u\u{fe0e}ck", "d\u{fe0f}u\u{fe0e}ck"),
        ("emoji between letters", "f🍆u🔥c👉k", "d🍆u🔥c👉k"),
        (
            "emoji zwj sequence",
            "fu👨\u{200d}👩\u{200d}👧ck",
            "du👨\u{200d}👩\u{200d}👧ck",
        ),
        (
            "stacked combining marks",
            "f\u{338}u\u{336}c\u{489}k\u{35c}",
            "f\u{338}o\u{336}r\u{489}k\u{35c}",
        ),
        ("cjk", "法轮功", "法轮"),
        ("cjk separators", "法 轮-功", "法 轮-工"),
        ("cjk punctuation", "法。轮，功", "法。轮，工"),
        ("cjk full-width symbols", "法＊轮／功", "法＊轮／工"),
    ];
    for (class, hit, miss) in cases {
        assert_eq!(hits(&screener, hit).len(), 1, "{class}: {hit:?} should hit");
        assert!(hits(&screener, miss).is_empty(), "{class}: {miss:?} should pass");
    }
}

#[test]
fn separators_are_removed_and_letters_kept() {
    assert_eq!(normalize_str("Hello, World! 123"), "helloworld123");
    assert_eq!(normalize_str("Straße"), "strasse");
    // Greek and Cyrillic are folded to the Latin letters they resemble, so a
    // whole word in those scripts becomes (meaningless) Latin; see the
    // homoglyph tests for why.
    assert!(
        normalize_str("ΣΊΣΥΦΟΣ привет")
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
    );
    assert_eq!(normalize_str("Ⅻ ① ²"), "xii12");
    assert_eq!(normalize_str("ﬁne ㎏"), "finekg");
    // Letters of other scripts survive (folded or not, they are content).
    for word in [
        "привет",
        "مرحبا",
        "नमस्ते",
        "안녕하세요",
        "こんにちは",
        "カタカナ",
        "々〇",
    ] {
        let folded = normalize_str(word);
        assert!(!folded.is_empty(), "{word:?} folded to nothing");
        assert!(folded.chars().all(char::is_alphanumeric), "{word:?} → {folded:?}");
    }
    // Scripts that are not used to imitate Latin stay as they are.
    for word in ["안녕하세요", "こんにちは", "カタカナ", "مرحبا", "々〇"] {
        assert_eq!(normalize_str(word), word);
    }
    assert_eq!(normalize_str("ｶﾞｷﾞ"), "ガギ");
    // Precomposed and decomposed accents fold alike, and to the bare letter:
    // `fück` is an evasion of `fuck`.
    assert_eq!(normalize_str("Cafe\u{301}"), normalize_str("CAFÉ"));
    assert_eq!(normalize_str("CAFÉ"), "cafe");
}

#[test]
fn only_separators_fold_to_nothing() {
    let noise = " \t\n.,!?-_*/\\|~`'\"()[]{}<>@#$%^&+=—–…·•、。，！？「」『』【】〜\u{3000}\u{200b}\u{200d}\u{feff}\u{ad}\u{fe0f}😀🎉👍🏽♥★→";
    assert_eq!(normalize_str(noise), "");
    // Regional indicators are letters (issue #16): a flag is its two-letter
    // code, and `🇵🇴🇷🇳` spells a word.
    assert_eq!(normalize_str("🇨🇳 🇵🇴🇷🇳"), "cnporn");
    // Compatibility forms of letters are letters, not symbols.
    // Symbols that imitate letters are letters to the homoglyph folding
    // (℃ is NFKC "°c", and ° passes for a small o).
    assert_eq!(normalize_str("™ ℃"), "tmoc");
    assert_eq!(normalize_str("© ®"), "cr");
    assert!(normalize(noise).is_empty());
}

#[test]
fn folding_is_idempotent() {
    let samples = [
        "FuCk ｆｕｃｋ 𝐟𝐮𝐜𝐤 ⓕⓤⓒⓚ",
        "Straße ΣΊΣΥΦΟΣ İstanbul",
        "ｶﾞ 가 ᄀ\u{1161} e\u{301} ﬃ ㎒ ½",
        "法 轮-功 々 〇 ㊙ ㈱",
        "Z\u{338}\u{336}a\u{35c}l\u{489}g\u{20dd}o",
    ];
    for sample in samples {
        let once = normalize_str(sample);
        assert_eq!(normalize_str(&once), once, "not idempotent for {sample:?}");
    }
}

#[test]
fn every_folded_char_maps_back_to_its_original() {
    let original = "Ｆ.u ｃ\u{200b}K";
    let folded = normalize(original);
    assert_eq!(folded.as_str(), "fuck");
    let sources: Vec<&str> = folded.origins().iter().map(|r| &original[r.clone()]).collect();
    assert_eq!(sources, ["Ｆ", "u", "ｃ", "K"]);
    // A span over the whole folded text covers the separators in between.
    assert_eq!(folded.original_range(0..4), Some(0..original.len()));

    // One original char can yield several folded chars.
    let folded = normalize("aﬁb");
    assert_eq!(folded.as_str(), "afib");
    assert_eq!(folded.origins(), [0..1, 1..4, 1..4, 4..5]);
    assert_eq!(folded.original_range(2..3), Some(1..4));

    // Composition pulls the combining mark into the same original range.
    let folded = normalize("e\u{301}x");
    assert_eq!(folded.as_str(), "ex");
    assert_eq!(folded.origins(), [0..3, 3..4]);
}
