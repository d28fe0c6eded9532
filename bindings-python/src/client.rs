//! `NativeClient`: one generic entry point per call shape (call, request, paginate), sync and async.
//! The per-resource methods are generated in Python (`_resources.py`) and all land here with an
//! endpoint id and a dict of arguments; validation, paging and errors are the core's.

use crate::convert::{self, from_py};
use crate::errors::{self, to_py_err, validation};
use crate::pages::NativePages;
use crate::runtime::{awaitable, block_on_interruptible};
use futures::future::BoxFuture;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use qualys_cs::client::Dialect;
use qualys_cs::paginate::ItemSpan;
use qualys_cs::table::{self, Endpoint};
use qualys_cs::{
    Args, AuthMode, Client, Platform, RawOutput, RequestOptions, ResponseMeta, TokenProvider,
};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// A csapi client. Frozen and backed by the core's `Arc`-shared client, so one instance can be
/// used from many Python threads and tasks at once.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeClient {
    client: Client,
}

fn seconds(field: &str, s: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        validation(
            field,
            "range",
            format!("must be a non-negative number of seconds, got {s}"),
        )
    })
}

/// A Python callable returning a bearer token, called (off the event loop) whenever one is needed.
struct PyTokenProvider(Arc<Py<PyAny>>);

impl TokenProvider for PyTokenProvider {
    fn token(&self) -> BoxFuture<'static, Result<String, String>> {
        let f = self.0.clone();
        Box::pin(async move {
            let r = tokio::task::spawn_blocking(move || {
                Python::attach(|py| {
                    f.call0(py)
                        .and_then(|t| t.extract::<String>(py))
                        .map_err(|e| e.to_string())
                })
            })
            .await;
            r.map_err(|e| format!("token provider failed: {e}"))?
        })
    }
}

/// Per-call options from the Python side (a dict with the core's option names, `None` meaning
/// "not given"), read and checked by the core.
fn options(opts: Option<&Bound<'_, PyDict>>) -> PyResult<Option<RequestOptions>> {
    let Some(d) = opts else { return Ok(None) };
    let mut m = Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key: String = k
            .extract()
            .map_err(|_| validation("options", "type", "option names must be str"))?;
        let value = from_py(&v, &key).map_err(|msg| validation(&key, "type", msg))?;
        m.insert(key, value);
    }
    RequestOptions::from_map(&m, Dialect::Python).map_err(to_py_err)
}

fn endpoint(id: &str) -> PyResult<&'static Endpoint> {
    table::lookup(id).map_err(to_py_err)
}

fn args(d: &Bound<'_, PyDict>) -> PyResult<Args> {
    let mut m = Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key: String = k
            .extract()
            .map_err(|_| validation("args", "type", "argument names must be str"))?;
        if v.is_none() {
            continue; // None means "not given", as in the generated signatures' defaults
        }
        let value = from_py(&v, &key).map_err(|m| validation(&key, "type", m))?;
        m.insert(key, value);
    }
    Ok(Args(m))
}

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

/// The value of a call, or `(value, meta)` when the caller asked for the raw response.
fn result(py: Python<'_>, out: &RawOutput, m: &ResponseMeta, raw: bool) -> PyResult<Py<PyAny>> {
    let value = convert::output(py, out, m)?;
    if raw {
        Ok(PyTuple::new(py, [value, meta(py, m)?.into_any()])?
            .into_any()
            .unbind())
    } else {
        Ok(value.unbind())
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (
        *, platform=None, base_url=None, auth_url=None, username=None, password=None, token=None,
        token_provider=None, client_id=None, client_secret=None, auth=None, timeout=None,
        connect_timeout=None, max_retries=None,
        backoff=None, max_retry_wait=None, proxy=None, user_agent=None, max_concurrency=None,
        prefetch=None, rate_limit=None, validate=None, max_response_bytes=None,
        allow_insecure_http=None, from_env=false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        platform: Option<&str>,
        base_url: Option<String>,
        auth_url: Option<String>,
        username: Option<String>,
        password: Option<String>,
        token: Option<String>,
        token_provider: Option<Py<PyAny>>,
        client_id: Option<String>,
        client_secret: Option<String>,
        auth: Option<&str>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_retries: Option<&Bound<'_, PyAny>>,
        backoff: Option<(f64, f64)>,
        max_retry_wait: Option<f64>,
        proxy: Option<String>,
        user_agent: Option<String>,
        max_concurrency: Option<&Bound<'_, PyAny>>,
        prefetch: Option<&Bound<'_, PyAny>>,
        rate_limit: Option<bool>,
        validate: Option<bool>,
        max_response_bytes: Option<&Bound<'_, PyAny>>,
        allow_insecure_http: Option<bool>,
        from_env: bool,
    ) -> PyResult<Self> {
        let mut b = Client::builder();
        // No credentials given: the environment's, as `from_env` (explicit settings still win).
        let credentials_given = username.is_some()
            || password.is_some()
            || token.is_some()
            || token_provider.is_some()
            || client_id.is_some()
            || client_secret.is_some();
        b = b
            .env_default(credentials_given && !from_env)
            .map_err(to_py_err)?;
        if let Some(p) = platform {
            b = b.platform(p.parse::<Platform>().map_err(to_py_err)?);
        }
        if let Some(u) = base_url {
            b = b.base_url(u);
        }
        if let Some(u) = auth_url {
            b = b.auth_url(u);
        }
        match (username, password) {
            (Some(u), Some(p)) => b = b.credentials(u, p),
            (None, None) => {}
            _ => {
                return Err(validation(
                    "password",
                    "required_together",
                    "username and password go together",
                ));
            }
        }
        if let Some(t) = token {
            b = b.token(t);
        }
        if let Some(f) = token_provider {
            b = b.token_provider(Arc::new(PyTokenProvider(Arc::new(f))));
        }
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => b = b.api_client(id, secret),
            (None, None) => {}
            (id, _) => {
                return Err(validation(
                    if id.is_some() {
                        "client_secret"
                    } else {
                        "client_id"
                    },
                    "required_together",
                    "client_id and client_secret go together",
                ));
            }
        }
        if let Some(a) = auth {
            b = b.auth_mode(a.parse::<AuthMode>().map_err(to_py_err)?);
        }
        if let Some(t) = timeout {
            b = b.timeout(seconds("timeout", t)?);
        }
        if let Some(t) = connect_timeout {
            b = b.connect_timeout(seconds("connect_timeout", t)?);
        }
        // Counts are checked by the core, named as the caller spelled them (no bare OverflowError).
        for (name, v) in [
            ("max_retries", max_retries),
            ("max_concurrency", max_concurrency),
            ("prefetch", prefetch),
            ("max_response_bytes", max_response_bytes),
        ] {
            if let Some(v) = v.filter(|v| !v.is_none()) {
                let value = number_arg(name, v)?;
                b = b
                    .numeric_option(name, &value, Dialect::Python)
                    .map_err(to_py_err)?;
            }
        }
        if let Some(on) = allow_insecure_http {
            b = b.allow_insecure_http(on);
        }
        if let Some((base, max)) = backoff {
            b = b.backoff(seconds("backoff", base)?, seconds("backoff", max)?);
        }
        if let Some(t) = max_retry_wait {
            b = b.max_retry_wait(seconds("max_retry_wait", t)?);
        }
        if let Some(p) = proxy {
            b = b.proxy(p);
        }
        if let Some(ua) = user_agent {
            b = b.user_agent(ua);
        }
        if let Some(on) = rate_limit {
            b = b.rate_limit(on);
        }
        if let Some(on) = validate {
            b = b.validate(on);
        }
        let client = b.build().map_err(to_py_err)?;
        Ok(NativeClient { client })
    }

    /// The base URL requests go to.
    #[getter]
    fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// The username, when the client authenticates with one (never the password).
    #[getter]
    fn username(&self) -> Option<&str> {
        self.client.username()
    }

    /// A client sharing this one's connections, token and rate limiter, with other call defaults.
    #[pyo3(signature = (options))]
    fn with_options(&self, options: &Bound<'_, PyDict>) -> PyResult<NativeClient> {
        let opts = self::options(Some(options))?.unwrap_or_default();
        Ok(NativeClient {
            client: self.client.with_options(opts),
        })
    }

    /// Call a non-paginated endpoint by id; blocks with the GIL released (Ctrl-C cancels).
    #[pyo3(signature = (endpoint, args, options=None, raw=false))]
    fn call(
        &self,
        py: Python<'_>,
        endpoint: &str,
        args: &Bound<'_, PyDict>,
        options: Option<&Bound<'_, PyDict>>,
        raw: bool,
    ) -> PyResult<Py<PyAny>> {
        let ep = self::endpoint(endpoint)?;
        let (args, opts) = (self::args(args)?, self::options(options)?);
        let client = self.client.clone();
        let (out, m) = block_on_interruptible(py, async move {
            client
                .call_with_raw(ep, args, opts.as_ref())
                .await
                .map_err(to_py_err)
        })?;
        result(py, &out, &m, raw)
    }

    /// `call` as an awaitable.
    #[pyo3(signature = (endpoint, args, options=None, raw=false))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        endpoint: &str,
        args: &Bound<'_, PyDict>,
        options: Option<&Bound<'_, PyDict>>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ep = self::endpoint(endpoint)?;
        let (args, opts) = (self::args(args)?, self::options(options)?);
        let client = self.client.clone();
        awaitable(py, async move {
            let (out, m) = client
                .call_with_raw(ep, args, opts.as_ref())
                .await
                .map_err(to_py_err)?;
            Python::attach(|py| result(py, &out, &m, raw))
        })
    }

    /// The escape hatch: any method and path under the base URL.
    #[pyo3(signature = (method, path, query=None, body=None, options=None, raw=false))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: String,
        path: String,
        query: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
        raw: bool,
    ) -> PyResult<Py<PyAny>> {
        let (query, body, opts) = request_parts(query, body, options)?;
        let client = self.client.clone();
        let (out, m) = block_on_interruptible(py, async move {
            client
                .request_raw(&method, &path, &query, body.as_ref(), opts.as_ref())
                .await
                .map_err(to_py_err)
        })?;
        result(py, &out, &m, raw)
    }

    /// `request` as an awaitable.
    #[pyo3(signature = (method, path, query=None, body=None, options=None, raw=false))]
    #[allow(clippy::too_many_arguments)]
    fn request_async<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path: String,
        query: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (query, body, opts) = request_parts(query, body, options)?;
        let client = self.client.clone();
        awaitable(py, async move {
            let (out, m) = client
                .request_raw(&method, &path, &query, body.as_ref(), opts.as_ref())
                .await
                .map_err(to_py_err)?;
            Python::attach(|py| result(py, &out, &m, raw))
        })
    }

    /// A lazy stream of pages of a list endpoint. Arguments are validated now (nothing is sent on
    /// a bad argument); the first request goes out on the first `next_page`.
    #[pyo3(signature = (endpoint, args, options=None, prefetch=None))]
    fn paginate(
        &self,
        endpoint: &str,
        args: &Bound<'_, PyDict>,
        options: Option<&Bound<'_, PyDict>>,
        prefetch: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<NativePages> {
        let ep = self::endpoint(endpoint)?;
        let prefetch = match prefetch.filter(|p| !p.is_none()) {
            Some(p) => Some(
                qualys_cs::client::bounded_count(
                    "prefetch",
                    &number_arg("prefetch", p)?,
                    qualys_cs::client::MAX_PREFETCH,
                )
                .map_err(to_py_err)? as usize,
            ),
            None => None,
        };
        let (args, opts) = (self::args(args)?, self::options(options)?);
        let pager = self
            .client
            .paginate_with::<ItemSpan>(ep, args, opts, prefetch)
            .map_err(to_py_err)?;
        Ok(NativePages::new(pager))
    }

    fn __repr__(&self) -> String {
        match self.client.username() {
            Some(u) => format!(
                "NativeClient(base_url={:?}, username={u:?})",
                self.client.base_url()
            ),
            None => format!("NativeClient(base_url={:?})", self.client.base_url()),
        }
    }
}

/// A numeric argument as JSON for the core's checks: `bool` (an `int` in Python) and anything
/// not a number are refused here, naming the argument.
fn number_arg(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    match from_py(v, name) {
        Ok(n @ Value::Number(_)) if !v.is_instance_of::<pyo3::types::PyBool>() => Ok(n),
        _ => Err(validation(
            name,
            "type",
            format!("must be a non-negative integer, got {v}"),
        )),
    }
}

type QueryPairs = Vec<(String, String)>;

fn request_parts(
    query: Option<&Bound<'_, PyAny>>,
    body: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(QueryPairs, Option<Value>, Option<RequestOptions>)> {
    let mut q = Vec::new();
    if let Some(query) = query.filter(|q| !q.is_none()) {
        // A list value is a repeated parameter (`name=a&name=b`), as the API expects for id lists.
        let items: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = match query.cast::<PyDict>() {
            Ok(d) => d.iter().collect(),
            Err(_) => query
                .try_iter()
                .map_err(|_| {
                    validation(
                        "query",
                        "type",
                        "must be a dict or a list of (name, value) pairs",
                    )
                })?
                .map(|i| i.and_then(|i| i.extract()))
                .collect::<PyResult<_>>()
                .map_err(|_| {
                    validation(
                        "query",
                        "type",
                        "must be a dict or a list of (name, value) pairs",
                    )
                })?,
        };
        for (k, v) in items {
            let key: String = k
                .extract()
                .map_err(|_| validation("query", "type", "names must be str"))?;
            let flat = |x: Value| -> PyResult<String> {
                match x {
                    Value::String(s) => Ok(s),
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    other => Err(validation(
                        &key,
                        "type",
                        format!("must be a string, number, bool or a list of them, got {other}"),
                    )),
                }
            };
            match from_py(&v, &key).map_err(|m| validation(&key, "type", m))? {
                Value::Null => {}
                Value::Array(a) => {
                    for x in a {
                        q.push((key.clone(), flat(x)?));
                    }
                }
                x => q.push((key.clone(), flat(x)?)),
            }
        }
    }
    let body = match body.filter(|b| !b.is_none()) {
        Some(b) => Some(from_py(b, "body").map_err(|m| validation("body", "type", m))?),
        None => None,
    };
    Ok((q, body, self::options(options)?))
}
