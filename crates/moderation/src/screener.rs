//! The worker pool that runs screening off the async runtime.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

use crate::audit::{AuditLog, AuditQuery, AuditRecord, HitCount};
use crate::dictionary::Dictionary;
use crate::error::ModerationError;
use crate::lists::{ChangeReport, ListChange, ListScope, ListSet, WordList};
use crate::options::ModerationOptions;
use crate::policy::ActionTable;
use crate::policy::ScreenPolicy;
use crate::screen::{Context, ScreenOutcome, ScreenRequest, screen};

type Reply = Result<ScreenOutcome, ModerationError>;

/// Lets unit tests park or crash a worker at a known point, so overload and
/// panic handling can be tested without timing assumptions.
#[cfg(test)]
type Hook = Box<dyn Fn(&ScreenRequest) + Send + Sync>;

/// Handle to the screening stage.
///
/// Cloning is cheap and all clones share one pool. Screening runs on
/// dedicated OS threads because matching large messages against large
/// dictionaries is CPU-bound and must not stall the async runtime. The pool
/// stops when [`shutdown`](Self::shutdown) is called or the last handle is
/// dropped.
#[derive(Clone)]
pub struct Screener {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    /// `None` once shut down. Workers exit when every sender is gone and the
    /// queue is drained, so dropping the last handle (and with it this
    /// sender) stops them without joining on the dropping thread.
    queue: RwLock<Option<SyncSender<Job>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    enabled: bool,
}

/// What the worker threads see; deliberately excludes the queue sender so
/// workers never keep their own pool alive.
struct Shared {
    lists: ListSet,
    actions: ActionTable,
    /// The default screening policy and the apps' overrides.
    policy: ScreenPolicy,
    app_policies: HashMap<u64, ScreenPolicy>,
    audit: AuditLog,
    #[cfg(test)]
    hook: Option<Hook>,
}

struct Job {
    request: ScreenRequest,
    reply: oneshot::Sender<Reply>,
}

enum Submitted {
    Ready(Reply),
    Queued(oneshot::Receiver<Reply>),
}

impl Screener {
    /// Validates `options`, loads the configured word lists and starts the
    /// pool. When moderation is disabled no lists are read and no threads
    /// are started.
    pub fn build(options: &ModerationOptions) -> Result<Self, ModerationError> {
        options.validate()?;
        let dictionary = if options.enabled {
            let mut builder = Dictionary::builder();
            for source in &options.lists {
                builder.add_file(source)?;
            }
            for path in &options.allow_lists {
                builder.add_allow_file(path)?;
            }
            builder.build()?
        } else {
            Dictionary::empty()
        };
        Self::with_dictionary(dictionary, options)
    }

    /// Like [`build`](Self::build) but with an already built global
    /// dictionary; `options.lists` and `options.allow_lists` are ignored.
    pub fn with_dictionary(dictionary: Dictionary, options: &ModerationOptions) -> Result<Self, ModerationError> {
        Self::start(
            dictionary,
            options,
            #[cfg(test)]
            None,
        )
    }

    fn start(
        dictionary: Dictionary,
        options: &ModerationOptions,
        #[cfg(test)] hook: Option<Hook>,
    ) -> Result<Self, ModerationError> {
        options.validate()?;
        // Build the folding tables now rather than on the first message.
        crate::normalize::preload();
        let shared = Arc::new(Shared {
            lists: ListSet::new(dictionary, options.max_terms_per_list),
            actions: options.action_table(),
            policy: options.default_policy(),
            app_policies: options.app_policies().collect(),
            audit: AuditLog::new(options.audit_capacity),
            #[cfg(test)]
            hook,
        });
        let mut queue = None;
        let mut workers = Vec::new();
        if options.enabled {
            let (sender, receiver) = sync_channel(options.queue_capacity);
            let receiver = Arc::new(Mutex::new(receiver));
            for id in 0..options.workers {
                let shared = Arc::clone(&shared);
                let receiver = Arc::clone(&receiver);
                let spawned = std::thread::Builder::new()
                    .name(format!("moderation-{id}"))
                    .spawn(move || run_worker(&shared, &receiver));
                match spawned {
                    Ok(handle) => workers.push(handle),
                    Err(error) => {
                        // Threads already started exit once `sender` drops.
                        tracing::error!(%error, "failed to start moderation worker");
                        return Err(ModerationError::Unavailable);
                    }
                }
            }
            queue = Some(sender);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                queue: RwLock::new(queue),
                workers: Mutex::new(workers),
                enabled: options.enabled,
            }),
        })
    }

    /// Screens a message on the pool.
    ///
    /// The request is queued when this is *called*, not when the future is
    /// first polled, and queueing never waits: a full queue yields
    /// [`ModerationError::Overloaded`], a stopped pool or a worker failure
    /// [`ModerationError::Unavailable`]. Either way the message was not
    /// screened and must be rejected. Dropping the future abandons the
    /// request.
    pub fn screen(
        &self,
        request: ScreenRequest,
    ) -> impl Future<Output = Result<ScreenOutcome, ModerationError>> + Send + 'static {
        let submitted = self.submit(request);
        async move {
            match submitted {
                Submitted::Ready(reply) => reply,
                // The sender only disappears without replying if its worker
                // died; fail closed.
                Submitted::Queued(reply) => reply.await.unwrap_or(Err(ModerationError::Unavailable)),
            }
        }
    }

    fn submit(&self, request: ScreenRequest) -> Submitted {
        if !self.inner.enabled {
            return Submitted::Ready(Ok(ScreenOutcome::pass(request.fields)));
        }
        let queue = self.inner.queue.read();
        let Some(sender) = queue.as_ref() else {
            return Submitted::Ready(Err(ModerationError::Unavailable));
        };
        // Nothing to match: skip the thread hop.
        if self.inner.shared.lists.is_empty_for(request.app) && !self.inner.shared.ads_for(request.app) {
            return Submitted::Ready(Ok(ScreenOutcome::pass(request.fields)));
        }
        let (reply, receiver) = oneshot::channel();
        match sender.try_send(Job { request, reply }) {
            Ok(()) => {
                metrics::gauge!(crate::service::MODERATION_QUEUE_DEPTH).increment(1.0);
                Submitted::Queued(receiver)
            }
            Err(TrySendError::Full(_)) => Submitted::Ready(Err(ModerationError::Overloaded)),
            Err(TrySendError::Disconnected(_)) => Submitted::Ready(Err(ModerationError::Unavailable)),
        }
    }

    /// Screens a message on the calling thread, bypassing the pool and its
    /// queue. Meant for tests, benchmarks and callers already on a blocking
    /// thread.
    pub fn screen_blocking(&self, request: ScreenRequest) -> Result<ScreenOutcome, ModerationError> {
        if !self.inner.enabled {
            return Ok(ScreenOutcome::pass(request.fields));
        }
        self.inner.shared.screen(request)
    }

    /// Atomically replaces the global dictionary. Requests already being
    /// screened finish with the old one; every later request sees the new
    /// one, with no window in which screening is skipped.
    pub fn reload(&self, dictionary: Dictionary) {
        self.inner.shared.lists.set(ListScope::Global, dictionary);
    }

    /// The global dictionary currently in use.
    pub fn dictionary(&self) -> Arc<Dictionary> {
        self.inner.shared.lists.global()
    }

    /// The word lists: global plus per app.
    pub fn lists(&self) -> &ListSet {
        &self.inner.shared.lists
    }

    /// Replaces the global list with `list`. See [`apply_change`](Self::apply_change).
    pub fn set_global_terms(&self, list: WordList) -> Result<ChangeReport, ModerationError> {
        self.apply_change(ListScope::Global, ListChange::replace(list))
    }

    /// Replaces `app`'s list with `list` (an empty list removes it). See
    /// [`apply_change`](Self::apply_change).
    pub fn set_app_terms(&self, app: u64, list: WordList) -> Result<ChangeReport, ModerationError> {
        self.apply_change(ListScope::App(app), ListChange::replace(list))
    }

    /// Changes one scope's list and swaps the rebuilt dictionary in
    /// atomically; no other dictionary is rebuilt.
    ///
    /// This blocks while the dictionary compiles (about 0.2 s for 100,000
    /// terms in a release build): from async code call it via
    /// `spawn_blocking`. Screening never waits for it. Once it returns, every
    /// message screened afterwards — on any clone, through the pool or
    /// inline — sees the change; messages already being screened finish
    /// against the old list. Concurrent changes are applied one after the
    /// other. On error (e.g. [`ModerationError::InvalidList`]) the list is
    /// unchanged.
    pub fn apply_change(&self, scope: ListScope, change: ListChange) -> Result<ChangeReport, ModerationError> {
        self.inner.shared.lists.apply(scope, change)
    }

    /// The entries of one scope's list.
    pub fn word_list(&self, scope: ListScope) -> WordList {
        self.inner.shared.lists.word_list(scope)
    }

    /// Audit records matching `query`, newest first.
    pub fn audit(&self, query: &AuditQuery) -> Vec<AuditRecord> {
        self.inner.shared.audit.query(query)
    }

    /// Records currently held in the audit log, and its capacity.
    pub fn audit_len(&self) -> (usize, usize) {
        (self.inner.shared.audit.len(), self.inner.shared.audit.capacity())
    }

    /// Hits since start per category and action (only non-zero ones),
    /// including those evicted from the audit log.
    pub fn hit_counts(&self) -> Vec<HitCount> {
        self.inner.shared.audit.counts()
    }

    /// The effective per-category actions.
    pub fn actions(&self) -> ActionTable {
        self.inner.shared.actions
    }

    /// Whether moderation is enabled.
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Stops accepting work, lets the workers finish what is already queued,
    /// and waits for them to exit. Later [`screen`](Self::screen) calls on any
    /// clone fail with [`ModerationError::Unavailable`].
    ///
    /// This blocks until the queue drains; from async code call it via
    /// `spawn_blocking`.
    pub fn shutdown(&self) {
        self.inner.queue.write().take();
        let workers = std::mem::take(&mut *self.inner.workers.lock());
        for worker in workers {
            if worker.join().is_err() {
                tracing::error!("moderation worker exited by panic");
            }
        }
    }
}

impl fmt::Debug for Screener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Screener")
            .field("enabled", &self.inner.enabled)
            .field("lists", &self.inner.shared.lists)
            .field("actions", &self.inner.shared.actions)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Whether the ads detector runs for `app`'s messages.
    fn ads_for(&self, app: Option<u64>) -> bool {
        app.and_then(|app| self.app_policies.get(&app))
            .unwrap_or(&self.policy)
            .ads
            .is_enabled()
    }

    fn screen(&self, mut request: ScreenRequest) -> Reply {
        // Screening only reads an immutable dictionary snapshot, so a panic
        // cannot leave shared state half-updated; catching it keeps the
        // worker alive and turns the bug into a fail-closed error.
        catch_unwind(AssertUnwindSafe(|| {
            #[cfg(test)]
            if let Some(hook) = &self.hook {
                hook(&request);
            }
            let policy = request
                .app
                .and_then(|app| self.app_policies.get(&app))
                .unwrap_or(&self.policy);
            let outcome = self.lists.with_snapshot(request.app, |global, app| {
                let context = Context {
                    global,
                    app,
                    actions: &self.actions,
                    policy,
                };
                screen(&context, &mut request)
            });
            self.audit.record(&request, &outcome.hits);
            outcome
        }))
        .map_err(|_| {
            tracing::error!("moderation screening panicked; failing closed");
            ModerationError::Unavailable
        })
    }
}

fn run_worker(shared: &Shared, jobs: &Mutex<Receiver<Job>>) {
    loop {
        // A separate statement so the guard is dropped before screening; in a
        // `while let` scrutinee it would live through the body and serialize
        // the whole pool.
        let next = jobs.lock().recv();
        let Ok(job) = next else { break };
        metrics::gauge!(crate::service::MODERATION_QUEUE_DEPTH).decrement(1.0);
        if job.reply.is_closed() {
            // The caller stopped waiting; don't spend CPU on it.
            continue;
        }
        let reply = shared.screen(job.request);
        let _ = job.reply.send(reply);
    }
    tracing::debug!("moderation worker stopped");
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;
    use crate::policy::Category;

    fn options(workers: usize, queue_capacity: usize) -> ModerationOptions {
        ModerationOptions {
            workers,
            queue_capacity,
            ..ModerationOptions::default()
        }
    }

    fn dictionary() -> Dictionary {
        Dictionary::new([(Category::Abuse, "fuck")]).unwrap()
    }

    #[tokio::test]
    async fn full_queue_is_rejected_without_waiting() {
        let (entered_tx, entered) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let hook: Hook = Box::new(move |_| {
            entered_tx.send(()).unwrap();
            release_rx.lock().recv().unwrap();
        });
        let screener = Screener::start(dictionary(), &options(1, 1), Some(hook)).unwrap();

        let first = screener.screen(ScreenRequest::text("fuck one"));
        // The only worker is now parked inside the first job.
        entered.recv().unwrap();
        let second = screener.screen(ScreenRequest::text("fuck two"));
        // ... and the second occupies the only queue slot.
        let third = screener.screen(ScreenRequest::text("three")).await;
        assert_eq!(third, Err(ModerationError::Overloaded));
        assert!(third.unwrap_err().retryable());

        release.send(()).unwrap();
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().fields, ["**** one"]);
        assert_eq!(second.await.unwrap().fields, ["**** two"]);
    }

    #[tokio::test]
    async fn a_parked_worker_does_not_stall_the_others() {
        let (entered_tx, entered) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let hook: Hook = Box::new(move |request| {
            if request.fields[0] == "park" {
                entered_tx.send(()).unwrap();
                release_rx.lock().recv().unwrap();
            }
        });
        let screener = Screener::start(dictionary(), &options(2, 4), Some(hook)).unwrap();

        let parked = screener.screen(ScreenRequest::text("park"));
        entered.recv().unwrap();
        // The timeout only turns a would-be hang into a failure.
        let other = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            screener.screen(ScreenRequest::text("fuck")),
        )
        .await
        .expect("second worker never picked up the job");
        assert_eq!(other.unwrap().fields, ["****"]);

        release.send(()).unwrap();
        assert!(parked.await.unwrap().is_clean());
    }

    #[tokio::test]
    async fn worker_panic_fails_closed_and_worker_survives() {
        let hook: Hook = Box::new(|request| {
            if request.fields[0] == "boom" {
                panic!("injected screening failure");
            }
        });
        let screener = Screener::start(dictionary(), &options(1, 4), Some(hook)).unwrap();

        let crashed = screener.screen(ScreenRequest::text("boom")).await;
        assert_eq!(crashed, Err(ModerationError::Unavailable));
        assert_eq!(
            screener.screen_blocking(ScreenRequest::text("boom")),
            Err(ModerationError::Unavailable)
        );
        // Same single worker, still serving.
        let after = screener.screen(ScreenRequest::text("fuck")).await.unwrap();
        assert_eq!(after.fields, ["****"]);
    }

    #[test]
    fn dropping_last_handle_stops_workers() {
        // The hook lives in `Shared`, which each worker keeps alive; once all
        // workers have exited it is dropped and this channel disconnects.
        let (alive, stopped) = mpsc::channel::<()>();
        let hook: Hook = Box::new(move |_| {
            let _ = &alive;
        });
        let screener = Screener::start(dictionary(), &options(3, 8), Some(hook)).unwrap();
        let clone = screener.clone();
        assert_eq!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty));
        drop(screener);
        assert_eq!(
            clone.screen_blocking(ScreenRequest::text("fuck")).unwrap().fields,
            ["****"]
        );
        drop(clone);
        assert_eq!(stopped.recv(), Err(mpsc::RecvError));
    }

    #[tokio::test]
    async fn shutdown_joins_workers_and_rejects_new_work() {
        let screener = Screener::start(dictionary(), &options(2, 8), None).unwrap();
        let queued = screener.screen(ScreenRequest::text("fuck"));
        screener.clone().shutdown();
        assert!(screener.inner.workers.lock().is_empty());
        // Work queued before shutdown is still answered.
        assert_eq!(queued.await.unwrap().fields, ["****"]);
        assert_eq!(
            screener.screen(ScreenRequest::text("fuck")).await,
            Err(ModerationError::Unavailable)
        );
    }
}
