//! The moderation normalizer (crates/moderation/src/normalize.rs): NFKC,
//! case folding, Traditional → Simplified, homoglyphs, separator removal.
//!
//! Invariants: no panic; folding is idempotent (the dictionary stores
//! folded terms and matches folded text, so a folded term must fold to
//! itself); the mapped and unmapped forms agree; every folded char maps to a
//! non-empty range of the input on char boundaries, in order; and the
//! output is bounded (at most 18 chars per input char: NFKC's largest
//! expansion, U+FDFA, then folding never grows a char further).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast_moderation::{Normalized, normalize, normalize_into, normalize_str};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let folded = normalize(text);
    let plain = normalize_str(text);
    assert_eq!(folded.as_str(), plain, "normalize and normalize_str disagree");
    assert_eq!(normalize_str(&plain), plain, "folding is not idempotent");

    let origins = folded.origins();
    assert_eq!(origins.len(), plain.chars().count());
    let mut last_start = 0;
    for r in &origins {
        assert!(r.start < r.end && r.end <= text.len(), "{r:?} outside the input");
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert!(r.start >= last_start, "origins out of order");
        last_start = r.start;
    }
    assert!(
        plain.chars().count() <= 18 * text.chars().count(),
        "{} chars from {}",
        plain.chars().count(),
        text.chars().count()
    );

    // Reusing a buffer gives the same value as a fresh fold.
    let mut reused = Normalized::default();
    normalize_into("warm-up ＡＢＣ", &mut reused);
    normalize_into(text, &mut reused);
    assert_eq!(reused, folded);
});
