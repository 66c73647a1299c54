//! Tencent's reply envelope: always HTTP 200 with `ActionStatus`,
//! `ErrorCode` and `ErrorInfo`, then the command's own fields.

use crate::error::RestError;
use crate::metrics;
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

pub fn respond(result: Result<Value, RestError>) -> Response {
    let mut out = Map::new();
    match result {
        Ok(fields) => {
            metrics::count("ok");
            out.insert("ActionStatus".into(), "OK".into());
            out.insert("ErrorCode".into(), 0.into());
            out.insert("ErrorInfo".into(), "".into());
            if let Value::Object(fields) = fields {
                out.extend(fields);
            }
        }
        Err(e) => {
            metrics::count(match &e {
                RestError::Http(_) | RestError::Account(_) | RestError::NotAdmin(_) => "auth",
                RestError::Core(roomcast_core::CoreError::Auth(_) | roomcast_core::CoreError::UnknownApp(_)) => "auth",
                RestError::RateLimited(_) => "rate_limited",
                _ => "error",
            });
            out.insert("ActionStatus".into(), "FAIL".into());
            out.insert("ErrorCode".into(), e.code().into());
            out.insert("ErrorInfo".into(), e.to_string().into());
        }
    }
    Json(Value::Object(out)).into_response()
}
