//! One attempt of a request: build it, send it through the transport, read the answer and say
//! what it means ([`Attempt`]). The request loop (`execute`) decides what comes next.

use super::download::{self, DownloadError};
use super::errors::{Secrets, api_error, transport_error};
use super::retry::{self, Verdict};
use super::transport::TransportError;
use super::{Client, RequestOptions};
use crate::error::Error;
use crate::ratelimit::{RateLimitInfo, Slot};
use crate::request::Body;
use crate::response::{Redact, Response, ResponseMeta};
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::time::{Duration, Instant};

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
pub(crate) enum BodyError {
    /// Past `max_response_bytes`: final.
    TooLarge,
    /// The body broke off.
    Transport(TransportError),
}

/// Read a whole body into memory, at most `max` bytes: a larger `Content-Length` is refused
/// before reading, and reading stops as soon as the bytes received pass `max` (a server that
/// streams without end, or sends more than it declared).
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    max: u64,
) -> std::result::Result<Bytes, BodyError> {
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
pub(crate) enum Attempt {
    Done(Response),
    Retry {
        err: Error,
    },
    /// Sent on a connection the server had closed (see [`retry::resend_on_closed`]).
    Closed {
        err: Error,
    },
    /// Send again at once, as a new attempt of the same number (a token refreshed after a 401).
    Again,
    Fail(Error),
}

impl Attempt {
    pub(crate) fn from_verdict(v: Verdict, err: Error) -> Attempt {
        match v {
            Verdict::Retry => Attempt::Retry { err },
            _ => Attempt::Fail(err),
        }
    }
}

/// What an answer's request was, for its [`ResponseMeta`] and errors.
struct Answered<'a> {
    method: &'a str,
    path: &'a str,
    idempotent: bool,
    timeout: Duration,
    attempt: u32,
}

impl Answered<'_> {
    fn meta(
        &self,
        status: u16,
        headers: HeaderMap,
        rate_limit: Option<RateLimitInfo>,
        redact: Redact,
    ) -> ResponseMeta {
        ResponseMeta {
            status,
            method: self.method.to_owned(),
            path: self.path.to_owned(),
            headers,
            rate_limit,
            attempts: self.attempt,
            redact,
        }
    }

    /// A body that broke off: sent again only when the request is idempotent (the answer had begun).
    fn broken(&self, e: TransportError) -> Attempt {
        let verdict = retry::classify_transport(false, self.idempotent);
        Attempt::from_verdict(
            verdict,
            transport_error(self.method, self.path, e, self.timeout),
        )
    }
}

impl Client {
    /// The client's own secrets (a password, a static token), for scrubbing server text.
    pub(crate) fn secrets(&self) -> Secrets {
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

    pub(crate) fn too_large(&self, method: &str, path: &str) -> Error {
        Error::ResponseTooLarge {
            method: method.to_owned(),
            path: path.to_owned(),
            limit: self.inner.max_response_bytes,
        }
    }

    /// The HTTP request of one attempt: the endpoint's query and body, the call's extra query and
    /// headers, the credentials. `Err` when it cannot be built (nothing was sent).
    fn build_request(
        &self,
        out: &Outgoing<'_>,
        opts: &RequestOptions,
        auth: HeaderValue,
        timeout: Duration,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let url = format!("{}{}", self.inner.base_url, out.path);
        let mut rb = self
            .inner
            .local()
            .http
            .request(out.method.clone(), &url)
            .timeout(timeout)
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, out.accept);
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
                let part = reqwest::multipart::Part::bytes(content.clone())
                    .file_name(file.file_name.clone())
                    .mime_str(&file.content_type)
                    .map_err(|e| {
                        Error::Config(format!(
                            "the table's multipart content type {:?}: {e}",
                            file.content_type
                        ))
                    })?;
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
                    return Err(Error::validation(
                        "extra_headers",
                        "header",
                        format!("{k:?} is not a valid header"),
                    ));
                }
            }
        }
        Ok(rb)
    }

    /// One attempt of an API request, holding `slot` (its place in the rate limit) until the
    /// answer's headers are in.
    pub(crate) async fn attempt(
        &self,
        out: &Outgoing<'_>,
        opts: &RequestOptions,
        auth: HeaderValue,
        slot: Option<Slot<'_>>,
        attempt: u32,
    ) -> Attempt {
        let method = out.method.as_str();
        let timeout = opts.timeout.unwrap_or(self.inner.timeout);
        let mut secrets = self.secrets();
        if let Ok(a) = auth.to_str() {
            secrets.add_authorization(a);
        }
        for (_, v) in &opts.extra_headers {
            secrets.add(v);
        }
        let rb = match self.build_request(out, opts, auth, timeout) {
            Ok(rb) => rb,
            Err(e) => {
                if let Some(slot) = slot {
                    slot.unsent();
                }
                return Attempt::Fail(e);
            }
        };
        let started = Instant::now();
        let result = match rb.build() {
            Ok(request) => self.inner.local().transport.send(request).await,
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
        let answered = Answered {
            method,
            path: out.path,
            idempotent: out.idempotent,
            timeout,
            attempt,
        };
        self.answer(out, &answered, resp, slot, secrets, started)
            .await
    }

    /// The answer of an attempt whose headers are in: release the rate-limit slot, then stream a
    /// download to its file or read the body, and classify.
    async fn answer(
        &self,
        out: &Outgoing<'_>,
        req: &Answered<'_>,
        resp: reqwest::Response,
        slot: Option<Slot<'_>>,
        secrets: Secrets,
        started: Instant,
    ) -> Attempt {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let rate_limit = RateLimitInfo::from_headers(&headers);
        if let Some(slot) = slot {
            slot.observe(rate_limit.as_ref(), status);
        }
        let verdict = retry::classify_status(status, out.idempotent);
        if let (Verdict::Done, Some(target)) = (verdict, out.download_to) {
            // Nothing of a download is read into an error message.
            let meta = req.meta(status, headers, rate_limit, Redact::default());
            return match download::stream_to_file(resp, target).await {
                Ok(()) => Attempt::Done(Response {
                    meta,
                    body: Bytes::new(),
                }),
                Err(DownloadError::Disk(io)) => Attempt::Fail(io),
                Err(DownloadError::Transport(e)) => req.broken(e),
            };
        }
        let body = match read_body(resp, self.inner.max_response_bytes).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return Attempt::Fail(self.too_large(req.method, out.path)),
            Err(BodyError::Transport(e)) => return req.broken(e),
        };
        tracing::debug!(
            target: "qualys_cs",
            method = req.method,
            path = out.template,
            status,
            attempt = req.attempt,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "request"
        );
        if verdict == Verdict::Done {
            // A body that does not decode is quoted in the error: scrubbed as the server's text of
            // an error answer is (a 200 page may echo the request's credentials too).
            let redact = std::sync::Arc::new(secrets);
            let meta = req.meta(
                status,
                headers,
                rate_limit,
                Redact::new(move |t| redact.scrub(t)),
            );
            return Attempt::Done(Response { meta, body });
        }
        Attempt::from_verdict(
            verdict,
            api_error(req.method, out.path, status, &headers, &body, &secrets),
        )
    }

    /// One token request to the gateway (`POST {auth_url}{path}`), built by `build`. Its own rules
    /// ([`retry::classify_auth_status`]): a 5xx, a 429 or a transport failure is retried (the
    /// request only asks for a token), any other refusal is final.
    pub(crate) async fn token_attempt(
        &self,
        path: &'static str,
        build: &(dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder + Send + Sync),
        attempt: u32,
    ) -> Attempt {
        let url = format!("{}{path}", self.inner.auth_url);
        let timeout = self.inner.timeout;
        let secrets = self.secrets();
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
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    err: transport_error("POST", path, e, timeout),
                };
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match read_body(resp, self.inner.max_response_bytes).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => return Attempt::Fail(self.too_large("POST", path)),
            Err(BodyError::Transport(e)) => {
                return Attempt::Retry {
                    err: transport_error("POST", path, e, timeout),
                };
            }
        };
        let verdict = retry::classify_auth_status(status);
        if verdict != Verdict::Done {
            let err = api_error("POST", path, status, &headers, &body, &secrets);
            return Attempt::from_verdict(verdict, err);
        }
        tracing::debug!(
            target: "qualys_cs",
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "POST {path}"
        );
        let req = Answered {
            method: "POST",
            path,
            idempotent: true,
            timeout,
            attempt,
        };
        let rate_limit = RateLimitInfo::from_headers(&headers);
        Attempt::Done(Response {
            meta: req.meta(status, headers, rate_limit, Redact::default()),
            body,
        })
    }
}
