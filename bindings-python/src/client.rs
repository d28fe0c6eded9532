//! `NativeClient`: one generic entry point per call shape (call, request, paginate), sync and async.
//! The per-resource methods are generated in Python (`_resources.py`) and all land here with an
//! endpoint id and a dict of arguments; validation, paging and errors are the core's.

use crate::convert::{self, from_py};
use crate::errors::{to_py_err, validation};
use crate::meta::meta;
use crate::pages::NativePages;
use crate::runtime::{awaitable, block_on_interruptible};
use futures::future::BoxFuture;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use qualys_cs::client::Dialect;
use qualys_cs::client::settings::{OptionLayer, Spelling, builder_over_env};
use qualys_cs::paginate::ItemSpan;
use qualys_cs::table::{self, Endpoint};
use qualys_cs::{Args, Client, RawOutput, RequestOptions, ResponseMeta, TokenProvider};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A csapi client. Frozen and backed by the core's `Arc`-shared client, so one instance can be
/// used from many Python threads and tasks at once.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeClient {
    client: Client,
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
    /// `options`: the keywords of `Client(...)`, read and checked by the core's option table
    /// (spec/options.json), which names an unknown keyword with a suggestion; the environment's
    /// `QUALYS_*` values under them, by the one precedence (credentials as a group).
    #[new]
    #[pyo3(signature = (options=None))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut map = Map::new();
        let mut provider = None;
        for (k, v) in options.into_iter().flat_map(|d| d.iter()) {
            let key: String = k
                .extract()
                .map_err(|_| validation("options", "type", "option names must be str"))?;
            if v.is_none() {
                continue;
            }
            match key.as_str() {
                // A callable, kept as it is: the core calls it when it needs a token.
                "token_provider" => provider = Some(v.unbind()),
                // Python's shorthand for the two backoff options.
                "backoff" => {
                    let (base, max): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                        v.extract().map_err(|_| {
                            validation("backoff", "type", "must be a (base, max) pair of seconds")
                        })?;
                    map.insert("backoff_base".into(), option_value(&base, "backoff")?);
                    map.insert("backoff_max".into(), option_value(&max, "backoff")?);
                }
                _ => {
                    let value = option_value(&v, &key)?;
                    map.insert(key, value);
                }
            }
        }
        let explicit = OptionLayer::read(&map, Spelling::Python).map_err(to_py_err)?;
        let mut b = builder_over_env(&explicit).map_err(to_py_err)?;
        if let Some(f) = provider {
            b = b.token_provider(Arc::new(PyTokenProvider(Arc::new(f))));
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
                    &option_value(p, "prefetch")?,
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

/// An option's value as JSON for the core's checks: `bool` stays a boolean (Python's `True` is
/// also an `int`, so a count given `True` is refused by the core, not read as 1).
fn option_value(v: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    from_py(v, name).map_err(|msg| validation(name, "type", msg))
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
