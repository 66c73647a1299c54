//! Message screening for Roomcast: the stage every user message passes
//! before it is fanned out to a room.
//!
//! The pipeline is deliberately split into seams that later work can deepen
//! independently:
//!
//! * [`normalize`] folds a copy of the text (case, NFKC, separator removal)
//!   while remembering where every folded character came from, so matches
//!   can be masked in the *original* text.
//! * [`Dictionary`] compiles categorised word lists into one Aho-Corasick
//!   automaton over normalized text.
//! * [`ScreenRequest`] / [`ScreenOutcome`] describe one message (several text
//!   fields) and the verdict, with per-category [`Action`]s.
//! * [`Screener`] runs screening on a bounded pool of OS threads so the async
//!   caller never blocks, and fails closed when overloaded or broken.
//!
//! The crate holds no global state: everything hangs off a [`Screener`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dictionary;
mod error;
mod normalize;
mod options;
mod policy;
mod screen;
mod screener;

pub use dictionary::{Dictionary, DictionaryBuilder, TermMatch};
pub use error::ModerationError;
pub use normalize::{Normalized, normalize, normalize_str};
pub use options::{ListSource, ModerationOptions};
pub use policy::{Action, ActionTable, Category};
pub use screen::{Hit, ScreenOutcome, ScreenRequest};
pub use screener::Screener;
