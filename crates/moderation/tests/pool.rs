//! The worker pool as seen by async callers.

use std::sync::Arc;

use roomcast_moderation::{Category, Dictionary, ModerationOptions, ScreenRequest, Screener};

fn options(workers: usize) -> ModerationOptions {
    ModerationOptions {
        workers,
        ..ModerationOptions::default()
    }
}

#[tokio::test]
async fn screens_on_the_pool() {
    let dictionary = Dictionary::new([(Category::Abuse, "fuck"), (Category::Politics, "法轮功")]).unwrap();
    let screener = Screener::with_dictionary(dictionary, &options(2)).unwrap();
    let outcome = screener.screen(ScreenRequest::text("ｆｕｃｋ it")).await.unwrap();
    assert_eq!(outcome.fields, ["**** it"]);
    let outcome = screener.screen(ScreenRequest::text("法-轮-功")).await.unwrap();
    assert!(outcome.is_blocked());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_pool() {
    let dictionary = Dictionary::new([(Category::Abuse, "fuck")]).unwrap();
    let screener = Screener::with_dictionary(dictionary, &options(3)).unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let screener = screener.clone();
            tokio::spawn(async move {
                let text = if i % 2 == 0 {
                    format!("{i} f.u.c.k")
                } else {
                    format!("{i} fork")
                };
                (i, screener.screen(ScreenRequest::text(text)).await.unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (i, outcome) = task.await.unwrap();
        assert_eq!(outcome.is_clean(), i % 2 == 1, "request {i}");
    }
}

#[tokio::test]
async fn reload_swaps_the_dictionary() {
    let screener = Screener::with_dictionary(Dictionary::empty(), &options(1)).unwrap();
    let request = || ScreenRequest::text("buy cheap gold");
    assert!(screener.screen(request()).await.unwrap().is_clean());

    let old = screener.dictionary();
    screener.reload(Dictionary::new([(Category::Custom, "cheap gold")]).unwrap());
    let outcome = screener.screen(request()).await.unwrap();
    assert_eq!(outcome.blocked.map(|h| h.term), Some("cheap gold".to_string()));
    // Readers holding the old snapshot are unaffected.
    assert!(old.is_empty());

    // Every clone sees the swap.
    let clone = screener.clone();
    clone.reload(Dictionary::empty());
    assert!(screener.screen(request()).await.unwrap().is_clean());
}

#[tokio::test]
async fn disabled_screener_passes_without_threads() {
    let options = ModerationOptions {
        enabled: false,
        ..ModerationOptions::default()
    };
    let screener = Screener::with_dictionary(Dictionary::new([(Category::Porn, "porn")]).unwrap(), &options).unwrap();
    let outcome = screener.screen(ScreenRequest::text("porn")).await.unwrap();
    assert!(outcome.is_clean());
    assert_eq!(outcome.fields, ["porn"]);
}

#[test]
fn hundred_thousand_terms_build_and_match() {
    // Mixed Latin and CJK terms, so the automaton is not just ASCII.
    let cjk: Vec<char> = ('\u{4E00}'..='\u{4FFF}').collect();
    let terms: Vec<(Category, String)> = (0..100_000usize)
        .map(|i| {
            let term = if i % 2 == 0 {
                format!("term{i:06}x")
            } else {
                [
                    cjk[i % cjk.len()],
                    cjk[(i / cjk.len()) % cjk.len()],
                    cjk[(i * 7) % cjk.len()],
                ]
                .iter()
                .collect()
            };
            (Category::ALL[i % Category::ALL.len()], term)
        })
        .collect();
    let dictionary = Arc::new(Dictionary::new(terms.iter().map(|(c, t)| (*c, t.as_str()))).unwrap());
    assert!(dictionary.len() >= 99_000, "{}", dictionary.len());

    let found = dictionary.find_all("hello term012344x world term099998x");
    let found: Vec<_> = found.iter().map(|m| m.term).collect();
    assert_eq!(found, ["term012344x", "term099998x"]);
    assert!(dictionary.find_all("term1000000x").is_empty());

    let (_, cjk_term) = &terms[12_345];
    let text = format!(
        "前缀 {} 后缀",
        cjk_term.chars().map(String::from).collect::<Vec<_>>().join(" ")
    );
    let screener =
        Screener::with_dictionary(Arc::try_unwrap(dictionary).unwrap(), &ModerationOptions::default()).unwrap();
    let outcome = screener.screen_blocking(ScreenRequest::text(text)).unwrap();
    assert!(outcome.hits.iter().any(|h| &h.term == cjk_term), "{:?}", outcome.hits);
}
