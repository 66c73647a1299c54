//! Standalone after-event callbacks: a bounded queue per app in this
//! process and one delivery loop per app. A process that stops loses what
//! is still queued (cluster mode queues in Redis instead).

use crate::apps::Apps;
use crate::callbacks::{Callback, CallbackSettings, deliver_with_retries};
use crate::ids::AppId;
use crate::metrics as m;
use crate::ports::callbacks::{CallbackDeliverer, CallbackSink};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Cheap to clone; `emit` never waits.
#[derive(Clone, Default)]
pub struct MemoryCallbacks {
    queues: Arc<HashMap<AppId, Arc<AppQueue>>>,
}

struct AppQueue {
    settings: CallbackSettings,
    items: Mutex<VecDeque<Callback>>,
    ready: Notify,
}

impl MemoryCallbacks {
    /// A queue for every app with callbacks configured.
    pub fn new(apps: &Apps) -> Self {
        let mut queues = HashMap::new();
        for id in apps.ids() {
            if let Ok(app) = apps.get(id)
                && let Some(settings) = &app.callbacks
            {
                queues.insert(
                    id,
                    Arc::new(AppQueue {
                        settings: settings.clone(),
                        items: Mutex::new(VecDeque::new()),
                        ready: Notify::new(),
                    }),
                );
            }
        }
        Self {
            queues: Arc::new(queues),
        }
    }

    /// Callbacks waiting for delivery to `app` (not counting those in flight).
    pub fn queued(&self, app: AppId) -> usize {
        self.queues.get(&app).map_or(0, |q| q.items.lock().len())
    }

    /// Delivers until `stop`; what is queued then is lost with the process.
    pub async fn run(self, deliverer: Arc<dyn CallbackDeliverer>, stop: CancellationToken) {
        let mut loops = JoinSet::new();
        for (&app, queue) in self.queues.iter() {
            loops.spawn(deliver_app(app, queue.clone(), deliverer.clone(), stop.clone()));
        }
        while loops.join_next().await.is_some() {}
    }
}

impl CallbackSink for MemoryCallbacks {
    fn emit(&self, app: AppId, callback: Callback) {
        let Some(queue) = self.queues.get(&app) else {
            return;
        };
        {
            let mut items = queue.items.lock();
            if items.len() >= queue.settings.queue_max {
                drop(items);
                let command = callback.event.command().as_str();
                metrics::counter!(m::CALLBACKS_DROPPED, "command" => command).increment(1);
                tracing::warn!(app, command, "callback queue full; callback dropped");
                return;
            }
            items.push_back(callback);
        }
        queue.ready.notify_one();
    }
}

/// One app: up to `max_concurrency` callbacks in flight (a callback being
/// retried holds its slot, so a dead endpoint is not hammered).
async fn deliver_app(app: AppId, queue: Arc<AppQueue>, deliverer: Arc<dyn CallbackDeliverer>, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(queue.settings.max_concurrency));
    let mut in_flight = JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stop.cancelled() => return,
        };
        let callback = loop {
            if let Some(c) = queue.items.lock().pop_front() {
                break c;
            }
            tokio::select! {
                _ = queue.ready.notified() => {}
                _ = stop.cancelled() => return,
            }
            while in_flight.try_join_next().is_some() {}
        };
        let (deliverer, queue) = (deliverer.clone(), queue.clone());
        in_flight.spawn(async move {
            deliver_with_retries(deliverer.as_ref(), app, &queue.settings, &callback, || async {}).await;
            drop(permit);
        });
        while in_flight.try_join_next().is_some() {}
    }
}
