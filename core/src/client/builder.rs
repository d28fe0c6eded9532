//! Configuration: [`ClientBuilder`] (defaults, `QUALYS_*` environment variables, checks) and
//! [`AuthMode`].

use super::transport::{ReqwestTransport, SharedTransport, Transport};
use super::{Client, Inner, RequestOptions};
use crate::auth::{Authenticator, Credentials, Secret};
use crate::error::{Error, Result};
use crate::platform::Platform;
use crate::ratelimit::RateLimiter;
use std::sync::{Arc, Once};
use std::time::Duration;

/// Which auth scheme username/password credentials use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Gateway JWT (`POST /auth`, then `Bearer`): the documented pairing for v1.3 (P-docs "Get Started").
    #[default]
    Jwt,
    /// `Authorization: Basic` against the API server URL (the seeds' v1.1 pairing).
    Basic,
}

impl AuthMode {
    /// The accepted spellings, for messages and docs.
    pub const NAMES: &'static [&'static str] = &["jwt", "bearer", "basic"];
}

/// `"jwt"` (or its alias `"bearer"`, the header the token goes in) or `"basic"`, any case.
/// Anything else is a [`Error::Validation`] on the field `auth`.
impl std::str::FromStr for AuthMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jwt" | "bearer" => Ok(AuthMode::Jwt),
            "basic" => Ok(AuthMode::Basic),
            _ => Err(Error::validation(
                "auth",
                "enum",
                format!(
                    "must be \"jwt\" (or \"bearer\") or \"basic\", got {:?}",
                    s.trim()
                ),
            )),
        }
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
    transport: Option<SharedTransport>,
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
            transport: None,
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
    /// The time limit of each HTTP attempt (connect, headers and the whole body), default 120 s;
    /// see [`RequestOptions::timeout`]. Also bounds each `POST /auth`.
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
    /// Send every request (`POST /auth` included) through `transport` instead of the built-in
    /// HTTP client: for tests (a scripted or replaying transport) and instrumentation. Auth,
    /// retries, rate limits and error mapping stay the client's; the built-in HTTP client's own
    /// settings (`proxy`, `connect_timeout`, `user_agent`, pooling) then apply to nothing.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(SharedTransport(transport));
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
            // The same rule as the `auth` option, reported under the variable's name.
            let mode = m.parse::<AuthMode>().map_err(|e| match e {
                Error::Validation { rule, message, .. } => Error::Validation {
                    field: "QUALYS_AUTH".into(),
                    rule,
                    message,
                },
                other => other,
            })?;
            self = self.auth_mode(mode);
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
        let transport = match self.transport {
            Some(t) => t.0,
            None => Arc::new(ReqwestTransport(http.clone())),
        };
        let inner = Inner {
            http,
            transport,
            base_url,
            auth_url,
            auth: Authenticator::new(creds, self.token_refresh_skew),
            limiter: RateLimiter::default(),
            permits: tokio::sync::Semaphore::new(self.max_concurrency),
            timeout: self.timeout,
            max_retries: self.max_retries,
            backoff: super::retry::Backoff {
                base: self.backoff_base,
                max: self.backoff_max,
            },
            max_retry_wait: self.max_retry_wait,
            max_concurrency: self.max_concurrency,
            prefetch: self.prefetch,
            rate_limit: self.rate_limit,
            validate: self.validate,
            log_id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_modes_parse_in_one_place() {
        assert_eq!("jwt".parse::<AuthMode>().unwrap(), AuthMode::Jwt);
        assert_eq!("Bearer".parse::<AuthMode>().unwrap(), AuthMode::Jwt);
        assert_eq!(" BASIC ".parse::<AuthMode>().unwrap(), AuthMode::Basic);
        match "kerberos".parse::<AuthMode>() {
            Err(Error::Validation {
                field,
                rule,
                message,
            }) => {
                assert_eq!((field.as_str(), rule.as_str()), ("auth", "enum"));
                for name in AuthMode::NAMES {
                    assert!(message.contains(name), "{message}");
                }
                assert!(message.contains("kerberos"));
            }
            other => panic!("{other:?}"),
        }
    }
}
