//! The `roomcast` process: configuration and assembly of the components.

pub mod config;
pub mod demo;
mod error;
mod http;
pub mod listen;
pub mod roles;
mod serve;
pub mod telemetry;

pub use config::Config;
pub use error::ServerError;
pub use roles::standalone::Standalone;
