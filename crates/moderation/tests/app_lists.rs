//! Per-app lists on top of the global list, list changes, and hot swaps
//! under concurrent screening.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use roomcast_moderation::{
    Category, ChangeReport, ListChange, ListScope, ModerationError, ModerationOptions, ScreenRequest, Screener, Term,
    WordList,
};

fn screener() -> Screener {
    Screener::build(&ModerationOptions::default()).unwrap()
}

fn list(terms: &[(Category, &str)]) -> WordList {
    WordList::terms(terms.iter().map(|&(c, t)| Term::new(c, t)))
}

fn hits(screener: &Screener, app: Option<u64>, text: &str) -> Vec<String> {
    let mut request = ScreenRequest::text(text);
    request.app = app;
    let mut terms: Vec<String> = screener
        .screen_blocking(request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.term)
        .collect();
    terms.sort();
    terms
}

#[test]
fn app_lists_apply_on_top_of_global_and_do_not_leak() {
    let screener = screener();
    screener.set_global_terms(list(&[(Category::Abuse, "gamma")])).unwrap();
    screener.set_app_terms(1, list(&[(Category::Abuse, "alpha")])).unwrap();
    screener.set_app_terms(2, list(&[(Category::Ads, "beta")])).unwrap();

    let text = "alpha beta gamma";
    assert_eq!(hits(&screener, Some(1), text), ["alpha", "gamma"]);
    assert_eq!(hits(&screener, Some(2), text), ["beta", "gamma"]);
    assert_eq!(hits(&screener, Some(3), text), ["gamma"]);
    assert_eq!(hits(&screener, None, text), ["gamma"]);
    assert_eq!(screener.lists().apps(), [1, 2]);
}

#[tokio::test]
async fn app_lists_apply_through_the_pool() {
    // With an empty global list the pool must still be used for an app that
    // has a list of its own.
    let screener = screener();
    screener.set_app_terms(7, list(&[(Category::Porn, "porn")])).unwrap();
    let request = ScreenRequest::for_app(7, "room", "user", vec!["p o r n".into()]);
    assert!(screener.screen(request).await.unwrap().is_blocked());
    let other = ScreenRequest::for_app(8, "room", "user", vec!["p o r n".into()]);
    assert!(screener.screen(other).await.unwrap().is_clean());
}

#[test]
fn app_allow_list_applies_to_that_app_only() {
    let screener = screener();
    screener.set_global_terms(list(&[(Category::Custom, "分")])).unwrap();
    screener
        .set_app_terms(1, WordList::default().with_allow(["分析"]))
        .unwrap();
    assert!(hits(&screener, Some(1), "数据分析").is_empty());
    assert_eq!(hits(&screener, Some(2), "数据分析"), ["分"]);
    assert_eq!(hits(&screener, None, "数据分析"), ["分"]);
}

#[test]
fn changes_add_remove_and_replace() {
    let screener = screener();
    let scope = ListScope::App(42);
    let report = screener
        .apply_change(
            scope,
            ListChange::Add {
                terms: vec![
                    Term::new(Category::Abuse, "idiot"),
                    Term::new(Category::Abuse, "IDIOT"),
                    Term::new(Category::Ads, "idiot"),
                    Term::new(Category::Abuse, "!!!"),
                ],
                allow: vec!["not an idiot".into()],
            },
        )
        .unwrap();
    assert_eq!(
        report,
        ChangeReport {
            added: 3,
            removed: 0,
            skipped: 2,
            terms: 2,
            allow: 1
        }
    );
    assert_eq!(hits(&screener, Some(42), "idiot"), ["idiot", "idiot"]);
    assert!(hits(&screener, Some(42), "not an idiot").is_empty());

    // Removal matches the folded form within the category.
    let report = screener
        .apply_change(
            scope,
            ListChange::Remove {
                terms: vec![
                    Term::new(Category::Abuse, "I d i o t"),
                    Term::new(Category::Porn, "idiot"),
                ],
                allow: vec!["NOT AN IDIOT".into()],
            },
        )
        .unwrap();
    assert_eq!(
        (report.removed, report.skipped, report.terms, report.allow),
        (2, 1, 1, 0)
    );
    assert_eq!(
        screener.word_list(scope),
        WordList {
            terms: vec![Term::new(Category::Ads, "idiot")],
            allow: vec![]
        }
    );

    let report = screener
        .apply_change(scope, ListChange::replace(list(&[(Category::Porn, "xxx")])))
        .unwrap();
    assert_eq!((report.added, report.terms), (1, 1));
    assert!(hits(&screener, Some(42), "idiot").is_empty());
    assert_eq!(hits(&screener, Some(42), "xxx"), ["xxx"]);

    // An app whose list becomes empty is dropped.
    screener.set_app_terms(42, WordList::default()).unwrap();
    assert!(screener.lists().apps().is_empty());
    assert!(!screener.lists().remove_app(42));
}

#[test]
fn changes_deserialize_from_admin_json() {
    let change: ListChange = serde_json::from_str(
        r#"{"op": "add", "terms": [{"category": "abuse", "text": "idiot"}], "allow": ["not an idiot"]}"#,
    )
    .unwrap();
    assert_eq!(
        change,
        ListChange::Add {
            terms: vec![Term::new(Category::Abuse, "idiot")],
            allow: vec!["not an idiot".into()]
        }
    );
    let change: ListChange = serde_json::from_str(r#"{"op": "remove", "allow": ["x"]}"#).unwrap();
    assert_eq!(
        change,
        ListChange::Remove {
            terms: vec![],
            allow: vec!["x".into()]
        }
    );
    assert!(serde_json::from_str::<ListChange>(r#"{"op": "purge"}"#).is_err());
    assert_eq!(serde_json::to_string(&ListScope::App(3)).unwrap(), r#"{"app":3}"#);
}

#[test]
fn oversized_change_is_rejected_and_list_kept() {
    let options = ModerationOptions {
        max_terms_per_list: 2,
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    screener.set_app_terms(1, list(&[(Category::Abuse, "one")])).unwrap();
    let error = screener
        .apply_change(
            ListScope::App(1),
            ListChange::Add {
                terms: vec![Term::new(Category::Abuse, "two"), Term::new(Category::Abuse, "three")],
                allow: vec![],
            },
        )
        .unwrap_err();
    assert!(matches!(error, ModerationError::InvalidList(_)), "{error:?}");
    assert!(!error.retryable());
    assert_eq!(hits(&screener, Some(1), "one two three"), ["one"]);
}

#[test]
fn hundred_thousand_terms_per_app() {
    let screener = screener();
    let terms: Vec<Term> = (0..100_000)
        .map(|i| Term::new(Category::ALL[i % 5], format!("w{i:06}x")))
        .collect();
    let report = screener.set_app_terms(9, WordList::terms(terms)).unwrap();
    assert_eq!(report.terms, 100_000);
    assert_eq!(
        hits(&screener, Some(9), "say w054321x and W 099999 X"),
        ["w054321x", "w099999x"]
    );
    assert!(hits(&screener, Some(8), "w054321x").is_empty());
    // An incremental change carries the 100k entries over.
    screener
        .apply_change(
            ListScope::App(9),
            ListChange::Remove {
                terms: vec![Term::new(Category::ALL[54_321 % 5], "w054321x")],
                allow: vec![],
            },
        )
        .unwrap();
    assert!(hits(&screener, Some(9), "w054321x").is_empty());
    assert_eq!(screener.lists().app(9).unwrap().len(), 99_999);
}

/// Several threads screen continuously — inline and through the pool —
/// while the main thread toggles a term on and off. A seqlock-style counter
/// (odd while a change is in progress) lets each screening thread know when
/// no change overlapped its request; then the result must match the list as
/// of the last completed change exactly: a term must never get through
/// after the change that added it returned, nor hit after its removal
/// returned. Every request must be answered.
#[test]
fn hot_changes_lose_no_request_and_take_effect_when_they_return() {
    const THREADS: usize = 4;
    const TOGGLES: u64 = 40;

    let options = ModerationOptions {
        workers: 2,
        queue_capacity: 10_000,
        ..ModerationOptions::default()
    };
    let screener = Screener::build(&options).unwrap();
    // Background terms make each rebuild do real work.
    let background: Vec<Term> = (0..2_000)
        .map(|i| Term::new(Category::Abuse, format!("bg{i}")))
        .collect();
    screener.set_global_terms(WordList::terms(background.clone())).unwrap();
    screener.set_app_terms(5, WordList::terms(background)).unwrap();

    let sequence = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    // Requests checked against a known state: [term not listed, listed].
    let checked = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);

    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let screener = screener.clone();
            let (sequence, done, answered, checked) =
                (sequence.clone(), done.clone(), answered.clone(), checked.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let mut sent = 0usize;
                while !done.load(Ordering::SeqCst) {
                    let before = sequence.load(Ordering::SeqCst);
                    let request =
                        ScreenRequest::for_app(5, "room", format!("user{thread}"), vec!["x toggled x".into()]);
                    // Alternate between the pool and inline screening.
                    let outcome = if sent.is_multiple_of(2) {
                        runtime.block_on(screener.screen(request))
                    } else {
                        screener.screen_blocking(request)
                    };
                    let outcome = outcome.expect("request lost or failed during a swap");
                    sent += 1;
                    answered.fetch_add(1, Ordering::SeqCst);
                    let after = sequence.load(Ordering::SeqCst);
                    if before == after && before.is_multiple_of(2) {
                        // Changes alternate add/remove; after an odd number
                        // of completed changes the term is listed.
                        let listed = (before / 2) % 2 == 1;
                        assert_eq!(
                            !outcome.is_clean(),
                            listed,
                            "thread {thread}, sequence {before}: {outcome:?}"
                        );
                        checked[usize::from(listed)].fetch_add(1, Ordering::SeqCst);
                    }
                }
                sent
            })
        })
        .collect();

    let toggled = [Term::new(Category::Porn, "toggled")];
    for toggle in 0..TOGGLES {
        // Alternate the scope that changes, so swaps of both the global and
        // the app dictionary are exercised.
        let scope = if toggle % 4 < 2 {
            ListScope::Global
        } else {
            ListScope::App(5)
        };
        let change = if toggle.is_multiple_of(2) {
            ListChange::Add {
                terms: toggled.to_vec(),
                allow: vec![],
            }
        } else {
            ListChange::Remove {
                terms: toggled.to_vec(),
                allow: vec![],
            }
        };
        sequence.fetch_add(1, Ordering::SeqCst);
        let report = screener.apply_change(scope, change).unwrap();
        assert_eq!(report.skipped, 0);
        sequence.fetch_add(1, Ordering::SeqCst);
        // Give the screening threads a window with no change in flight.
        let seen = answered.load(Ordering::SeqCst);
        while answered.load(Ordering::SeqCst) < seen + THREADS * 2 {
            std::thread::yield_now();
        }
    }
    done.store(true, Ordering::SeqCst);
    let sent: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(sent, answered.load(Ordering::SeqCst));
    // Each quiet window lets every thread finish at most one request begun
    // before the change returned, so at least THREADS requests per window
    // are checked: both states are covered every run.
    assert!(
        checked.iter().all(|c| c.load(Ordering::SeqCst) >= THREADS),
        "{checked:?}"
    );
}
