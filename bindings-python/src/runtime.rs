//! The one tokio runtime of the process (sync and async calls share it) and the two ways Python
//! waits on it: blocking with the GIL released and Ctrl-C honoured, or as an awaitable.
//!
//! The runtime is ours, not pyo3-async-runtimes' (a `OnceLock` a forked child would inherit with
//! worker threads that do not exist there): each process builds its own on its first call, and
//! awaitables go through pyo3-async-runtimes' generic layer with [`ForkSafe`] as the runtime.

use crate::errors::panic_err;
use futures::FutureExt;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use qualys_cs::process::PerProcess;
use std::cell::OnceCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

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

/// Reset what a forked child inherits of the parent's awaitables (called by `os.register_at_fork`):
/// their futures ran on the parent's threads and never finish here, so `drain` must not wait.
#[pyfunction]
pub fn after_fork_in_child() {
    IN_FLIGHT.store(0, Ordering::SeqCst);
}

/// This process's runtime, built on its first call (`import` stays cheap). Never dropped: a
/// forked child must not shut down (join) the threads of the parent's, which it does not have.
static RUNTIME: PerProcess<Runtime> = PerProcess::empty();

fn build_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("qualys-cs-worker")
        .build()
        .expect("the OS refused to start the runtime's threads")
}

pub fn runtime() -> &'static Runtime {
    RUNTIME.get(|_inherited| build_runtime())
}

/// pyo3-async-runtimes' tokio glue with [`runtime`] in place of its process-wide `OnceLock`.
pub struct ForkSafe;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl GenericRuntime for ForkSafe {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().spawn_blocking(f)
    }
}

impl ContextExt for ForkSafe {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}

/// How often a blocked sync call looks for a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Resolves with the exception a Python signal handler raised (`KeyboardInterrupt` for Ctrl-C):
/// every `SIGNAL_POLL` the GIL is taken briefly to run the pending handlers. Python's own handler
/// only sets a flag, so nothing else notices a signal while Rust code runs.
async fn signal_raised() -> PyErr {
    loop {
        tokio::time::sleep(SIGNAL_POLL).await;
        // check_signals only does work on the main thread; elsewhere it is a no-op.
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            break e;
        }
    }
}

/// Run `fut` on the runtime until it finishes or a signal handler raises; then `fut` is dropped
/// (which cancels its requests) and the exception returned. Call it with the GIL released.
pub fn block_on_until_signal<F: Future>(fut: F) -> Result<F::Output, PyErr> {
    runtime().block_on(async {
        tokio::select! {
            r = fut => Ok(r),
            e = signal_raised() => Err(e),
        }
    })
}

/// Run `fut` to completion with the GIL released and Ctrl-C honoured ([`block_on_until_signal`]).
/// A panic becomes a `QualysError`.
pub fn block_on_interruptible<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    py.detach(|| {
        let fut = AssertUnwindSafe(fut).catch_unwind();
        block_on_until_signal(fut)?.unwrap_or_else(|p| Err(panic_err(p)))
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
    pyo3_async_runtimes::generic::future_into_py::<ForkSafe, _, T>(py, async move {
        let _in_flight = in_flight;
        AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .unwrap_or_else(|p| Err(panic_err(p)))
    })
}
