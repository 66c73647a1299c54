//! The evasion corpus through the engine: every case must hold, and the
//! per-class rates are printed (`cargo test -p roomcast-moderation --test
//! corpus -- --nocapture`) for `docs/moderation.md`. The same corpus runs
//! through the real server in `crates/server/tests/moderation_corpus.rs`.

#[path = "support/corpus.rs"]
mod corpus;

use corpus::Seen;
use roomcast_moderation::{Action, CrossWord, Dictionary, ScreenRequest, Screener};

fn screener(options: &roomcast_moderation::ModerationOptions) -> Screener {
    let mut builder = Dictionary::builder();
    for (category, terms) in corpus::terms() {
        for term in terms {
            builder.add(category, &term);
        }
    }
    Screener::with_dictionary(builder.build().unwrap(), options).unwrap()
}

fn seen(screener: &Screener, text: &str) -> Seen {
    let outcome = screener.screen_blocking(ScreenRequest::text(text).with_app(1)).unwrap();
    if outcome.is_blocked() {
        return Seen::Blocked;
    }
    assert_eq!(outcome.fields, [text], "delivered text changed");
    if outcome.hits.is_empty() {
        Seen::Clean
    } else {
        assert!(
            outcome.hits.iter().all(|h| h.action == Action::Flag),
            "{text:?}: {:?}",
            outcome.hits
        );
        Seen::Flagged
    }
}

#[test]
fn every_corpus_case_holds() {
    let cases = corpus::cases();
    assert!(cases.len() >= 150, "corpus too small: {}", cases.len());
    let screener = screener(&corpus::options());
    let results: Vec<_> = cases
        .into_iter()
        .map(|c| {
            let s = seen(&screener, &c.text);
            (c, s)
        })
        .collect();
    println!("{}", corpus::check(&results));
}

#[test]
fn by_default_chinese_terms_across_words_pass() {
    let options = roomcast_moderation::ModerationOptions {
        cross_word: CrossWord::Pass,
        ..corpus::options()
    };
    let screener = screener(&options);
    for case in corpus::cases().iter().filter(|c| c.class == "cross-zh") {
        let expected = match case.expect {
            corpus::Expect::Review => Seen::Clean,
            _ => Seen::Blocked,
        };
        assert_eq!(seen(&screener, &case.text), expected, "{:?}", case.text);
    }
    // `block` restores matching without word boundaries.
    let options = roomcast_moderation::ModerationOptions {
        cross_word: CrossWord::Block,
        ..corpus::options()
    };
    assert_eq!(seen(&self::screener(&options), "特色情况"), Seen::Blocked);
}
