//! In-process implementations of the ports, for standalone mode (one
//! process, nothing shared) and for unit tests of the rules.

pub mod attributes;
pub mod bus;
pub mod callbacks;
pub mod counters;
pub mod history;
pub mod idempotency;
pub mod presence;
pub mod sequencer;
pub mod store;

pub use attributes::MemoryAttributes;
pub use bus::MemoryBus;
pub use callbacks::MemoryCallbacks;
pub use counters::MemoryCounters;
pub use history::MemoryHistory;
pub use idempotency::MemoryIdempotency;
pub use presence::MemoryPresence;
pub use sequencer::MemorySequencer;
pub use store::MemoryStore;
