//! Cancellation: a JS `AbortSignal` cannot reach into a Rust future, so the wrapper creates a
//! `Canceller` per call, fires it from the signal's `abort` event, and every native call races its
//! future against the token. Losing the race drops the future, which drops the in-flight reqwest
//! request (and, for pagers, the prefetch tasks).

use crate::errors::aborted;
use napi_derive::napi;
use std::future::Future;
use tokio_util::sync::CancellationToken;

#[napi]
#[derive(Default)]
pub struct Canceller {
    token: CancellationToken,
}

#[napi]
impl Canceller {
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Canceller::default()
    }

    /// Cancel every call this canceller was given; idempotent.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.token.cancel();
    }

    #[napi(getter, catch_unwind)]
    pub fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Run `fut` unless `token` fires first; on cancellation the future is dropped.
pub(crate) async fn cancellable<T>(
    token: Option<CancellationToken>,
    fut: impl Future<Output = napi::Result<T>>,
) -> napi::Result<T> {
    match token {
        None => fut.await,
        Some(token) => tokio::select! {
            biased;
            _ = token.cancelled() => Err(aborted()),
            r = fut => r,
        },
    }
}

pub(crate) fn token_of(c: Option<&Canceller>) -> Option<CancellationToken> {
    c.map(|c| c.token.clone())
}
