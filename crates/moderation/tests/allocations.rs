//! The hot path allocates nothing for a clean message: folding buffers are
//! reused per thread and the caller's strings are moved into the outcome.
//! Counted with an allocator wrapper, so a regression shows up as a test
//! failure rather than a slower benchmark.
// A counting global allocator needs `unsafe impl GlobalAlloc` (test-only).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use roomcast_moderation::{Category, ModerationOptions, ScreenRequest, Screener, Term, WordList};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: defers to the system allocator; only counts calls on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn clean_messages_screen_without_allocating() {
    let screener = Screener::build(&ModerationOptions::default()).unwrap();
    let terms = (0..1_000).flat_map(|i| {
        [
            Term::new(Category::Abuse, format!("word{i}")),
            Term::new(Category::Politics, format!("词{i}语")),
        ]
    });
    screener
        .set_global_terms(WordList::terms(terms).with_allow(["words"]))
        .unwrap();
    screener
        .set_app_terms(7, WordList::terms([Term::new(Category::Ads, "buy")]))
        .unwrap();

    let texts = [
        "今天的直播太好看了！！😂😂",
        "hello everyone, nice stream 👍🏽",
        "Ｆｕｌｌ ｗｉｄｔｈ 和 繁體字 mixed with ｃａｆé",
        "w o r d s p a c e d",
    ];
    let requests: Vec<ScreenRequest> = (0..400)
        .map(|i| ScreenRequest::for_app(7, "room", "user", vec![texts[i % texts.len()].to_string()]))
        .collect();
    let mut requests = requests.into_iter();
    // Warm up: the first message on a thread sizes the folding buffers.
    for request in requests.by_ref().take(8) {
        assert!(screener.screen_blocking(request).unwrap().is_clean());
    }

    let mut outcomes = Vec::with_capacity(requests.len());
    let before = allocations();
    assert!(before > 0, "the counter must see the setup's allocations");
    for request in requests {
        outcomes.push(screener.screen_blocking(request).unwrap());
    }
    let allocated = allocations() - before;
    assert!(outcomes.iter().all(|o| o.is_clean()));
    assert_eq!(allocated, 0, "clean messages allocated {allocated} times");
}
