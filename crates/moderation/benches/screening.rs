//! Screening throughput on a synthetic danmaku mix, and list rebuild time.
//!
//! Everything is generated deterministically here (no downloads), so runs
//! are comparable across machines and commits:
//!
//! * dictionaries of 1k, 10k and 100k terms, half Latin words, half CJK
//!   strings of 2–4 ideographs, spread over all categories;
//! * 10,000 messages of 5–40 chars: mostly Chinese, some mixed and some
//!   Latin, ~20% with emoji, ~5% containing a listed term — a third of those
//!   disguised (spaced out, Cyrillic homoglyphs, full-width, Traditional).
//!
//! `screen_inline/*` measures `Screener::screen_blocking` — folding,
//! matching, masking and audit included — on one thread, so its
//! elements/second figure is messages per second per core. `rebuild_100k/*`
//! measures replacing a 100k-term list and adding one term to it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use roomcast_moderation::{
    Category, Dictionary, ListChange, ListScope, ListSet, ModerationOptions, Normalized, ScreenRequest, Screener, Term,
    WordList, normalize_into, normalize_str,
};

/// SplitMix64: tiny, deterministic, good enough for synthetic text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ba", "de", "fo", "gu", "hi", "jo", "pe", "qu", "wi", "xo", "ya",
    "ze", "str", "an", "er", "in", "on", "un", "ch", "sh", "th", "ck",
];

const EMOJI: &[&str] = &["😂", "👍", "🔥", "❤️", "🎉", "😭", "👏🏽", "🙏", "💯", "😍"];

const ENGLISH: &[&str] = &[
    "lol",
    "nice",
    "gg",
    "wow",
    "so",
    "cool",
    "haha",
    "666",
    "love",
    "this",
    "song",
    "the",
    "stream",
    "is",
    "great",
    "hello",
    "from",
    "class",
    "assistant",
    "Scunthorpe",
    "ok",
];

fn latin_word(rng: &mut Rng) -> String {
    let syllables = 2 + rng.below(3);
    (0..syllables).map(|_| *rng.pick(SYLLABLES)).collect()
}

/// The 3,000 ideographs from U+4E00 stand in for the common-character set.
fn cjk_char(rng: &mut Rng) -> char {
    char::from_u32(0x4E00 + rng.below(3000) as u32).unwrap()
}

fn cjk_word(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| cjk_char(rng)).collect()
}

fn terms(count: usize) -> Vec<Term> {
    let mut rng = Rng(count as u64);
    (0..count)
        .map(|i| {
            let text = if i % 2 == 0 {
                latin_word(&mut rng)
            } else {
                let len = 2 + rng.below(3);
                cjk_word(&mut rng, len)
            };
            Term::new(Category::ALL[i % Category::ALL.len()], text)
        })
        .collect()
}

/// Rewrites a listed term the way people dodge filters.
fn disguise(rng: &mut Rng, term: &str) -> String {
    match rng.below(4) {
        0 => term.chars().map(String::from).collect::<Vec<_>>().join(" "),
        1 => term
            .chars()
            .map(|c| match c {
                'a' => 'а',
                'e' => 'е',
                'o' => 'о',
                'c' => 'с',
                'p' => 'р',
                'x' => 'х',
                other => other,
            })
            .collect(),
        2 => term
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect(),
        // Traditional forms only exist for some ideographs; zero-width
        // joiners work for every script.
        _ => term.chars().map(String::from).collect::<Vec<_>>().join("\u{200D}"),
    }
}

fn messages(count: usize, terms: &[Term]) -> Vec<String> {
    let mut rng = Rng(42);
    (0..count)
        .map(|_| {
            let target = 5 + rng.below(36);
            let mut message = String::new();
            let mut chars = 0;
            let style = rng.below(100);
            while chars < target {
                let piece = if style < 60 || (style < 85 && rng.chance(50)) {
                    let len = 1 + rng.below(4);
                    cjk_word(&mut rng, len)
                } else {
                    let mut word = rng.pick(ENGLISH).to_string();
                    word.push(' ');
                    word
                };
                chars += piece.chars().count();
                message.push_str(&piece);
                if rng.chance(5) {
                    message.push_str(if rng.chance(50) { "，" } else { "!" });
                }
            }
            if rng.chance(20) {
                let emoji = EMOJI[rng.below(EMOJI.len())];
                message.push_str(emoji);
            }
            if rng.chance(5) {
                let term = &rng.pick(terms).text;
                let term = if rng.chance(33) {
                    disguise(&mut rng, term)
                } else {
                    term.clone()
                };
                let at = message
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(chars.max(1)))
                    .unwrap_or(0);
                message.insert_str(at, &format!(" {term} "));
            }
            message
        })
        .collect()
}

const APP: u64 = 1_400_000_000;

fn requests(messages: &[String]) -> Vec<ScreenRequest> {
    messages
        .iter()
        .map(|m| ScreenRequest::for_app(APP, "room-1", "user-1", vec![m.clone()]))
        .collect()
}

/// Screens every request inline. Cloning the requests and the vector that
/// receives the outcomes are setup; the outcomes are dropped outside the
/// measurement. Each request's room and user strings are freed inside it,
/// as they would be in the server.
fn bench_screening(b: &mut criterion::Bencher<'_>, screener: &Screener, requests: &[ScreenRequest]) {
    b.iter_batched(
        || (requests.to_vec(), Vec::with_capacity(requests.len())),
        |(requests, mut outcomes)| {
            for request in requests {
                outcomes.push(screener.screen_blocking(request).unwrap());
            }
            outcomes
        },
        BatchSize::LargeInput,
    )
}

/// CPU time of the calling thread (Linux: first field of
/// `/proc/thread-self/schedstat`, nanoseconds on the CPU). On a machine
/// shared with other work, wall-clock time measures the contention as much
/// as the code; time on the CPU is what "messages per second per core"
/// means.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// Like [`bench_screening`], but reports CPU time instead of wall time.
fn bench_screening_cpu(b: &mut criterion::Bencher<'_>, screener: &Screener, requests: &[ScreenRequest]) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let batch = requests.to_vec();
            let mut outcomes = Vec::with_capacity(batch.len());
            let start = thread_cpu();
            for request in batch {
                outcomes.push(screener.screen_blocking(request).unwrap());
            }
            total += thread_cpu().saturating_sub(start);
            black_box(outcomes);
        }
        total
    })
}

fn screening(c: &mut Criterion) {
    let mut group = c.benchmark_group("screen_inline_cpu");
    for size in [1_000, 10_000] {
        let terms = terms(size);
        let requests = requests(&messages(10_000, &terms));
        let screener = Screener::with_dictionary(
            Dictionary::from_word_list(&WordList::terms(terms)).unwrap(),
            &ModerationOptions::default(),
        )
        .unwrap();
        group.throughput(Throughput::Elements(requests.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            bench_screening_cpu(b, &screener, &requests)
        });
    }
    group.finish();

    let mut group = c.benchmark_group("screen_inline");
    for size in [1_000, 10_000, 100_000] {
        let terms = terms(size);
        let requests = requests(&messages(10_000, &terms));
        let screener = Screener::with_dictionary(
            Dictionary::from_word_list(&WordList::terms(terms)).unwrap(),
            &ModerationOptions::default(),
        )
        .unwrap();
        let hits = requests
            .iter()
            .filter(|r| !screener.screen_blocking((*r).clone()).unwrap().is_clean())
            .count();
        eprintln!("{size} global terms: {hits} of {} messages hit", requests.len());
        group.throughput(Throughput::Elements(requests.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            bench_screening(b, &screener, &requests)
        });
    }
    group.finish();

    // The app's own 10k-term list on top of a 10k-term global list: two
    // dictionaries are consulted per message.
    let mut group = c.benchmark_group("screen_inline_with_app_list");
    let global = terms(10_000);
    let app: Vec<Term> = terms(10_001).into_iter().skip(1).collect();
    let mut both = global.clone();
    both.extend(app.iter().cloned());
    let requests = requests(&messages(10_000, &both));
    let screener = Screener::with_dictionary(
        Dictionary::from_word_list(&WordList::terms(global)).unwrap(),
        &ModerationOptions::default(),
    )
    .unwrap();
    screener.set_app_terms(APP, WordList::terms(app)).unwrap();
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("10000+10000", |b| bench_screening(b, &screener, &requests));
    group.finish();

    // The two halves of the work, for orientation.
    let mut group = c.benchmark_group("normalize_only");
    let sample = messages(10_000, &terms(1_000));
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("10k_messages", |b| {
        let mut folded = Normalized::default();
        b.iter(|| {
            for m in &sample {
                normalize_into(m, &mut folded);
                black_box(&folded);
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("find_all_prefolded");
    for size in [1_000, 10_000, 100_000] {
        let terms = terms(size);
        let folded: Vec<String> = messages(10_000, &terms).iter().map(|m| normalize_str(m)).collect();
        let dictionary = Dictionary::from_word_list(&WordList::terms(terms)).unwrap();
        group.throughput(Throughput::Elements(folded.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| folded.iter().map(|f| dictionary.find_all(f).len()).sum::<usize>())
        });
    }
    group.finish();
}

fn rebuild(c: &mut Criterion) {
    let mut group = c.benchmark_group("rebuild_100k");
    group.sample_size(10);
    let list = WordList::terms(terms(100_000));
    group.bench_function("from_scratch", |b| {
        // Fold and compile 100k terms: a full replace of one list.
        b.iter(|| Dictionary::from_word_list(black_box(&list)).unwrap())
    });
    let lists = ListSet::new(Dictionary::empty(), 1_000_000);
    lists
        .apply(ListScope::App(7), ListChange::replace(list.clone()))
        .unwrap();
    let mut n = 0u64;
    group.bench_function("add_one", |b| {
        // Adding to a 100k list: the entries are carried over unfolded and
        // the automaton is recompiled, then swapped in.
        b.iter(|| {
            n += 1;
            let change = ListChange::Add {
                terms: vec![Term::new(Category::Ads, format!("extra{n}"))],
                allow: Vec::new(),
            };
            lists.apply(ListScope::App(7), change).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, screening, rebuild);
criterion_main!(benches);
