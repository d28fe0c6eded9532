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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use reqwest::header::HeaderValue;

    fn secrets(list: &[&str]) -> Secrets {
        let mut s = Secrets::default();
        for x in list {
            s.add(x);
        }
        s
    }

    fn api(status: u16, headers: &[(&'static str, &str)], body: &str, s: &Secrets) -> ApiError {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        let body = Bytes::from(body.to_owned());
        match api_error("GET", "/csapi/v1.3/images", status, &h, &body, s) {
            Error::Api(a) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn secrets_shorter_than_four_characters_are_not_looked_for() {
        let s = secrets(&["abc", " p ", ""]);
        assert_eq!(s.scrub("abc and p"), "abc and p");
        let s = secrets(&["abcd"]);
        assert_eq!(s.scrub("x abcd y"), "x [REDACTED] y");
        // Surrounding blanks are not part of the secret.
        let s = secrets(&["  wxyz\n"]);
        assert_eq!(s.scrub("(wxyz)"), "([REDACTED])");
    }

    #[test]
    fn a_secret_is_found_as_sent_form_encoded_and_json_escaped() {
        let secret = r#"p@ss "w"/x"#;
        let s = secrets(&[secret]);
        for echo in [
            secret.to_owned(),
            "p%40ss+%22w%22%2Fx".to_owned(),
            serde_json::to_string(secret).unwrap(),
        ] {
            let out = s.scrub(&format!("you sent {echo}."));
            assert!(!out.contains("ss"), "{echo} -> {out}");
            assert!(out.contains("[REDACTED]"), "{echo} -> {out}");
        }
        // Added twice, still one entry per form.
        let mut twice = secrets(&[secret]);
        twice.add(secret);
        assert_eq!(twice.0.len(), 3);
    }

    #[test]
    fn the_longest_secret_is_replaced_first() {
        let s = secrets(&["abcd", "abcdefgh"]);
        assert_eq!(s.scrub("<abcdefgh>"), "<[REDACTED]>");
        assert_eq!(s.scrub("<abcd>"), "<[REDACTED]>");
    }

    #[test]
    fn a_basic_header_yields_its_credentials_and_password() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("user:pa55word");
        for scheme in ["Basic", "basic"] {
            let mut s = Secrets::default();
            s.add_authorization(&format!("{scheme} {b64}"));
            for echo in [
                format!("{scheme} {b64}"),
                b64.clone(),
                "user:pa55word".into(),
                "pa55word".into(),
            ] {
                assert_eq!(s.scrub(&echo), "[REDACTED]", "{scheme}: {echo}");
            }
            assert_eq!(s.scrub("user"), "user", "the user name alone is no secret");
        }
    }

    #[test]
    fn a_bearer_token_is_not_decoded() {
        let token = base64::engine::general_purpose::STANDARD.encode("someone:password");
        let mut s = Secrets::default();
        s.add_authorization(&format!("Bearer {token}"));
        assert_eq!(s.scrub(&format!("got {token}")), "got [REDACTED]");
        // Only a Basic value is base64 of `user:password`: a token's decoding means nothing.
        assert_eq!(s.scrub("password someone"), "password someone");
        // A value without a scheme is a secret whole.
        let mut s = Secrets::default();
        s.add_authorization("opaque-value-1");
        assert_eq!(s.scrub("[opaque-value-1]"), "[[REDACTED]]");
    }

    #[test]
    fn a_qualys_error_body_is_read_into_its_fields() {
        let none = Secrets::default();
        let a = api(
            404,
            &[],
            r#"{"errorCode": 1504, "message": "not found", "timestamp": 1700000000000}"#,
            &none,
        );
        assert_eq!(a.status, 404);
        assert_eq!(a.error_code.as_deref(), Some("1504"));
        assert_eq!(a.message, "not found");
        assert_eq!(a.timestamp, Some(1_700_000_000_000));
        let a = api(
            400,
            &[],
            r#"{"errorCode": "CMS-1", "message": "x", "timestamp": "1700000000001"}"#,
            &none,
        );
        assert_eq!(a.error_code.as_deref(), Some("CMS-1"));
        assert_eq!(a.timestamp, Some(1_700_000_000_001));
        let a = api(400, &[], r#"{"timestamp": true}"#, &none);
        assert_eq!(a.timestamp, None);
    }

    #[test]
    fn without_a_message_the_body_or_the_status_reason_is_the_message() {
        let none = Secrets::default();
        let a = api(400, &[], r#"{"errorCode": "E", "message": ""}"#, &none);
        assert_eq!(a.message, r#"{"errorCode": "E", "message": ""}"#);
        let a = api(502, &[], "  <html>bad gateway</html>\n", &none);
        assert_eq!(a.message, "<html>bad gateway</html>");
        let a = api(503, &[], "", &none);
        assert_eq!(a.message, "Service Unavailable");
        let a = api(599, &[], " ", &none);
        assert_eq!(a.message, "");
    }

    #[test]
    fn echoed_secrets_leave_the_message_and_the_error_code() {
        let s = secrets(&["hunter22"]);
        let a = api(
            401,
            &[],
            r#"{"errorCode": "bad hunter22", "message": "password hunter22 refused"}"#,
            &s,
        );
        assert_eq!(a.error_code.as_deref(), Some("bad [REDACTED]"));
        assert_eq!(a.message, "password [REDACTED] refused");
    }

    #[test]
    fn a_redirect_not_followed_names_its_target_without_query_or_credentials() {
        let none = Secrets::default();
        let a = api(
            302,
            &[(
                "location",
                "https://me:pw1234@other.example:8443/a/b?token=abc#frag",
            )],
            "",
            &none,
        );
        assert!(
            a.message
                .starts_with("redirect to https://other.example:8443/a/b not followed"),
            "{}",
            a.message
        );
        assert!(!a.message.contains("token") && !a.message.contains("pw1234"));
        // A relative target loses its query and fragment too.
        let a = api(307, &[("location", "/moved?token=abc#x")], "", &none);
        assert!(
            a.message.starts_with("redirect to /moved not followed"),
            "{}",
            a.message
        );
        let a = api(301, &[("location", "https://other.example/")], "", &none);
        assert!(
            a.message
                .starts_with("redirect to https://other.example/ not")
        );
        // A Location on an answer that is no redirect is not one.
        for status in [201, 299, 400, 404] {
            let a = api(
                status,
                &[("location", "https://other.example/")],
                r#"{"message": "m"}"#,
                &none,
            );
            assert_eq!(a.message, "m", "{status}");
        }
    }

    #[test]
    fn a_refusal_carries_the_wait_it_asked_for() {
        let a = api(
            429,
            &[
                ("x-ratelimit-towait-sec", "7"),
                ("x-ratelimit-remaining", "0"),
            ],
            "{}",
            &Secrets::default(),
        );
        assert_eq!(a.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(a.rate_limit.and_then(|r| r.remaining), Some(0));
    }
}
