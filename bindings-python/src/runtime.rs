//! The one tokio runtime (pyo3-async-runtimes' own, so sync and async calls share it) and the two
//! ways Python waits on it: blocking with the GIL released and Ctrl-C honoured, or as an awaitable.

use crate::errors::panic_err;
use futures::FutureExt;
use pyo3::prelude::*;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Awaitables whose Rust future has not finished (or been dropped) yet.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Whether any awaitable was ever made: `drain` has nothing to wait for otherwise.
static USED: AtomicBool = AtomicBool::new(false);

struct InFlight;

impl InFlight {
    fn new() -> Self {
        USED.store(true, Ordering::Relaxed);
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Called from an `atexit` hook, before the interpreter starts finalizing: let runtime threads finish
/// handing results to asyncio. pyo3-async-runtimes completes an awaitable on a tokio thread by taking
/// the GIL (`call_soon_threadsafe`) just after the Rust future ends; if the interpreter is already
/// finalizing then, the process aborts. With the GIL released here, those tails run to the end.
#[pyfunction]
pub fn drain(py: Python<'_>, timeout: f64) {
    if !USED.load(Ordering::Relaxed) {
        return;
    }
    py.detach(|| {
        let deadline = Instant::now() + Duration::from_secs_f64(timeout.max(0.0));
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        // The tail after our future (set_result, dropping the loop's references) is short.
        std::thread::sleep(Duration::from_millis(20));
    })
}

/// Configure the shared runtime; nothing starts until the first call (`import` stays cheap).
pub fn configure() {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.enable_all().thread_name("qualys-cs-worker");
    pyo3_async_runtimes::tokio::init(b);
}

pub fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// How often a blocked sync call looks for a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Run `fut` to completion with the GIL released. Every `SIGNAL_POLL` the GIL is taken briefly to
/// run Python's signal handlers; if one raises (`KeyboardInterrupt`), `fut` is dropped, which
/// cancels the request, and the exception is returned. A panic becomes a `QualysError`.
pub fn block_on_interruptible<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    py.detach(|| {
        runtime().block_on(async {
            let fut = AssertUnwindSafe(fut).catch_unwind();
            tokio::select! {
                r = fut => r.unwrap_or_else(|p| Err(panic_err(p))),
                e = async {
                    loop {
                        tokio::time::sleep(SIGNAL_POLL).await;
                        // check_signals only does work on the main thread; elsewhere it is a no-op.
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            break e;
                        }
                    }
                } => Err(e),
            }
        })
    })
}

/// `fut` as a Python awaitable on the running asyncio loop. Cancelling the asyncio task drops the
/// Rust future (pyo3-async-runtimes' cancel callback), which cancels the request.
pub fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let in_flight = InFlight::new();
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let _in_flight = in_flight;
        AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .unwrap_or_else(|p| Err(panic_err(p)))
    })
}
