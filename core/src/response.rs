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
}

/// A successful response, body fully read.
#[derive(Debug, Clone)]
pub struct Response {
    pub meta: ResponseMeta,
    pub body: Bytes,
}

/// A decoded result, in the form the API gave it (API.md §2.3).
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A JSON value (object, array, or a JSON scalar).
    Json(Value),
    /// A plain-text answer, e.g. `Tag deleted successfully` or a bare id.
    Text(String),
    /// A file (report download).
    Bytes(Bytes),
    /// No body.
    Empty,
}

impl Response {
    fn decode_error(&self, message: impl Into<String>) -> Error {
        Error::Decode {
            method: self.meta.method.clone(),
            path: self.meta.path.clone(),
            message: message.into(),
            excerpt: excerpt(&self.body),
        }
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
        let trimmed = self.body.trim_ascii();
        match kind {
            ResponseKind::JsonObject | ResponseKind::Page | ResponseKind::BareArray => {
                if trimmed.is_empty() {
                    return Ok(Output::Empty);
                }
                Ok(Output::Json(self.json()?))
            }
            ResponseKind::Bytes => Ok(Output::Bytes(self.body.clone())),
            ResponseKind::Text | ResponseKind::EmptyOrText | ResponseKind::JsonOrText => {
                // API.md §2.3: empty → nothing; JSON → JSON; anything else → the text.
                if trimmed.is_empty() {
                    return Ok(Output::Empty);
                }
                if kind != ResponseKind::Text
                    && let Ok(v) = serde_json::from_slice::<Value>(trimmed)
                {
                    return Ok(Output::Json(v));
                }
                Ok(Output::Text(String::from_utf8_lossy(trimmed).into_owned()))
            }
        }
    }
}
