//! Screening for the roles that screen user text (standalone, control,
//! moderators): the engine, its per-app lists kept live, and the `Screen`
//! port over both.

use crate::config::Config;
use crate::error::ServerError;
use roomcast_core::ports::bus::Bus;
use roomcast_core::ports::screen::Screen;
use roomcast_moderation::Screener;
use roomcast_moderation::service::{Lists, ModerationStore, ScreenService};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub(crate) struct Screening {
    pub screener: Screener,
    pub lists: Lists,
    pub screen: Arc<dyn Screen>,
}

impl Screening {
    pub fn build(config: &Config, store: Arc<dyn ModerationStore>, bus: Arc<dyn Bus>) -> Result<Self, ServerError> {
        let screener = Screener::build(&config.moderation)?;
        let lists = Lists::new(store.clone(), bus, Some(screener.clone()));
        let screen = Arc::new(ScreenService::new(screener.clone(), store));
        Ok(Self {
            screener,
            lists,
            screen,
        })
    }

    /// Loads every app's list, then reloads one whenever another process
    /// announces a change, until `stop`.
    pub fn spawn_sync(&self, config: &Config, stop: CancellationToken) -> JoinHandle<()> {
        let lists = self.lists.clone();
        let apps = config.apps.iter().map(|a| a.sdkappid).collect();
        tokio::spawn(async move {
            if let Err(e) = lists.run_sync(apps, stop).await {
                tracing::warn!(error = %e, "moderation list sync stopped");
            }
        })
    }

    /// Stops the screening threads.
    pub async fn shutdown(self) {
        let screener = self.screener;
        let _ = tokio::task::spawn_blocking(move || screener.shutdown()).await;
    }
}
