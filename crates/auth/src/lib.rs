//! `userSig` minting and verification, byte-compatible with Tencent's
//! TLSSigAPIv2 (the HMAC-SHA256 "2.0" format).
//!
//! Compatibility matters because clients and app servers already mint
//! userSigs with Tencent's published libraries (Python, Go, Java, Node, ...);
//! Roomcast must accept those unchanged, and sigs minted here must be
//! accepted by anything that implements the same public algorithm.
//!
//! # Format
//!
//! 1. The signed content is the newline-terminated lines
//!    `TLS.identifier:<id>`, `TLS.sdkappid:<appid>`, `TLS.time:<issued>`,
//!    `TLS.expire:<secs>` and, only when a userbuf is present,
//!    `TLS.userbuf:<base64(userbuf)>`.
//! 2. `TLS.sig = base64(HMAC-SHA256(key = secret, msg = content))`.
//! 3. A JSON object `{"TLS.ver":"2.0","TLS.identifier":..,"TLS.sdkappid":..,
//!    "TLS.expire":..,"TLS.time":..,["TLS.userbuf":..,]"TLS.sig":..}` is
//!    zlib-compressed, base64-encoded and made URL-safe by mapping
//!    `+`→`*`, `/`→`-`, `=`→`_`.

use std::io::Read;

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Upper bound on the inflated JSON. Real sigs inflate to a few hundred
/// bytes; the cap stops a tiny zlib bomb from allocating unbounded memory.
pub const MAX_INFLATED_LEN: usize = 8 * 1024;

/// Upper bound on the encoded userSig accepted for verification, checked
/// before any decoding work is done.
pub const MAX_USERSIG_LEN: usize = 16 * 1024;

/// The only format version this crate speaks (HMAC-SHA256 based).
const TLS_VERSION: &str = "2.0";

/// Standard alphabet, but tolerant of missing padding on decode: some
/// third-party encoders strip the `_` (i.e. `=`) padding.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a userSig was rejected. [`AuthError::code`] maps each variant to the
/// error code Tencent IM returns, so clients' existing handling keeps working.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// No userSig was supplied.
    #[error("usersig is empty")]
    Empty,
    /// The userSig could not be decoded (base64, zlib or JSON layer).
    #[error("malformed usersig: {0}")]
    Malformed(String),
    /// The userSig was valid but its lifetime is over.
    #[error("usersig expired at {expired_at}")]
    Expired {
        /// Unix time (seconds) after which the sig stopped being valid.
        expired_at: u64,
    },
    /// The sig was minted for a different user.
    #[error("usersig identifier does not match")]
    IdentifierMismatch,
    /// The sig was minted for a different application.
    #[error("usersig sdkappid does not match")]
    AppIdMismatch,
    /// The HMAC does not match: wrong secret or tampered contents.
    #[error("usersig signature is invalid")]
    BadSignature,
    /// Genuine, but valid for longer than the deployment allows
    /// ([`SigPolicy::max_lifetime_secs`]).
    #[error("usersig lifetime of {expire} s exceeds the allowed {max} s")]
    LifetimeTooLong {
        /// `TLS.expire` of the sig.
        expire: u64,
        /// The configured maximum.
        max: u64,
    },
    /// Too many failed attempts: refused without being checked until the
    /// lockout ends (Tencent's `70050`, "retry after 1 min").
    #[error("too many failed attempts; retry in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lockout ends.
        retry_after_secs: u64,
    },
    /// Genuine, but issued (`TLS.time`) further in the future than the
    /// allowed clock skew.
    #[error("usersig issued {ahead} s in the future (allowed clock skew {max} s)")]
    IssuedInFuture {
        /// Seconds `TLS.time` is ahead of this server's clock.
        ahead: u64,
        /// The configured skew allowance.
        max: u64,
    },
}

impl AuthError {
    /// Tencent IM error code for this failure.
    pub fn code(&self) -> u32 {
        match self {
            AuthError::Empty => 70002,
            AuthError::Malformed(_) => 70003,
            AuthError::Expired { .. } => 70001,
            AuthError::IdentifierMismatch => 70013,
            AuthError::AppIdMismatch => 70014,
            AuthError::BadSignature => 70003,
            AuthError::Locked { .. } => 70050,
            // Tencent's "check failed": the sig verifies but is not acceptable.
            AuthError::LifetimeTooLong { .. } | AuthError::IssuedInFuture { .. } => 70003,
        }
    }
}

/// What a deployment accepts beyond a valid signature: a bounded lifetime
/// and `TLS.time` at most a little ahead of the server's clock. Without it a
/// leaked sig minted for ten years (or `2^64` seconds), or one issued ten
/// years ahead, would stay valid for that long; the secret cannot be
/// rotated without logging everybody out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigPolicy {
    /// Largest `TLS.expire` accepted (default 366 days: above the 180 days
    /// Tencent's libraries mint by default).
    pub max_lifetime_secs: u64,
    /// How far `TLS.time` may be ahead of this server's clock (default 300 s:
    /// app servers' clocks drift).
    pub max_clock_skew_secs: u64,
    /// Failed admin-API credentials (the admin's userSig, or the admin
    /// token) per app within `admin_lockout_secs` before that method is
    /// locked for `admin_lockout_secs` (`70050`).
    pub admin_max_failures: u32,
    pub admin_lockout_secs: u64,
}

impl Default for SigPolicy {
    fn default() -> Self {
        Self {
            max_lifetime_secs: 366 * 86_400,
            max_clock_skew_secs: 300,
            admin_max_failures: 20,
            admin_lockout_secs: 60,
        }
    }
}

impl SigPolicy {
    /// No limits beyond the signature and the expiry (Tencent's own check).
    pub const UNLIMITED: SigPolicy = SigPolicy {
        max_lifetime_secs: u64::MAX,
        max_clock_skew_secs: u64::MAX,
        admin_max_failures: u32::MAX,
        admin_lockout_secs: 1,
    };

    pub fn validate(&self) -> Result<(), String> {
        if self.max_lifetime_secs == 0 || self.admin_max_failures == 0 || self.admin_lockout_secs == 0 {
            return Err("auth.max_lifetime_secs, admin_max_failures and admin_lockout_secs must be positive".into());
        }
        Ok(())
    }

    /// Refuses a verified sig this policy does not accept at `now_unix`.
    pub fn check(&self, info: &SigInfo, now_unix: u64) -> Result<(), AuthError> {
        if info.expire > self.max_lifetime_secs {
            return Err(AuthError::LifetimeTooLong {
                expire: info.expire,
                max: self.max_lifetime_secs,
            });
        }
        let ahead = info.issued_at.saturating_sub(now_unix);
        if ahead > self.max_clock_skew_secs {
            return Err(AuthError::IssuedInFuture {
                ahead,
                max: self.max_clock_skew_secs,
            });
        }
        Ok(())
    }
}

/// What a successfully verified userSig asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigInfo {
    /// User ID the sig was minted for.
    pub identifier: String,
    /// Application the sig was minted for.
    pub sdkappid: u64,
    /// Unix time (seconds) the sig was minted (`TLS.time`).
    pub issued_at: u64,
    /// Lifetime in seconds (`TLS.expire`).
    pub expire: u64,
}

impl SigInfo {
    /// Last Unix second at which the sig is still valid (`time + expire`;
    /// the sig is expired once `now > expires_at`).
    pub fn expires_at(&self) -> u64 {
        self.issued_at.saturating_add(self.expire)
    }
}

/// Wire form, emitted in the same key order as Tencent's libraries.
#[derive(Serialize)]
struct SigDocOut<'a> {
    #[serde(rename = "TLS.ver")]
    ver: &'a str,
    #[serde(rename = "TLS.identifier")]
    identifier: &'a str,
    #[serde(rename = "TLS.sdkappid")]
    sdkappid: u64,
    #[serde(rename = "TLS.expire")]
    expire: u64,
    #[serde(rename = "TLS.time")]
    time: u64,
    #[serde(rename = "TLS.userbuf", skip_serializing_if = "Option::is_none")]
    userbuf: Option<&'a str>,
    #[serde(rename = "TLS.sig")]
    sig: &'a str,
}

/// Parsed form; key order is irrelevant, numbers must be JSON integers,
/// unknown keys are ignored and duplicate keys are rejected.
#[derive(Deserialize)]
struct SigDocIn {
    #[serde(rename = "TLS.ver", default)]
    ver: Option<String>,
    #[serde(rename = "TLS.identifier")]
    identifier: String,
    #[serde(rename = "TLS.sdkappid")]
    sdkappid: u64,
    #[serde(rename = "TLS.expire")]
    expire: u64,
    #[serde(rename = "TLS.time")]
    time: u64,
    #[serde(rename = "TLS.userbuf", default)]
    userbuf: Option<String>,
    #[serde(rename = "TLS.sig")]
    sig: String,
}

/// HMAC over the canonical content lines. `userbuf_b64` is the base64 text
/// exactly as it appears in the sig, since that is what was signed.
fn mac_for(
    secret: &str,
    identifier: &str,
    sdkappid: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) -> HmacSha256 {
    let mut content =
        format!("TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(buf) = userbuf_b64 {
        content.push_str("TLS.userbuf:");
        content.push_str(buf);
        content.push('\n');
    }
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(content.as_bytes());
    mac
}

fn to_url_safe(b64: &str) -> String {
    b64.chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

fn from_url_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect()
}

fn mint(
    sdkappid: u64,
    secret: &str,
    identifier: &str,
    expire_secs: u64,
    now_unix: u64,
    userbuf: Option<&[u8]>,
) -> String {
    let userbuf_b64 = userbuf.map(|b| STANDARD.encode(b));
    let mac = mac_for(
        secret,
        identifier,
        sdkappid,
        now_unix,
        expire_secs,
        userbuf_b64.as_deref(),
    );
    let sig = STANDARD.encode(mac.finalize().into_bytes());
    let doc = SigDocOut {
        ver: TLS_VERSION,
        identifier,
        sdkappid,
        expire: expire_secs,
        time: now_unix,
        userbuf: userbuf_b64.as_deref(),
        sig: &sig,
    };
    let json = serde_json::to_vec(&doc).expect("serializing a plain struct cannot fail");
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    std::io::Write::write_all(&mut enc, &json).expect("writing to a Vec cannot fail");
    let compressed = enc.finish().expect("writing to a Vec cannot fail");
    to_url_safe(&STANDARD.encode(compressed))
}

/// Mints a userSig for `identifier` valid from `now_unix` for `expire_secs`
/// seconds. Equivalent to Tencent's `genUserSig`/`gen_sig`.
pub fn gen_usersig(sdkappid: u64, secret: &str, identifier: &str, expire_secs: u64, now_unix: u64) -> String {
    mint(sdkappid, secret, identifier, expire_secs, now_unix, None)
}

/// Like [`gen_usersig`], additionally binding `userbuf` (Tencent's
/// "privateMapKey" payload) into the signed content.
pub fn gen_usersig_with_userbuf(
    sdkappid: u64,
    secret: &str,
    identifier: &str,
    expire_secs: u64,
    now_unix: u64,
    userbuf: &[u8],
) -> String {
    mint(sdkappid, secret, identifier, expire_secs, now_unix, Some(userbuf))
}

/// Verifies a userSig for `identifier` in application `sdkappid` at time
/// `now_unix`. A userbuf, if the sig carries one, is covered by the HMAC.
///
/// Checks run in Tencent's order (appid, identifier, expiry, signature) so
/// the reported error code matches what Tencent IM would report.
pub fn verify_usersig(
    sdkappid: u64,
    secret: &str,
    identifier: &str,
    usersig: &str,
    now_unix: u64,
) -> Result<SigInfo, AuthError> {
    verify_usersig_with_userbuf(sdkappid, secret, identifier, usersig, now_unix).map(|(i, _)| i)
}

/// [`verify_usersig`], then `policy`: what a server should call. The policy
/// is checked after the signature, so a forged sig is always reported as
/// such.
pub fn verify_usersig_with_policy(
    sdkappid: u64,
    secret: &str,
    identifier: &str,
    usersig: &str,
    now_unix: u64,
    policy: &SigPolicy,
) -> Result<SigInfo, AuthError> {
    let info = verify_usersig(sdkappid, secret, identifier, usersig, now_unix)?;
    policy.check(&info, now_unix)?;
    Ok(info)
}

/// Like [`verify_usersig`], also returning the decoded userbuf if present.
pub fn verify_usersig_with_userbuf(
    sdkappid: u64,
    secret: &str,
    identifier: &str,
    usersig: &str,
    now_unix: u64,
) -> Result<(SigInfo, Option<Vec<u8>>), AuthError> {
    let doc = decode(usersig)?;

    if doc.ver.as_deref().is_some_and(|v| v != TLS_VERSION) {
        return Err(AuthError::Malformed("unsupported TLS.ver".into()));
    }
    if doc.sdkappid != sdkappid {
        return Err(AuthError::AppIdMismatch);
    }
    if doc.identifier != identifier {
        return Err(AuthError::IdentifierMismatch);
    }
    let info = SigInfo {
        identifier: doc.identifier,
        sdkappid: doc.sdkappid,
        issued_at: doc.time,
        expire: doc.expire,
    };
    if now_unix > info.expires_at() {
        return Err(AuthError::Expired {
            expired_at: info.expires_at(),
        });
    }
    let userbuf = doc
        .userbuf
        .as_deref()
        .map(|b| {
            STANDARD
                .decode(b)
                .map_err(|_| AuthError::Malformed("TLS.userbuf is not base64".into()))
        })
        .transpose()?;
    let sig_bytes = STANDARD
        .decode(&doc.sig)
        .map_err(|_| AuthError::Malformed("TLS.sig is not base64".into()))?;
    mac_for(
        secret,
        &info.identifier,
        info.sdkappid,
        info.issued_at,
        info.expire,
        doc.userbuf.as_deref(),
    )
    .verify_slice(&sig_bytes)
    .map_err(|_| AuthError::BadSignature)?;
    Ok((info, userbuf))
}

/// Undoes the transport encoding: char map, base64, bounded zlib, JSON.
fn decode(usersig: &str) -> Result<SigDocIn, AuthError> {
    if usersig.is_empty() {
        return Err(AuthError::Empty);
    }
    if usersig.len() > MAX_USERSIG_LEN {
        return Err(AuthError::Malformed("usersig too long".into()));
    }
    let compressed = LENIENT_STANDARD
        .decode(from_url_safe(usersig))
        .map_err(|_| AuthError::Malformed("invalid base64".into()))?;
    let mut json = Vec::new();
    ZlibDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED_LEN as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|_| AuthError::Malformed("invalid zlib stream".into()))?;
    if json.len() > MAX_INFLATED_LEN {
        return Err(AuthError::Malformed("inflated usersig too large".into()));
    }
    serde_json::from_slice(&json).map_err(|e| AuthError::Malformed(format!("invalid json: {e}")))
}

/// Returns a fresh 256-bit secret as 64 lowercase hex chars, drawn from the
/// thread-local CSPRNG (ChaCha seeded from the OS). Intended for dev configs.
pub fn generate_secret() -> String {
    use rand::RngCore;
    use std::fmt::Write;

    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests;
