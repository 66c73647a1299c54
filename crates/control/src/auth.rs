//! Authentication of admin API callers: the app admin's userSig or the
//! app's admin token, scoped to one app by `x-roomcast-sdkappid`.

use crate::error::ControlError;
use roomcast_core::apps::{Apps, now_secs};
use roomcast_core::ids::AppId;
use tonic::Request;
use tonic::metadata::MetadataMap;

/// Metadata keys of the admin API.
pub mod metadata {
    pub const SDKAPPID: &str = "x-roomcast-sdkappid";
    pub const IDENTIFIER: &str = "x-roomcast-identifier";
    pub const USERSIG: &str = "x-roomcast-usersig";
    pub const AUTHORIZATION: &str = "authorization";
}

/// Authenticates an admin caller and returns the app it is scoped to.
pub(crate) fn authorize<T>(apps: &Apps, req: &Request<T>) -> Result<AppId, ControlError> {
    authorize_metadata(apps, req.metadata())
}

/// [`authorize`] on the metadata alone: what the guard checks before a
/// request body is read.
pub(crate) fn authorize_metadata(apps: &Apps, md: &MetadataMap) -> Result<AppId, ControlError> {
    let text = |key: &'static str| -> Result<Option<&str>, ControlError> {
        md.get(key)
            .map(|v| v.to_str().map_err(|_| ControlError::BadMetadata(key)))
            .transpose()
    };
    let app: AppId = text(metadata::SDKAPPID)?
        .ok_or(ControlError::MissingMetadata(metadata::SDKAPPID))?
        .trim()
        .parse()
        .map_err(|_| ControlError::BadMetadata(metadata::SDKAPPID))?;
    let token = match text(metadata::AUTHORIZATION)? {
        Some(v) => Some(
            v.strip_prefix("Bearer ")
                .ok_or(ControlError::BadMetadata(metadata::AUTHORIZATION))?,
        ),
        None => None,
    };
    apps.admin(
        app,
        text(metadata::IDENTIFIER)?,
        text(metadata::USERSIG)?,
        token,
        now_secs(),
    )?;
    Ok(app)
}
