//! The per-call loop: rate-limit slot, token, concurrency permit, one attempt through the
//! transport, then the verdict of [`retry`](super::retry) (done, retry after a wait, refresh the
//! token after a 401, or fail).

use super::download::{self, DownloadError};
use super::errors::{api_error, transport_error};
use super::retry::{self, Verdict};
use super::{Client, RequestOptions};
use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::ratelimit::{RateLimitInfo, Slot};
use crate::request::Body;
use crate::response::{Response, ResponseMeta};
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
    /// What the log shows for the path: the table's template (`/csapi/v1.3/images/{imageSha}`),
    /// never the filled-in path or the query, whose values may be a customer's data.
    pub template: &'a str,
    /// The table's endpoint id, or `raw` for a path the table does not know.
    pub endpoint: &'static str,
}

/// How one attempt ended.
enum Attempt {
    Done(Response),
    Retry { err: Error },
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
        let max_retries = opts.max_retries.unwrap_or(self.inner.max_retries);
        let family = out.family.filter(|_| self.inner.rate_limit);
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
            };
            // Only a 429's wait is the server's word on when to come back; other retries back off.
            let server_wait = match err.api() {
                Some(e) if e.status == 429 => e.retry_after,
                _ => None,
            };
            let Some(wait) = retry::next_wait(
                attempt,
                max_retries,
                server_wait,
                self.inner.max_retry_wait,
                &self.inner.backoff,
            ) else {
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
                (Some(f), Some(429)) => self.inner.limiter.block(f, wait),
                _ => tokio::time::sleep(wait).await,
            }
        }
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
        let timeout = self.inner.timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let request = self
                .inner
                .http
                .post(&url)
                .header(ACCEPT, "text/plain, application/json")
                .form(&form)
                .timeout(timeout)
                .build();
            let sent = match request {
                Ok(r) => self.inner.transport.send(r).await,
                Err(e) => Err(e.into()),
            };
            let err = match sent {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let headers = r.headers().clone();
                    match r.bytes().await {
                        Ok(body) => match retry::classify_auth_status(status) {
                            Verdict::Done => {
                                tracing::debug!(
                                    target: "qualys_cs",
                                    status,
                                    elapsed_ms = started.elapsed().as_millis() as u64,
                                    "POST /auth"
                                );
                                return Ok(String::from_utf8_lossy(&body).trim().to_owned());
                            }
                            Verdict::Fail => {
                                return Err(api_error("POST", "/auth", status, &headers, &body));
                            }
                            Verdict::Retry => api_error("POST", "/auth", status, &headers, &body),
                        },
                        Err(e) => transport_error("POST", "/auth", e.into(), timeout),
                    }
                }
                Err(e) => transport_error("POST", "/auth", e, timeout),
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
            Ok(request) => self.inner.transport.send(request).await,
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
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let verdict = retry::classify_transport(false, out.idempotent);
                return Attempt::from_verdict(
                    verdict,
                    transport_error(method, out.path, e.into(), timeout),
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
        Attempt::from_verdict(
            verdict,
            api_error(method, out.path, status, &headers, &body),
        )
    }
}
