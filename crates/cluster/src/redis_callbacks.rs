//! After-event callbacks in cluster mode: one Redis Stream per app
//! (`rc:<app>:cb`), written by whichever process saw the fact (gateways:
//! joins and exits; moderators: messages; control: room changes) and
//! delivered by room control's replicas through one consumer group.
//!
//! - Bounded: an entry is added only while the stream holds fewer than the
//!   app's `queue_max` entries (one script), and delivered entries are
//!   deleted, so the length is what still waits; past it new callbacks are
//!   dropped and counted. Old undelivered ones are never trimmed away.
//! - At least once, no duplicates beyond that: `XREADGROUP` gives each entry
//!   to one replica; it is acknowledged and deleted only after the app
//!   answered 2xx (or its attempts are spent). While it retries, the
//!   replica refreshes its claim (`XCLAIM … JUSTID`); an entry whose claim
//!   goes stale (its replica died) is taken over with `XAUTOCLAIM` by
//!   another replica, or by the restarted one. Only a replica stalled past
//!   the claim timeout can cause a second delivery.
//! - Only control delivers: gateways and moderators are scaled for client
//!   traffic, and keeping delivery in one role keeps the per-app
//!   concurrency limit meaningful (per control replica).

use crate::keys;
use redis::Script;
use redis::aio::ConnectionManager;
use roomcast_core::apps::Apps;
use roomcast_core::callbacks::{Callback, CallbackSettings, deliver_with_retries};
use roomcast_core::ids::AppId;
use roomcast_core::metrics as m;
use roomcast_core::ports::callbacks::{CallbackDeliverer, CallbackSink};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Callbacks waiting in this process for their `XADD` (all apps together).
const LOCAL_CAPACITY: usize = 4096;
/// How often an idle app's stream is polled. Blocking reads would stall the
/// multiplexed connection every other command shares.
const POLL: Duration = Duration::from_millis(100);
/// Entries read or reclaimed per call, at most.
const BATCH: usize = 64;

/// KEYS: stream. ARGV: bound, callback JSON. 1 if added, 0 if full.
static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
        redis.call('XADD', KEYS[1], '*', 'c', ARGV[2])
        return 1",
    )
});

fn dropped(app: AppId, callback: &Callback, why: &str) {
    let command = callback.event.command().as_str();
    metrics::counter!(m::CALLBACKS_DROPPED, "command" => command).increment(1);
    tracing::warn!(app, command, why, "callback dropped");
}

/// The `CallbackSink` of every cluster process: hands callbacks to a
/// writer task that adds them to their app's stream.
#[derive(Clone)]
pub struct RedisCallbackSink {
    tx: mpsc::Sender<(AppId, Callback)>,
}

impl RedisCallbackSink {
    /// Starts the writer (it stops when the last sink is dropped).
    pub fn new(redis: ConnectionManager, apps: &Apps) -> Self {
        let bounds: HashMap<AppId, usize> = apps
            .ids()
            .into_iter()
            .filter_map(|id| Some((id, apps.get(id).ok()?.callbacks.as_ref()?.queue_max)))
            .collect();
        let (tx, rx) = mpsc::channel(LOCAL_CAPACITY);
        tokio::spawn(write_loop(redis, bounds, rx));
        Self { tx }
    }
}

impl CallbackSink for RedisCallbackSink {
    fn emit(&self, app: AppId, callback: Callback) {
        if let Err(e) = self.tx.try_send((app, callback)) {
            let (app, callback) = match e {
                mpsc::error::TrySendError::Full(v) | mpsc::error::TrySendError::Closed(v) => v,
            };
            dropped(app, &callback, "local queue full");
        }
    }
}

async fn write_loop(
    mut redis: ConnectionManager,
    bounds: HashMap<AppId, usize>,
    mut rx: mpsc::Receiver<(AppId, Callback)>,
) {
    while let Some((app, callback)) = rx.recv().await {
        let Some(&bound) = bounds.get(&app) else { continue };
        let json = match serde_json::to_string(&callback) {
            Ok(j) => j,
            Err(e) => {
                dropped(app, &callback, &e.to_string());
                continue;
            }
        };
        // A Redis hiccup is retried briefly; a longer outage drops (the
        // local queue would fill anyway) rather than block the writer forever.
        let mut wait = Duration::from_millis(50);
        let added = loop {
            let r: redis::RedisResult<i64> = ENQUEUE
                .key(keys::callbacks(app))
                .arg(bound)
                .arg(&json)
                .invoke_async(&mut redis)
                .await;
            match r {
                Ok(n) => break Ok(n == 1),
                Err(e) if wait > Duration::from_secs(2) => break Err(e.to_string()),
                Err(_) => {
                    crate::metrics::redis_error();
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        };
        match added {
            Ok(true) => {}
            Ok(false) => dropped(app, &callback, "queue full"),
            Err(e) => dropped(app, &callback, &e),
        }
    }
}

/// Room control's delivery: one loop per app with callbacks, as consumer
/// `consumer` (this replica) of the apps' streams.
pub struct RedisCallbackQueue {
    redis: ConnectionManager,
    apps: Apps,
    consumer: String,
}

impl RedisCallbackQueue {
    pub fn new(redis: ConnectionManager, apps: Apps, consumer: String) -> Self {
        Self { redis, apps, consumer }
    }

    pub async fn run(self, deliverer: Arc<dyn CallbackDeliverer>, stop: CancellationToken) {
        let mut loops = JoinSet::new();
        for id in self.apps.ids() {
            let Some(settings) = self.apps.get(id).ok().and_then(|a| a.callbacks.clone()) else {
                continue;
            };
            let app = AppLoop {
                app: id,
                key: keys::callbacks(id),
                settings: Arc::new(settings),
                redis: self.redis.clone(),
                consumer: self.consumer.clone(),
            };
            loops.spawn(app.run(deliverer.clone(), stop.clone()));
        }
        while loops.join_next().await.is_some() {}
    }
}

#[derive(Clone)]
struct AppLoop {
    app: AppId,
    key: String,
    settings: Arc<CallbackSettings>,
    redis: ConnectionManager,
    consumer: String,
}

type Entry = (String, Vec<String>);

impl AppLoop {
    /// How long an entry may go unrefreshed before another replica takes it
    /// over: a live replica refreshes before every retry, at most one
    /// backoff plus one attempt apart.
    fn claim_idle_ms(&self) -> u64 {
        2 * (self.settings.retry_max_ms + self.settings.timeout_ms) + 1000
    }

    async fn run(self, deliverer: Arc<dyn CallbackDeliverer>, stop: CancellationToken) {
        let slots = Arc::new(Semaphore::new(self.settings.max_concurrency));
        let mut in_flight = JoinSet::new();
        let mut group_ready = false;
        let mut next_reclaim = tokio::time::Instant::now();
        loop {
            while in_flight.try_join_next().is_some() {}
            let first = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                _ = stop.cancelled() => return,
            };
            let want = 1 + slots.available_permits().min(BATCH - 1);
            let read = async {
                if !group_ready {
                    self.create_group().await?;
                    group_ready = true;
                }
                let mut entries = Vec::new();
                if tokio::time::Instant::now() >= next_reclaim {
                    entries = self.reclaim(want).await?;
                    // A full batch may have more behind it: look again at once.
                    if entries.len() < want {
                        next_reclaim = tokio::time::Instant::now() + Duration::from_millis(self.claim_idle_ms() / 2);
                    }
                }
                if entries.is_empty() {
                    entries = self.read_new(want).await?;
                }
                Ok::<_, redis::RedisError>(entries)
            };
            let entries = match read.await {
                Ok(e) => e,
                Err(e) => {
                    crate::metrics::redis_error();
                    tracing::warn!(app = self.app, error = %e, "reading callbacks failed");
                    Vec::new()
                }
            };
            if entries.is_empty() {
                drop(first);
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => continue,
                    _ = stop.cancelled() => return,
                }
            }
            let mut permit = Some(first);
            for entry in entries {
                // Nobody else takes slots, so the ones counted are still free.
                let Some(p) = permit.take().or_else(|| slots.clone().try_acquire_owned().ok()) else {
                    break;
                };
                let (this, deliverer) = (self.clone(), deliverer.clone());
                in_flight.spawn(async move {
                    this.deliver(entry, deliverer.as_ref()).await;
                    drop(p);
                });
            }
        }
    }

    async fn create_group(&self) -> redis::RedisResult<()> {
        let r: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.key)
            .arg(keys::CALLBACK_GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut self.redis.clone())
            .await;
        match r {
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            other => other,
        }
    }

    async fn read_new(&self, count: usize) -> redis::RedisResult<Vec<Entry>> {
        let reply: Option<Vec<(String, Vec<Entry>)>> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(keys::CALLBACK_GROUP)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(">")
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(reply.into_iter().flatten().flat_map(|(_, entries)| entries).collect())
    }

    /// Entries another replica (or this one, before a restart) took and
    /// stopped refreshing.
    async fn reclaim(&self, count: usize) -> redis::RedisResult<Vec<Entry>> {
        let reply: (String, Vec<Option<Entry>>, Vec<String>) = redis::cmd("XAUTOCLAIM")
            .arg(&self.key)
            .arg(keys::CALLBACK_GROUP)
            .arg(&self.consumer)
            .arg(self.claim_idle_ms())
            .arg("0-0")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.redis.clone())
            .await?;
        let entries: Vec<Entry> = reply.1.into_iter().flatten().collect();
        if !entries.is_empty() {
            tracing::info!(app = self.app, count = entries.len(), "took over stale callbacks");
        }
        Ok(entries)
    }

    async fn deliver(&self, (id, fields): Entry, deliverer: &dyn CallbackDeliverer) {
        let json = fields.chunks(2).find(|kv| kv[0] == "c").and_then(|kv| kv.get(1));
        match json.map(|j| serde_json::from_str::<Callback>(j)) {
            Some(Ok(callback)) => {
                deliver_with_retries(deliverer, self.app, &self.settings, &callback, || self.refresh(&id)).await;
            }
            _ => tracing::error!(app = self.app, id, "unreadable callback entry; discarded"),
        }
        // Delivered or given up (counted either way): done with it.
        let mut redis = self.redis.clone();
        let done: redis::RedisResult<()> = redis::pipe()
            .cmd("XACK")
            .arg(&self.key)
            .arg(keys::CALLBACK_GROUP)
            .arg(&id)
            .ignore()
            .cmd("XDEL")
            .arg(&self.key)
            .arg(&id)
            .ignore()
            .query_async(&mut redis)
            .await;
        if let Err(e) = done {
            // Left pending: it will be reclaimed and delivered again.
            crate::metrics::redis_error();
            tracing::warn!(app = self.app, id, error = %e, "callback not acknowledged");
        }
    }

    /// Keeps the entry ours while it is being retried.
    async fn refresh(&self, id: &str) {
        let r: redis::RedisResult<redis::Value> = redis::cmd("XCLAIM")
            .arg(&self.key)
            .arg(keys::CALLBACK_GROUP)
            .arg(&self.consumer)
            .arg(0)
            .arg(id)
            .arg("JUSTID")
            .query_async(&mut self.redis.clone())
            .await;
        if let Err(e) = r {
            crate::metrics::redis_error();
            tracing::debug!(app = self.app, id, error = %e, "callback claim not refreshed");
        }
    }
}
