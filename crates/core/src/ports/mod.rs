//! What the room rules run on. Each port has an in-process implementation
//! in `crate::memory` (standalone mode) and, where cluster mode needs one,
//! a NATS, Redis or gRPC implementation in the adapter crates.

pub mod attributes;
pub mod bus;
pub mod callbacks;
pub mod control;
pub mod counters;
pub mod history;
pub mod hook;
pub mod idempotency;
pub mod presence;
pub mod screen;
pub mod sequencer;
pub mod store;
pub mod submit;
