//! `NativePages`: the core's page stream for Python, one `NativePage` per `next_page`.
//!
//! The core reads each page once and says where its items are (`ItemSpan`s, whatever form `data`
//! had); the dicts are built here, with the GIL, straight from those bytes in the page (no copy,
//! one pass: `pyjson`), which beats building a `Value` tree and converting it.

use crate::convert;
use crate::errors::{self, to_py_err};
use crate::meta::meta;
use crate::runtime::{awaitable, block_on_interruptible};
use futures::StreamExt;
use futures::stream::BoxStream;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use qualys_cs::paginate::ItemSpan;
use qualys_cs::{Page, Pager};
use std::sync::Arc;
use tokio::sync::{Mutex, watch};

type PageStream = BoxStream<'static, qualys_cs::Result<Page<ItemSpan>>>;

/// One page of a list, by name: `items`, `number`, `total`, `cursor`, `extra`, `meta`.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativePage {
    /// The items (dicts, in the server's key order).
    #[pyo3(get)]
    items: Py<PyList>,
    /// The page number (page-numbered lists), 1-based.
    #[pyo3(get)]
    number: Option<u64>,
    /// Total matching records (`count`), when the API gives it.
    #[pyo3(get)]
    total: Option<u64>,
    /// The cursor that fetched this page (cursor lists; `None` for the first).
    #[pyo3(get)]
    cursor: Option<String>,
    /// The page object's other keys, as sent.
    #[pyo3(get)]
    extra: Py<PyDict>,
    /// status, method, path, headers, rate_limit, attempts.
    #[pyo3(get)]
    meta: Py<PyDict>,
}

#[pymethods]
impl NativePage {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "NativePage(number={:?}, items={}, total={:?})",
            self.number,
            self.items.bind(py).len(),
            self.total
        )
    }
}

/// The pages of one list call. `next_page` / `next_page_async` give a `NativePage`, or `None` at
/// the end and after `close()`.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativePages {
    // Behind an async mutex: the stream is polled across awaits, and a frozen class has no `&mut`.
    // `None` once finished, failed or closed: dropping the stream aborts its prefetch tasks.
    stream: Arc<Mutex<Option<PageStream>>>,
    // Set by `close()`: a `next_page` in flight (which holds the stream) sees it and drops the
    // stream at once, as the Node pager's cancellation token does.
    closed: watch::Sender<bool>,
    page_size: u64,
    // The item model (`response.model`): which columnar schema the pages get.
    schema_name: &'static str,
    /// The process that started the list: its prefetch tasks run on that process's runtime, so a
    /// forked child cannot go on with it (a `ForkError`, rather than waiting for them forever).
    pid: u32,
}

impl NativePages {
    pub fn new(pager: Pager<ItemSpan>) -> Self {
        NativePages {
            page_size: pager.page_size(),
            schema_name: pager.endpoint().response.model.as_deref().unwrap_or(""),
            stream: Arc::new(Mutex::new(Some(pager.pages()))),
            closed: watch::Sender::new(false),
            pid: std::process::id(),
        }
    }

    fn check_process(&self) -> PyResult<()> {
        if self.pid == std::process::id() {
            Ok(())
        } else {
            Err(errors::fork_err("this list", self.pid))
        }
    }
}

impl Drop for NativePages {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // Dropping the stream would abort tasks of the parent's runtime from here: leak it.
            if let Ok(mut guard) = self.stream.try_lock() {
                std::mem::forget(guard.take());
            }
        }
    }
}

async fn next_page(
    stream: Arc<Mutex<Option<PageStream>>>,
    mut closed: watch::Receiver<bool>,
) -> PyResult<Option<Page<ItemSpan>>> {
    let mut guard = tokio::select! {
        biased;
        _ = closed.wait_for(|c| *c) => return Ok(None),
        g = stream.lock() => g,
    };
    let Some(s) = guard.as_mut() else {
        return Ok(None);
    };
    let item = tokio::select! {
        biased;
        _ = closed.wait_for(|c| *c) => None,
        item = s.next() => item,
    };
    match item {
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(e)) => {
            *guard = None; // a failed list does not resume
            Err(to_py_err(e))
        }
        None => {
            *guard = None; // finished or closed
            Ok(None)
        }
    }
}

fn page_to_py(py: Python<'_>, p: Option<Page<ItemSpan>>) -> PyResult<Py<PyAny>> {
    let Some(p) = p else { return Ok(py.None()) };
    let items = convert::items(py, &p.body, &p.items)
        .map_err(|message| to_py_err(p.meta.decode_error(&p.body, message)))?;
    let page = NativePage {
        items: items.unbind(),
        number: p.number,
        total: p.total,
        cursor: p.cursor,
        extra: convert::object(py, &p.extra)?.unbind(),
        meta: meta(py, &p.meta)?.unbind(),
    };
    Ok(Py::new(py, page)?.into_any())
}

/// A page as received, for the columnar sinks and exports (`arrow.rs`): its records are read from
/// these bytes in Rust, never made into Python objects.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeRawPage {
    page: Page<ItemSpan>,
}

impl NativeRawPage {
    pub fn page(&self) -> &Page<ItemSpan> {
        &self.page
    }
}

#[pymethods]
impl NativeRawPage {
    #[getter]
    fn number(&self) -> Option<u64> {
        self.page.number
    }
    #[getter]
    fn total(&self) -> Option<u64> {
        self.page.total
    }
    #[getter]
    fn cursor(&self) -> Option<String> {
        self.page.cursor.clone()
    }
    /// Records on the page.
    #[getter]
    fn count(&self) -> usize {
        self.page.items.len()
    }
}

fn raw_to_py(py: Python<'_>, p: Option<Page<ItemSpan>>) -> PyResult<Py<PyAny>> {
    match p {
        None => Ok(py.None()),
        Some(page) => Ok(Py::new(py, NativeRawPage { page })?.into_any()),
    }
}

#[pymethods]
impl NativePages {
    /// The page size sent with every request.
    #[getter]
    fn page_size(&self) -> u64 {
        self.page_size
    }

    /// The list's item model, naming its columnar schema.
    #[getter]
    fn schema_name(&self) -> &'static str {
        self.schema_name
    }

    /// The next page undecoded, blocking with the GIL released, or `None` at the end.
    fn next_raw(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.check_process()?;
        let fut = next_page(self.stream.clone(), self.closed.subscribe());
        let page = block_on_interruptible(py, fut)?;
        raw_to_py(py, page)
    }

    /// `next_raw` as an awaitable.
    fn next_raw_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check_process()?;
        let fut = next_page(self.stream.clone(), self.closed.subscribe());
        awaitable(py, async move {
            let page = fut.await?;
            Python::attach(|py| raw_to_py(py, page))
        })
    }

    /// The next page, blocking with the GIL released (Ctrl-C cancels), or `None` at the end.
    fn next_page(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.check_process()?;
        let fut = next_page(self.stream.clone(), self.closed.subscribe());
        let page = block_on_interruptible(py, fut)?;
        page_to_py(py, page)
    }

    /// `next_page` as an awaitable.
    fn next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.check_process()?;
        let fut = next_page(self.stream.clone(), self.closed.subscribe());
        awaitable(py, async move {
            let page = fut.await?;
            Python::attach(|py| page_to_py(py, page))
        })
    }

    /// Stop: drop the stream and abort the pages being prefetched, so no further request is sent.
    /// Never blocks (it is called from async code too): a `next_page` in flight gives `None` and
    /// drops the stream itself.
    fn close(&self) {
        self.closed.send_replace(true);
        if self.pid != std::process::id() {
            return; // `Drop` leaks the parent's stream
        }
        if let Ok(mut guard) = self.stream.try_lock() {
            guard.take();
        }
    }
}
