//! The client protocol's JSON, in one place (normative description:
//! docs/protocol.md): what clients send (`requests`), the room events they
//! receive (`events`, encoded once at publication) and the other pushes and
//! close codes (`pushes`). The gateway decodes and answers with these; the
//! load tool and the tests build their frames with them.

pub mod events;
pub mod pushes;
pub mod requests;
