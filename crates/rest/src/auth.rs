//! The REST API's query-string authentication, as Tencent's:
//! `?sdkappid=&identifier=&usersig=&random=&contenttype=json`. The
//! identifier must be the app's admin account and the userSig its
//! TLSSigAPIv2 signature.

use crate::error::{RestError, Result};
use roomcast_core::CoreError;
use roomcast_core::apps::{Apps, now_secs};
use roomcast_core::ids::AppId;
use std::collections::HashMap;

/// Checks the query of a call and returns the app it is for.
pub fn authorize(apps: &Apps, query: Option<&str>) -> Result<AppId> {
    let params: HashMap<String, String> = match query {
        Some(q) => {
            axum::extract::Query::<HashMap<String, String>>::try_from_uri(
                &format!("/?{q}")
                    .parse::<axum::http::Uri>()
                    .map_err(|_| RestError::Http("malformed query string".into()))?,
            )
            .map_err(|e| RestError::Http(format!("malformed query string: {e}")))?
            .0
        }
        None => HashMap::new(),
    };
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    // Missing or not a number: no app has that ID (Tencent's 60006).
    let app: AppId = get("sdkappid").and_then(|v| v.parse().ok()).unwrap_or(0);
    let cfg = apps.get(app)?;
    if let Some(ct) = get("contenttype")
        && ct != "json"
    {
        return Err(RestError::Http(format!("contenttype must be json (got {ct})")));
    }
    if let Some(r) = get("random")
        && r.parse::<u32>().is_err()
    {
        return Err(RestError::Http("random must be a 32-bit unsigned integer".into()));
    }
    let identifier = get("identifier").ok_or(RestError::Account("identifier"))?;
    let sig = get("usersig").ok_or(RestError::Account("usersig"))?;
    roomcast_auth::verify_usersig(app, &cfg.secret, identifier, sig, now_secs()).map_err(CoreError::from)?;
    if identifier != cfg.admin_identifier {
        return Err(RestError::NotAdmin(identifier.to_string()));
    }
    Ok(app)
}
