//! The one request loop of a call: for a request to the API, a rate-limit slot, a token, a
//! concurrency permit and one [`attempt`](super::attempt); for a token request, one token
//! attempt. Then the verdict of [`retry`](super::retry) (done, retry after a wait, refresh the
//! token after a 401, or fail), under the call's [`budget`](super::budget): one count of retries,
//! one budget of 429 waits and one deadline for every request the call makes, its token
//! requests included.

use super::attempt::{Attempt, Outgoing};
use super::budget::Call;
use super::retry::{self, Verdict};
use super::{Client, RequestOptions};
use crate::error::{ApiError, Error, Result};
use crate::response::Response;
use std::time::Duration;
use tracing::Instrument;

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

/// A token request: the gateway path and how its request is built (form fields or headers).
pub(crate) struct TokenRequest<'a> {
    pub path: &'static str,
    pub build: &'a (dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder + Send + Sync),
}

/// What the request loop sends.
pub(crate) enum Target<'a> {
    /// A request to the API, with the call's options.
    Api {
        out: &'a Outgoing<'a>,
        opts: &'a RequestOptions,
    },
    /// A token request made on the call's behalf.
    Token(&'a TokenRequest<'a>),
}

impl Target<'_> {
    fn is_token(&self) -> bool {
        matches!(self, Target::Token(_))
    }

    /// `(method, path template)`, as the log shows them.
    fn logged(&self) -> (&str, &str) {
        match self {
            Target::Api { out, .. } => (out.method.as_str(), out.template),
            Target::Token(t) => ("POST", t.path),
        }
    }

    /// `(method, path)`, as errors name the request.
    fn named(&self) -> (&str, &str) {
        match self {
            Target::Api { out, .. } => (out.method.as_str(), out.path),
            Target::Token(t) => ("POST", t.path),
        }
    }

    /// A token request only asks for a token: sending it twice does no harm.
    fn idempotent(&self) -> bool {
        match self {
            Target::Api { out, .. } => out.idempotent,
            Target::Token(_) => true,
        }
    }

    /// The rate-limit family the client limits, if any.
    fn family(&self, client: &Client) -> Option<&'static str> {
        match self {
            Target::Api { out, .. } => out.family.filter(|_| client.inner.rate_limit),
            Target::Token(_) => None,
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

    /// The call under its deadline: whatever it is doing when the deadline passes (an attempt, a
    /// wait, a token request, a queue) is dropped there, and the call fails with
    /// [`Error::DeadlineExceeded`].
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
        let mut call = Call::new(
            // 0 is "no deadline": a call can lift the client's.
            opts.deadline
                .or(self.inner.deadline)
                .filter(|d| !d.is_zero()),
            opts.timeout.unwrap_or(self.inner.timeout),
            opts.max_retries.unwrap_or(self.inner.max_retries),
            self.inner.max_retry_wait,
        );
        let target = Target::Api { out, opts };
        let Some(deadline) = call.deadline else {
            return self.send_with_retries(&target, &mut call).await;
        };
        match tokio::time::timeout(deadline, self.send_with_retries(&target, &mut call)).await {
            Ok(result) => result,
            Err(_) => {
                let err = call.deadline_exceeded(out.method.as_str(), out.path, None);
                tracing::warn!(
                    target: "qualys_cs",
                    method = %out.method,
                    path = out.template,
                    attempts = call.sent,
                    deadline_ms = deadline.as_millis() as u64,
                    "giving up: deadline"
                );
                Err(err)
            }
        }
    }

    /// The one request loop, for a request to the API and for a token request alike.
    pub(crate) async fn send_with_retries(
        &self,
        target: &Target<'_>,
        call: &mut Call,
    ) -> Result<Response> {
        loop {
            let outcome = match target {
                Target::Api { out, opts } => self.api_attempt(out, opts, call).await,
                Target::Token(t) => {
                    call.token_requests += 1;
                    self.token_attempt(t.path, t.build, call.token_requests)
                        .await
                }
            };
            let err = match outcome {
                Attempt::Done(resp) => return Ok(resp),
                Attempt::Again => continue,
                Attempt::Fail(e) => return Err(call.finish(e, target.is_token())),
                Attempt::Retry { err } => err,
                Attempt::Closed { err } => {
                    if retry::resend_on_closed(target.idempotent(), call.resent) {
                        // A stale pooled connection: the next attempt opens a new one at once.
                        let (method, path) = target.logged();
                        tracing::debug!(
                            target: "qualys_cs",
                            method,
                            path,
                            "connection closed by the server: sending again"
                        );
                        call.resent += 1;
                        continue;
                    }
                    match retry::classify_transport(false, target.idempotent()) {
                        Verdict::Retry => err,
                        _ => return Err(call.finish(err, target.is_token())),
                    }
                }
            };
            self.pause(target, call, err).await?;
        }
    }

    /// One attempt of a request to the API: its rate-limit slot first (the token read after a long
    /// wait is still fresh), then the token, a concurrency permit and the attempt itself. A 401
    /// the token may cure is answered by a new token and [`Attempt::Again`], once a call.
    async fn api_attempt(
        &self,
        out: &Outgoing<'_>,
        opts: &RequestOptions,
        call: &mut Call,
    ) -> Attempt {
        call.attempt += 1;
        let local = self.inner.local();
        let slot = match (Target::Api { out, opts }).family(self) {
            Some(f) => match local.limiter.acquire_within(f, call.wait_budget()).await {
                Ok(slot) => Some(slot),
                Err(asked) => return Attempt::Fail(unsent_rate_limited(out, asked, call)),
            },
            None => None,
        };
        call.granted = Duration::ZERO;
        let (auth, generation) = match self.auth_header(call).await {
            Ok(a) => a,
            Err(e) => {
                if let Some(slot) = slot {
                    slot.unsent();
                }
                return Attempt::Fail(e);
            }
        };
        let result = {
            let _permit = local
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            call.sent += 1;
            self.attempt(out, opts, auth, slot, call.attempt).await
        };
        match result {
            Attempt::Fail(e)
                if retry::refresh_on_401(
                    e.status(),
                    call.refreshed,
                    self.inner.auth.can_refresh(),
                ) =>
            {
                // An expired or revoked token: fetch a new one once, without counting a retry.
                tracing::debug!(
                    target: "qualys_cs",
                    method = %out.method,
                    path = out.template,
                    "401: refreshing the token"
                );
                call.refreshed = true;
                self.inner.auth.invalidate(generation);
                call.attempt -= 1;
                Attempt::Again
            }
            Attempt::Fail(e) => Attempt::Fail(self.refused_token(e)),
            other => other,
        }
    }

    /// After a failure the loop may retry: wait as the verdict says, or give up with the error
    /// (`Err`). A 429 is waited out as the server asks without using up the retries, up to
    /// `max_retry_wait` in all; other failures back off and use up `max_retries`. A wait the
    /// server asks for that would end past the deadline gives its 429 back at once; a backoff
    /// that would, a [`Error::DeadlineExceeded`].
    async fn pause(&self, target: &Target<'_>, call: &mut Call, err: Error) -> Result<()> {
        let (method, path) = target.logged();
        // Only a 429's wait is the server's word on when to come back; other retries back off.
        let server_wait = match err.api() {
            Some(e) if e.status == 429 => e.retry_after,
            _ => None,
        };
        let backoff = &self.inner.backoff;
        let wait = if err.status() == Some(429) {
            // Other processes of the subscription may be using its budget: a 429 does not use up
            // the retries (which would fail calls merely because others were busy).
            let budget = self.inner.max_retry_wait;
            retry::throttled_wait(
                call.max_retries,
                server_wait,
                &mut call.throttled,
                budget,
                backoff,
            )
        } else {
            call.failures += 1;
            retry::next_wait(
                call.failures,
                call.max_retries,
                server_wait,
                self.inner.max_retry_wait,
                backoff,
            )
        };
        let left = call.left();
        // The server's own wait must end before the deadline, or its 429 is the answer now.
        let wait = wait.filter(|_| server_wait.zip(left).is_none_or(|(w, l)| w <= l));
        let Some(wait) = wait else {
            tracing::warn!(
                target: "qualys_cs",
                method,
                path,
                attempts = call.sent,
                status = err.status(),
                error = ?err.kind(),
                server_wait_ms = server_wait.map(|w| w.as_millis() as u64),
                "giving up"
            );
            return Err(call.finish(err, target.is_token()));
        };
        if left.is_some_and(|l| wait >= l) {
            tracing::warn!(
                target: "qualys_cs",
                method,
                path,
                attempts = call.sent,
                wait_ms = wait.as_millis() as u64,
                "giving up: the next attempt would start after the deadline"
            );
            let (method, path) = target.named();
            return Err(call.deadline_exceeded(method, path, Some(&err)));
        }
        // The error's kind and status only: its message is the server's text.
        tracing::info!(
            target: "qualys_cs",
            method,
            path,
            attempt = call.attempt,
            status = err.status(),
            error = ?err.kind(),
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        call.note(&err);
        match (target.family(self), err.status()) {
            // Hold the whole family, so concurrent calls wait too instead of piling on.
            (Some(f), Some(429)) => {
                self.inner.local().limiter.block(f, wait);
                call.granted = wait;
            }
            _ => tokio::time::sleep(wait).await,
        }
        Ok(())
    }
}

/// A call refused before sending: its family's rate limit is spent and the server asked for a
/// wait (`asked`, still to run) longer than the call may wait. The rate-limit error a 429 with
/// that wait would have given, so the `Remaining: 0` path and the 429 path fail alike.
fn unsent_rate_limited(out: &Outgoing<'_>, asked: Duration, call: &Call) -> Error {
    let of = match call.left() {
        Some(left) if left < call.wait_budget() + Duration::from_millis(1) => {
            format!("the {} left of the deadline", crate::error::secs(left))
        }
        _ => format!(
            "the {} left of max_retry_wait",
            crate::error::secs(call.wait_budget())
        ),
    };
    Error::Api(Box::new(ApiError {
        status: 429,
        method: out.method.as_str().to_owned(),
        path: out.path.to_owned(),
        error_code: None,
        message: format!(
            "not sent: the server asked this endpoint's rate-limit family to wait {} more, longer \
             than {of}",
            crate::error::secs(asked)
        ),
        timestamp: None,
        retry_after: Some(asked),
        rate_limit: None,
    }))
}
