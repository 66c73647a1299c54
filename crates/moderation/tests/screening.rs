//! Actions, masking and multi-field behaviour of a single screening pass.

use std::collections::BTreeMap;

use roomcast_moderation::{
    Action, Category, Dictionary, Hit, ModerationOptions, ScreenOutcome, ScreenRequest, Screener,
};

fn screener_with(entries: &[(Category, &str)], actions: &[(Category, Action)]) -> Screener {
    let options = ModerationOptions {
        actions: actions.iter().copied().collect::<BTreeMap<_, _>>(),
        ..ModerationOptions::default()
    };
    let dictionary = Dictionary::new(entries.iter().copied()).unwrap();
    Screener::with_dictionary(dictionary, &options).unwrap()
}

fn default_screener() -> Screener {
    screener_with(
        &[
            (Category::Abuse, "fuck"),
            (Category::Ads, "buy now"),
            (Category::Politics, "法轮功"),
            (Category::Porn, "porn"),
        ],
        &[],
    )
}

fn screen(screener: &Screener, fields: &[&str]) -> ScreenOutcome {
    let request = ScreenRequest::new(fields.iter().map(|f| f.to_string()).collect());
    screener.screen_blocking(request).unwrap()
}

fn hit(category: Category, term: &str, action: Action, field: usize) -> Hit {
    Hit {
        category,
        term: term.into(),
        action,
        field,
    }
}

#[test]
fn mask_covers_separators_inside_the_match_only() {
    let screener = default_screener();
    let cases = [
        ("f.u.c.k you", "******* you"),
        (".fuck.", ".****."),
        ("oh FUCK!", "oh ****!"),
        ("f u c k", "*******"),
        ("f\u{200b}uck off", "*****\u{20}off"),
        ("BUY  NOW!!", "********!!"),
        // Latin terms match whole words only, so a repeated term glued
        // together is one longer word (list `fuck*` to catch it).
        ("fuck fuck", "**** ****"),
        ("fuckfuck", "fuckfuck"),
        ("fork", "fork"),
    ];
    for (input, expected) in cases {
        let outcome = screen(&screener, &[input]);
        assert_eq!(outcome.fields, [expected], "input {input:?}");
        assert!(!outcome.is_blocked());
    }
}

#[test]
fn mask_replaces_each_multibyte_original_char_with_one_star() {
    let screener = default_screener();
    assert_eq!(screen(&screener, &["ｆｕｃｋ you"]).fields, ["**** you"]);
    assert_eq!(screen(&screener, &["你好𝐟𝐮𝐜𝐤😀"]).fields, ["你好****😀"]);
    assert_eq!(screen(&screener, &["ⓕ🍆ⓤⓒⓚ!"]).fields, ["*****!"]);
    // Combining marks are separate chars of the original, so each gets a star.
    assert_eq!(screen(&screener, &["f\u{338}uck"]).fields, ["*****"]);
}

#[test]
fn hits_report_category_term_action_and_field() {
    let screener = default_screener();
    let outcome = screen(&screener, &["hello", "buy now, FUCK"]);
    assert_eq!(
        outcome.hits,
        [
            hit(Category::Ads, "buy now", Action::Mask, 1),
            hit(Category::Abuse, "fuck", Action::Mask, 1),
        ]
    );
    assert_eq!(outcome.fields, ["hello", "*******, ****"]);
    assert_eq!(outcome.verdict(), Some(Action::Mask));
    assert!(!outcome.is_clean());
}

#[test]
fn block_beats_mask() {
    let screener = default_screener();
    let outcome = screen(&screener, &["fuck", "法 轮 功 fuck"]);
    assert_eq!(
        outcome.blocked,
        Some(hit(Category::Politics, "法轮功", Action::Block, 1))
    );
    assert_eq!(outcome.verdict(), Some(Action::Block));
    assert!(outcome.is_blocked());
    assert_eq!(outcome.hits.len(), 3);
    // Masking still happens so a caller that logs the outcome never logs raw
    // masked terms; blocked terms are left visible for review.
    assert_eq!(outcome.fields, ["****", "法 轮 功 ****"]);
}

#[test]
fn first_block_in_field_order_is_reported() {
    let screener = default_screener();
    let outcome = screen(&screener, &["clean", "porn", "法轮功"]);
    assert_eq!(outcome.blocked, Some(hit(Category::Porn, "porn", Action::Block, 1)));
}

#[test]
fn clean_message_passes_untouched() {
    let screener = default_screener();
    let outcome = screen(&screener, &["hello world", "", "duck fork 法轮"]);
    assert_eq!(
        outcome,
        ScreenOutcome::pass(vec!["hello world".into(), "".into(), "duck fork 法轮".into()])
    );
    assert!(outcome.is_clean());
    assert_eq!(outcome.verdict(), None);
}

#[test]
fn action_overrides_apply() {
    let screener = screener_with(
        &[(Category::Porn, "porn"), (Category::Abuse, "fuck")],
        &[(Category::Porn, Action::Flag), (Category::Abuse, Action::Block)],
    );
    let outcome = screen(&screener, &["porn"]);
    assert_eq!(outcome.hits, [hit(Category::Porn, "porn", Action::Flag, 0)]);
    assert_eq!(outcome.fields, ["porn"]);
    assert!(!outcome.is_blocked());
    assert_eq!(outcome.verdict(), Some(Action::Flag));
    assert!(screen(&screener, &["fuck"]).is_blocked());
}

#[test]
fn term_listed_in_two_categories_reports_both() {
    let screener = screener_with(&[(Category::Abuse, "Bad Word"), (Category::Porn, "badword")], &[]);
    let outcome = screen(&screener, &["a badword"]);
    assert_eq!(
        outcome.hits,
        [
            hit(Category::Abuse, "Bad Word", Action::Mask, 0),
            hit(Category::Porn, "badword", Action::Block, 0),
        ]
    );
    assert!(outcome.is_blocked());
    assert_eq!(outcome.fields, ["a *******"]);
}

#[test]
fn masked_term_cannot_hide_an_overlapping_blocked_term() {
    // "甲乙丙": the masked "甲乙" starts first and overlaps the blocked "乙丙".
    let screener = screener_with(&[(Category::Abuse, "甲乙"), (Category::Porn, "乙丙")], &[]);
    let outcome = screen(&screener, &["甲乙丙"]);
    assert_eq!(outcome.blocked.map(|h| h.term), Some("乙丙".to_string()));
    assert_eq!(outcome.hits.len(), 2);

    // Latin terms overlap only when spaced out, which keeps word boundaries
    // on both sides of each: "a s s e x".
    let screener = screener_with(&[(Category::Abuse, "ass"), (Category::Porn, "sex")], &[]);
    let outcome = screen(&screener, &["a s s e x"]);
    assert_eq!(outcome.blocked.map(|h| h.term), Some("sex".to_string()));
    assert_eq!(outcome.hits.len(), 2);
}

#[test]
fn masked_term_cannot_hide_a_blocked_prefix() {
    // Leftmost-longest picks "甲乙丙丁" (mask); "甲乙丙" (block) starts at the
    // same place and must still be reported.
    let screener = screener_with(&[(Category::Abuse, "甲乙丙丁"), (Category::Porn, "甲乙丙")], &[]);
    let outcome = screen(&screener, &["x甲乙丙丁x"]);
    assert_eq!(
        outcome.hits,
        [
            hit(Category::Abuse, "甲乙丙丁", Action::Mask, 0),
            hit(Category::Porn, "甲乙丙", Action::Block, 0),
        ]
    );
    assert_eq!(outcome.fields, ["x****x"]);

    // A Latin prefix that fails the boundary test must not hide one that
    // passes: "abcd" is followed by a letter, "abc" by a separator.
    let screener = screener_with(&[(Category::Abuse, "abcd"), (Category::Porn, "abc")], &[]);
    let outcome = screen(&screener, &["a b c dx"]);
    assert_eq!(outcome.hits, [hit(Category::Porn, "abc", Action::Block, 0)]);
}

#[test]
fn flagged_prefix_does_not_widen_the_mask() {
    let screener = screener_with(
        &[(Category::Ads, "甲乙丙"), (Category::Custom, "甲乙丙丁戊己")],
        &[(Category::Custom, Action::Flag)],
    );
    assert_eq!(screen(&screener, &["甲乙丙丁戊己庚"]).fields, ["***丁戊己庚"]);
}

#[test]
fn terms_folding_to_nothing_are_skipped() {
    let dictionary = Dictionary::new([
        (Category::Custom, "!!!"),
        (Category::Custom, " "),
        (Category::Custom, "ok"),
    ])
    .unwrap();
    assert_eq!(dictionary.len(), 1);
    let screener = Screener::with_dictionary(dictionary, &ModerationOptions::default()).unwrap();
    assert!(
        screener
            .screen_blocking(ScreenRequest::text("!!! hi"))
            .unwrap()
            .is_clean()
    );
}

#[test]
fn empty_dictionary_and_disabled_moderation_pass_everything() {
    let empty = Screener::with_dictionary(Dictionary::empty(), &ModerationOptions::default()).unwrap();
    assert!(empty.screen_blocking(ScreenRequest::text("fuck")).unwrap().is_clean());

    let options = ModerationOptions {
        enabled: false,
        ..ModerationOptions::default()
    };
    let disabled = Screener::with_dictionary(Dictionary::new([(Category::Porn, "porn")]).unwrap(), &options).unwrap();
    assert!(!disabled.is_enabled());
    let outcome = disabled.screen_blocking(ScreenRequest::text("porn")).unwrap();
    assert_eq!(outcome, ScreenOutcome::pass(vec!["porn".into()]));
}

#[test]
fn dictionary_reports_matches_on_folded_text() {
    let dictionary = Dictionary::new([(Category::Abuse, "F U C K"), (Category::Abuse, "fuck")]).unwrap();
    // Both spellings fold alike in one category: the first one wins.
    assert_eq!(dictionary.len(), 1);
    assert_eq!(dictionary.pattern_count(), 1);
    let found = dictionary.find_all("xfuckx");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].start, found[0].end, found[0].term), (1, 5, "F U C K"));
}
