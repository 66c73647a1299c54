//! The `roomcast` process: configuration and assembly of the components.

pub mod cluster;
pub mod config;
mod error;
mod http;
mod serve;
pub mod standalone;
pub mod telemetry;

pub use config::Config;
pub use error::ServerError;
pub use standalone::Standalone;
