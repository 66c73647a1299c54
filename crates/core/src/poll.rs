//! Taking what a future has ready without waiting for it.

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Polls `fut` once and returns its output if it is ready; the future is
/// dropped otherwise, so it must be cancel-safe.
///
/// Outside tokio's cooperative budget: callers use this in loops over
/// thousands of sockets or queued events within one task poll, where a spent
/// budget would make every further poll report "not ready" though the
/// resource is ready.
pub fn now<F: Future>(fut: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match std::pin::pin!(tokio::task::unconstrained(fut)).poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}
