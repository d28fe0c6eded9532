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
use qualys_cs::client::settings::{OptionLayer, Spelling, builder_over_env, respell};
use qualys_cs::client::{Dialect, OPTIONS};
use qualys_cs::{Args, Client, ClientBuilder, RequestOptions, table};
use serde_json::{Map, Value};
use std::sync::Arc;

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

/// The client options as the JS wrapper passes them (camelCase, milliseconds; `logger` and
/// `logLevel` stay in JS), read and checked by the core's option table (spec/options.json), which
/// names an unknown option with a suggestion in Node's spelling; the environment's `QUALYS_*`
/// values under them by the one precedence (credentials as a group).
fn build(options: Option<Value>) -> napi::Result<(Client, IntMode)> {
    let map = match options {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("options", "type", "must be an object")),
    };
    let ints = IntMode::parse(map.get("largeIntegers").and_then(Value::as_str))?;
    let explicit = OptionLayer::read(&map, Spelling::Node).map_err(to_napi)?;
    let client = builder_over_env(&explicit)
        .and_then(ClientBuilder::build)
        .map_err(|e| to_napi(respell(e, Spelling::Node)))?;
    Ok((client, ints))
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
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Value>) -> napi::Result<Self> {
        let (inner, ints) = build(options)?;
        Ok(NativeClient {
            inner,
            ints,
            log: None,
        })
    }

    /// The same as the constructor (the environment is always read under the options), named for
    /// scripts that mean to read it.
    #[napi(factory, catch_unwind)]
    pub fn from_env(options: Option<Value>) -> napi::Result<Self> {
        Self::new(options)
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

    /// The username of username/password credentials (never the password or a token).
    #[napi(getter, catch_unwind)]
    pub fn username(&self) -> Option<String> {
        self.inner.username().map(str::to_owned)
    }

    /// `basic`, `jwt`, `token` or `provider`: how calls authenticate (for display).
    #[napi(getter, catch_unwind)]
    pub fn auth_mode(&self) -> String {
        self.inner.auth_mode().to_owned()
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
                    // NaN/Infinity have no JSON number: null, which the reader refuses.
                    &serde_json::Number::from_f64(p).map_or(Value::Null, Value::Number),
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
