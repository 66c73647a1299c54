//! The checks in front of the admin services that need no request body:
//! credentials from the metadata (a call without valid ones is answered
//! UNAUTHENTICATED before a byte of its message is read or decoded), the
//! global cap on calls in progress, and `Broadcast`'s per-app rate.
//!
//! The handlers still authorize each call themselves; the guard only makes
//! refusals cheap. Errors go through [`ControlError`]'s one mapping.

use crate::auth::authorize_metadata;
use crate::error::ControlError;
use parking_lot::Mutex;
use roomcast_core::CoreError;
use roomcast_core::apps::Apps;
use roomcast_core::ids::AppId;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::{BoxFuture, Service, http};
use tonic::server::NamedService;

/// The `Broadcast` method's path.
const BROADCAST_PATH: &str = "/roomcast.v1.RoomAdminService/Broadcast";

/// Limits shared by every guarded service of one gRPC server.
#[derive(Clone)]
pub struct Guard {
    apps: Apps,
    calls: Arc<Semaphore>,
    broadcast_interval: Duration,
    last_broadcast: Arc<Mutex<HashMap<AppId, Instant>>>,
}

impl Guard {
    /// `max_calls` calls at once over every guarded service; one
    /// `Broadcast` per app per `broadcast_interval` (zero: unlimited).
    pub fn new(apps: Apps, max_calls: usize, broadcast_interval: Duration) -> Self {
        Self {
            apps,
            calls: Arc::new(Semaphore::new(max_calls)),
            broadcast_interval,
            last_broadcast: Arc::default(),
        }
    }

    /// An admin service behind the credential check and the limits.
    pub fn admin<S>(&self, inner: S) -> Guarded<S> {
        Guarded {
            inner,
            guard: self.clone(),
            authenticate: true,
        }
    }

    /// A service with its own authentication (the internal control
    /// service) behind the global call limit only.
    pub fn limit<S>(&self, inner: S) -> Guarded<S> {
        Guarded {
            inner,
            guard: self.clone(),
            authenticate: false,
        }
    }

    fn broadcast_allowed(&self, app: AppId) -> bool {
        if self.broadcast_interval.is_zero() {
            return true;
        }
        let now = Instant::now();
        let mut last = self.last_broadcast.lock();
        match last.get(&app) {
            Some(t) if now.duration_since(*t) < self.broadcast_interval => false,
            _ => {
                last.insert(app, now);
                true
            }
        }
    }

    fn check(&self, authenticate: bool, req: &http::Request<Body>) -> Result<(), ControlError> {
        if !authenticate {
            return Ok(());
        }
        let md = tonic::metadata::MetadataMap::from_headers(req.headers().clone());
        let app = authorize_metadata(&self.apps, &md)?;
        if req.uri().path() == BROADCAST_PATH && !self.broadcast_allowed(app) {
            return Err(ControlError::Core(CoreError::RateLimited));
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct Guarded<S> {
    inner: S,
    guard: Guard,
    authenticate: bool,
}

impl<S: NamedService> NamedService for Guarded<S> {
    const NAME: &'static str = S::NAME;
}

fn refuse(e: ControlError) -> BoxFuture<http::Response<Body>, Infallible> {
    let response = Status::from(e).into_http();
    Box::pin(async move { Ok(response) })
}

impl<S> Service<http::Request<Body>> for Guarded<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        // Refused at once rather than queued: a queue of calls waiting for
        // a slot would hold their connections' memory all the same.
        let Ok(permit) = self.guard.calls.clone().try_acquire_owned() else {
            return refuse(ControlError::Busy);
        };
        if let Err(e) = self.guard.check(self.authenticate, &req) {
            return refuse(e);
        }
        // The ready clone serves this call; `self` keeps a fresh one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let response = inner.call(req).await;
            drop(permit);
            response
        })
    }
}
