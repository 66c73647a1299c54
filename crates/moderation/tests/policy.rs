//! The per-app screening policy: Chinese terms across word boundaries and
//! the ads detector, configured for every app and overridden per app.

use roomcast_moderation::{
    Action, AdsDetector, Category, CrossWord, Dictionary, ModerationError, ModerationOptions, ScreenRequest, Screener,
};

fn screener(options: &ModerationOptions) -> Screener {
    let dictionary = Dictionary::new([(Category::Porn, "色情")]).unwrap();
    Screener::with_dictionary(dictionary, options).unwrap()
}

fn actions(screener: &Screener, app: u64, text: &str) -> Vec<(String, Action)> {
    let outcome = screener
        .screen_blocking(ScreenRequest::text(text).with_app(app))
        .unwrap();
    outcome.hits.into_iter().map(|h| (h.term, h.action)).collect()
}

#[test]
fn apps_override_the_default_policy() {
    let options: ModerationOptions = serde_json::from_str(
        r#"{
            "cross_word": "pass",
            "ads": { "phone": "mask" },
            "apps": [
                { "app": 7, "cross_word": "review", "ads": { "contact": "block", "url": "flag" } },
                { "app": 8, "cross_word": "block" }
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(
        options.ads,
        AdsDetector {
            phone: Some(Action::Mask),
            ..AdsDetector::default()
        }
    );
    let screener = screener(&options);

    // Chinese term across two words.
    assert!(actions(&screener, 1, "特色情况").is_empty());
    assert_eq!(actions(&screener, 7, "特色情况"), [("色情".to_string(), Action::Flag)]);
    assert_eq!(actions(&screener, 8, "特色情况"), [("色情".to_string(), Action::Block)]);
    for app in [1, 7, 8] {
        assert_eq!(
            actions(&screener, app, "看色情片"),
            [("色情".to_string(), Action::Block)]
        );
    }

    // The ads detector: app 1 has the default (phones masked), app 7 its
    // own table (no phones), app 8 inherits the default.
    let outcome = screener
        .screen_blocking(ScreenRequest::text("call 13812345678").with_app(1))
        .unwrap();
    assert_eq!(outcome.fields, ["call ***********"]);
    assert_eq!(outcome.hits[0].category, Category::Ads);
    assert_eq!(outcome.hits[0].term, "<phone>");
    assert!(actions(&screener, 7, "call 13812345678").is_empty());
    assert_eq!(
        actions(&screener, 8, "call 13812345678"),
        [("<phone>".to_string(), Action::Mask)]
    );
    assert_eq!(
        actions(&screener, 7, "加vx：abc_123"),
        [("<contact>".to_string(), Action::Block)]
    );
    assert_eq!(
        actions(&screener, 7, "去abc点com看"),
        [("<url>".to_string(), Action::Flag)]
    );
    assert!(actions(&screener, 1, "加vx：abc_123").is_empty());
}

#[test]
fn the_ads_detector_runs_without_any_word_list() {
    let options = ModerationOptions {
        ads: AdsDetector {
            contact: Some(Action::Block),
            ..AdsDetector::default()
        },
        ..ModerationOptions::default()
    };
    let screener = Screener::with_dictionary(Dictionary::empty(), &options).unwrap();
    let outcome = screener.screen_blocking(ScreenRequest::text("qq 12345678")).unwrap();
    assert_eq!(outcome.blocked.map(|h| h.term), Some("<contact>".to_string()));
    assert_eq!(CrossWord::default(), CrossWord::Pass);
}

#[test]
fn an_app_given_twice_is_rejected() {
    let options: ModerationOptions =
        serde_json::from_str(r#"{ "apps": [{ "app": 7, "cross_word": "review" }, { "app": 7 }] }"#).unwrap();
    assert!(matches!(options.validate(), Err(ModerationError::InvalidOptions(_))));
    assert!(serde_json::from_str::<ModerationOptions>(r#"{ "apps": [{ "app": 7, "nope": 1 }] }"#).is_err());
}
