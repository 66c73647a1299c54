//! One module per process role, each `build(config)` → `run(shutdown)`,
//! building only what that role uses:
//!
//! | role | serves | builds |
//! |---|---|---|
//! | `standalone` | WebSocket, admin gRPC | everything, in memory, in one process |
//! | `gateway` | WebSocket | NATS bus + submitter, Redis reads and presence, room-control client |
//! | `control` | admin gRPC + internal control service | Redis store (the only writer), screening, reaper |
//! | `moderator` | the submit queue group | screening, sequencing, idempotency, publication |

mod cluster;
pub mod control;
pub mod gateway;
pub mod moderator;
mod screening;
pub mod standalone;

pub use cluster::ClusterConnections;
