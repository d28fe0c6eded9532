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
        // The loop fills in the attempts and the time taken when it gives up (`Call::finish`).
        return Error::Timeout {
            method: method.to_owned(),
            path: path.to_owned(),
            timeout,
            attempts: 0,
            elapsed: Duration::ZERO,
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

/// What the server's text may not repeat: the request's credentials. Anything it echoes back
/// (a proxy reflecting the `Authorization` header, a form echoed in an error page) is replaced
/// by `[REDACTED]` before it becomes part of an error message.
#[derive(Default)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    /// Shorter texts are not looked for: replacing every `p` of a message hides nothing.
    const MIN_LEN: usize = 4;

    pub(crate) fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.len() < Self::MIN_LEN {
            return;
        }
        // As sent in a form, and as a JSON string would escape it.
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(secret).unwrap_or_default();
        for s in [
            secret.to_owned(),
            encoded,
            json.trim_matches('"').to_owned(),
        ] {
            if !self.0.contains(&s) {
                self.0.push(s);
            }
        }
    }

    /// An `Authorization` header value: the whole of it and its credentials part (after the
    /// scheme; for Basic, also the decoded `user:password` and the password).
    pub(crate) fn add_authorization(&mut self, value: &str) {
        use base64::Engine;
        self.add(value);
        if let Some((scheme, cred)) = value.split_once(' ') {
            self.add(cred);
            if scheme.eq_ignore_ascii_case("basic")
                && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(cred.trim())
                && let Ok(text) = String::from_utf8(raw)
            {
                self.add(&text);
                if let Some((_, password)) = text.split_once(':') {
                    self.add(password);
                }
            }
        }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        // Longest first: a secret containing another is replaced whole.
        let mut sorted: Vec<&String> = self.0.iter().collect();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for s in sorted {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
        out
    }
}

/// Status + Qualys error body → [`Error::Api`]; `secrets` are scrubbed from the server's text.
pub(crate) fn api_error(
    method: &str,
    path: &str,
    status: u16,
    headers: &HeaderMap,
    body: &Bytes,
    secrets: &Secrets,
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
    // A redirect the client did not follow (see the builder's redirect policy): say where to.
    let message = match headers
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .filter(|_| (300..400).contains(&status))
    {
        Some(location) => format!(
            "redirect to {} not followed (redirects are followed only within the same origin, \
             never to another host or from https to http)",
            redirect_target(location)
        ),
        None => message,
    };
    let message = secrets.scrub(&message);
    let error_code = error_code.map(|c| secrets.scrub(&c));
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

/// A redirect's target for a message: scheme, host, port and path, without a query or
/// credentials (either may carry a token).
fn redirect_target(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(u) => format!(
            "{}://{}{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default(),
            u.path()
        ),
        Err(_) => {
            let end = location.find(['?', '#']).unwrap_or(location.len());
            crate::error::excerpt(&location.as_bytes()[..end])
        }
    }
}
