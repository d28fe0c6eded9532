//! The client: configuration, the transport (auth, retries, rate limits, errors) and generic calls by
//! endpoint. The typed resource methods in `api` are thin wrappers over [`Client::call`] and
//! [`Client::paginate`].

use crate::auth::{Authenticator, Credentials, Secret};
use crate::error::{ApiError, Error, Result, excerpt};
use crate::platform::Platform;
use crate::ratelimit::{self, RateLimitInfo, RateLimiter, Slot};
use crate::request::{self, Args, Body, Prepared};
use crate::response::{Output, RawOutput, Response, ResponseMeta};
use crate::table::{self, Endpoint, EndpointExt, ResponseKind};
use bytes::Bytes;
use futures::FutureExt;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::fmt;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

/// Which auth scheme username/password credentials use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Gateway JWT (`POST /auth`, then `Bearer`): the documented pairing for v1.3 (P-docs "Get Started").
    #[default]
    Jwt,
    /// `Authorization: Basic` against the API server URL (the seeds' v1.1 pairing).
    Basic,
}

/// Per-call overrides; also the defaults of a client made by [`Client::with_options`].
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Whole-request timeout (connect + headers + body).
    pub timeout: Option<Duration>,
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: Option<u32>,
    /// Extra headers (never logged).
    pub extra_headers: Vec<(String, String)>,
    /// Extra query parameters, appended after the endpoint's own.
    pub extra_query: Vec<(String, String)>,
}

impl RequestOptions {
    /// `other` on top of `self`: scalar options replace, lists extend.
    pub fn merged(&self, other: &RequestOptions) -> RequestOptions {
        let mut out = self.clone();
        if other.timeout.is_some() {
            out.timeout = other.timeout;
        }
        if other.max_retries.is_some() {
            out.max_retries = other.max_retries;
        }
        out.extra_headers
            .extend(other.extra_headers.iter().cloned());
        out.extra_query.extend(other.extra_query.iter().cloned());
        out
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    platform: Option<Platform>,
    base_url: Option<String>,
    auth_url: Option<String>,
    username: Option<String>,
    password: Option<Secret>,
    credentials: Option<Credentials>,
    auth_mode: AuthMode,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_retry_wait: Duration,
    token_refresh_skew: Duration,
    proxy: Option<String>,
    user_agent: String,
    max_concurrency: usize,
    prefetch: usize,
    rate_limit: bool,
    validate: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            platform: None,
            base_url: None,
            auth_url: None,
            username: None,
            password: None,
            credentials: None,
            auth_mode: AuthMode::default(),
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            max_retry_wait: Duration::from_secs(120),
            token_refresh_skew: Duration::from_secs(300),
            proxy: None,
            user_agent: format!("qualys-cs-rust/{}", env!("CARGO_PKG_VERSION")),
            max_concurrency: 16,
            prefetch: 16,
            rate_limit: true,
            validate: true,
        }
    }
}

impl ClientBuilder {
    /// A Qualys platform (`US1`..`KSA1`): picks the server or gateway URL by auth mode.
    pub fn platform(mut self, p: Platform) -> Self {
        self.platform = Some(p);
        self
    }
    /// A custom base URL (a simulator, a proxy, a private platform); overrides the platform.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Where `POST /auth` goes; defaults to the platform's gateway or the base URL.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }
    /// Username and password, used as JWT (default) or Basic credentials per [`AuthMode`].
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }
    pub fn auth_mode(mut self, mode: AuthMode) -> Self {
        self.auth_mode = mode;
        self
    }
    /// A bearer token the caller already has.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Token(token.into()));
        self
    }
    /// A callback that returns a bearer token; asked again after a 401.
    pub fn token_provider(mut self, p: Arc<dyn crate::auth::TokenProvider>) -> Self {
        self.credentials = Some(Credentials::Provider(p));
        self
    }
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// First retry delay; doubles per attempt up to `max`, with jitter.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }
    /// The longest server-requested wait (429) the client sleeps through before giving up.
    pub fn max_retry_wait(mut self, d: Duration) -> Self {
        self.max_retry_wait = d;
        self
    }
    /// Refresh a JWT this long before its `exp`.
    pub fn token_refresh_skew(mut self, d: Duration) -> Self {
        self.token_refresh_skew = d;
        self
    }
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Requests in flight at once, across every task sharing the client.
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }
    /// The most pages fetched ahead (and in flight) while the caller consumes the current one
    /// (1 = no prefetch). Default 16, scaled down for large pages: about 4,000 items buffered at most
    /// on page-numbered lists, 1,000 on cursor lists (whose requests are sequential anyway); an
    /// explicit per-list `prefetch` is taken as given.
    pub fn prefetch(mut self, n: usize) -> Self {
        self.prefetch = n.max(1);
        self
    }
    /// Turn the client-side rate limiter off (the server's 429s are still honoured).
    pub fn rate_limit(mut self, on: bool) -> Self {
        self.rate_limit = on;
        self
    }
    /// Turn client-side validation off (the server still validates).
    pub fn validate(mut self, on: bool) -> Self {
        self.validate = on;
        self
    }

    /// Read `QUALYS_USERNAME`, `QUALYS_PASSWORD`, `QUALYS_TOKEN`, `QUALYS_PLATFORM`, `QUALYS_BASE_URL`,
    /// `QUALYS_AUTH_URL`, `QUALYS_AUTH` (`jwt`|`basic`) and `QUALYS_PROXY` on top of this builder.
    pub fn from_env(mut self) -> Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let (Some(u), Some(p)) = (var("QUALYS_USERNAME"), var("QUALYS_PASSWORD")) {
            self = self.credentials(u, p);
        }
        if let Some(t) = var("QUALYS_TOKEN") {
            self = self.token(t);
        }
        if let Some(p) = var("QUALYS_PLATFORM") {
            self = self.platform(p.parse()?);
        }
        if let Some(u) = var("QUALYS_BASE_URL") {
            self = self.base_url(u);
        }
        if let Some(u) = var("QUALYS_AUTH_URL") {
            self = self.auth_url(u);
        }
        if let Some(p) = var("QUALYS_PROXY") {
            self = self.proxy(p);
        }
        if let Some(m) = var("QUALYS_AUTH") {
            self = self.auth_mode(match m.to_ascii_lowercase().as_str() {
                "basic" => AuthMode::Basic,
                "jwt" | "bearer" => AuthMode::Jwt,
                other => {
                    return Err(Error::validation(
                        "QUALYS_AUTH",
                        "enum",
                        format!("must be jwt or basic, got {other:?}"),
                    ));
                }
            });
        }
        Ok(self)
    }

    pub fn build(self) -> Result<Client> {
        let creds = match (self.credentials, self.username, self.password) {
            (Some(c), _, _) => c,
            (None, Some(username), Some(password)) => {
                if username.is_empty() {
                    return Err(Error::validation(
                        "username",
                        "non_empty",
                        "must not be empty",
                    ));
                }
                match self.auth_mode {
                    AuthMode::Jwt => Credentials::Jwt { username, password },
                    AuthMode::Basic => Credentials::Basic { username, password },
                }
            }
            _ => {
                return Err(Error::Config(
                    "no credentials: give username and password, a token or a token provider \
                     (or set QUALYS_USERNAME and QUALYS_PASSWORD)"
                        .into(),
                ));
            }
        };
        let base_url = match (&self.base_url, self.platform) {
            (Some(u), _) => u.clone(),
            (None, Some(p)) if creds.uses_gateway() => p.gateway_url().to_owned(),
            (None, Some(p)) => p.server_url().to_owned(),
            (None, None) => {
                return Err(Error::Config(
                    "no platform or base_url: say which Qualys platform to call (e.g. US2)".into(),
                ));
            }
        };
        let base_url = check_base_url("base_url", &base_url)?;
        let auth_url = match (&self.auth_url, self.platform, &self.base_url) {
            (Some(u), _, _) => check_base_url("auth_url", u)?,
            (None, Some(p), None) => p.gateway_url().to_owned(),
            _ => base_url.clone(),
        };

        install_crypto_provider();
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true);
        if let Some(p) = &self.proxy {
            let proxy = reqwest::Proxy::all(p)
                .map_err(|e| Error::validation("proxy", "url", e.to_string()))?;
            http = http.proxy(proxy);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let inner = Inner {
            http,
            base_url,
            auth_url,
            auth: Authenticator::new(creds, self.token_refresh_skew),
            limiter: RateLimiter::default(),
            permits: tokio::sync::Semaphore::new(self.max_concurrency),
            timeout: self.timeout,
            max_retries: self.max_retries,
            backoff_base: self.backoff_base,
            backoff_max: self.backoff_max,
            max_retry_wait: self.max_retry_wait,
            max_concurrency: self.max_concurrency,
            prefetch: self.prefetch,
            rate_limit: self.rate_limit,
            validate: self.validate,
        };
        Ok(Client {
            inner: Arc::new(inner),
            opts: Arc::new(RequestOptions::default()),
        })
    }
}

fn check_base_url(field: &str, u: &str) -> Result<String> {
    let parsed = url::Url::parse(u)
        .map_err(|e| Error::validation(field, "url", format!("is not a URL ({e}): {u:?}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::validation(
            field,
            "url",
            format!("must be an http(s) URL with a host, got {u:?}"),
        ));
    }
    if parsed.query().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::validation(
            field,
            "url",
            "must not carry a query string or credentials",
        ));
    }
    Ok(u.trim_end_matches('/').to_owned())
}

/// reqwest is built with `rustls-no-provider`: the ring provider is installed once, process-wide.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first; that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth_url: String,
    auth: Authenticator,
    limiter: RateLimiter,
    permits: tokio::sync::Semaphore,
    timeout: Duration,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    max_retry_wait: Duration,
    max_concurrency: usize,
    pub(crate) prefetch: usize,
    rate_limit: bool,
    validate: bool,
}

/// A csapi client. Cheap to clone (an `Arc`), safe to share across threads and tasks; it works on
/// whatever tokio runtime polls it.
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

/// A request at the transport level.
pub(crate) struct Outgoing<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Body>,
    pub idempotent: bool,
    /// Stream a success body into this file instead of memory (report downloads).
    pub download_to: Option<&'a str>,
}

enum Attempt {
    Done(Response),
    Retry { wait: Option<Duration>, err: Error },
    Fail(Error),
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
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
        Ok((resp.output(kind)?, resp.meta))
    }

    /// [`call_with`](Self::call_with), keeping a JSON body as its (checked) bytes.
    pub async fn call_with_raw(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<&RequestOptions>,
    ) -> Result<(RawOutput, ResponseMeta)> {
        let (resp, kind) = self.call_response(ep, args, opts).await?;
        Ok((resp.raw_output(kind)?, resp.meta))
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
                self.downloaded(resp, target).await?,
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
            return serde_json::from_value(Value::Null).map_err(|e| Error::Decode {
                method: resp.meta.method.clone(),
                path: resp.meta.path.clone(),
                message: format!("empty body: {e}"),
                excerpt: String::new(),
            });
        }
        resp.json()
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
        let body =
            body.map(|v| Body::Json(serde_json::to_vec(v).expect("a Value always serializes")));
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let out = Outgoing {
            method,
            path,
            query,
            body: body.as_ref(),
            idempotent,
            download_to: None,
        };
        self.execute(&out, opts).await
    }

    /// The answer to a download streamed into `target`: `{"path", "size"}` as a JSON body.
    async fn downloaded(&self, resp: Response, target: &str) -> Result<Response> {
        let size = tokio::fs::metadata(target)
            .await
            .map_err(|source| Error::Io {
                path: target.to_owned(),
                source,
            })?
            .len();
        let summary = serde_json::json!({ "path": target, "size": size });
        Ok(Response {
            meta: resp.meta,
            body: Bytes::from(summary.to_string()),
        })
    }

    /// Send with auth, rate limiting, concurrency bound and retries; reads the whole body.
    pub(crate) async fn execute(
        &self,
        out: &Outgoing<'_>,
        opts: Option<&RequestOptions>,
    ) -> Result<Response> {
        let merged;
        let opts = match opts {
            Some(o) => {
                merged = self.opts.merged(o);
                &merged
            }
            None => &*self.opts,
        };
        let max_retries = opts.max_retries.unwrap_or(self.inner.max_retries);
        let family = if self.inner.rate_limit {
            ratelimit::family(out.path)
        } else {
            None
        };
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            // The rate-limit slot comes first: the token read after a long wait is still fresh.
            let slot = match &family {
                Some(f) => Some(self.inner.limiter.acquire(f).await),
                None => None,
            };
            let (auth, generation) = match self.auth_header().await {
                Ok(a) => a,
                Err(e) => {
                    if let Some(slot) = slot {
                        slot.unsent();
                    }
                    return Err(e);
                }
            };
            let result = {
                let _permit = self
                    .inner
                    .permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                self.attempt(out, opts, auth, slot, attempt).await
            };
            match result {
                Attempt::Done(resp) => return Ok(resp),
                Attempt::Fail(Error::Api(e))
                    if e.status == 401 && !refreshed && self.inner.auth.can_refresh() =>
                {
                    // An expired or revoked token: fetch a new one once, without counting a retry.
                    tracing::debug!(path = out.path, "401: refreshing the token");
                    refreshed = true;
                    self.inner.auth.invalidate(generation);
                    attempt -= 1;
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry { wait, err } => {
                    if attempt > max_retries {
                        return Err(err);
                    }
                    let wait = match wait {
                        Some(w) if w > self.inner.max_retry_wait => return Err(err),
                        Some(w) => w,
                        None => self.backoff(attempt),
                    };
                    tracing::warn!(
                        method = %out.method, path = out.path, attempt, wait_ms = wait.as_millis() as u64,
                        error = %err, "retrying"
                    );
                    match (&family, err.status()) {
                        // Hold the whole family, so concurrent calls wait too instead of piling on.
                        (Some(f), Some(429)) => self.inner.limiter.block(f, wait),
                        _ => tokio::time::sleep(wait).await,
                    }
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .inner
            .backoff_base
            .saturating_mul(1u32 << (attempt - 1).min(16));
        let cap = exp.min(self.inner.backoff_max);
        // "Equal jitter": at least half the delay, so retries never collapse to zero.
        cap / 2 + cap.mul_f64(fastrand::f64() / 2.0)
    }

    async fn auth_header(&self) -> Result<(HeaderValue, u64)> {
        self.inner
            .auth
            .header(|username, password| self.fetch_token(username, password).boxed())
            .await
    }

    /// `POST {gateway}/auth` (API.md §1.3): form fields, 201 and the JWT as plain text.
    async fn fetch_token(&self, username: &str, password: &Secret) -> Result<String> {
        let url = format!("{}/auth", self.inner.auth_url);
        let form = [
            ("username", username),
            ("password", password.expose()),
            ("token", "true"),
            ("permissions", "true"),
        ];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let sent = self
                .inner
                .http
                .post(&url)
                .header(ACCEPT, "text/plain, application/json")
                .form(&form)
                .timeout(self.inner.timeout)
                .send()
                .await;
            let err = match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    match r.bytes().await {
                        Ok(body) if (200..300).contains(&status) => {
                            tracing::debug!(
                                status,
                                elapsed_ms = started.elapsed().as_millis() as u64,
                                "POST /auth"
                            );
                            return Ok(String::from_utf8_lossy(&body).trim().to_owned());
                        }
                        Ok(body) => {
                            let e = api_error("POST", "/auth", status, &headers, &body);
                            if status < 500 || attempt > self.inner.max_retries {
                                return Err(e);
                            }
                            e
                        }
                        Err(e) => transport_error("POST", "/auth", e, self.inner.timeout),
                    }
                }
                Err(e) => transport_error("POST", "/auth", e, self.inner.timeout),
            };
            if attempt > self.inner.max_retries {
                return Err(err);
            }
            tokio::time::sleep(self.backoff(attempt)).await;
        }
    }

    async fn attempt(
        &self,
        out: &Outgoing<'_>,
        opts: &RequestOptions,
        auth: HeaderValue,
        slot: Option<Slot<'_>>,
        attempt: u32,
    ) -> Attempt {
        let method = out.method.as_str();
        let timeout = opts.timeout.unwrap_or(self.inner.timeout);
        let url = format!("{}{}", self.inner.base_url, out.path);
        let mut rb = self
            .inner
            .http
            .request(out.method.clone(), &url)
            .timeout(timeout)
            .header(AUTHORIZATION, auth);
        rb = rb.header(ACCEPT, "application/json");
        if !out.query.is_empty() || !opts.extra_query.is_empty() {
            rb = rb.query(out.query).query(&opts.extra_query);
        }
        match out.body {
            Some(Body::Json(bytes)) => {
                rb = rb
                    .header(CONTENT_TYPE, "application/json")
                    .body(bytes.clone());
            }
            Some(Body::Multipart { file, content }) => {
                let part = match reqwest::multipart::Part::bytes(content.clone())
                    .file_name(file.file_name.clone())
                    .mime_str(&file.content_type)
                {
                    Ok(p) => p,
                    Err(e) => {
                        return Attempt::Fail(Error::Config(format!(
                            "the table's multipart content type {:?}: {e}",
                            file.content_type
                        )));
                    }
                };
                rb = rb.multipart(reqwest::multipart::Form::new().part(file.field.clone(), part));
            }
            None => {}
        }
        for (k, v) in &opts.extra_headers {
            match (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                (Ok(k), Ok(mut v)) => {
                    v.set_sensitive(true);
                    rb = rb.header(k, v);
                }
                _ => {
                    if let Some(slot) = slot {
                        slot.unsent();
                    }
                    return Attempt::Fail(Error::validation(
                        "extra_headers",
                        "header",
                        format!("{k:?} is not a valid header"),
                    ));
                }
            }
        }
        let started = Instant::now();
        let result = rb.send().await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                let connect = e.is_connect();
                let err = transport_error(method, out.path, e, timeout);
                // Nothing reached the server when the connection failed: safe to retry any method.
                return if connect || out.idempotent {
                    Attempt::Retry { wait: None, err }
                } else {
                    Attempt::Fail(err)
                };
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let rate_limit = RateLimitInfo::from_headers(&headers);
        if let Some(slot) = slot {
            slot.observe(rate_limit.as_ref(), status);
        }
        if let (true, Some(target)) = ((200..300).contains(&status), out.download_to) {
            let meta = ResponseMeta {
                status,
                method: method.to_owned(),
                path: out.path.to_owned(),
                headers,
                rate_limit,
                attempts: attempt,
            };
            return match stream_to_file(resp, target).await {
                Ok(()) => Attempt::Done(Response {
                    meta,
                    body: Bytes::new(),
                }),
                Err(Ok(io)) => Attempt::Fail(io),
                Err(Err(e)) => {
                    let err = transport_error(method, out.path, e, timeout);
                    if out.idempotent {
                        Attempt::Retry { wait: None, err }
                    } else {
                        Attempt::Fail(err)
                    }
                }
            };
        }
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let err = transport_error(method, out.path, e, timeout);
                return if out.idempotent {
                    Attempt::Retry { wait: None, err }
                } else {
                    Attempt::Fail(err)
                };
            }
        };
        tracing::debug!(
            method,
            path = out.path,
            status,
            attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "csapi call"
        );
        if (200..300).contains(&status) {
            let meta = ResponseMeta {
                status,
                method: method.to_owned(),
                path: out.path.to_owned(),
                headers,
                rate_limit,
                attempts: attempt,
            };
            return Attempt::Done(Response { meta, body });
        }
        let err = api_error(method, out.path, status, &headers, &body);
        match status {
            // The server refused before doing anything: retrying is safe for every method.
            429 => Attempt::Retry {
                wait: err.api().and_then(|e| e.retry_after),
                err,
            },
            500 | 502 | 503 | 504 if out.idempotent => Attempt::Retry { wait: None, err },
            _ => Attempt::Fail(err),
        }
    }
}

/// Write a response body to `target` chunk by chunk, through a `.part` sibling renamed at the end so
/// a broken download never leaves a partial file. `Err(Ok(_))` is a disk error, `Err(Err(_))` a
/// transport error (retryable).
async fn stream_to_file(
    mut resp: reqwest::Response,
    target: &str,
) -> std::result::Result<(), std::result::Result<Error, reqwest::Error>> {
    use tokio::io::AsyncWriteExt;
    let io = |source| {
        Ok(Error::Io {
            path: target.to_owned(),
            source,
        })
    };
    let tmp = format!("{target}.part");
    let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => file.write_all(&chunk).await.map_err(io)?,
            Ok(None) => break,
            Err(e) => {
                drop(file);
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(Err(e));
            }
        }
    }
    file.flush().await.map_err(io)?;
    drop(file);
    tokio::fs::rename(&tmp, target).await.map_err(io)
}

fn transport_error(method: &str, path: &str, e: reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            method: method.to_owned(),
            path: path.to_owned(),
            timeout,
        };
    }
    // reqwest's Display can include the URL; the base URL is not secret, the message stays short.
    let message = match std::error::Error::source(&e) {
        Some(src) => format!("{e}: {src}"),
        None => e.to_string(),
    };
    Error::Connection {
        method: method.to_owned(),
        path: path.to_owned(),
        message,
        source: Some(Box::new(e)),
    }
}

/// The one error mapping: status + Qualys error body (API.md §5.1) → [`Error::Api`].
pub(crate) fn api_error(
    method: &str,
    path: &str,
    status: u16,
    headers: &HeaderMap,
    body: &Bytes,
) -> Error {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(rename = "errorCode")]
        error_code: Option<Value>,
        message: Option<String>,
        timestamp: Option<Value>,
    }
    let parsed = serde_json::from_slice::<Body>(body).ok();
    let error_code = parsed
        .as_ref()
        .and_then(|b| b.error_code.as_ref())
        .map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    let message = parsed
        .as_ref()
        .and_then(|b| b.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            let text = excerpt(body.trim_ascii());
            if text.is_empty() {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("")
                    .to_owned()
            } else {
                text
            }
        });
    let timestamp = parsed
        .as_ref()
        .and_then(|b| b.timestamp.as_ref())
        .and_then(|t| match t {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
    let rate_limit = RateLimitInfo::from_headers(headers);
    let retry_after = rate_limit.as_ref().and_then(|r| r.wait());
    Error::Api(Box::new(ApiError {
        status,
        method: method.to_owned(),
        path: path.to_owned(),
        error_code,
        message,
        timestamp,
        retry_after,
        rate_limit,
    }))
}
