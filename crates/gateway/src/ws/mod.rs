//! The WebSocket protocol (RFC 6455), server side, done here rather than by a
//! general-purpose library so that a room's push can be framed once and the
//! very same bytes written to every member's socket.

pub mod frame;
pub mod handshake;
pub mod reader;
