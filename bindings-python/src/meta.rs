//! A response's metadata as a Python dict: what a raw call returns beside its value (`client`)
//! and what every page carries (`pages`).

use crate::errors;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use qualys_cs::ResponseMeta;

/// Response metadata as a dict: status, method, path, headers (lower-case names), rate_limit, attempts.
pub(crate) fn meta<'py>(py: Python<'py>, m: &ResponseMeta) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("status", m.status)?;
    d.set_item("method", &m.method)?;
    d.set_item("path", &m.path)?;
    let headers = PyDict::new(py);
    for name in m.headers.keys() {
        let values: Vec<&str> = m
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        headers.set_item(name.as_str(), values.join(", "))?;
    }
    d.set_item("headers", headers)?;
    d.set_item(
        "rate_limit",
        m.rate_limit
            .as_ref()
            .map(|r| errors::rate_limit(py, r))
            .transpose()?,
    )?;
    d.set_item("attempts", m.attempts)?;
    Ok(d)
}
