//! After-event webhooks: where the rules put what happened (`CallbackSink`)
//! and what posts one callback to the app server (`CallbackDeliverer`).

use crate::callbacks::{Callback, CallbackSettings};
use crate::ids::AppId;
use async_trait::async_trait;

/// Queues callbacks for delivery. Never waits: a full queue drops the
/// callback and counts it (`roomcast_callbacks_dropped_total`), so a slow
/// or dead app server never slows a room.
pub trait CallbackSink: Send + Sync + 'static {
    fn emit(&self, app: AppId, callback: Callback);
}

/// One attempt at one callback: `Ok` when the app server answered 2xx.
#[async_trait]
pub trait CallbackDeliverer: Send + Sync + 'static {
    async fn deliver(&self, app: AppId, settings: &CallbackSettings, callback: &Callback) -> Result<(), String>;
}
