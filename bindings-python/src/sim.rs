//! `NativeSimulator`: the embedded csapi simulator (crate `qualys-cs-sim`), started in-process on
//! its own thread and runtime, for `qualys_cs.testing.Simulator`.

use crate::convert::{from_py, to_py};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use qualys_cs_sim::{Fault, Resource, SimConfig, SimHandle, Simulator, Spelling};
use std::sync::Mutex;
use std::time::Duration;

#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeSimulator {
    // `None` after shutdown; a Mutex because shutdown takes the handle out of a frozen object.
    handle: Mutex<Option<SimHandle>>,
    url: String,
    username: String,
    password: String,
}

impl NativeSimulator {
    fn handle(&self) -> PyResult<SimHandle> {
        self.handle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the simulator was shut down"))
    }
}

#[pymethods]
impl NativeSimulator {
    /// The keywords are the simulator's options, read by the simulator crate's one reader
    /// (`SimConfig::from_json`, as the command line's flags and Node's options are) in Python's
    /// spelling: snake_case, `latency` and `faults["slow_body"]` in seconds. An unknown name or a
    /// bad value is a `ValueError` naming it. `None` leaves an option at its default.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let options = match options {
            Some(d) => from_py(d.as_any(), "options").map_err(PyValueError::new_err)?,
            None => serde_json::Value::Object(Default::default()),
        };
        let cfg = SimConfig::from_json(&options, Spelling::Snake)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let (username, password) = (cfg.username.clone(), cfg.password.clone());
        let handle = py.detach(|| Simulator::spawn(cfg)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                PyValueError::new_err(format!("fixtures: {e}"))
            } else {
                PyRuntimeError::new_err(format!("could not start the simulator: {e}"))
            }
        })?;
        Ok(NativeSimulator {
            url: handle.url(),
            handle: Mutex::new(Some(handle)),
            username,
            password,
        })
    }

    /// The option names the simulator reads in Python's spelling (the keywords of
    /// `qualys_cs.testing.Simulator`, checked against it by a test).
    #[staticmethod]
    fn option_names() -> Vec<String> {
        qualys_cs_sim::options::option_names(Spelling::Snake)
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn username(&self) -> &str {
        &self.username
    }

    #[getter]
    fn password(&self) -> &str {
        &self.password
    }

    /// The request log, oldest first, as dicts (method, path, decoded_path, query_pairs, headers,
    /// body, endpoint, status, fault, ...).
    fn requests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let log = self.handle()?.requests();
        let out = PyList::empty(py);
        for r in &log {
            let v = serde_json::to_value(r).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
            out.append(to_py(py, &v)?)?;
        }
        Ok(out)
    }

    fn clear_requests(&self) -> PyResult<()> {
        self.handle()?.clear_requests();
        Ok(())
    }

    /// Queue a one-shot fault, in the simulator's JSON form: `{"kind": "status", "status": 503,
    /// "path_contains": "/images", "method": "GET", "times": 2}` (kinds status, drop, malformed,
    /// truncate, delay (ms), slow_body (ms)).
    fn inject(&self, fault: &Bound<'_, PyDict>) -> PyResult<()> {
        let v = from_py(fault.as_any(), "fault").map_err(PyValueError::new_err)?;
        let f: Fault =
            serde_json::from_value(v).map_err(|e| PyValueError::new_err(format!("fault: {e}")))?;
        self.handle()?.inject(f);
        Ok(())
    }

    /// Add records of one resource (`images`, `containers`, `registries`, `tags`, `sensors`) to
    /// the running simulator, all or none; returns how many.
    fn add(&self, py: Python<'_>, resource: &str, records: &Bound<'_, PyList>) -> PyResult<usize> {
        let r: Resource = resource.parse().map_err(PyValueError::new_err)?;
        let mut list = Vec::with_capacity(records.len());
        for (i, v) in records.iter().enumerate() {
            list.push(from_py(&v, &format!("{resource}[{i}]")).map_err(PyValueError::new_err)?);
        }
        let h = self.handle()?;
        py.detach(|| h.add(r, &list))
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Latency added to every `/csapi` request from now on, in seconds.
    fn set_latency(&self, seconds: f64) -> PyResult<()> {
        let d = Duration::try_from_secs_f64(seconds).map_err(|_| {
            PyValueError::new_err("latency must be a non-negative number of seconds")
        })?;
        self.handle()?.set_latency(d);
        Ok(())
    }

    /// Stop the server. Idempotent.
    fn shutdown(&self, py: Python<'_>) {
        let h = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = h {
            py.detach(|| h.shutdown());
        }
    }
}
