//! Authentication: Basic, gateway JWT (`POST /auth`) with refresh, an API client's token
//! (`POST /auth/oidc` or `/auth/oauth`) with refresh, a fixed token, or a token callback.

use crate::error::{Error, Result};
use crate::process::PerProcess;
use base64::Engine as _;
use futures::future::BoxFuture;
use reqwest::header::HeaderValue;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(s: impl Into<Arc<str>>) -> Self {
        Secret(s.into())
    }
    /// The secret itself; call sites are the only places a secret leaves this type.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl<S: Into<Arc<str>>> From<S> for Secret {
    fn from(s: S) -> Self {
        Secret::new(s)
    }
}

/// Something that hands out bearer tokens (e.g. from a vault); called whenever a token is needed.
pub trait TokenProvider: Send + Sync {
    fn token(&self) -> BoxFuture<'static, std::result::Result<String, String>>;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: std::future::Future<Output = std::result::Result<String, String>> + Send + 'static,
{
    fn token(&self) -> BoxFuture<'static, std::result::Result<String, String>> {
        Box::pin(self())
    }
}

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// `Authorization: Basic`, the seeds' pairing with the API server URL.
    Basic { username: String, password: Secret },
    /// Gateway JWT: `POST {gateway}/auth` with the username and password, then `Bearer`.
    Jwt { username: String, password: Secret },
    /// An API client: `POST {gateway}/auth/oidc` (a user-level client) or `/auth/oauth` (a
    /// subscription-level client) with `clientId` and `clientSecret` headers, then `Bearer`.
    ApiClient {
        flow: ClientFlow,
        client_id: String,
        client_secret: Secret,
    },
    /// A bearer token the caller already has.
    Token(Secret),
    /// A callback returning a bearer token, asked again after a 401.
    Provider(Arc<dyn TokenProvider>),
}

/// Which gateway endpoint issues an API client's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFlow {
    /// `POST /auth/oidc`: a user-level API client.
    Oidc,
    /// `POST /auth/oauth`: a subscription-level API client.
    Oauth,
}

impl ClientFlow {
    /// The gateway path of the token request.
    pub fn path(self) -> &'static str {
        match self {
            ClientFlow::Oidc => "/auth/oidc",
            ClientFlow::Oauth => "/auth/oauth",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            Credentials::Jwt { username, .. } => f
                .debug_struct("Jwt")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            Credentials::ApiClient {
                flow, client_id, ..
            } => f
                .debug_struct("ApiClient")
                .field("flow", flow)
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .finish(),
            Credentials::Token(_) => f.write_str("Token(***)"),
            Credentials::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

impl Credentials {
    /// True when requests go to the gateway (every mode but Basic).
    pub fn uses_gateway(&self) -> bool {
        !matches!(self, Credentials::Basic { .. })
    }
}

/// A token and when to stop using it.
#[derive(Clone)]
struct Held {
    header: HeaderValue,
    refresh_at: Option<Instant>,
    generation: u64,
}

/// The authorization header source: fixed for Basic, cached and refreshed for tokens.
pub(crate) struct Authenticator {
    creds: Credentials,
    basic: Option<HeaderValue>,
    held: RwLock<Option<Held>>,
    // Single flight: one refresh at a time across every thread and task sharing the client. Per
    // process: a refresh in flight in a parent at `fork()` holds it forever in the child.
    refresh: PerProcess<tokio::sync::Mutex<u64>>,
    refresh_skew: Duration,
}

/// Tokens without a readable `exp` live 4 hours (P-docs "Authentication for Gateway URLs").
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(4 * 3600);

impl Authenticator {
    pub(crate) fn new(creds: Credentials, refresh_skew: Duration) -> Self {
        let basic = match &creds {
            Credentials::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                let mut v = HeaderValue::from_str(&format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
                .expect("base64 is a valid header value");
                v.set_sensitive(true);
                Some(v)
            }
            _ => None,
        };
        Authenticator {
            creds,
            basic,
            held: RwLock::new(None),
            refresh: PerProcess::new(tokio::sync::Mutex::new(0)),
            refresh_skew,
        }
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// True when a 401 may be cured by fetching a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(
            self.creds,
            Credentials::Jwt { .. } | Credentials::ApiClient { .. } | Credentials::Provider(_)
        )
    }

    fn current(&self) -> Option<Held> {
        let held = self.held.read().unwrap_or_else(|e| e.into_inner());
        held.as_ref()
            .filter(|h| h.refresh_at.is_none_or(|t| Instant::now() < t))
            .cloned()
    }

    /// The `Authorization` header for the next request and the token generation it belongs to.
    /// `fetch` asks the gateway for a token with the JWT or API-client credentials.
    pub(crate) async fn header<'a, F>(&'a self, fetch: F) -> Result<(HeaderValue, u64)>
    where
        F: FnOnce(&'a Credentials) -> BoxFuture<'a, Result<String>>,
    {
        if let Some(b) = &self.basic {
            return Ok((b.clone(), 0));
        }
        if let Some(h) = self.current() {
            return Ok((h.header, h.generation));
        }
        let mut generation = self
            .refresh
            .get(|_| {
                // The token the child inherited stays valid; its generation goes on from there.
                let held = self.held.read().unwrap_or_else(|e| e.into_inner());
                tokio::sync::Mutex::new(held.as_ref().map_or(0, |h| h.generation))
            })
            .lock()
            .await;
        // Another task may have refreshed while we waited for the lock.
        if let Some(h) = self.current() {
            return Ok((h.header, h.generation));
        }
        let token = match &self.creds {
            Credentials::Jwt { .. } | Credentials::ApiClient { .. } => fetch(&self.creds).await?,
            Credentials::Token(t) => t.expose().to_owned(),
            Credentials::Provider(p) => {
                p.token().await.map_err(|message| Error::Auth { message })?
            }
            Credentials::Basic { .. } => unreachable!("basic handled above"),
        };
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::Auth {
                message: "the token source returned an empty token".into(),
            });
        }
        let mut header =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::Auth {
                message: "the token contains characters not allowed in a header".into(),
            })?;
        header.set_sensitive(true);
        let refresh_at = match &self.creds {
            // A fixed token is used until the server refuses it.
            Credentials::Token(_) => None,
            _ => Some(refresh_deadline(token, self.refresh_skew)),
        };
        *generation += 1;
        let held = Held {
            header: header.clone(),
            refresh_at,
            generation: *generation,
        };
        *self.held.write().unwrap_or_else(|e| e.into_inner()) = Some(held);
        Ok((header, *generation))
    }

    /// Forget the token of `generation` after a 401, unless a newer one was fetched meanwhile.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut held = self.held.write().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().is_some_and(|h| h.generation == generation) {
            *held = None;
        }
    }
}

/// When to refresh a JWT: `skew` before its `exp`, read from the payload without verifying it
/// (the client only needs the expiry; the server verifies the signature).
fn refresh_deadline(token: &str, skew: Duration) -> Instant {
    let now = Instant::now();
    match jwt_exp(token) {
        Some(exp) => {
            let now_unix = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            let left = Duration::from_secs(exp.saturating_sub(now_unix));
            now + left.saturating_sub(skew.min(left / 2))
        }
        None => now + DEFAULT_TOKEN_LIFETIME.saturating_sub(skew),
    }
}

/// The `exp` claim of a JWT, if it has one.
pub fn jwt_exp(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")
        .and_then(|e| e.as_u64().or_else(|| e.as_f64().map(|f| f as u64)))
}
