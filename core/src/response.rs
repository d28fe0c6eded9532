//! Responses: the raw answer with its metadata, and its decoding by the table's response kind.

use crate::error::{Error, Result, excerpt};
use crate::ratelimit::RateLimitInfo;
use crate::table::ResponseKind;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Status, headers and rate-limit state of a response, for callers who ask.
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    pub status: u16,
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub rate_limit: Option<RateLimitInfo>,
    /// How many attempts the call took (1 = no retry).
    pub attempts: u32,
    /// The request's credentials, scrubbed from a body excerpt before it becomes part of an error.
    pub(crate) redact: Redact,
}

#[cfg(test)]
impl ResponseMeta {
    /// The meta of a `200` to a `GET` of `path` in one attempt, for unit tests.
    pub(crate) fn ok_for_test(path: &str) -> Self {
        ResponseMeta {
            status: 200,
            method: "GET".into(),
            path: path.into(),
            headers: HeaderMap::new(),
            rate_limit: None,
            attempts: 1,
            redact: Redact::default(),
        }
    }
}

/// Replaces the request's credentials in server text (a body echoing the `Authorization` header
/// or the password) by `[REDACTED]`; the default replaces nothing.
#[derive(Clone, Default)]
pub struct Redact(Option<std::sync::Arc<Scrub>>);

type Scrub = dyn Fn(&str) -> String + Send + Sync;

impl Redact {
    pub(crate) fn new(f: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        Redact(Some(std::sync::Arc::new(f)))
    }

    fn apply(&self, text: String) -> String {
        match &self.0 {
            Some(f) => f(&text),
            None => text,
        }
    }
}

impl std::fmt::Debug for Redact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redact")
    }
}

impl ResponseMeta {
    /// The typed error for a `body` of this response that could not be decoded: for the bindings,
    /// whose own parsers build objects from [`RawOutput`] bytes and page bodies.
    pub fn decode_error(&self, body: &[u8], message: impl Into<String>) -> Error {
        Error::Decode {
            method: self.method.clone(),
            path: self.path.clone(),
            message: message.into(),
            excerpt: self.redact.apply(excerpt(body)),
        }
    }
}

/// A successful response, body fully read.
#[derive(Debug, Clone)]
pub struct Response {
    pub meta: ResponseMeta,
    pub body: Bytes,
}

/// A decoded result, in the form the API gave it (API.md §2.3).
///
/// `J` is how a JSON body is held: a parsed [`Value`] by default, or the body's bytes
/// ([`RawOutput`]) for callers that build their own objects from them in one pass (the bindings:
/// jiter into Python objects, V8's `JSON.parse` into JS objects), which is several times faster
/// than going through a `Value` tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Output<J = Value> {
    /// A JSON value (object, array, or a JSON scalar).
    Json(J),
    /// A plain-text answer, e.g. `Tag deleted successfully` or a bare id.
    Text(String),
    /// A file (report download).
    Bytes(Bytes),
    /// No body.
    Empty,
}

/// An [`Output`] whose JSON is still the response's bytes, already checked to be well-formed JSON
/// in UTF-8 (so a malformed body is a typed decode error here, whatever builds the objects later).
/// What the check cannot see (numbers beyond f64, lone surrogate escapes, extreme nesting) the
/// bindings' parsers report as decode errors themselves.
pub type RawOutput = Output<Bytes>;

impl Response {
    fn decode_error(&self, message: impl Into<String>) -> Error {
        self.meta.decode_error(&self.body, message)
    }

    /// Decode the body as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decode by the endpoint's response kind.
    pub fn output(&self, kind: ResponseKind) -> Result<Output> {
        self.decode(kind, |b| serde_json::from_slice::<Value>(b))
    }

    /// Decode by the endpoint's response kind, keeping a JSON body as its bytes (checked, not parsed).
    pub fn raw_output(&self, kind: ResponseKind) -> Result<RawOutput> {
        self.decode(kind, |b| {
            // Skipping values does not look inside strings, so UTF-8 is checked on its own (fast:
            // an ASCII body is scanned a word at a time): a body the bindings' parsers would each
            // treat differently (V8 replaces bad bytes, jiter refuses them) never reaches them.
            let text = std::str::from_utf8(b).map_err(|e| {
                <serde_json::Error as serde::de::Error>::custom(format!("invalid UTF-8: {e}"))
            })?;
            serde_json::from_str::<serde::de::IgnoredAny>(text).map(|_| self.body.slice_ref(b))
        })
    }

    fn decode<J>(
        &self,
        kind: ResponseKind,
        parse: impl Fn(&[u8]) -> serde_json::Result<J>,
    ) -> Result<Output<J>> {
        let trimmed = self.body.trim_ascii();
        match kind {
            ResponseKind::JsonObject | ResponseKind::Page | ResponseKind::BareArray => {
                if trimmed.is_empty() {
                    return Ok(Output::Empty);
                }
                parse(trimmed)
                    .map(Output::Json)
                    .map_err(|e| self.decode_error(e.to_string()))
            }
            ResponseKind::Bytes => Ok(Output::Bytes(self.body.clone())),
            ResponseKind::Text | ResponseKind::EmptyOrText | ResponseKind::JsonOrText => {
                // API.md §2.3: empty → nothing; JSON → JSON; anything else → the text.
                if trimmed.is_empty() {
                    return Ok(Output::Empty);
                }
                if kind != ResponseKind::Text
                    && let Ok(v) = parse(trimmed)
                {
                    return Ok(Output::Json(v));
                }
                Ok(Output::Text(String::from_utf8_lossy(trimmed).into_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static [u8]) -> Response {
        Response {
            meta: ResponseMeta::ok_for_test("/csapi/v1.3/images"),
            body: Bytes::from_static(body),
        }
    }

    #[test]
    fn raw_output_keeps_checked_json_bytes() {
        let r = response(b" {\"a\": [1, \"caf\xc3\xa9\"]}\n");
        assert_eq!(
            r.raw_output(ResponseKind::JsonObject).unwrap(),
            Output::Json(Bytes::from_static(b"{\"a\": [1, \"caf\xc3\xa9\"]}"))
        );
        assert_eq!(
            response(b"  ")
                .raw_output(ResponseKind::JsonObject)
                .unwrap(),
            Output::Empty
        );
    }

    #[test]
    fn raw_output_refuses_what_a_parser_would() {
        // Bad UTF-8 inside a string: skipping values alone would let it through.
        let bad = response(b"{\"a\": \"caf\xe9\"}");
        let err = bad.raw_output(ResponseKind::JsonObject).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains("UTF-8"), "{err}");
        assert!(bad.output(ResponseKind::JsonObject).is_err());
        // Where text is a valid answer, it is text, as with the parsed output.
        assert_eq!(
            bad.raw_output(ResponseKind::JsonOrText).unwrap(),
            Output::Text("{\"a\": \"caf\u{fffd}\"}".into())
        );
        let truncated = response(b"{\"a\": [1, 2");
        assert!(truncated.raw_output(ResponseKind::Page).is_err());
    }

    #[test]
    fn a_decode_error_quotes_the_body_through_the_redaction() {
        let mut r = response(b"{\"echo\": \"Bearer tok-123456\"");
        r.meta.redact = Redact::new(|t| t.replace("tok-123456", "[REDACTED]"));
        match r.json::<Value>().unwrap_err() {
            Error::Decode { excerpt, path, .. } => {
                assert_eq!(excerpt, "{\"echo\": \"Bearer [REDACTED]\"");
                assert_eq!(path, "/csapi/v1.3/images");
            }
            other => panic!("{other:?}"),
        }
        // Without secrets the excerpt is the body as sent.
        let plain = response(b"[1,");
        assert!(
            matches!(plain.json::<Value>(), Err(Error::Decode { excerpt, .. }) if excerpt == "[1,")
        );
    }

    #[test]
    fn the_redaction_shows_nothing_of_itself() {
        let r = Redact::new(|_| "secret-in-closure".into());
        assert_eq!(format!("{r:?}"), "Redact");
        let meta = format!("{:?}", response(b"").meta);
        assert!(meta.contains("redact: Redact"), "{meta}");
    }
}
