//! Message screening for Roomcast: the stage every user message passes
//! before it is fanned out to a room.
//!
//! The pipeline is deliberately split into seams that later work can deepen
//! independently (the full description, with the reasoning and the limits,
//! is `docs/moderation.md`):
//!
//! * [`normalize`] folds a copy of the text (NFKC, case, Traditional →
//!   Simplified Chinese, homoglyphs → Latin, separator removal) while
//!   remembering where every folded character came from, so matches can be
//!   masked in the *original* text and word boundaries judged there.
//! * [`Dictionary`] compiles categorised terms plus an allow-list. Latin
//!   terms match whole words only (spaced-out evasions included), CJK terms
//!   match anywhere, and a hit inside an allow-listed phrase is dropped.
//! * [`ListSet`] holds a global dictionary plus one per app; a
//!   [`ListChange`] rebuilds only the affected one and swaps it in
//!   atomically.
//! * [`ScreenRequest`] / [`ScreenOutcome`] describe one message (several text
//!   fields, its app, room and sender) and the verdict, with per-category
//!   [`Action`]s (block, mask, flag).
//! * [`Screener`] runs screening on a bounded pool of OS threads so the async
//!   caller never blocks, fails closed when overloaded or broken, and keeps
//!   a bounded audit log of every hit ([`AuditQuery`]).
//!
//! The crate holds no global state: everything hangs off a [`Screener`]
//! (the folding tables are immutable data, built once).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ads;
mod audit;
mod dictionary;
mod display;
mod error;
mod evasion;
mod hanzi;
mod lists;
mod normalize;
mod options;
mod pinyin;
mod policy;
mod screen;
mod screener;
mod segment;
pub mod service;

pub use audit::{AuditQuery, AuditRecord, DEFAULT_AUDIT_LIMIT, HitCount, MAX_AUDIT_RECORDS_PER_MESSAGE};
pub use dictionary::{Dictionary, DictionaryBuilder, TermMatch};
pub use error::ModerationError;
pub use lists::{ChangeReport, ListChange, ListScope, ListSet, Term, WordList};
pub use normalize::{Normalized, normalize, normalize_into, normalize_str};
pub use options::{ListSource, ModerationOptions};
pub use policy::{Action, ActionTable, AdsDetector, AppPolicy, Category, CrossWord, ScreenPolicy};
pub use screen::{Hit, ScreenOutcome, ScreenRequest};
pub use screener::Screener;
