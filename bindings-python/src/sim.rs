//! `NativeSimulator`: the embedded csapi simulator (crate `qualys-cs-sim`), started in-process on
//! its own thread and runtime, for `qualys_cs.testing.Simulator`.

use crate::convert::{from_py, to_py};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use qualys_cs_sim::{
    Fault, FaultRates, Fixtures, RateLimits, Resource, SimConfig, SimHandle, Simulator,
    Subscription,
};
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

fn secs(field: &str, s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        PyValueError::new_err(format!("{field} must be a non-negative number of seconds"))
    })
}

/// `rate_limits=`: the simulator crate's one parser of the option (Node's `rateLimits` too), on
/// the value as JSON (a tuple is a list).
fn rate_limits(v: &Bound<'_, PyAny>) -> PyResult<RateLimits> {
    let v = crate::convert::from_py(v, "rate_limits").map_err(PyValueError::new_err)?;
    RateLimits::from_json("rate_limits", &v).map_err(PyValueError::new_err)
}

fn fault_rates(d: &Bound<'_, PyDict>) -> PyResult<FaultRates> {
    let mut f = FaultRates::default();
    for (k, v) in d.iter() {
        let key: String = k.extract()?;
        match key.as_str() {
            "error_rate" => f.error_rate = v.extract()?,
            "drop_rate" => f.drop_rate = v.extract()?,
            "malformed_rate" => f.malformed_rate = v.extract()?,
            "truncate_rate" => f.truncate_rate = v.extract()?,
            "slow_body" => {
                f.slow_body = v
                    .extract::<Option<f64>>()?
                    .map(|s| secs("slow_body", s))
                    .transpose()?
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "faults: unknown key {other:?}"
                )));
            }
        }
    }
    Ok(f)
}

fn counts(cfg: &mut SimConfig, d: &Bound<'_, PyDict>) -> PyResult<()> {
    let c = &mut cfg.counts;
    for (k, v) in d.iter() {
        let key: String = k.extract()?;
        let n: u64 = v.extract()?;
        match key.as_str() {
            "images" => c.images = n,
            "containers" => c.containers = n,
            "sensors" => c.sensors = n,
            "registries" => c.registries = n,
            "repositories_per_registry" => c.repositories_per_registry = n,
            "schedules_per_registry" => c.schedules_per_registry = n,
            "controls" => c.controls = n,
            "events" => c.events = n,
            "reports" => c.reports = n,
            "k8s_postures" => c.k8s_postures = n,
            "policies" => c.policies = n,
            "tags" => c.tags = n,
            other => {
                return Err(PyValueError::new_err(format!(
                    "counts: unknown kind {other:?}"
                )));
            }
        }
    }
    Ok(())
}

/// `fixtures=`: a directory path (`DIR/images.json`, ...) or a mapping of resource name to records.
fn fixtures(v: &Bound<'_, PyAny>) -> PyResult<Fixtures> {
    let r = if let Ok(dir) = v.extract::<std::path::PathBuf>() {
        Fixtures::from_dir(dir)
    } else if v.cast::<PyDict>().is_ok() {
        let m = from_py(v, "fixtures").map_err(PyValueError::new_err)?;
        Fixtures::from_value(&m)
    } else {
        return Err(PyValueError::new_err(
            "fixtures must be a directory path or a mapping of resource name (images, containers, registries, ...) to records",
        ));
    };
    r.map_err(|e| PyValueError::new_err(format!("fixtures: {e}")))
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
    #[new]
    #[pyo3(signature = (
        *, username=None, password=None, seed=None, counts=None, latency=None, faults=None,
        rate_limits=None, subscription=None, token_ttl=None, port=None, request_log=None,
        strict_accept=None, link_case=None, link_end=None, fixtures=None, generated=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        username: Option<String>,
        password: Option<String>,
        seed: Option<u64>,
        counts: Option<&Bound<'_, PyDict>>,
        latency: Option<f64>,
        faults: Option<&Bound<'_, PyDict>>,
        rate_limits: Option<&Bound<'_, PyAny>>,
        subscription: Option<&str>,
        token_ttl: Option<f64>,
        port: Option<u16>,
        request_log: Option<usize>,
        strict_accept: Option<bool>,
        link_case: Option<&str>,
        link_end: Option<&str>,
        fixtures: Option<&Bound<'_, PyAny>>,
        generated: Option<bool>,
    ) -> PyResult<Self> {
        let mut cfg = SimConfig::default();
        // Before `counts`, so explicit counts win over `generated=False`.
        if let Some(on) = generated {
            cfg = cfg.generated(on);
        }
        if let Some(f) = fixtures.filter(|f| !f.is_none()) {
            cfg.fixtures = self::fixtures(f)?;
        }
        if let Some(u) = username {
            cfg.username = u;
        }
        if let Some(p) = password {
            cfg.password = p;
        }
        if let Some(s) = seed {
            cfg.seed = s;
        }
        if let Some(d) = counts {
            self::counts(&mut cfg, d)?;
        }
        if let Some(l) = latency {
            cfg.latency = secs("latency", l)?;
        }
        if let Some(f) = faults {
            cfg.faults = fault_rates(f)?;
        }
        if let Some(r) = rate_limits.filter(|r| !r.is_none()) {
            cfg.rate_limits = self::rate_limits(r)?;
        }
        if let Some(s) = subscription {
            cfg.subscription = s.parse::<Subscription>().map_err(PyValueError::new_err)?;
        }
        if let Some(t) = token_ttl {
            cfg.token_ttl = secs("token_ttl", t)?;
        }
        if let Some(p) = port {
            cfg.port = p;
        }
        if let Some(n) = request_log {
            cfg.request_log_capacity = n;
        }
        if let Some(on) = strict_accept {
            cfg.strict_accept = on;
        }
        if let Some(c) = link_case {
            cfg.link_case = c.parse().map_err(PyValueError::new_err)?;
        }
        if let Some(e) = link_end {
            cfg.link_end = e.parse().map_err(PyValueError::new_err)?;
        }
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
        self.handle()?.set_latency(secs("latency", seconds)?);
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
