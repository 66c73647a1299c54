//! Room control reaps the presence of gateways that died without cleaning
//! up: a pass every `period`, until shutdown. Every control replica may run
//! it; a pass is idempotent.

use roomcast_core::ports::presence::PresenceReaper;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run_reaper(reaper: Arc<dyn PresenceReaper>, period: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = reaper.reap_once().await {
            tracing::warn!(error = %e, "presence reaping failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(period) => {}
        }
    }
}
