//! The one mapping from what the wire gave to [`Error`]: a refusal (status + Qualys error body,
//! API.md §5.1) to [`Error::Api`], a transport failure to [`Error::Timeout`] or
//! [`Error::Connection`].

use super::transport::TransportError;
use crate::error::{ApiError, Error, excerpt};
use crate::ratelimit::RateLimitInfo;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

pub(crate) fn transport_error(
    method: &str,
    path: &str,
    e: TransportError,
    timeout: Duration,
) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            method: method.to_owned(),
            path: path.to_owned(),
            timeout,
        };
    }
    let source = e.into_source();
    // reqwest's Display can include the URL; the base URL is not secret, the message stays short.
    let message = match source.source() {
        Some(src) => format!("{source}: {src}"),
        None => source.to_string(),
    };
    Error::Connection {
        method: method.to_owned(),
        path: path.to_owned(),
        message,
        source: Some(source),
    }
}

/// Status + Qualys error body → [`Error::Api`].
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
