//! Configuration: [`ClientBuilder`] (defaults, `QUALYS_*` environment variables, checks) and
//! [`AuthMode`].

use super::transport::{SharedTransport, Transport};
use super::{Client, Inner, Local, RequestOptions};
use crate::auth::{Authenticator, ClientFlow, Credentials, Secret};
use crate::error::{Error, Result};
use crate::platform::Platform;
use crate::process::PerProcess;
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
    /// A user-level API client's token (`POST /auth/oidc` with the client id and secret).
    Oidc,
    /// A subscription-level API client's token (`POST /auth/oauth` with the client id and secret).
    Oauth,
}

impl AuthMode {
    /// The accepted spellings, for messages and docs.
    pub const NAMES: &'static [&'static str] = &["jwt", "bearer", "basic", "oidc", "oauth"];
}

/// `"jwt"` (or its alias `"bearer"`, the header the token goes in) or `"basic"`, any case.
/// Anything else is a [`Error::Validation`] on the field `auth`.
impl std::str::FromStr for AuthMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jwt" | "bearer" => Ok(AuthMode::Jwt),
            "basic" => Ok(AuthMode::Basic),
            "oidc" => Ok(AuthMode::Oidc),
            "oauth" => Ok(AuthMode::Oauth),
            _ => Err(Error::validation(
                "auth",
                "enum",
                format!(
                    "must be \"jwt\" (or \"bearer\"), \"basic\", \"oidc\" or \"oauth\", got {:?}",
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
    client_id: Option<String>,
    client_secret: Option<Secret>,
    credentials: Option<Credentials>,
    auth_mode: AuthMode,
    timeout: Duration,
    deadline: Option<Duration>,
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
    max_response_bytes: u64,
    allow_insecure_http: bool,
    transport: Option<SharedTransport>,
}

/// The default [`ClientBuilder::max_response_bytes`]: 256 MiB. The API's largest JSON answers
/// (a 250-image page with vulnerabilities, a bulk list) are tens of megabytes; four times the
/// largest seen leaves room while a server streaming without end stops well before a process's
/// memory runs out. Report downloads to a file are streamed to disk and not bounded by it.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// Redirects followed within one request (reqwest's own default).
const MAX_REDIRECTS: usize = 10;

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            platform: None,
            base_url: None,
            auth_url: None,
            username: None,
            password: None,
            client_id: None,
            client_secret: None,
            credentials: None,
            auth_mode: AuthMode::default(),
            timeout: Duration::from_secs(120),
            // No deadline by default: one would also count the time a call queues behind
            // max_concurrency and the rate limiter, failing the tail of a large fan-out although
            // nothing is wrong (spec/options.json says more).
            deadline: None,
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
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
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
    /// An API client's id and secret, for [`AuthMode::Oidc`] (a user-level client) or
    /// [`AuthMode::Oauth`] (a subscription-level client); the token is refreshed as a JWT is.
    pub fn api_client(mut self, client_id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(secret.into());
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
    /// The total time of one call, default none: every attempt, the waits between them (backoff,
    /// a 429's wait, the rate limiter's queue), a token request. When it passes the call fails
    /// with [`Error::DeadlineExceeded`]; a wait the server asks for that would end past it fails
    /// at once with the rate-limit error. A list applies it to each page fetch. `Duration::ZERO`:
    /// no deadline. See [`RequestOptions::deadline`].
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = (!d.is_zero()).then_some(d);
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
    /// The first retry delay alone (see [`backoff`](Self::backoff)).
    pub fn backoff_base(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }
    /// The longest retry delay alone (see [`backoff`](Self::backoff)).
    pub fn backoff_max(mut self, max: Duration) -> Self {
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
    /// The largest response body read into memory (default [`DEFAULT_MAX_RESPONSE_BYTES`],
    /// 256 MiB): a larger `Content-Length` is refused before reading, a body growing past it is
    /// cut off, both as [`Error::ResponseTooLarge`] (not retried). Downloads to a file are not
    /// bounded by it. At least 1.
    pub fn max_response_bytes(mut self, n: u64) -> Self {
        self.max_response_bytes = n.max(1);
        self
    }
    /// Allow a plain `http://` base or auth URL on a host that is not loopback. Off by default:
    /// credentials (Basic, the `/auth` form, the bearer token) would cross the network in clear
    /// text. Loopback hosts (`127.0.0.0/8`, `::1`, `localhost`: a local simulator or proxy) are
    /// always allowed.
    pub fn allow_insecure_http(mut self, on: bool) -> Self {
        self.allow_insecure_http = on;
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

    pub fn build(self) -> Result<Client> {
        let flow = match self.auth_mode {
            AuthMode::Oidc => Some(ClientFlow::Oidc),
            AuthMode::Oauth => Some(ClientFlow::Oauth),
            AuthMode::Jwt | AuthMode::Basic => None,
        };
        let client = match (self.client_id, self.client_secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            (id, _) => {
                let missing = if id.is_some() {
                    "client_secret"
                } else {
                    "client_id"
                };
                return Err(Error::validation(
                    missing,
                    "required_together",
                    "client_id and client_secret go together",
                ));
            }
        };
        let creds = match (self.credentials, self.username, self.password) {
            (Some(c), _, _) => c,
            // An API client when the mode asks for one: its id and secret, nothing else.
            (None, ..) if flow.is_some() => {
                let Some((client_id, client_secret)) = client else {
                    return Err(Error::Config(
                        "auth \"oidc\" and \"oauth\" need client_id and client_secret \
                         (or QUALYS_CLIENT_ID and QUALYS_CLIENT_SECRET)"
                            .into(),
                    ));
                };
                if client_id.is_empty() {
                    return Err(Error::validation(
                        "client_id",
                        "non_empty",
                        "must not be empty",
                    ));
                }
                Credentials::ApiClient {
                    flow: flow.expect("checked"),
                    client_id,
                    client_secret,
                }
            }
            (None, None, None) if client.is_some() => {
                return Err(Error::Config(
                    "client_id and client_secret need auth \"oidc\" (a user-level API client) or \
                     \"oauth\" (a subscription-level one)"
                        .into(),
                ));
            }
            (None, Some(username), Some(password)) => {
                if username.is_empty() {
                    return Err(Error::validation(
                        "username",
                        "non_empty",
                        "must not be empty",
                    ));
                }
                match self.auth_mode {
                    AuthMode::Basic => Credentials::Basic { username, password },
                    _ => Credentials::Jwt { username, password },
                }
            }
            _ => {
                return Err(Error::Config(
                    "no credentials: give username and password, a token or a token provider, \
                     or set QUALYS_USERNAME and QUALYS_PASSWORD (or QUALYS_TOKEN) in the \
                     environment"
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
                    "no platform or base_url: say which Qualys platform to call (e.g. US2), \
                     or set QUALYS_PLATFORM or QUALYS_BASE_URL in the environment"
                        .into(),
                ));
            }
        };
        let insecure = self.allow_insecure_http;
        let base_url = check_base_url("base_url", &base_url, insecure)?;
        let auth_url = match (&self.auth_url, self.platform, &self.base_url) {
            (Some(u), _, _) => check_base_url("auth_url", u, insecure)?,
            (None, Some(p), None) => p.gateway_url().to_owned(),
            _ => base_url.clone(),
        };

        install_crypto_provider();
        let proxy = match &self.proxy {
            Some(p) => Some(
                reqwest::Proxy::all(p)
                    .map_err(|e| Error::validation("proxy", "url", e.to_string()))?,
            ),
            None => None,
        };
        let http_config = HttpConfig {
            user_agent: self.user_agent.clone(),
            connect_timeout: self.connect_timeout,
            proxy,
        };
        let http = http_config
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let writes = http_config
            .build_writes()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let custom_transport = self.transport.map(|t| t.0);
        let inner = Inner {
            local: PerProcess::new(Local::new(
                http,
                writes,
                custom_transport.clone(),
                self.max_concurrency,
                self.max_retry_wait,
            )),
            http_config,
            custom_transport,
            base_url,
            auth_url,
            auth: Authenticator::new(creds, self.token_refresh_skew),
            max_response_bytes: self.max_response_bytes,
            timeout: self.timeout,
            deadline: self.deadline,
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

/// The built-in HTTP client's settings, kept to build a new pool in a forked child.
#[derive(Debug, Clone)]
pub(crate) struct HttpConfig {
    user_agent: String,
    connect_timeout: Duration,
    proxy: Option<reqwest::Proxy>,
}

/// How long a write may reuse an idle connection: shorter than the shortest keep-alive timeout
/// servers commonly close idle connections after (2 s for gunicorn, 5 s for Apache and Node).
const WRITE_POOL_IDLE: Duration = Duration::from_secs(1);

impl HttpConfig {
    /// The pool reads go through: idle connections are kept a minute (a read sent on one the server
    /// closed meanwhile is sent again, see `retry::resend_on_closed`).
    pub(crate) fn build(&self) -> reqwest::Result<reqwest::Client> {
        self.builder(Duration::from_secs(60)).build()
    }

    /// The pool writes go through: a write on a connection the server closed cannot be sent
    /// again safely, so writes only reuse a connection that was busy within `WRITE_POOL_IDLE`
    /// (as after a freeze and thaw of the process, e.g. on AWS Lambda, they open a new one).
    pub(crate) fn build_writes(&self) -> reqwest::Result<reqwest::Client> {
        self.builder(WRITE_POOL_IDLE).build()
    }

    fn builder(&self, idle: Duration) -> reqwest::ClientBuilder {
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(idle)
            .tcp_nodelay(true)
            .redirect(redirect_policy());
        if let Some(p) = &self.proxy {
            http = http.proxy(p.clone());
        }
        http
    }
}

/// Redirects are followed only within the origin (scheme, host and port) of the request: the
/// request's credentials (`Authorization`, the `/auth` form) and its body never go to another
/// server, and https is never downgraded to http (a different origin). Any other redirect is not
/// followed: the 3xx answer is the call's [`Error::Api`], naming where it pointed.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_none_or(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Loopback hosts, where plain http never leaves the machine.
fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_base_url(field: &str, u: &str, allow_insecure_http: bool) -> Result<String> {
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
    if parsed.scheme() == "http" && !allow_insecure_http && !is_loopback(&parsed) {
        return Err(Error::validation(
            field,
            "https",
            format!(
                "must be https for a host that is not loopback (credentials would be sent in \
                 clear text), got {u:?}; opt in with allow_insecure_http"
            ),
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
    fn a_base_url_is_an_http_url_with_a_host_and_nothing_else() {
        let ok = |u: &str| check_base_url("base_url", u, false);
        let rule = |u: &str, insecure: bool| match check_base_url("base_url", u, insecure) {
            Err(Error::Validation { field, rule, .. }) => {
                assert_eq!(field, "base_url");
                rule
            }
            other => panic!("{u}: {other:?}"),
        };
        assert_eq!(
            ok("https://qualysapi.qualys.com/").unwrap(),
            "https://qualysapi.qualys.com"
        );
        assert_eq!(
            ok("https://h.example:8443/base").unwrap(),
            "https://h.example:8443/base"
        );
        for other_scheme in ["ftp://h.example", "file:///etc/passwd", "ws://h.example"] {
            assert_eq!(rule(other_scheme, true), "url", "{other_scheme}");
        }
        assert_eq!(rule("not a url", true), "url");
        // Credentials or a query in the URL would travel with every request (and into logs).
        for carrying in [
            "https://h.example/?token=abc",
            "https://me@h.example",
            "https://:pw@h.example",
            "https://me:pw@h.example",
        ] {
            assert_eq!(rule(carrying, true), "url", "{carrying}");
        }
    }

    #[test]
    fn plain_http_is_for_loopback_hosts_unless_allowed() {
        for local in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.2",
            "http://[::1]:3000",
        ] {
            assert!(check_base_url("base_url", local, false).is_ok(), "{local}");
        }
        for remote in [
            "http://h.example",
            "http://10.0.0.1",
            "http://[2001:db8::1]",
            "http://localhost.example",
        ] {
            assert!(
                matches!(check_base_url("base_url", remote, false), Err(Error::Validation { rule, .. }) if rule == "https"),
                "{remote}"
            );
            assert!(check_base_url("base_url", remote, true).is_ok(), "{remote}");
        }
        let loopback = |u: &str| is_loopback(&url::Url::parse(u).unwrap());
        assert!(
            loopback("http://localhost")
                && loopback("http://127.0.0.1")
                && loopback("http://[::1]")
        );
        assert!(
            !loopback("http://h.example")
                && !loopback("http://192.168.1.1")
                && !loopback("http://[fe80::1]")
        );
        assert!(!loopback("mailto:me@h.example"), "no host");
    }

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
