//! `NativeClient`: the core `Client` plus generic entry points (by endpoint id, by method + path).
//! Each call is a sync native function returning a Promise (`Env::spawn_future_with_callback`),
//! so it can take the `Canceller` by reference and hand the future a cancellation token; the
//! future runs on napi's tokio runtime and never blocks the event loop. JS values are built on
//! the JS thread in the callback, natively (`convert.rs`).

use crate::cancel::{Canceller, cancellable, token_of};
use crate::convert::{CallResult, IntMode, JsonBuffer};
use crate::errors::{invalid, to_napi};
use crate::pager::NativePager;
use napi::bindgen_prelude::{Env, Function, PromiseRaw};
use napi_derive::napi;
use qualys_cs::client::{Dialect, OPTIONS};
use qualys_cs::{Args, AuthMode, Client, ClientBuilder, RequestOptions, table};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Options of `new Client(...)`; times are in milliseconds.
#[napi(object)]
#[derive(Default)]
pub struct ClientOptions {
    /// `US1` … `KSA1` (API.md §1.1).
    pub platform: Option<String>,
    /// A custom base URL (a simulator, a proxy); overrides `platform`.
    pub base_url: Option<String>,
    /// Where `POST /auth` goes; defaults to the platform's gateway or the base URL.
    pub auth_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A bearer token you already have (instead of username/password).
    pub token: Option<String>,
    /// An API client's id and secret, with `auth: 'oidc'` (a user-level client) or `'oauth'` (a
    /// subscription-level one).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// `'jwt'` (default; `'bearer'` is the same), `'basic'`, `'oidc'` or `'oauth'`.
    pub auth: Option<String>,
    /// The time limit of each HTTP attempt in milliseconds (see the core's `RequestOptions::timeout`).
    pub timeout: Option<f64>,
    pub connect_timeout: Option<f64>,
    /// Numbers, not `u32`: napi would wrap `-1` to 4294967295; the core checks the range.
    pub max_retries: Option<f64>,
    pub backoff_base: Option<f64>,
    pub backoff_max: Option<f64>,
    pub max_retry_wait: Option<f64>,
    pub proxy: Option<String>,
    pub user_agent: Option<String>,
    pub max_concurrency: Option<f64>,
    pub prefetch: Option<f64>,
    pub rate_limit: Option<bool>,
    pub validate: Option<bool>,
    /// The largest response body read into memory, in bytes (default 256 MiB).
    pub max_response_bytes: Option<f64>,
    /// Allow plain `http://` to a host that is not loopback (credentials in clear text).
    pub allow_insecure_http: Option<bool>,
    /// `'number'` (default), `'bigint'` or `'string'`: see `convert.rs`.
    pub large_integers: Option<String>,
}

fn millis(field: &str, ms: f64) -> napi::Result<Duration> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid(
            field,
            "range",
            format!("must be a non-negative number of milliseconds, got {ms}"),
        ));
    }
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

/// Per-call options as the JS wrapper passes them: the core's options in their Node spelling
/// (`timeout` in milliseconds, `maxRetries`, `extraHeaders`, `extraQuery`), read and checked by
/// the core (the `signal`, `raw` and `prefetch` options live in the JS wrapper).
pub(crate) fn request_options(o: Option<Value>) -> napi::Result<Option<RequestOptions>> {
    match o {
        None => Ok(None),
        Some(v) => RequestOptions::from_value(&v, Dialect::Node, "options").map_err(to_napi),
    }
}

/// The names of the core's per-call options in their Node spelling (the wrapper's list of
/// reserved option keys is checked against it).
#[napi(catch_unwind)]
pub fn request_option_names() -> Vec<String> {
    OPTIONS
        .iter()
        .map(|o| o.name_in(Dialect::Node).to_owned())
        .collect()
}

/// Arguments arrive as JSON text (`JSON.stringify` in the wrapper): the same semantics as a JSON
/// request body everywhere in JS (`toJSON`, dates, `undefined` dropped), at a cost that is noise
/// next to a network call. Results never take this path.
pub(crate) fn parse_args(json: Option<String>) -> napi::Result<Args> {
    let Some(text) = json.filter(|t| !t.is_empty()) else {
        return Ok(Args::new());
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(Args(m)),
        Ok(Value::Null) => Ok(Args(Map::new())),
        Ok(_) => Err(invalid("options", "type", "must be an object")),
        Err(e) => Err(invalid("options", "json", e.to_string())),
    }
}

pub(crate) fn endpoint(id: &str) -> napi::Result<&'static table::Endpoint> {
    table::lookup(id).map_err(to_napi)
}

/// A JS number as JSON (`NaN`/`Infinity` become `null`, which the core's reader refuses).
fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn apply(mut b: ClientBuilder, o: &ClientOptions) -> napi::Result<ClientBuilder> {
    if let Some(p) = &o.platform {
        b = b.platform(p.parse().map_err(to_napi)?);
    }
    if let Some(u) = &o.base_url {
        b = b.base_url(u.clone());
    }
    if let Some(u) = &o.auth_url {
        b = b.auth_url(u.clone());
    }
    match (&o.username, &o.password) {
        (Some(u), Some(p)) => b = b.credentials(u.clone(), p.clone()),
        (Some(_), None) => {
            return Err(invalid("password", "required", "is required with username"));
        }
        (None, Some(_)) => {
            return Err(invalid("username", "required", "is required with password"));
        }
        (None, None) => {}
    }
    if let Some(t) = &o.token {
        b = b.token(t.clone());
    }
    match (&o.client_id, &o.client_secret) {
        (Some(id), Some(secret)) => b = b.api_client(id.clone(), secret.clone()),
        (Some(_), None) => {
            return Err(invalid(
                "clientSecret",
                "required",
                "is required with clientId",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "clientId",
                "required",
                "is required with clientSecret",
            ));
        }
        (None, None) => {}
    }
    if let Some(a) = &o.auth {
        b = b.auth_mode(a.parse::<AuthMode>().map_err(to_napi)?);
    }
    if let Some(t) = o.timeout {
        b = b.timeout(millis("timeout", t)?);
    }
    if let Some(t) = o.connect_timeout {
        b = b.connect_timeout(millis("connectTimeout", t)?);
    }
    // Counts go through the core's one reader: `-1`, `1.5` or `NaN` is a ValidationError naming
    // the option, never a wrapped or truncated number.
    for (name, v) in [
        ("maxRetries", o.max_retries),
        ("maxConcurrency", o.max_concurrency),
        ("prefetch", o.prefetch),
        ("maxResponseBytes", o.max_response_bytes),
    ] {
        if let Some(v) = v {
            b = b
                .numeric_option(name, &number(v), Dialect::Node)
                .map_err(to_napi)?;
        }
    }
    if let Some(on) = o.allow_insecure_http {
        b = b.allow_insecure_http(on);
    }
    if o.backoff_base.is_some() || o.backoff_max.is_some() {
        let base = millis("backoffBase", o.backoff_base.unwrap_or(500.0))?;
        let max = millis("backoffMax", o.backoff_max.unwrap_or(8000.0))?;
        b = b.backoff(base, max);
    }
    if let Some(t) = o.max_retry_wait {
        b = b.max_retry_wait(millis("maxRetryWait", t)?);
    }
    if let Some(p) = &o.proxy {
        b = b.proxy(p.clone());
    }
    if let Some(ua) = &o.user_agent {
        b = b.user_agent(ua.clone());
    }
    if let Some(on) = o.rate_limit {
        b = b.rate_limit(on);
    }
    if let Some(on) = o.validate {
        b = b.validate(on);
    }
    Ok(b)
}

#[napi]
pub struct NativeClient {
    pub(crate) inner: Client,
    pub(crate) ints: IntMode,
    /// The logger of this client and of those sharing it (`withOptions`), while any of them lives.
    log: Option<Arc<crate::log::Registration>>,
}

#[napi]
impl NativeClient {
    /// Builds the core client: no I/O and no threads (the runtime starts with the first call).
    /// Given no credentials, it reads the `QUALYS_*` environment variables as `fromEnv` does (the
    /// options given still win).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<ClientOptions>) -> napi::Result<Self> {
        let o = options.unwrap_or_default();
        let ints = IntMode::parse(o.large_integers.as_deref())?;
        let credentials_given = o.username.is_some()
            || o.password.is_some()
            || o.token.is_some()
            || o.client_id.is_some()
            || o.client_secret.is_some();
        let b = Client::builder()
            .env_default(credentials_given)
            .map_err(to_napi)?;
        let inner = apply(b, &o)?.build().map_err(to_napi)?;
        Ok(NativeClient {
            inner,
            ints,
            log: None,
        })
    }

    /// `QUALYS_*` environment variables, then `options` on top.
    #[napi(factory, catch_unwind)]
    pub fn from_env(options: Option<ClientOptions>) -> napi::Result<Self> {
        let o = options.unwrap_or_default();
        let ints = IntMode::parse(o.large_integers.as_deref())?;
        let b = Client::builder().from_env().map_err(to_napi)?;
        let inner = apply(b, &o)?.build().map_err(to_napi)?;
        Ok(NativeClient {
            inner,
            ints,
            log: None,
        })
    }

    /// A client sharing this one's connection pool, limiter and auth, with default call options.
    #[napi(catch_unwind)]
    pub fn with_options(&self, options: Value) -> napi::Result<NativeClient> {
        let opts = request_options(Some(options))?.unwrap_or_default();
        Ok(NativeClient {
            inner: self.inner.with_options(opts),
            ints: self.ints,
            log: self.log.clone(),
        })
    }

    /// Send this client's log events at `level` (`'debug'`, `'info'`, `'warn'`) and above to
    /// `log(level, line, fieldsJson)` on the JS thread.
    #[napi(catch_unwind)]
    pub fn set_logger(
        &mut self,
        log: Function<'_, (String, String, String), ()>,
        level: String,
    ) -> napi::Result<()> {
        let level = crate::log::parse_level(&level)?;
        self.log = Some(crate::log::register(self.inner.log_id(), log, level)?);
        Ok(())
    }

    /// The base URL calls go to.
    #[napi(getter, catch_unwind)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// Call a table endpoint by id with JSON-encoded arguments. Resolves to the decoded output
    /// (object, array, text, Buffer or null), or `{data, status, headers, rateLimit, attempts}`
    /// when `raw`. Validation errors reject before anything is sent.
    #[napi(ts_return_type = "Promise<unknown>", catch_unwind)]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        endpoint_id: String,
        args_json: Option<String>,
        options: Option<Value>,
        canceller: Option<&Canceller>,
        raw: Option<bool>,
    ) -> napi::Result<PromiseRaw<'env, CallResult>> {
        let ep = endpoint(&endpoint_id)?;
        let args = parse_args(args_json)?;
        let opts = request_options(options)?;
        let client = self.inner.clone();
        let (mode, raw, token) = (self.ints, raw.unwrap_or(false), token_of(canceller));
        env.spawn_future_with_callback(
            cancellable(token, async move {
                client
                    .call_with_raw(ep, args, opts.as_ref())
                    .await
                    .map_err(to_napi)
            }),
            move |_, (output, meta)| {
                Ok(CallResult {
                    output,
                    meta,
                    raw,
                    mode,
                })
            },
        )
    }

    /// The escape hatch: any method and path under the base URL (`/csapi/v1.3/...`), query as flat
    /// name/value pairs, body as JSON text.
    #[napi(ts_return_type = "Promise<unknown>", catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn request<'env>(
        &self,
        env: &'env Env,
        method: String,
        path: String,
        query: Option<Vec<String>>,
        body_json: Option<String>,
        options: Option<Value>,
        canceller: Option<&Canceller>,
        raw: Option<bool>,
    ) -> napi::Result<PromiseRaw<'env, CallResult>> {
        let query = query.unwrap_or_default();
        if !query.len().is_multiple_of(2) {
            return Err(invalid("query", "pairs", "must be name/value pairs"));
        }
        let query: Vec<(String, String)> = query
            .chunks(2)
            .map(|c| (c[0].clone(), c[1].clone()))
            .collect();
        let body = match body_json {
            Some(t) => Some(
                serde_json::from_str::<Value>(&t)
                    .map_err(|e| invalid("body", "json", e.to_string()))?,
            ),
            None => None,
        };
        let opts = request_options(options)?;
        let client = self.inner.clone();
        let (mode, raw, token) = (self.ints, raw.unwrap_or(false), token_of(canceller));
        env.spawn_future_with_callback(
            cancellable(token, async move {
                client
                    .request_raw(&method, &path, &query, body.as_ref(), opts.as_ref())
                    .await
                    .map_err(to_napi)
            }),
            move |_, (output, meta)| {
                Ok(CallResult {
                    output,
                    meta,
                    raw,
                    mode,
                })
            },
        )
    }

    /// A lazy pager over a list endpoint; validates the arguments now (throws), sends nothing yet.
    #[napi(catch_unwind)]
    pub fn paginate(
        &self,
        endpoint_id: String,
        args_json: Option<String>,
        options: Option<Value>,
        prefetch: Option<f64>,
    ) -> napi::Result<NativePager> {
        let ep = endpoint(&endpoint_id)?;
        let prefetch = prefetch
            .map(|p| {
                qualys_cs::client::bounded_count(
                    "prefetch",
                    &number(p),
                    qualys_cs::client::MAX_PREFETCH,
                )
                .map(|n| n as usize)
            })
            .transpose()
            .map_err(to_napi)?;
        let args = parse_args(args_json)?;
        let opts = request_options(options)?;
        let pager = self
            .inner
            .paginate_with::<qualys_cs::paginate::ItemSpan>(ep, args, opts, prefetch)
            .map_err(to_napi)?;
        Ok(NativePager::new(pager, self.ints))
    }
}

/// The endpoint table as JSON text (for tooling and tests; the resource classes are generated).
#[napi(catch_unwind)]
pub fn endpoint_table() -> String {
    table::ENDPOINTS_JSON.to_owned()
}

/// The version of the native addon (the workspace version).
#[napi(catch_unwind)]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The converter every JSON response goes through in the default `largeIntegers: 'number'` mode
/// (the bytes become one JS string, then V8's `JSON.parse`), exposed so the benchmarks can time it
/// alone against `JSON.parse(buffer.toString())` on the same bytes. Responses are also checked to be
/// well-formed JSON in core, on a worker thread, before they reach the event loop.
#[napi(ts_return_type = "unknown", catch_unwind)]
pub fn parse_json(data: napi::bindgen_prelude::Buffer) -> JsonBuffer {
    JsonBuffer(data)
}
