//! userSig verification (crates/auth): TLSSigAPIv2 decoding (URL-safe
//! base64, bounded zlib, JSON) and the HMAC check.
//!
//! Input byte 0 chooses the mode:
//! - even: the rest is a userSig string verified as is (seeds: real and
//!   forged sigs). Invariant: whatever is accepted under the server's key is
//!   rejected under any other key (the HMAC binds the key).
//! - odd: the rest describes a sig to mint (which of two keys, times,
//!   identifier, userbuf) and byte edits to make to it. Invariant: the
//!   verifier accepts only if the sig was minted with the server's key, and
//!   then returns exactly what was minted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast_auth::{AuthError, gen_usersig, gen_usersig_with_userbuf, verify_usersig_with_userbuf};

const APP: u64 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const USER: &str = "user1";
const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let Ok(sig) = std::str::from_utf8(rest) else {
            return;
        };
        if let Ok((info, _)) = verify_usersig_with_userbuf(APP, KEY, USER, sig, NOW) {
            assert_eq!(
                verify_usersig_with_userbuf(APP, OTHER_KEY, USER, sig, info.issued_at),
                Err(AuthError::BadSignature),
                "accepted under two keys"
            );
        }
        return;
    }
    minted(rest);
});

fn minted(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = || bytes.next().unwrap_or(0);
    let flags = next();
    let key = if flags & 1 == 0 { KEY } else { OTHER_KEY };
    let issued = NOW - u64::from(next()) * 1000;
    let expire = u64::from(next()) * 100;
    let id_len = usize::from(next() % 16);
    let rest: Vec<u8> = std::iter::from_fn(|| bytes.next()).collect();
    let (id_bytes, rest) = rest.split_at(id_len.min(rest.len()));
    let identifier = String::from_utf8_lossy(id_bytes).into_owned();
    let (userbuf, edits) = match rest.split_first() {
        Some((&n, rest)) if flags & 2 != 0 => {
            let (buf, edits) = rest.split_at(usize::from(n % 32).min(rest.len()));
            (Some(buf), edits)
        }
        _ if flags & 2 != 0 => (Some(&[][..]), rest),
        _ => (None, rest),
    };
    let sig = match userbuf {
        Some(buf) => gen_usersig_with_userbuf(APP, key, &identifier, expire, issued, buf),
        None => gen_usersig(APP, key, &identifier, expire, issued),
    };
    // Edits: (position, new byte) pairs, kept to the sig's own alphabet.
    let mut sig = sig.into_bytes();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-_";
    for pair in edits.chunks_exact(2) {
        if sig.is_empty() {
            break;
        }
        let at = usize::from(pair[0]) * 7 % sig.len();
        sig[at] = ALPHABET[usize::from(pair[1]) % ALPHABET.len()];
    }
    let sig = String::from_utf8(sig).expect("the alphabet is ASCII");
    if let Ok((info, got_buf)) = verify_usersig_with_userbuf(APP, KEY, &identifier, &sig, issued) {
        assert_eq!(key, KEY, "accepted a sig minted with another key");
        assert_eq!(
            (info.identifier.as_str(), info.sdkappid, info.issued_at, info.expire),
            (identifier.as_str(), APP, issued, expire),
            "accepted, but not what was minted"
        );
        assert_eq!(got_buf.as_deref(), userbuf, "accepted with another userbuf");
    }
}
