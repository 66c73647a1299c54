//! Tencent's callback signature: `Sign = hex(sha256(token + RequestTime))`,
//! `RequestTime` in unix seconds, both in the query string.

use sha2::{Digest, Sha256};

pub fn sign(token: &str, request_time: u64) -> String {
    let digest = Sha256::digest(format!("{token}{request_time}").as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_of_token_then_time() {
        assert_eq!(
            super::sign("abc", 123),
            // printf 'abc123' | sha256sum
            "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090"
        );
    }
}
