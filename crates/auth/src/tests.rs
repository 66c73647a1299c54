use super::*;
use flate2::read::ZlibDecoder;
use serde_json::{Value, json};
use std::io::Write;

// The vectors below were produced independently of this crate by the
// following Python 3 (stdlib only) transcription of Tencent's
// tls-sig-api-v2-python `__gen_sig`, with `curr_time` fixed instead of
// `time.time()`. Run it to reproduce them:
//
// ```python
// import base64, hashlib, hmac, json, zlib
//
// def b64url(s):
//     return s.replace('+', '*').replace('/', '-').replace('=', '_')
//
// def gen_sig(sdkappid, key, identifier, curr_time, expire, userbuf=None):
//     content = ("TLS.identifier:" + str(identifier) + "\n"
//                + "TLS.sdkappid:" + str(sdkappid) + "\n"
//                + "TLS.time:" + str(curr_time) + "\n"
//                + "TLS.expire:" + str(expire) + "\n")
//     m = dict()
//     m["TLS.ver"] = "2.0"
//     m["TLS.identifier"] = str(identifier)
//     m["TLS.sdkappid"] = int(sdkappid)
//     m["TLS.expire"] = int(expire)
//     m["TLS.time"] = int(curr_time)
//     if userbuf is not None:
//         b64buf = base64.b64encode(userbuf).decode('utf-8')
//         m["TLS.userbuf"] = b64buf
//         content += "TLS.userbuf:" + b64buf + "\n"
//     m["TLS.sig"] = base64.b64encode(hmac.new(key.encode('utf-8'), content.encode('utf-8'),
//                                              hashlib.sha256).digest()).decode('utf-8')
//     raw = json.dumps(m)
//     print(raw)
//     return b64url(base64.b64encode(zlib.compress(raw.encode('utf-8'))).decode('utf-8'))
//
// key = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
// print(gen_sig(1400000000, key, "alice", 1700000000, 86400 * 180))
// print(gen_sig(1400000000, key, "alice", 1700000000, 86400 * 180, b"room:42"))
// ```

const APPID: u64 = 1_400_000_000;
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const USER: &str = "alice";
const TIME: u64 = 1_700_000_000;
const EXPIRE: u64 = 86400 * 180;

const PY_SIG: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkEnMyk1NhUsUp2YkFBZkpQAlDEwMogMqlVhRkFqWCZExNTY0Q4iWZuWBRczT1xZnpIPMjS-Odw0LDDT0Cwx1zE-Mtykx9nZNM8xz9kr1SncNKvEKyiwMMkworTZJCbZVqAXXaMp8_";
const PY_JSON: &str = r#"{"TLS.ver": "2.0", "TLS.identifier": "alice", "TLS.sdkappid": 1400000000, "TLS.expire": 15552000, "TLS.time": 1700000000, "TLS.sig": "YuoCVUW1HQWAmao8v5MCb5nANcJeCVtJTksP1bqy4bU="}"#;

const PY_SIG_USERBUF: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkEnMyk1NhUsUp2YkFBZkpQAlDEwMogMqlVhRkFqWCZExNTY0Q4iWZuWBRczT1pcWpRUmlaSA7knMty5JC8g18021t4VZlpoOkCordvMPCTUzyI6uKq7JdC52yyktz-D0c-UKNk-LCHasiS8zyLEJSKkNzi22VagEs6Tzt";
const PY_JSON_USERBUF: &str = r#"{"TLS.ver": "2.0", "TLS.identifier": "alice", "TLS.sdkappid": 1400000000, "TLS.expire": 15552000, "TLS.time": 1700000000, "TLS.userbuf": "cm9vbTo0Mg==", "TLS.sig": "psFKVW44oYzszkEqBjwulOHANU3bnWAzYt6n8TdyUms="}"#;

/// Decodes a usersig down to its raw JSON text (test-side reimplementation).
fn decode_raw(usersig: &str) -> String {
    let compressed = STANDARD.decode(from_url_safe(usersig)).unwrap();
    let mut s = String::new();
    ZlibDecoder::new(compressed.as_slice()).read_to_string(&mut s).unwrap();
    s
}

/// Wraps arbitrary bytes in the usersig transport encoding.
fn encode_raw(payload: &[u8]) -> String {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(payload).unwrap();
    to_url_safe(&STANDARD.encode(enc.finish().unwrap()))
}

/// Decodes `usersig`, lets `f` edit the JSON, and re-encodes it.
fn edit(usersig: &str, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v: Value = serde_json::from_str(&decode_raw(usersig)).unwrap();
    f(v.as_object_mut().unwrap());
    encode_raw(serde_json::to_string(&v).unwrap().as_bytes())
}

fn verify(sig: &str, now: u64) -> Result<SigInfo, AuthError> {
    verify_usersig(APPID, KEY, USER, sig, now)
}

fn expected_info() -> SigInfo {
    SigInfo {
        identifier: USER.into(),
        sdkappid: APPID,
        issued_at: TIME,
        expire: EXPIRE,
    }
}

#[test]
fn python_vector_verifies() {
    assert_eq!(decode_raw(PY_SIG), PY_JSON);
    assert_eq!(verify(PY_SIG, TIME + 100), Ok(expected_info()));
}

#[test]
fn python_userbuf_vector_verifies() {
    assert_eq!(decode_raw(PY_SIG_USERBUF), PY_JSON_USERBUF);
    let (info, buf) = verify_usersig_with_userbuf(APPID, KEY, USER, PY_SIG_USERBUF, TIME + 100).unwrap();
    assert_eq!(info, expected_info());
    assert_eq!(buf.as_deref(), Some(&b"room:42"[..]));
}

#[test]
fn own_gen_matches_python_content() {
    let ours = gen_usersig(APPID, KEY, USER, EXPIRE, TIME);
    assert_eq!(verify(&ours, TIME + 100), Ok(expected_info()));
    let raw = decode_raw(&ours);
    // Same keys in the same order as the Python lib; compact separators.
    assert_eq!(
        raw,
        r#"{"TLS.ver":"2.0","TLS.identifier":"alice","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"YuoCVUW1HQWAmao8v5MCb5nANcJeCVtJTksP1bqy4bU="}"#
    );
    let ours: Value = serde_json::from_str(&raw).unwrap();
    let theirs: Value = serde_json::from_str(PY_JSON).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn own_userbuf_gen_matches_python_content() {
    let ours = gen_usersig_with_userbuf(APPID, KEY, USER, EXPIRE, TIME, b"room:42");
    let ours: Value = serde_json::from_str(&decode_raw(&ours)).unwrap();
    let theirs: Value = serde_json::from_str(PY_JSON_USERBUF).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn empty_sig() {
    let e = verify("", TIME).unwrap_err();
    assert_eq!(e, AuthError::Empty);
    assert_eq!(e.code(), 70002);
}

#[test]
fn garbage_base64() {
    let e = verify("!!!not base64!!!", TIME).unwrap_err();
    assert!(matches!(e, AuthError::Malformed(_)), "{e:?}");
    assert_eq!(e.code(), 70003);
}

#[test]
fn base64_but_not_zlib() {
    let sig = to_url_safe(&STANDARD.encode(b"this is definitely not a zlib stream"));
    assert!(matches!(verify(&sig, TIME), Err(AuthError::Malformed(_))));
}

#[test]
fn zlib_but_not_json() {
    let sig = encode_raw(b"TLS.ver=2.0; not json");
    assert!(matches!(verify(&sig, TIME), Err(AuthError::Malformed(_))));
}

#[test]
fn json_missing_field_or_string_numbers() {
    let sig = edit(PY_SIG, |m| {
        m.remove("TLS.sig");
    });
    assert!(matches!(verify(&sig, TIME), Err(AuthError::Malformed(_))));
    for key in ["TLS.sdkappid", "TLS.expire", "TLS.time"] {
        let sig = edit(PY_SIG, |m| {
            let n = m[key].as_u64().unwrap();
            m.insert(key.into(), Value::String(n.to_string()));
        });
        assert!(
            matches!(verify(&sig, TIME), Err(AuthError::Malformed(_))),
            "{key} as string must be rejected"
        );
    }
}

#[test]
fn wrong_identifier() {
    let e = verify_usersig(APPID, KEY, "bob", PY_SIG, TIME).unwrap_err();
    assert_eq!(e, AuthError::IdentifierMismatch);
    assert_eq!(e.code(), 70013);
}

#[test]
fn wrong_appid() {
    let e = verify_usersig(APPID + 1, KEY, USER, PY_SIG, TIME).unwrap_err();
    assert_eq!(e, AuthError::AppIdMismatch);
    assert_eq!(e.code(), 70014);
}

#[test]
fn tampered_sig() {
    let sig = edit(PY_SIG, |m| {
        let s = m["TLS.sig"].as_str().unwrap();
        let first = if s.starts_with('A') { "B" } else { "A" };
        let flipped = format!("{first}{}", &s[1..]);
        m.insert("TLS.sig".into(), Value::String(flipped));
    });
    let e = verify(&sig, TIME).unwrap_err();
    assert_eq!(e, AuthError::BadSignature);
    assert_eq!(e.code(), 70003);
}

#[test]
fn tampered_time_fails_signature() {
    // Extending one's own lifetime must not be possible without the secret.
    let sig = edit(PY_SIG, |m| {
        m.insert("TLS.expire".into(), json!(EXPIRE * 10));
    });
    assert_eq!(verify(&sig, TIME), Err(AuthError::BadSignature));
}

#[test]
fn wrong_secret() {
    let other = "0".repeat(64);
    assert_eq!(
        verify_usersig(APPID, &other, USER, PY_SIG, TIME),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn expiry_boundary() {
    let sig = gen_usersig(APPID, KEY, USER, EXPIRE, TIME);
    let info = verify(&sig, TIME + EXPIRE).unwrap();
    assert_eq!(info.expires_at(), TIME + EXPIRE);
    let e = verify(&sig, TIME + EXPIRE + 1).unwrap_err();
    assert_eq!(
        e,
        AuthError::Expired {
            expired_at: TIME + EXPIRE
        }
    );
    assert_eq!(e.code(), 70001);
}

#[test]
fn userbuf_round_trip() {
    let buf = [0u8, 0xff, 0x10, b'+', b'/', 0x80, 7];
    let sig = gen_usersig_with_userbuf(APPID, KEY, USER, 600, TIME, &buf);
    let (info, got) = verify_usersig_with_userbuf(APPID, KEY, USER, &sig, TIME + 1).unwrap();
    assert_eq!(info.expire, 600);
    assert_eq!(got.as_deref(), Some(&buf[..]));
    assert!(verify(&sig, TIME + 1).is_ok());

    // Plain sigs carry no userbuf.
    let plain = gen_usersig(APPID, KEY, USER, 600, TIME);
    let (_, got) = verify_usersig_with_userbuf(APPID, KEY, USER, &plain, TIME).unwrap();
    assert_eq!(got, None);

    // Empty userbuf is still "present" and signed as an empty line value.
    let empty = gen_usersig_with_userbuf(APPID, KEY, USER, 600, TIME, b"");
    let (_, got) = verify_usersig_with_userbuf(APPID, KEY, USER, &empty, TIME).unwrap();
    assert_eq!(got, Some(Vec::new()));
}

#[test]
fn userbuf_is_covered_by_signature() {
    let stripped = edit(PY_SIG_USERBUF, |m| {
        m.remove("TLS.userbuf");
    });
    assert_eq!(verify(&stripped, TIME), Err(AuthError::BadSignature));

    let swapped = edit(PY_SIG_USERBUF, |m| {
        m.insert("TLS.userbuf".into(), json!(STANDARD.encode(b"room:43")));
    });
    assert_eq!(verify(&swapped, TIME), Err(AuthError::BadSignature));

    let added = edit(PY_SIG, |m| {
        m.insert("TLS.userbuf".into(), json!(STANDARD.encode(b"room:42")));
    });
    assert_eq!(verify(&added, TIME), Err(AuthError::BadSignature));
}

#[test]
fn key_order_and_version_leniency() {
    // Reordered keys and an unknown extra key are fine.
    let v: Value = serde_json::from_str(PY_JSON).unwrap();
    let m = v.as_object().unwrap();
    let mut reordered = String::from("{");
    for k in m.keys().rev() {
        reordered.push_str(&format!("{}:{},", json!(k), m[k]));
    }
    reordered.push_str(r#""TLS.extra":true}"#);
    assert!(verify(&encode_raw(reordered.as_bytes()), TIME).is_ok());

    // TLS.ver is not signed; Go's lib may omit it, but a different version is refused.
    let no_ver = edit(PY_SIG, |m| {
        m.remove("TLS.ver");
    });
    assert!(verify(&no_ver, TIME).is_ok());
    let v1 = edit(PY_SIG, |m| {
        m.insert("TLS.ver".into(), json!("1.0"));
    });
    assert!(matches!(verify(&v1, TIME), Err(AuthError::Malformed(_))));
}

#[test]
fn unpadded_base64_accepted() {
    let sig = PY_SIG.trim_end_matches('_');
    assert_ne!(sig, PY_SIG);
    assert!(verify(sig, TIME).is_ok());
}

#[test]
fn oversize_inflate_rejected() {
    // A zip bomb: 4 MiB of zeros compresses to a few KiB.
    let bomb = encode_raw(&vec![0u8; 4 << 20]);
    assert!(bomb.len() <= MAX_USERSIG_LEN);
    let e = verify(&bomb, TIME).unwrap_err();
    assert_eq!(e, AuthError::Malformed("inflated usersig too large".into()));

    // Exact boundary: a valid doc padded to the cap passes, one byte more fails.
    let pad = |n: usize| {
        let mut s = PY_JSON.to_string();
        s.push_str(&" ".repeat(n - s.len()));
        encode_raw(s.as_bytes())
    };
    assert!(verify(&pad(MAX_INFLATED_LEN), TIME).is_ok());
    assert!(matches!(
        verify(&pad(MAX_INFLATED_LEN + 1), TIME),
        Err(AuthError::Malformed(_))
    ));
}

#[test]
fn overlong_input_rejected() {
    let sig = "A".repeat(MAX_USERSIG_LEN + 1);
    assert!(matches!(verify(&sig, TIME), Err(AuthError::Malformed(_))));
}

#[test]
fn non_ascii_identifier_round_trip() {
    let id = "用户_ünï";
    let sig = gen_usersig(APPID, KEY, id, 60, TIME);
    assert_eq!(verify_usersig(APPID, KEY, id, &sig, TIME).unwrap().identifier, id);
}

#[test]
fn error_messages_lowercase() {
    for e in [
        AuthError::Empty,
        AuthError::Malformed("x".into()),
        AuthError::Expired { expired_at: 1 },
        AuthError::IdentifierMismatch,
        AuthError::AppIdMismatch,
        AuthError::BadSignature,
    ] {
        let msg = e.to_string();
        assert_eq!(msg, msg.to_lowercase(), "{msg}");
    }
}

#[test]
fn generated_secret_shape() {
    let a = generate_secret();
    let b = generate_secret();
    assert_eq!(a.len(), 64);
    assert!(a.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert_ne!(a, b);
    let sig = gen_usersig(APPID, &a, USER, 60, TIME);
    assert!(verify_usersig(APPID, &a, USER, &sig, TIME).is_ok());
    assert_eq!(
        verify_usersig(APPID, &b, USER, &sig, TIME),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn policy_refuses_long_lifetimes_and_future_issue_times() {
    const KEY: &str = "policy-test-secret-0123456789";
    let now = 1_800_000_000;
    let policy = SigPolicy::default();
    let ok = gen_usersig(1, KEY, "u", 180 * 86_400, now);
    assert!(verify_usersig_with_policy(1, KEY, "u", &ok, now, &policy).is_ok());
    let skewed = gen_usersig(1, KEY, "u", 86_400, now + 200);
    assert!(verify_usersig_with_policy(1, KEY, "u", &skewed, now, &policy).is_ok());

    let forever = gen_usersig(1, KEY, "u", u64::MAX, now);
    let e = verify_usersig_with_policy(1, KEY, "u", &forever, now, &policy).unwrap_err();
    assert!(
        matches!(e, AuthError::LifetimeTooLong { expire: u64::MAX, .. }),
        "{e:?}"
    );
    assert_eq!(e.code(), 70003);
    assert!(
        verify_usersig(1, KEY, "u", &forever, now).is_ok(),
        "plain verification has no policy"
    );

    let ten_years_ahead = gen_usersig(1, KEY, "u", 86_400, now + 10 * 365 * 86_400);
    let e = verify_usersig_with_policy(1, KEY, "u", &ten_years_ahead, now, &policy).unwrap_err();
    assert!(matches!(e, AuthError::IssuedInFuture { .. }), "{e:?}");
    assert_eq!(e.code(), 70003);

    // A forged sig is reported as forged, whatever its fields.
    let forged = gen_usersig(1, "another-secret-0123456789", "u", u64::MAX, now);
    assert_eq!(
        verify_usersig_with_policy(1, KEY, "u", &forged, now, &policy),
        Err(AuthError::BadSignature)
    );
    assert!(verify_usersig_with_policy(1, KEY, "u", &forever, now, &SigPolicy::UNLIMITED).is_ok());
}
