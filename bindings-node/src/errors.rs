//! The one place core errors become JS errors.
//!
//! napi-rs cannot give an async rejection custom properties (napi-rs #1205/#1632/#2178), so the
//! error's fields travel as JSON after a fixed marker in the message; `errors.js` turns that into
//! the `QualysError` subclass named by `class`. The marker keeps a stray native error readable.

use qualys_cs::{Error, ErrorKind, RateLimitInfo};
use serde_json::{Map, Value, json};

/// Prefix of every structured error message; `errors.js` matches it.
pub(crate) const MARKER: &str = "__QUALYS_CS_ERROR__";

fn encode(payload: Value) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{MARKER}{payload}"))
}

/// A core error as a rejected-promise / thrown napi error.
pub(crate) fn to_napi(e: Error) -> napi::Error {
    let kind = e.kind();
    let mut p = Map::new();
    p.insert("class".into(), kind.class_name().into());
    p.insert("code".into(), kind.code().into());
    p.insert("message".into(), e.to_string().into());
    if let Some((method, path)) = e.request() {
        p.insert("method".into(), method.into());
        p.insert("path".into(), path.into());
    }
    if let Some(api) = e.api() {
        p.insert("status".into(), api.status.into());
        p.insert("errorCode".into(), api.error_code.clone().into());
        p.insert("apiMessage".into(), api.message.clone().into());
        p.insert("timestamp".into(), api.timestamp.into());
        p.insert(
            "retryAfter".into(),
            api.retry_after.map(|d| d.as_secs_f64()).into(),
        );
        if let Some(rl) = &api.rate_limit {
            p.insert("rateLimit".into(), rate_limit_json(rl));
        }
    }
    match &e {
        Error::Validation { field, rule, .. } => {
            p.insert("field".into(), field.clone().into());
            p.insert("rule".into(), rule.clone().into());
        }
        Error::Timeout {
            timeout,
            attempts,
            elapsed,
            ..
        } => {
            p.insert("timeoutMs".into(), (timeout.as_millis() as u64).into());
            p.insert("attempts".into(), (*attempts).into());
            p.insert("elapsedMs".into(), (elapsed.as_millis() as u64).into());
        }
        Error::DeadlineExceeded(d) => {
            p.insert("deadlineMs".into(), (d.deadline.as_millis() as u64).into());
            p.insert("timeoutMs".into(), (d.timeout.as_millis() as u64).into());
            p.insert("attempts".into(), d.attempts.into());
            p.insert("tokenRequests".into(), d.token_requests.into());
            p.insert("elapsedMs".into(), (d.elapsed.as_millis() as u64).into());
        }
        Error::RecordCap {
            cap,
            total,
            alternative,
            ..
        } => {
            p.insert("cap".into(), (*cap).into());
            p.insert("total".into(), (*total).into());
            p.insert("alternative".into(), alternative.clone().into());
        }
        _ => {}
    }
    if kind == ErrorKind::Io {
        p.insert("class".into(), "QualysError".into());
    }
    encode(Value::Object(p))
}

/// A bad argument caught by the binding itself (before the core sees it).
pub(crate) fn invalid(field: &str, rule: &str, message: impl Into<String>) -> napi::Error {
    let message = message.into();
    encode(json!({
        "class": "ValidationError", "code": "E_VALIDATION",
        "message": format!("invalid argument `{field}`: {message}"),
        "field": field, "rule": rule,
    }))
}

/// The rejection of a cancelled call (an `AbortSignal` fired).
pub(crate) fn aborted() -> napi::Error {
    encode(
        json!({ "class": "AbortError", "code": "ABORT_ERR", "message": "The operation was aborted" }),
    )
}

/// `{limit, remaining, windowSecs, toWaitSecs, concurrencyLimit, concurrencyRunning}`: an API
/// error's `rateLimit`, and a response's (`convert`), which has the same shape.
pub(crate) fn rate_limit_json(r: &RateLimitInfo) -> Value {
    serde_json::json!({
        "limit": r.limit, "remaining": r.remaining, "windowSecs": r.window_secs,
        "toWaitSecs": r.to_wait_secs, "concurrencyLimit": r.concurrency_limit,
        "concurrencyRunning": r.concurrency_running,
    })
}
