//! Matching rules: homoglyph and Traditional Chinese folding, Latin word
//! boundaries, wildcards, allow-lists, masking through the position map, and
//! the flag action.

use std::collections::BTreeMap;

use roomcast_moderation::{
    Action, AuditQuery, Category, ModerationOptions, ScreenOutcome, ScreenRequest, Screener, Term, WordList,
};

fn screener(terms: &[(Category, &str)], allow: &[&str]) -> Screener {
    screener_with_actions(terms, allow, &[])
}

fn screener_with_actions(terms: &[(Category, &str)], allow: &[&str], actions: &[(Category, Action)]) -> Screener {
    let options = ModerationOptions {
        actions: actions.iter().copied().collect::<BTreeMap<_, _>>(),
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    let list = WordList::terms(terms.iter().map(|&(c, t)| Term::new(c, t))).with_allow(allow.iter().copied());
    screener.set_global_terms(list).unwrap();
    screener
}

fn screen(screener: &Screener, text: &str) -> ScreenOutcome {
    screener.screen_blocking(ScreenRequest::text(text)).unwrap()
}

fn terms(screener: &Screener, text: &str) -> Vec<String> {
    screen(screener, text).hits.into_iter().map(|h| h.term).collect()
}

#[test]
fn homoglyphs_hit_and_their_near_misses_pass() {
    let screener = screener(&[(Category::Abuse, "fuck"), (Category::Abuse, "shit")], &[]);
    let cases = [
        // (class, hit, near miss in the same disguise)
        ("cyrillic es", "fu\u{441}k", "fo\u{433}k"),
        (
            "cyrillic throughout",
            "\u{455}\u{4bb}\u{456}t",
            "\u{455}\u{4bb}\u{43e}t",
        ),
        ("greek upsilon", "f\u{3c5}ck", "f\u{3bf}rk"),
        ("small capitals", "ꜰᴜᴄᴋ", "ꜰᴏʀᴋ"),
        ("accents", "fück", "förk"),
        ("decomposed accents", "fu\u{308}ck", "fo\u{308}rk"),
        ("letter-like symbols", "fu©k", "fo®k"),
        ("enclosed letters", "🅵🆄🅲🅺", "🅵🅾🆁🅺"),
        ("homoglyphs spaced out", "f u \u{441} k", "f o \u{433} k"),
    ];
    for (class, hit, miss) in cases {
        assert_eq!(terms(&screener, hit).len(), 1, "{class}: {hit:?} should hit");
        assert!(terms(&screener, miss).is_empty(), "{class}: {miss:?} should pass");
    }
}

#[test]
fn traditional_chinese_hits_and_near_misses_pass() {
    let screener = screener(&[(Category::Politics, "法轮功"), (Category::Porn, "发票")], &[]);
    let cases = [
        ("traditional", "法輪功", "法輪工"),
        ("mixed scripts", "法轮功", "法轮"),
        ("traditional with separators", "法.輪 功", "法.輪 工"),
        (
            "traditional with zero-width",
            "法\u{200b}輪\u{200d}功",
            "法\u{200b}輪\u{200d}工",
        ),
        ("two traditional forms, one simplified", "發票 髮票", "發財"),
        ("compatibility ideograph", "法\u{F9D7}功", "法\u{F9D7}工"),
    ];
    for (class, hit, miss) in cases {
        assert!(!terms(&screener, hit).is_empty(), "{class}: {hit:?} should hit");
        assert!(terms(&screener, miss).is_empty(), "{class}: {miss:?} should pass");
    }
    assert_eq!(terms(&screener, "發票 髮票"), ["发票", "发票"]);
}

#[test]
fn width_case_separators_and_zero_width_still_fold() {
    let screener = screener(&[(Category::Abuse, "fuck")], &[]);
    let cases = [
        ("width", "ｆｕｃｋ", "ｆｏｒｋ"),
        ("case", "FuCK", "FoRK"),
        ("separators", "f-u_c.k", "f-o_r.k"),
        (
            "zero-width",
            "f\u{200b}u\u{200c}c\u{2060}k",
            "f\u{200b}o\u{200c}r\u{2060}k",
        ),
    ];
    for (class, hit, miss) in cases {
        assert_eq!(terms(&screener, hit).len(), 1, "{class}: {hit:?} should hit");
        assert!(terms(&screener, miss).is_empty(), "{class}: {miss:?} should pass");
    }
}

#[test]
fn list_entries_are_folded_like_messages() {
    // Entries written with homoglyphs, full width or Traditional forms match
    // plain text, and the other way round.
    let screener = screener(
        &[(Category::Abuse, "ＳＨ\u{406}Т"), (Category::Politics, "法輪功")],
        &[],
    );
    assert_eq!(terms(&screener, "shit"), ["ＳＨ\u{406}Т"]);
    assert_eq!(terms(&screener, "法轮功"), ["法輪功"]);
}

#[test]
fn latin_terms_do_not_match_inside_longer_words() {
    let screener = screener(
        &[
            (Category::Abuse, "cunt"),
            (Category::Abuse, "ass"),
            (Category::Abuse, "shit"),
        ],
        &[],
    );
    for clean in [
        "Scunthorpe",
        "scunthorpe united",
        "class",
        "assistant",
        "grass",
        "passage",
        "mishit",
        "shitake",
        "ass1",
        "2ass",
        // Homoglyphs and full width are Latin letters for the boundary too.
        "S\u{441}unthorpe",
        "ｃｌａｓｓ",
        "clａss",
        "cl\u{430}ss",
        "classé",
    ] {
        assert!(terms(&screener, clean).is_empty(), "{clean:?} should pass");
    }
    for (text, expected) in [
        ("cunt", vec!["cunt"]),
        ("c.u.n.t", vec!["cunt"]),
        ("c u n t", vec!["cunt"]),
        ("you c u n t!", vec!["cunt"]),
        ("c\u{200b}unt", vec!["cunt"]),
        ("my ass.", vec!["ass"]),
        ("ASS", vec!["ass"]),
        ("\u{430}ss", vec!["ass"]),
        // CJK and other non-Latin letters are not part of a Latin word.
        ("傻ass你", vec!["ass"]),
        ("ass😀shit", vec!["ass", "shit"]),
        ("class ass", vec!["ass"]),
    ] {
        assert_eq!(terms(&screener, text), expected, "{text:?}");
    }
}

#[test]
fn known_limit_spaced_out_longer_words() {
    // Separators between single letters erase the word boundary, so a
    // spaced-out longer word that contains a term hits. This pins the
    // documented trade-off: the alternative (treating runs of single letters
    // as one word) would let `f u c k i n g` through.
    let screener = screener(&[(Category::Abuse, "ass"), (Category::Abuse, "fuck")], &[]);
    assert_eq!(terms(&screener, "c l a s s"), ["ass"]);
    assert_eq!(terms(&screener, "f u c k i n g"), ["fuck"]);
    // Unspaced, the inflected form is a longer word: list it or use `fuck*`.
    assert!(terms(&screener, "fucking").is_empty());
}

#[test]
fn wildcards_lift_the_boundary_on_their_side() {
    let screener = screener(
        &[
            (Category::Abuse, "fuck*"),
            (Category::Abuse, "*hole"),
            (Category::Porn, "*porn*"),
        ],
        &[],
    );
    assert_eq!(terms(&screener, "fucking"), ["fuck*"]);
    assert_eq!(terms(&screener, "fuck"), ["fuck*"]);
    assert!(terms(&screener, "motherfucker").is_empty());
    assert_eq!(terms(&screener, "asshole"), ["*hole"]);
    assert!(terms(&screener, "holes").is_empty());
    assert_eq!(terms(&screener, "xxpornxx"), ["*porn*"]);
    // `fuck` and `fuck*` in one category report one hit per occurrence.
    let both = screener_with_actions(&[(Category::Abuse, "fuck"), (Category::Abuse, "fuck*")], &[], &[]);
    assert_eq!(terms(&both, "fuck"), ["fuck"]);
}

#[test]
fn mixed_and_digit_terms() {
    // A term with an ASCII letter is Latin; its boundary is checked at the
    // ends that are Latin. Digit-only terms match anywhere, like CJK.
    let screener = screener(&[(Category::Politics, "习wp"), (Category::Politics, "8964")], &[]);
    assert_eq!(terms(&screener, "大习wp了"), ["习wp"]);
    assert_eq!(terms(&screener, "a习wp"), ["习wp"]);
    assert!(terms(&screener, "习wpx").is_empty());
    assert_eq!(terms(&screener, "198964"), ["8964"]);
}

#[test]
fn cjk_terms_match_as_substrings() {
    let screener = screener(&[(Category::Abuse, "傻逼")], &[]);
    assert_eq!(terms(&screener, "你是傻逼吗"), ["傻逼"]);
    assert_eq!(terms(&screener, "abc傻逼def"), ["傻逼"]);
}

#[test]
fn allow_list_overrides_hits_inside_its_occurrences() {
    let screener = screener(
        &[
            (Category::Custom, "分"),
            (Category::Custom, "析数"),
            (Category::Abuse, "cock"),
        ],
        &["分析", "Cock Robin"],
    );
    assert!(terms(&screener, "数据分析").is_empty());
    // Allow phrases are folded like everything else.
    assert!(terms(&screener, "數據 分 . 析").is_empty());
    assert!(terms(&screener, "who killed COCK-ROBIN?").is_empty());
    // Outside the phrase the term still hits.
    assert_eq!(terms(&screener, "分钱"), ["分"]);
    assert_eq!(terms(&screener, "分析 分"), ["分"]);
    assert_eq!(terms(&screener, "cock"), ["cock"]);
    // A hit that only partly overlaps an allowed phrase is not covered.
    assert_eq!(terms(&screener, "分析数"), ["析数"]);
    // Allow phrases obey the Latin boundary rule too: "cock robins" is
    // another word, so the phrase does not occur and the term hits.
    assert_eq!(terms(&screener, "cock robins"), ["cock"]);
}

#[test]
fn masking_maps_back_to_original_characters() {
    let screener = screener(&[(Category::Abuse, "fuck"), (Category::Abuse, "法轮功")], &[]);
    let cases = [
        ("fu\u{441}k you", "**** you"),
        ("ｆ ｕ ｃ ｋ!", "*******!"),
        ("𝐟ü𝐜𝐤", "****"),
        // Each original char, combining marks included, becomes one star.
        ("fu\u{308}ck", "*****"),
        ("🅵🆄🅲🅺 ok", "**** ok"),
        ("好 法輪功 好", "好 *** 好"),
        ("法\u{200b}輪功了", "****了"),
    ];
    for (input, expected) in cases {
        let outcome = screen(&screener, input);
        assert_eq!(outcome.fields, [expected], "{input:?}");
        assert_eq!(outcome.fields[0].chars().count(), input.chars().count());
    }
}

#[test]
fn flag_delivers_unchanged_but_records() {
    let screener = screener_with_actions(
        &[(Category::Ads, "buy gold"), (Category::Abuse, "idiot")],
        &[],
        &[(Category::Ads, Action::Flag)],
    );
    let request = ScreenRequest::new(vec!["BUY  GOLD now, idiot".into()])
        .with_app(5)
        .with_room("r1")
        .with_user("u1");
    let outcome = screener.screen_blocking(request).unwrap();
    assert!(!outcome.is_blocked());
    assert_eq!(outcome.fields, ["BUY  GOLD now, *****"]);
    assert_eq!(outcome.hits.len(), 2);
    assert_eq!(outcome.hits[0].action.as_str(), "flag");
    assert_eq!(outcome.hits[0].category.as_str(), "ads");
    assert_eq!(
        outcome.counts(),
        [(Category::Ads, Action::Flag, 1), (Category::Abuse, Action::Mask, 1)]
    );

    let records = screener.audit(&AuditQuery::app(5));
    assert_eq!(records.len(), 2);
    let flagged = records.iter().find(|r| r.action == Action::Flag).unwrap();
    assert_eq!(
        (flagged.term.as_str(), flagged.room.as_deref()),
        ("buy gold", Some("r1"))
    );

    // Flag only: delivered byte for byte.
    let outcome = screen(&screener, "buy gold!!");
    assert_eq!(outcome.fields, ["buy gold!!"]);
    assert_eq!(outcome.verdict(), Some(Action::Flag));
}

#[test]
fn request_stays_constructible_as_before() {
    // Callers that only set `fields` keep compiling with `..Default`.
    let fields = vec!["hello".to_string()];
    let request = ScreenRequest {
        fields: fields.clone(),
        ..Default::default()
    };
    assert_eq!(request, ScreenRequest::new(fields.clone()));
    let full = ScreenRequest::for_app(9, "room", "user", fields);
    assert_eq!(
        (full.app, full.room.as_deref(), full.user.as_deref()),
        (Some(9), Some("room"), Some("user"))
    );
}
