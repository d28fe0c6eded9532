//! The per-call loop: rate-limit slot, token, concurrency permit, one attempt through the
//! transport, then the verdict of [`retry`](super::retry) (done, retry after a wait, refresh the
//! token after a 401, or fail).

use super::download::{self, DownloadError};
use super::errors::{Secrets, api_error, transport_error};
use super::retry::{self, Verdict};
use super::transport::TransportError;
use super::{Client, RequestOptions};
use crate::error::{Error, Result};
use crate::ratelimit::{RateLimitInfo, Slot};
use crate::request::Body;
use crate::response::{Redact, Response, ResponseMeta};
use bytes::Bytes;
use futures::FutureExt;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use std::time::Instant;
use tracing::Instrument;

/// A request at the transport level.
pub(crate) struct Outgoing<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Body>,
    pub idempotent: bool,
    /// Stream a success body into this file instead of memory (report downloads).
    pub download_to: Option<&'a str>,
    /// The rate-limit family, as the endpoint table gives it; `None`: not limited.
    pub family: Option<&'static str>,
    /// The `Accept` header, as the endpoint table gives it (a download is not JSON).
    pub accept: &'static str,
    /// What the log shows for the path: the table's template (`/csapi/v1.3/images/{imageSha}`),
    /// never the filled-in path or the query, whose values may be a customer's data.
    pub template: &'a str,
    /// The table's endpoint id, or `raw` for a path the table does not know.
    pub endpoint: &'static str,
}

/// Why a body could not be read.
enum BodyError {
    /// Past `max_response_bytes`: final.
    TooLarge,
    /// The body broke off.
    Transport(TransportError),
}

/// Read a whole body into memory, at most `max` bytes: a larger `Content-Length` is refused
/// before reading, and reading stops as soon as the bytes received pass `max` (a server that
/// streams without end, or sends more than it declared).
async fn read_body(mut resp: reqwest::Response, max: u64) -> std::result::Result<Bytes, BodyError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let mut buf = bytes::BytesMut::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if (buf.len() + chunk.len()) as u64 > max {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf.freeze()),
            Err(e) => return Err(BodyError::Transport(e.into())),
        }
    }
}

/// How one attempt ended.
enum Attempt {
    Done(Response),
    Retry {
        err: Error,
    },
    /// Sent on a connection the server had closed (see [`retry::resend_on_closed`]).
    Closed {
        err: Error,
    },
    Fail(Error),
}

impl Attempt {
    fn from_verdict(v: Verdict, err: Error) -> Attempt {
        match v {
            Verdict::Retry => Attempt::Retry { err },
            _ => Attempt::Fail(err),
        }
    }
}

/// Headers a caller may not set: the client's own credentials (a second `Authorization` would be
/// sent beside the client's) and the framing and hop-by-hop headers the HTTP layer owns (a
/// user's `Content-Length` or `Transfer-Encoding` could desynchronise the request from its body).
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
];

fn check_extra_headers(headers: &[(String, String)]) -> Result<()> {
    for (name, _) in headers {
        if RESERVED_HEADERS
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name.trim()))
        {
            return Err(Error::validation(
                "extra_headers",
                "reserved_header",
                format!("{name:?} is set by the client and cannot be given as an extra header"),
            ));
        }
    }
    Ok(())
}

impl Client {
    /// Send with auth, rate limiting, concurrency bound and retries; reads the whole body.
    ///
    /// Logging (`tracing`, target `qualys_cs`): every event of the call is inside a `csapi` span
    /// (`client`, `endpoint`); each attempt is a DEBUG event (method, path template, status,
    /// milliseconds, attempt), each retry and each rate-limit wait an INFO one, a call that gives
    /// up after retrying a WARN one. No event holds a body, a query value, a header or a secret.
    pub(crate) async fn execute(
        &self,
        out: &Outgoing<'_>,
        opts: Option<&RequestOptions>,
    ) -> Result<Response> {
        let span = tracing::info_span!(
            target: "qualys_cs",
            "csapi",
            client = self.inner.log_id,
            endpoint = out.endpoint
        );
        self.execute_in_span(out, opts).instrument(span).await
    }

    async fn execute_in_span(
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
        check_extra_headers(&opts.extra_headers)?;
        let max_retries = opts.max_retries.unwrap_or(self.inner.max_retries);
        let family = out.family.filter(|_| self.inner.rate_limit);
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let mut throttled = retry::Throttled::default();
        // Attempts that do not use up max_retries: a resend after a closed connection.
        let mut resent: u32 = 0;
        loop {
            attempt += 1;
            // The rate-limit slot comes first: the token read after a long wait is still fresh.
            let slot = match &family {
                Some(f) => Some(self.inner.local().limiter.acquire(f).await),
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
                    .local()
                    .permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                self.attempt(out, opts, auth, slot, attempt).await
            };
            let err = match result {
                Attempt::Done(resp) => return Ok(resp),
                Attempt::Fail(e) => {
                    if retry::refresh_on_401(e.status(), refreshed, self.inner.auth.can_refresh()) {
                        // An expired or revoked token: fetch a new one once, without counting a retry.
                        tracing::debug!(
                            target: "qualys_cs",
                            method = %out.method,
                            path = out.template,
                            "401: refreshing the token"
                        );
                        refreshed = true;
                        self.inner.auth.invalidate(generation);
                        attempt -= 1;
                        continue;
                    }
                    return Err(e);
                }
                Attempt::Retry { err } => err,
                Attempt::Closed { err } => {
                    if retry::resend_on_closed(out.idempotent, resent) {
                        // A stale pooled connection: the next attempt opens a new one at once.
                        tracing::debug!(
                            target: "qualys_cs",
                            method = %out.method,
                            path = out.template,
                            "connection closed by the server: sending again"
                        );
                        resent += 1;
                        continue;
                    }
                    match retry::classify_transport(false, out.idempotent) {
                        Verdict::Retry => err,
                        _ => return Err(err),
                    }
                }
            };
            // Only a 429's wait is the server's word on when to come back; other retries back off.
            let server_wait = match err.api() {
                Some(e) if e.status == 429 => e.retry_after,
                _ => None,
            };
            let wait = if err.status() == Some(429) {
                // Other processes of the subscription may be using its budget: a 429 is waited
                // out as the server asks without using up the retries, up to max_retry_wait in all.
                retry::throttled_wait(
                    max_retries,
                    server_wait,
                    &mut throttled,
                    self.inner.max_retry_wait,
                    &self.inner.backoff,
                )
            } else {
                retry::next_wait(
                    attempt - throttled.count - resent,
                    max_retries,
                    server_wait,
                    self.inner.max_retry_wait,
                    &self.inner.backoff,
                )
            };
            let Some(wait) = wait else {
                tracing::warn!(
                    target: "qualys_cs",
                    method = %out.method,
                    path = out.template,
                    attempts = attempt,
                    status = err.status(),
                    error = ?err.kind(),
                    server_wait_ms = server_wait.map(|w| w.as_millis() as u64),
                    "giving up"
                );
                return Err(err);
            };
            // The error's kind and status only: its message is the server's text.
            tracing::info!(
                target: "qualys_cs",
                method = %out.method,
                path = out.template,
                attempt,
                status = err.status(),
                error = ?err.kind(),
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            match (&family, err.status()) {
                // Hold the whole family, so concurrent calls wait too instead of piling on.
                (Some(f), Some(429)) => self.inner.local().limiter.block(f, wait),
                _ => tokio::time::sleep(wait).await,
            }
        }
    }

    /// The client's own secrets (a password, a static token), for scrubbing server text.
    fn secrets(&self) -> Secrets {
        let mut s = Secrets::default();
        match self.inner.auth.credentials() {
            crate::auth::Credentials::Basic { password, .. }
            | crate::auth::Credentials::Jwt { password, .. } => s.add(password.expose()),
            crate::auth::Credentials::ApiClient { client_secret, .. } => {
                s.add(client_secret.expose())
            }
            crate::auth::Credentials::Token(t) => s.add(t.expose()),
            crate::auth::Credentials::Provider(_) => {}
        }
        s
    }

    fn too_large(&self, method: &str, path: &str) -> Error {
        Error::ResponseTooLarge {
            method: method.to_owned(),
            path: path.to_owned(),
            limit: self.inner.max_response_bytes,
        }
    }

    async fn auth_header(&self) -> Result<(HeaderValue, u64)> {
        self.inner
            .auth
            .header(|creds| self.fetch_token(creds).boxed())
            .await
    }

    /// A token from the gateway: `POST {gateway}/auth` (API.md §1.3: form fields, 201 and the JWT
    /// as plain text), or an API client's `POST {gateway}/auth/oidc` or `/auth/oauth` (the client's
    /// id and secret as headers, an empty form body; the JWT as text, or JSON carrying it).
    async fn fetch_token(&self, creds: &crate::auth::Credentials) -> Result<String> {
        use crate::auth::Credentials;
        match creds {
            Credentials::Jwt { username, password } => {
                let form = [
                    ("username", username.as_str()),
                    ("password", password.expose()),
                    ("token", "true"),
                    ("permissions", "true"),
                ];
                self.post_auth("/auth", |rb| rb.form(&form)).await
            }
            Credentials::ApiClient {
                flow,
                client_id,
                client_secret,
            } => {
                let id = HeaderValue::from_str(client_id).map_err(|_| {
                    Error::validation("client_id", "header", "not a valid header value")
                })?;
                let mut secret = HeaderValue::from_str(client_secret.expose()).map_err(|_| {
                    Error::validation("client_secret", "header", "not a valid header value")
                })?;
                secret.set_sensitive(true);
                let text = self
                    .post_auth(flow.path(), |rb| {
                        rb.header("clientId", id.clone())
                            .header("clientSecret", secret.clone())
                            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body("")
                    })
                    .await?;
                Ok(token_of(&text))
            }
            _ => unreachable!("only the gateway credentials fetch a token"),
        }
    }

    /// One gateway token request, retried as the other calls are; the answer's text.
    async fn post_auth(
        &self,
        path: &'static str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<String> {
        let url = format!("{}{path}", self.inner.auth_url);
        let timeout = self.inner.timeout;
        let secrets = self.secrets();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let local = self.inner.local();
            let request = build(
                local
                    .http
                    .post(&url)
                    .header(ACCEPT, "text/plain, application/json"),
            )
            .timeout(timeout)
            .build();
            let sent = match request {
                Ok(r) => local.transport.send(r).await,
                Err(e) => Err(e.into()),
            };
            let err = match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    match read_body(r, self.inner.max_response_bytes).await {
                        Ok(body) => match retry::classify_auth_status(status) {
                            Verdict::Done => {
                                tracing::debug!(
                                    target: "qualys_cs",
                                    status,
                                    elapsed_ms = started.elapsed().as_millis() as u64,
                                    "POST {path}"
                                );
                                return Ok(String::from_utf8_lossy(&body).trim().to_owned());
                            }
                            Verdict::Fail => {
                                return Err(api_error(
                                    "POST", path, status, &headers, &body, &secrets,
                                ));
                            }
                            Verdict::Retry => {
                                api_error("POST", path, status, &headers, &body, &secrets)
                            }
                        },
                        Err(BodyError::TooLarge) => {
                            return Err(self.too_large("POST", path));
                        }
                        Err(BodyError::Transport(e)) => transport_error("POST", path, e, timeout),
                    }
                }
                Err(e) => transport_error("POST", path, e, timeout),
            };
            if attempt > self.inner.max_retries {
                return Err(err);
            }
            tokio::time::sleep(self.inner.backoff.delay(attempt)).await;
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
        let mut secrets = self.secrets();
        if let Ok(a) = auth.to_str() {
            secrets.add_authorization(a);
        }
        for (_, v) in &opts.extra_headers {
            secrets.add(v);
        }
        let local = self.inner.local();
        let mut rb = local
            .http
            .request(out.method.clone(), &url)
            .timeout(timeout)
            .header(AUTHORIZATION, auth);
        rb = rb.header(ACCEPT, out.accept);
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
                        if let Some(slot) = slot {
                            slot.unsent();
                        }
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
        let result = match rb.build() {
            Ok(request) => local.transport.send(request).await,
            Err(e) => Err(e.into()),
        };
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(
                    target: "qualys_cs",
                    method,
                    path = out.template,
                    attempt,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    error = ?e.kind(),
                    "no answer"
                );
                if e.is_closed() {
                    return Attempt::Closed {
                        err: transport_error(method, out.path, e, timeout),
                    };
                }
                let verdict = retry::classify_transport(e.is_connect(), out.idempotent);
                return Attempt::from_verdict(
                    verdict,
                    transport_error(method, out.path, e, timeout),
                );
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let rate_limit = RateLimitInfo::from_headers(&headers);
        if let Some(slot) = slot {
            slot.observe(rate_limit.as_ref(), status);
        }
        let verdict = retry::classify_status(status, out.idempotent);
        if let (Verdict::Done, Some(target)) = (verdict, out.download_to) {
            let meta = ResponseMeta {
                status,
                method: method.to_owned(),
                path: out.path.to_owned(),
                headers,
                rate_limit,
                attempts: attempt,
                // Nothing of a download is read into an error message.
                redact: Redact::default(),
            };
            return match download::stream_to_file(resp, target).await {
                Ok(()) => Attempt::Done(Response {
                    meta,
                    body: Bytes::new(),
                }),
                Err(DownloadError::Disk(io)) => Attempt::Fail(io),
                Err(DownloadError::Transport(e)) => {
                    // The answer had begun: a broken body is only sent again when idempotent.
                    let verdict = retry::classify_transport(false, out.idempotent);
                    Attempt::from_verdict(verdict, transport_error(method, out.path, e, timeout))
                }
            };
        }
        let body = match read_body(resp, self.inner.max_response_bytes).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return Attempt::Fail(self.too_large(method, out.path)),
            Err(BodyError::Transport(e)) => {
                let verdict = retry::classify_transport(false, out.idempotent);
                return Attempt::from_verdict(
                    verdict,
                    transport_error(method, out.path, e, timeout),
                );
            }
        };
        tracing::debug!(
            target: "qualys_cs",
            method,
            path = out.template,
            status,
            attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "request"
        );
        if verdict == Verdict::Done {
            // A body that does not decode is quoted in the error: scrubbed as the server's text of
            // an error answer is (a 200 page may echo the request's credentials too).
            let redact = std::sync::Arc::new(secrets);
            let meta = ResponseMeta {
                status,
                method: method.to_owned(),
                path: out.path.to_owned(),
                headers,
                rate_limit,
                attempts: attempt,
                redact: Redact::new(move |t| redact.scrub(t)),
            };
            return Attempt::Done(Response { meta, body });
        }
        Attempt::from_verdict(
            verdict,
            api_error(method, out.path, status, &headers, &body, &secrets),
        )
    }
}

/// The token of an API client's answer: the JWT as text, or a JSON object carrying it under
/// `access_token` or `token` (what OAuth servers commonly send), or a JSON string.
fn token_of(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => ["access_token", "token"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_str()))
            .unwrap_or(text)
            .to_owned(),
        Ok(serde_json::Value::String(s)) => s,
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod token_tests {
    use super::token_of;

    #[test]
    fn an_api_clients_token_is_taken_from_text_or_json() {
        assert_eq!(token_of("eyJ.a.b"), "eyJ.a.b");
        assert_eq!(
            token_of(r#"{"access_token": "eyJ.c.d", "expires_in": 14400}"#),
            "eyJ.c.d"
        );
        assert_eq!(token_of(r#"{"token": "eyJ.e.f"}"#), "eyJ.e.f");
        assert_eq!(token_of(r#""eyJ.g.h""#), "eyJ.g.h");
    }
}
