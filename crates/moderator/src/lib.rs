//! The moderator role: a NATS queue group whose members screen, sequence
//! and publish every user message (`Moderator`), and the submit protocol by
//! which gateways and room control reach it (`NatsSubmitter`, `codec`).

mod codec;
mod submitter;
mod worker;

pub use submitter::NatsSubmitter;
pub use worker::Moderator;
