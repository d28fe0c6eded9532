//! One error type for the whole client, with a stable machine-readable kind that both bindings map.

use std::fmt;
use std::time::Duration;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the server said when it refused a request.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// HTTP method of the request.
    pub method: String,
    /// Path of the request (no query string: filters may be long, never secret, but noisy).
    pub path: String,
    /// Qualys `errorCode` (`"CMS-1504"`, `"403 FORBIDDEN"`, ...) when the body carried one.
    pub error_code: Option<String>,
    /// Qualys `message`, or a short excerpt of a non-JSON body, or the status reason.
    pub message: String,
    /// Qualys `timestamp` (epoch ms) when the body carried one.
    pub timestamp: Option<i64>,
    /// How long the server asked us to wait (`X-RateLimit-ToWait-Sec` / `Retry-After`), on 429.
    pub retry_after: Option<Duration>,
    /// Rate-limit state read from the response headers, when present.
    pub rate_limit: Option<crate::ratelimit::RateLimitInfo>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} returned HTTP {}",
            self.method, self.path, self.status
        )?;
        if let Some(code) = &self.error_code {
            write!(f, " [{code}]")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {:.1}s)", wait.as_secs_f64())?;
        }
        Ok(())
    }
}

/// What a call whose deadline passed had done (see [`Error::DeadlineExceeded`]).
#[derive(Debug, Clone)]
pub struct DeadlineError {
    pub method: String,
    pub path: String,
    pub deadline: Duration,
    /// The limit of each attempt.
    pub timeout: Duration,
    /// Requests sent to the API by the call (token requests not included).
    pub attempts: u32,
    /// Token requests (`POST /auth...`) the call made.
    pub token_requests: u32,
    /// From the start of the call to the error.
    pub elapsed: Duration,
    /// The last failure's message, when there was one.
    pub last: Option<String>,
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: gave up after {}{} in {:.1} s (deadline {}; timeout {} each)",
            self.method,
            self.path,
            plural(self.attempts, "attempt"),
            tokens(self.token_requests),
            self.elapsed.as_secs_f64(),
            secs(self.deadline),
            secs(self.timeout),
        )?;
        if let Some(last) = &self.last {
            write!(f, "; last error: {last}")?;
        }
        Ok(())
    }
}

/// Every way a call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request did not complete within its timeout (`timeout`, the limit of each attempt), on
    /// its last attempt: `attempts` requests were sent, over `elapsed` from the start of the call.
    #[error(
        "{method} {path} timed out after {} ({} in {:.1} s)",
        secs(*.timeout),
        plural(*.attempts, "attempt"),
        .elapsed.as_secs_f64()
    )]
    Timeout {
        method: String,
        path: String,
        timeout: Duration,
        attempts: u32,
        elapsed: Duration,
    },
    /// The call's `deadline` (its total time: every attempt, the waits between them, a token
    /// request) passed before it had an answer; it was given up there, or at once when the next
    /// wait could not end before it.
    #[error("{0}")]
    DeadlineExceeded(Box<DeadlineError>),
    /// The connection could not be made or broke before a full response arrived.
    #[error("{method} {path}: connection failed: {message}")]
    Connection {
        method: String,
        path: String,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The response body could not be decoded.
    #[error(
        "{method} {path}: could not decode the response: {message}; body starts with: {excerpt:?}"
    )]
    Decode {
        method: String,
        path: String,
        message: String,
        excerpt: String,
    },
    /// The response (its `Content-Length`, or the bytes read so far) is larger than the client's
    /// `max_response_bytes`; reading stopped there. Not retried: the same server would send the
    /// same answer.
    #[error(
        "{method} {path}: the response is larger than the {limit} bytes allowed (max_response_bytes)"
    )]
    ResponseTooLarge {
        method: String,
        path: String,
        limit: u64,
    },
    /// A list's pages do not converge: a cursor came back that was already used, or a page
    /// repeated an earlier one. Paging stopped instead of requesting forever.
    #[error("{path}: pagination stopped: {message}")]
    Pagination { path: String, message: String },
    /// The arguments break a rule the API documents; nothing was sent.
    #[error("invalid argument `{field}`: {message}")]
    Validation {
        field: String,
        rule: String,
        message: String,
    },
    /// Obtaining credentials failed outside HTTP (e.g. a token callback returned an error).
    #[error("authentication failed: {message}")]
    Auth { message: String },
    /// The list stops at a server-side record cap; the rest is reachable another way.
    #[error(
        "{path} returns at most {cap} records but {total} match; use {alternative} (cursor pagination, no cap) or narrow the filter"
    )]
    RecordCap {
        path: String,
        cap: u64,
        total: u64,
        alternative: String,
    },
    /// The client was configured wrongly.
    #[error("configuration error: {0}")]
    Config(String),
    /// Writing a download to disk failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Stable classification of an [`Error`]; `code()` is what bindings expose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    BadRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    Conflict,
    RateLimited,
    Server,
    Api,
    Timeout,
    DeadlineExceeded,
    Connection,
    Decode,
    ResponseTooLarge,
    Pagination,
    Validation,
    Auth,
    RecordCap,
    Config,
    Io,
}

impl ErrorKind {
    /// A stable string code, e.g. `"E_RATE_LIMITED"`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "E_BAD_REQUEST",
            ErrorKind::Authentication => "E_AUTHENTICATION",
            ErrorKind::PermissionDenied => "E_PERMISSION_DENIED",
            ErrorKind::NotFound => "E_NOT_FOUND",
            ErrorKind::Conflict => "E_CONFLICT",
            ErrorKind::RateLimited => "E_RATE_LIMITED",
            ErrorKind::Server => "E_SERVER",
            ErrorKind::Api => "E_API",
            ErrorKind::Timeout => "E_TIMEOUT",
            ErrorKind::DeadlineExceeded => "E_DEADLINE_EXCEEDED",
            ErrorKind::Connection => "E_CONNECTION",
            ErrorKind::Decode => "E_DECODE",
            ErrorKind::ResponseTooLarge => "E_RESPONSE_TOO_LARGE",
            ErrorKind::Pagination => "E_PAGINATION",
            ErrorKind::Validation => "E_VALIDATION",
            ErrorKind::Auth => "E_AUTH",
            ErrorKind::RecordCap => "E_RECORD_CAP",
            ErrorKind::Config => "E_CONFIG",
            ErrorKind::Io => "E_IO",
        }
    }

    /// The exception class both bindings raise for this kind.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequestError",
            ErrorKind::Authentication | ErrorKind::Auth => "AuthenticationError",
            ErrorKind::PermissionDenied => "PermissionDeniedError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Conflict => "ConflictError",
            ErrorKind::RateLimited => "RateLimitError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Api => "APIError",
            ErrorKind::Timeout => "APITimeoutError",
            // A subclass of APITimeoutError in both bindings: code that catches timeouts catches it.
            ErrorKind::DeadlineExceeded => "DeadlineExceededError",
            ErrorKind::Connection => "APIConnectionError",
            // The response could not be used as it came: the decode error family, told apart by
            // `code`.
            ErrorKind::Decode | ErrorKind::ResponseTooLarge | ErrorKind::Pagination => {
                "DecodeError"
            }
            ErrorKind::Validation => "ValidationError",
            ErrorKind::RecordCap => "RecordCapError",
            ErrorKind::Config => "ConfigError",
            ErrorKind::Io => "QualysError",
        }
    }
}

impl Error {
    /// Classify the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => match e.status {
                400 | 422 => ErrorKind::BadRequest,
                401 => ErrorKind::Authentication,
                403 => ErrorKind::PermissionDenied,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Server,
                _ => ErrorKind::Api,
            },
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::DeadlineExceeded(_) => ErrorKind::DeadlineExceeded,
            Error::Connection { .. } => ErrorKind::Connection,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::Pagination { .. } => ErrorKind::Pagination,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::RecordCap { .. } => ErrorKind::RecordCap,
            Error::Config(_) => ErrorKind::Config,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// The server's answer, for API errors.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// `(attempts, elapsed)` of a time error ([`Error::Timeout`], [`Error::DeadlineExceeded`]):
    /// the requests the call sent and the time from its start to the error.
    pub fn timing(&self) -> Option<(u32, Duration)> {
        match self {
            Error::Timeout {
                attempts, elapsed, ..
            } => Some((*attempts, *elapsed)),
            Error::DeadlineExceeded(d) => Some((d.attempts, d.elapsed)),
            _ => None,
        }
    }

    /// HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// `(method, path)` of the request this error belongs to, when there was one.
    pub fn request(&self) -> Option<(&str, &str)> {
        match self {
            Error::Api(e) => Some((&e.method, &e.path)),
            Error::DeadlineExceeded(d) => Some((&d.method, &d.path)),
            Error::Timeout { method, path, .. }
            | Error::Connection { method, path, .. }
            | Error::Decode { method, path, .. }
            | Error::ResponseTooLarge { method, path, .. } => Some((method, path)),
            _ => None,
        }
    }

    pub(crate) fn validation(
        field: impl Into<String>,
        rule: &str,
        message: impl Into<String>,
    ) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.to_owned(),
            message: message.into(),
        }
    }
}

/// A duration for a message: `10 s`, `2.5 s`, `0.25 s`.
pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    let text = if s >= 10.0 || s.fract() == 0.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.2}")
    };
    // Only the fraction's zeros go: `10.0` is `10`, `0.0` is `0`.
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{} s", if text.is_empty() { "0" } else { text })
}

fn plural(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn tokens(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" and {}", plural(n, "token request"))
    }
}

/// A short, printable start of a body for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let s = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
    if body.len() > MAX {
        format!("{s}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        let ms = Duration::from_millis;
        assert_eq!(secs(ms(10_000)), "10 s");
        assert_eq!(secs(ms(10_700)), "10.7 s");
        assert_eq!(secs(ms(2_500)), "2.5 s");
        assert_eq!(secs(ms(250)), "0.25 s");
        assert_eq!(secs(ms(0)), "0 s");
        assert_eq!(secs(ms(120_000)), "120 s");
    }

    #[test]
    fn a_deadline_error_says_what_happened() {
        let e = Error::DeadlineExceeded(Box::new(DeadlineError {
            method: "GET".into(),
            path: "/csapi/v1.3/images/x".into(),
            deadline: Duration::from_secs(10),
            timeout: Duration::from_secs(2),
            attempts: 4,
            token_requests: 0,
            elapsed: Duration::from_millis(10_700),
            last: None,
        }));
        assert_eq!(
            e.to_string(),
            "GET /csapi/v1.3/images/x: gave up after 4 attempts in 10.7 s (deadline 10 s; \
             timeout 2 s each)"
        );
        assert_eq!(e.kind(), ErrorKind::DeadlineExceeded);
        assert_eq!(e.timing(), Some((4, Duration::from_millis(10_700))));
    }
}
