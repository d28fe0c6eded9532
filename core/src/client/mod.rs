//! The client: generic calls by endpoint and by method + path. The typed resource methods in
//! `api` are thin wrappers over [`Client::call`] and [`Client::paginate`].
//!
//! The parts, each on its own: `builder` ([`ClientBuilder`], [`AuthMode`]), `options` (the
//! per-call [`RequestOptions`], described once for every binding), `transport` (the
//! [`Transport`] seam a request leaves through), `execute` (the one request loop of a call),
//! `attempt` (one attempt: build, send, read), `token` (token requests, through the loop),
//! `budget` (a call's retries, 429 waits and deadline), `retry` (what an outcome means and how
//! long to wait), `errors` (wire → [`Error`]) and `download` (report files).

mod attempt;
mod budget;
mod builder;
mod download;
#[cfg(test)]
mod dry_run_tests;
mod errors;
mod execute;
mod options;
mod retry;
pub mod settings;
#[cfg(test)]
mod tests;
mod token;
mod transport;

pub(crate) use attempt::Outgoing;
pub use builder::{AuthMode, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};
pub use options::{
    Dialect, MAX_CONCURRENCY, MAX_PREFETCH, MAX_RETRIES, OPTIONS, OptionKind, OptionSpec,
    RequestOptions, bounded_count,
};
pub use transport::{Transport, TransportError, TransportErrorKind};

use crate::auth::{Authenticator, Credentials};
use crate::error::{Error, Result};
use crate::process::PerProcess;
use crate::ratelimit::RateLimiter;
use crate::request::{self, Args, Body, Prepared};
use crate::response::{Output, RawOutput, Response, ResponseMeta};
use crate::table::{self, Endpoint, EndpointExt, ResponseKind};
use reqwest::Method;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Inner {
    /// The connection pool, limiter and concurrency bound of the process using the client: a
    /// `fork()`ed child builds its own on its first call (see [`crate::process`]).
    local: PerProcess<Local>,
    /// How `local.http` is built, for a new process.
    http_config: builder::HttpConfig,
    /// A transport given to the builder (shared by every process: it is the caller's); `None`:
    /// the built-in HTTP client of each process.
    custom_transport: Option<Arc<dyn Transport>>,
    base_url: String,
    auth_url: String,
    auth: Authenticator,
    timeout: Duration,
    /// The default total time of a call; `None`: no deadline.
    deadline: Option<Duration>,
    max_retries: u32,
    backoff: retry::Backoff,
    max_retry_wait: Duration,
    max_concurrency: usize,
    pub(crate) prefetch: usize,
    rate_limit: bool,
    validate: bool,
    max_response_bytes: u64,
    /// The `client` field of this client's `csapi` tracing spans (unique in the process), so a
    /// subscriber can route one client's events to that client's logger.
    pub(crate) log_id: u64,
}

/// What one process owns of a client.
pub(crate) struct Local {
    /// Builds every request (query encoding, forms, multipart); the default transport sends
    /// through it too.
    http: reqwest::Client,
    transport: Arc<dyn Transport>,
    /// Starts empty in a new process: it learns the budget left from the server's headers, which
    /// count every process of the subscription.
    limiter: RateLimiter,
    permits: tokio::sync::Semaphore,
}

impl Inner {
    pub(crate) fn local(&self) -> &Local {
        self.local.get(|_inherited| {
            let built = "the same HTTP settings built the client in the parent process";
            let http = self.http_config.build().expect(built);
            let writes = self.http_config.build_writes().expect(built);
            Local::new(
                http,
                writes,
                self.custom_transport.clone(),
                self.max_concurrency,
                self.max_retry_wait,
            )
        })
    }
}

impl Local {
    fn new(
        http: reqwest::Client,
        writes: reqwest::Client,
        custom_transport: Option<Arc<dyn Transport>>,
        max_concurrency: usize,
        max_retry_wait: Duration,
    ) -> Local {
        let transport = custom_transport.unwrap_or_else(|| {
            Arc::new(transport::ReqwestTransport {
                reads: http.clone(),
                writes,
            })
        });
        Local {
            http,
            transport,
            limiter: RateLimiter::new(max_retry_wait),
            permits: tokio::sync::Semaphore::new(max_concurrency),
        }
    }
}

/// A csapi client. Cheap to clone (an `Arc`), safe to share across threads and tasks; it works on
/// whatever tokio runtime polls it. It survives `fork()`: a child process gets its own connection
/// pool, rate limiter and concurrency bound on its first call, and keeps a still-valid token.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    opts: Arc<RequestOptions>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", self.inner.auth.credentials())
            .field("max_retries", &self.inner.max_retries)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The `client` field of the `csapi` tracing span around each of this client's calls: unique
    /// among the clients of the process (clones share it), so a subscriber can tell clients apart.
    pub fn log_id(&self) -> u64 {
        self.inner.log_id
    }

    /// A client configured from the `QUALYS_*` environment variables (see [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().from_env()?.build()
    }

    /// A copy sharing the connection pool, token and limiter, whose calls default to `opts`.
    pub fn with_options(&self, opts: RequestOptions) -> Client {
        Client {
            inner: self.inner.clone(),
            opts: Arc::new(self.opts.merged(&opts)),
        }
    }

    /// The username of username/password credentials (never the password).
    pub fn username(&self) -> Option<&str> {
        match self.inner.auth.credentials() {
            Credentials::Basic { username, .. } | Credentials::Jwt { username, .. } => {
                Some(username)
            }
            _ => None,
        }
    }

    /// How requests authenticate, for display (never a secret): `basic`, `jwt` (a gateway token
    /// fetched with the username and password), `token` (a bearer token given), `provider` or
    /// `api_client`.
    pub fn auth_mode(&self) -> &'static str {
        match self.inner.auth.credentials() {
            Credentials::Basic { .. } => "basic",
            Credentials::Jwt { .. } => "jwt",
            Credentials::Token(_) => "token",
            Credentials::Provider(_) => "provider",
            // `oidc` or `oauth`: an API client's token fetched with its id and secret.
            Credentials::ApiClient { .. } => "api_client",
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The client's default per-call options.
    pub fn options(&self) -> &RequestOptions {
        &self.opts
    }

    /// Max requests in flight.
    pub fn max_concurrency(&self) -> usize {
        self.inner.max_concurrency
    }

    /// Call a non-paginated endpoint by id (`"S01"`) with arguments; returns the decoded output.
    pub async fn call(&self, id: &str, args: Args) -> Result<Output> {
        self.call_with(table::lookup(id)?, args, None)
            .await
            .map(|(o, _)| o)
    }

    /// Call an endpoint, returning the output with the response metadata.
    pub async fn call_with(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<&RequestOptions>,
    ) -> Result<(Output, ResponseMeta)> {
        let (resp, kind) = self.call_response(ep, args, opts).await?;
        let mut out = resp.output(kind)?;
        if let (Output::Json(v), Some(model)) = (&mut out, ep.response.model.as_deref()) {
            crate::models::shape::normalize(model, v);
        }
        Ok((out, resp.meta))
    }

    /// [`call_with`](Self::call_with), keeping a JSON body as its (checked) bytes.
    pub async fn call_with_raw(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<&RequestOptions>,
    ) -> Result<(RawOutput, ResponseMeta)> {
        let (resp, kind) = self.call_response(ep, args, opts).await?;
        let mut out = resp.raw_output(kind)?;
        // The few models sent in either of two forms are handed on in their declared one (the
        // bindings' types say so); every other body stays its checked bytes, unparsed.
        if let (Output::Json(bytes), Some(model)) = (&mut out, ep.response.model.as_deref())
            && crate::models::shape::needs_normalizing(model)
        {
            let mut v: Value = serde_json::from_slice(bytes)
                .map_err(|e| resp.meta.decode_error(bytes, e.to_string()))?;
            if crate::models::shape::normalize(model, &mut v) {
                *bytes = serde_json::to_vec(&v)
                    .map_err(|e| resp.meta.decode_error(bytes, e.to_string()))?
                    .into();
            }
        }
        Ok((out, resp.meta))
    }

    async fn call_response(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<&RequestOptions>,
    ) -> Result<(Response, ResponseKind)> {
        let prepared = self.prepare(ep, args)?;
        let resp = self.execute_endpoint(ep, &prepared, opts).await?;
        match prepared.local.get("path").and_then(Value::as_str) {
            // A download streamed into `path`: the answer is a JSON summary of the file.
            Some(target) => Ok((
                download::summary(resp, target).await?,
                ResponseKind::JsonObject,
            )),
            None => Ok((resp, ep.response.kind)),
        }
    }

    /// Call an endpoint and decode its JSON body into `T` in one pass.
    pub async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<&RequestOptions>,
    ) -> Result<T> {
        let prepared = self.prepare(ep, args)?;
        let resp = self.execute_endpoint(ep, &prepared, opts).await?;
        if resp.body.trim_ascii().is_empty() {
            // An empty 200/204 decodes as JSON null, so `Value`/`Option` targets accept it.
            return serde_json::from_value(Value::Null).map_err(|e| {
                resp.meta
                    .decode_error(&resp.body, format!("empty body: {e}"))
            });
        }
        resp.json()
    }

    /// What a call would send, without sending it (a CLI's `--dry-run`): validated as a call is,
    /// with the values of secret-looking body keys (passwords, secrets, tokens, keys) as `***`.
    pub fn dry_run(&self, ep: &'static Endpoint, args: Args) -> Result<DryRun> {
        let p = self.prepare(ep, args)?;
        let mut url = url::Url::parse(&format!("{}{}", self.inner.base_url, p.path))
            .map_err(|e| Error::Config(format!("the request URL: {e}")))?;
        if !p.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&p.query);
        }
        let body = match &p.body {
            Some(Body::Json(bytes)) => {
                let mut v: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
                redact(&mut v);
                Some(v)
            }
            Some(Body::Multipart { file, content }) => Some(serde_json::json!({
                "multipart": {"field": file.field, "file_name": file.file_name,
                              "content_type": file.content_type, "bytes": content.len()}
            })),
            None => None,
        };
        Ok(DryRun {
            method: ep.http.as_str(),
            url: url.to_string(),
            body,
        })
    }

    pub(crate) fn prepare(&self, ep: &'static Endpoint, args: Args) -> Result<Prepared> {
        // Without validation the request is still well-formed: only the documented rules are skipped.
        request::prepare(ep, args, self.inner.validate)
    }

    pub(crate) async fn execute_endpoint(
        &self,
        ep: &'static Endpoint,
        p: &Prepared,
        opts: Option<&RequestOptions>,
    ) -> Result<Response> {
        let out = Outgoing {
            method: ep.http_method(),
            path: &p.path,
            query: &p.query,
            body: p.body.as_ref(),
            idempotent: ep.idempotent,
            download_to: p.local.get("path").and_then(Value::as_str),
            family: ep.rate_family.name(),
            accept: ep.response.accept_header(),
            template: &ep.path,
            endpoint: ep.id.as_str(),
        };
        self.execute(&out, opts).await
    }

    /// The escape hatch: any method and path under the base URL, with the same auth, retries, rate
    /// limits and errors as the table's endpoints. `path` must start with `/` (e.g. `/csapi/v1.3/images`).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        opts: Option<&RequestOptions>,
    ) -> Result<(Output, ResponseMeta)> {
        let resp = self
            .request_response(method, path, query, body, opts)
            .await?;
        Ok((resp.output(ResponseKind::JsonOrText)?, resp.meta))
    }

    /// [`request`](Self::request), keeping a JSON body as its (checked) bytes.
    pub async fn request_raw(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        opts: Option<&RequestOptions>,
    ) -> Result<(RawOutput, ResponseMeta)> {
        let resp = self
            .request_response(method, path, query, body, opts)
            .await?;
        Ok((resp.raw_output(ResponseKind::JsonOrText)?, resp.meta))
    }

    async fn request_response(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        opts: Option<&RequestOptions>,
    ) -> Result<Response> {
        let method =
            Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
                Error::validation(
                    "method",
                    "http_method",
                    format!("is not an HTTP method: {method:?}"),
                )
            })?;
        if !path.starts_with('/') || path.starts_with("//") || path.contains(['?', '#']) {
            return Err(Error::validation(
                "path",
                "relative_path",
                "must be a path under the base URL starting with '/', without query or fragment (pass query separately)",
            ));
        }
        check_raw_path(path)?;
        if let Some(v) = body {
            request::check_depth("body", v)?;
        }
        let body =
            body.map(|v| Body::Json(serde_json::to_vec(v).expect("a Value always serializes")));
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let matched = table::match_path(path);
        let out = Outgoing {
            method,
            path,
            query,
            body: body.as_ref(),
            idempotent,
            download_to: None,
            // A raw path is limited as the table's endpoint of that path is; unknown paths are not.
            family: matched.and_then(|e| e.rate_family.name()),
            // As the table's endpoint of that path would send it.
            accept: matched.map_or("application/json", |e| e.response.accept_header()),
            // Logged as the table's template when the path is one of its endpoints'.
            template: matched.map_or(path, |e| &e.path),
            endpoint: matched.map_or("raw", |e| e.id.as_str()),
        };
        self.execute(&out, opts).await
    }
}

/// A raw path stays under the base URL as written: no `.`/`..` segment (URL parsers resolve them,
/// so `/csapi/../x` would leave the API prefix), plain or percent-encoded, and no control
/// characters (CR/LF would split the request line).
fn check_raw_path(path: &str) -> Result<()> {
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(Error::validation(
            "path",
            "relative_path",
            format!("must not contain control characters, got {c:?}"),
        ));
    }
    for seg in path.split('/') {
        let decoded = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
        if decoded.chars().any(char::is_control) {
            return Err(Error::validation(
                "path",
                "relative_path",
                "must not contain encoded control characters",
            ));
        }
        if decoded == "." || decoded == ".." {
            return Err(Error::validation(
                "path",
                "relative_path",
                format!("must not contain a dot segment ({seg:?})"),
            ));
        }
    }
    Ok(())
}

/// A request as [`Client::dry_run`] describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DryRun {
    pub method: &'static str,
    /// The full URL with its query string.
    pub url: String,
    /// The JSON body with secrets replaced by `***` (a multipart body as its part's description).
    pub body: Option<Value>,
}

/// Whether a body key names a secret (`password`, `secretKey`, `token`, `privateKey`...).
fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "key", "credential"]
        .iter()
        .any(|w| k.contains(w))
        && !k.ends_with("type")
}

fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if !is_secret_key(k) {
                    redact(x);
                    continue;
                }
                let hidden = || Value::String("***".into());
                match x {
                    // `credential: {username, password}`: every value of it is hidden.
                    Value::Object(inner) => inner.values_mut().for_each(|y| *y = hidden()),
                    // A list under a secret key (`tokens: [...]`): every item of it.
                    Value::Array(items) => items.iter_mut().for_each(|y| *y = hidden()),
                    other => *other = hidden(),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}
