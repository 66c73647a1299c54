//! The gateway's request decoder: the `{"id","op","data"}` envelope, each
//! op's typed `data` and, for `send`, the message body's validation
//! (crates/gateway/src/protocol.rs, crates/core/src/client/requests.rs).
//!
//! Invariants: no panic; an error is a JSON reply with a non-zero code; an
//! accepted request, re-encoded from its typed form, decodes to the same
//! request (what the gateway understood is what the client meant).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast_gateway::fuzz_api::{Decoded, decode_request};
use serde_json::{Value, json};

const MAX_FRAME: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_request(text, MAX_FRAME) {
        Ok(Decoded { op, data }) => {
            let again = json!({"id": 1, "op": op, "data": data}).to_string();
            let decoded = decode_request(&again, usize::MAX).expect("a re-encoded request decodes");
            assert_eq!(decoded, Decoded { op, data }, "re-encoding changed the request");
        }
        Err(reply) => {
            let reply: Value = serde_json::from_str(&reply).expect("error replies are JSON");
            assert!(reply["code"].as_u64().is_some_and(|c| c != 0), "{reply}");
        }
    }
});
