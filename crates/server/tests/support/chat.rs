//! Two ordinary members chatting in a room while a test attacks the server:
//! each exchange must be accepted and delivered.

use super::client::{Client, text_of};
use std::net::SocketAddr;

pub struct Chat {
    pub room: String,
    pub alice: Client,
    pub bob: Client,
    sent: usize,
    last: tokio::time::Instant,
}

/// Exchanges are at least this far apart, so chatting in a loop stays well
/// under the per-user send rate (each member sends every other exchange).
const PACE: std::time::Duration = std::time::Duration::from_millis(150);

impl Chat {
    /// Two logged-in members of `room` on the server at `http`, connecting
    /// from the address `from` (through the trusted loopback proxy of
    /// `abuse_config`, so they share no per-IP limit with the attacker).
    pub async fn start(http: SocketAddr, room: &str, from: &str) -> Self {
        let url = format!("ws://{http}/ws");
        let mut members = Vec::new();
        for user in ["chat-alice", "chat-bob"] {
            let mut c = Client::connect_from(&url, from).await;
            let r = c.login(super::server::APP, user, &super::server::usersig(user)).await;
            assert_eq!(r["code"], 0, "{user} login: {r}");
            let r = c.join(room).await;
            assert_eq!(r["code"], 0, "{user} join: {r}");
            members.push(c);
        }
        let bob = members.pop().unwrap();
        let alice = members.pop().unwrap();
        Self {
            room: room.to_string(),
            alice,
            bob,
            sent: 0,
            last: tokio::time::Instant::now(),
        }
    }

    /// Alice sends one message and Bob receives it (and the other way round
    /// every other time): neither refused nor dropped.
    pub async fn exchange(&mut self) {
        tokio::time::sleep_until(self.last + PACE).await;
        self.last = tokio::time::Instant::now();
        self.sent += 1;
        let text = format!("chat {}", self.sent);
        let (from, to) = if self.sent.is_multiple_of(2) {
            (&mut self.bob, &mut self.alice)
        } else {
            (&mut self.alice, &mut self.bob)
        };
        let r = from.send_msg(&self.room, &text).await;
        assert_eq!(r["code"], 0, "an ordinary member's message was refused: {r}");
        loop {
            let m = to.next_event_of("message").await;
            if text_of(&m) == text {
                break;
            }
        }
    }
}
