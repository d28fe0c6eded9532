//! The one place where core errors become Python exceptions.
//!
//! The classes live in Python (`qualys_cs/errors.py`: typed attributes, docstrings, pickling); the
//! core already says which class each error is (`ErrorKind::class_name`), so this only gathers the
//! attributes and calls the Python-side factory.

use pyo3::exceptions::{PyConnectionError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use qualys_cs::{Error, RateLimitInfo};

/// `qualys_cs::Error` → the matching `qualys_cs.errors` exception.
pub fn to_py_err(e: Error) -> PyErr {
    Python::attach(|py| build(py, &e).unwrap_or_else(|fallback| fallback))
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let kind = e.kind();
    let attrs = PyDict::new(py);
    attrs.set_item("code", kind.code())?;
    if let Some((method, path)) = e.request() {
        attrs.set_item("method", method)?;
        attrs.set_item("path", path)?;
    }
    let mut message = e.to_string();
    match e {
        Error::Api(api) => {
            attrs.set_item("status", api.status)?;
            attrs.set_item("error_code", api.error_code.as_deref())?;
            attrs.set_item("api_message", &api.message)?;
            attrs.set_item("timestamp", api.timestamp)?;
            attrs.set_item("retry_after", api.retry_after.map(|d| d.as_secs_f64()))?;
            attrs.set_item(
                "rate_limit",
                api.rate_limit
                    .as_ref()
                    .map(|r| rate_limit(py, r))
                    .transpose()?,
            )?;
        }
        Error::Validation {
            field,
            rule,
            message: m,
        } => {
            attrs.set_item("field", field)?;
            attrs.set_item("rule", rule)?;
            attrs.set_item("api_message", m)?;
        }
        Error::RecordCap {
            cap,
            total,
            alternative,
            path,
        } => {
            attrs.set_item("cap", cap)?;
            attrs.set_item("total", total)?;
            attrs.set_item("alternative", alternative)?;
            attrs.set_item("path", path)?;
        }
        Error::Timeout {
            timeout,
            attempts,
            elapsed,
            ..
        } => {
            attrs.set_item("timeout", timeout.as_secs_f64())?;
            attrs.set_item("attempts", attempts)?;
            attrs.set_item("elapsed", elapsed.as_secs_f64())?;
        }
        Error::DeadlineExceeded(d) => {
            attrs.set_item("deadline", d.deadline.as_secs_f64())?;
            attrs.set_item("timeout", d.timeout.as_secs_f64())?;
            attrs.set_item("attempts", d.attempts)?;
            attrs.set_item("token_requests", d.token_requests)?;
            attrs.set_item("elapsed", d.elapsed.as_secs_f64())?;
        }
        Error::Io { path, .. } => {
            attrs.set_item("path", path)?;
        }
        _ => {}
    }
    // Chain the causes into the message: Python shows one line, and reqwest's cause is the useful part.
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        src = s.source();
    }
    let factory = py.import("qualys_cs.errors")?.getattr("_from_native")?;
    let exc = factory.call1((kind.class_name(), message, attrs))?;
    let err = PyErr::from_value(exc);
    err.set_cause(py, cause(py, e));
    Ok(err)
}

/// What the error came from, as Python exceptions chained by `__cause__` (so tracebacks show
/// "The above exception was the direct cause..."): the transport's chain for connection errors
/// (OS errors as `OSError`s, e.g. `ConnectionRefusedError`, the others as `ConnectionError`), the
/// `OSError` of a download, the JSON parser's message for a decode error (a `ValueError`, as
/// `json.JSONDecodeError` is). Only those texts, which the message already carries: no headers,
/// no body, nothing secret.
fn cause(py: Python<'_>, e: &Error) -> Option<PyErr> {
    if let Error::Decode { message, .. } = e {
        return Some(PyValueError::new_err(message.clone()));
    }
    let mut chain = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push(source_to_py(s));
        src = s.source();
    }
    // Link innermost first: each exception's `__cause__` is the one after it.
    chain.into_iter().rev().reduce(|inner, outer| {
        outer.set_cause(py, Some(inner));
        outer
    })
}

fn source_to_py(s: &(dyn std::error::Error + 'static)) -> PyErr {
    match s.downcast_ref::<std::io::Error>() {
        // `OSError(errno, text)` picks the subclass from the errno, as the OS error would in Python.
        Some(io) => match io.raw_os_error() {
            Some(errno) => PyOSError::new_err((errno, io.to_string())),
            None => PyErr::from(std::io::Error::new(io.kind(), io.to_string())),
        },
        None => PyConnectionError::new_err(s.to_string()),
    }
}

pub fn rate_limit<'py>(py: Python<'py>, r: &RateLimitInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("limit", r.limit)?;
    d.set_item("remaining", r.remaining)?;
    d.set_item("window_secs", r.window_secs)?;
    d.set_item("to_wait_secs", r.to_wait_secs)?;
    d.set_item("concurrency_limit", r.concurrency_limit)?;
    d.set_item("concurrency_running", r.concurrency_running)?;
    Ok(d)
}

/// A `ValidationError` raised by the binding itself (an argument Python cannot express as JSON).
pub fn validation(field: &str, rule: &str, message: impl Into<String>) -> PyErr {
    to_py_err(Error::Validation {
        field: field.to_owned(),
        rule: rule.to_owned(),
        message: message.into(),
    })
}

/// A `ForkError`: an object that lives in one process (a list being paged) used in a forked child.
pub fn fork_err(what: &str, parent: u32) -> PyErr {
    let message = format!(
        "{what} was started in process {parent} and cannot continue in process {} after fork(): \
         its requests in flight belong to the parent. Start it again in this process \
         (the client itself works here)",
        std::process::id()
    );
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let attrs = PyDict::new(py);
            attrs.set_item("code", "E_FORK")?;
            let factory = py.import("qualys_cs.errors")?.getattr("_from_native")?;
            Ok(PyErr::from_value(factory.call1((
                "ForkError",
                message.clone(),
                attrs,
            ))?))
        };
        build().unwrap_or_else(|_| PyRuntimeError::new_err(message.clone()))
    })
}

/// A Rust panic, caught before it reaches Python: reported as a plain `QualysError`.
pub fn panic_err(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let attrs = PyDict::new(py);
            attrs.set_item("code", "E_INTERNAL")?;
            let factory = py.import("qualys_cs.errors")?.getattr("_from_native")?;
            Ok(PyErr::from_value(factory.call1((
                "QualysError",
                format!("internal error (a bug in qualys-cs): {msg}"),
                attrs,
            ))?))
        };
        build().unwrap_or_else(|_| {
            PyRuntimeError::new_err(format!("internal error (a bug in qualys-cs): {msg}"))
        })
    })
}
