//! The request as handlers see it, the shorthand answers, and the checks every endpoint shares
//! (query parameters against the table, id lists and delete selections in bodies).

use crate::respond::{error, json_response, text_response};
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use qualys_cs_spec::{Endpoint, QueryType};
use serde_json::Value;

pub(crate) struct Ctx {
    pub ep: &'static Endpoint,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub content_type: Option<String>,
    /// The request's headers (an API client's token request carries its credentials there).
    pub headers: axum::http::HeaderMap,
    pub user: String,
}

pub(crate) type R = Result<Response, Response>;

pub(super) fn bad(msg: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, msg)
}

pub(super) fn not_found(msg: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, msg)
}

pub(super) fn ok(v: &Value) -> R {
    Ok(json_response(StatusCode::OK, v))
}

/// API.md open question 5: "returns the same ID" answers are the bare id as `text/plain`.
pub(super) fn ok_text(s: impl Into<String>) -> R {
    Ok(text_response(StatusCode::OK, s))
}

impl Ctx {
    pub(super) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub(super) fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Repeated values (`a=1&a=2`), comma-separated lists too; empty values dropped.
    pub(super) fn qs(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
    pub(super) fn json(&self) -> Result<Value, Response> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(bad("Required request body is missing"));
        }
        serde_json::from_slice(&self.body).map_err(|e| bad(format!("JSON parse error: {e}")))
    }
    pub(super) fn json_obj(&self) -> Result<Value, Response> {
        let v = self.json()?;
        if !v.is_object() {
            return Err(bad("Request body must be a JSON object"));
        }
        Ok(v)
    }
    /// The optional JSON body of the v1.1 delete calls.
    pub(super) fn opt_json(&self) -> Result<Option<Value>, Response> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json_obj().map(Some)
    }
}

pub(super) fn check_query(ctx: &Ctx) -> Result<(), Response> {
    for (k, v) in &ctx.query {
        let Some(p) = ctx.ep.query.iter().find(|p| &p.name == k) else {
            continue;
        };
        match p.ty {
            QueryType::Integer => {
                let n: i64 = v
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("Invalid value '{v}' for {k}: integer expected")))?;
                if p.min.is_some_and(|m| n < m) || p.max.is_some_and(|m| n > m) {
                    return Err(bad(format!(
                        "Invalid value {n} for {k}: must be between {} and {}",
                        p.min.unwrap_or(i64::MIN),
                        p.max.unwrap_or(i64::MAX)
                    )));
                }
            }
            QueryType::Boolean if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") => {
                return Err(bad(format!(
                    "Invalid value '{v}' for {k}: true or false expected"
                )));
            }
            _ => {}
        }
        if let Some(allowed) = &p.allowed
            && !allowed
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(v)))
        {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().unwrap_or("").to_string())
                .collect();
            return Err(bad(format!(
                "Invalid value '{v}' for {k}: one of {}",
                list.join(", ")
            )));
        }
    }
    Ok(())
}

/// Ids (repeated query params, v1.3) or the v1.1 JSON body `{"<ids>": [...], "filter": ...}`
/// (API.md open question 1: both accepted).
pub(super) fn delete_selection(
    ctx: &Ctx,
    ids_key: &str,
) -> Result<(Vec<String>, Option<String>), Response> {
    let mut ids = ctx.qs(ids_key);
    let mut filter = ctx
        .q("filter")
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty());
    if let Some(b) = ctx.opt_json()? {
        if let Some(a) = b.get(ids_key) {
            let a = a
                .as_array()
                .ok_or_else(|| bad(format!("{ids_key} must be an array")))?;
            ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
        }
        if let Some(f) = b.get("filter").and_then(Value::as_str)
            && !f.trim().is_empty()
        {
            filter = Some(f.to_string());
        }
    }
    if ids.is_empty() && filter.is_none() {
        return Err(bad(format!("Either {ids_key} or filter is required")));
    }
    Ok((ids, filter))
}

pub(super) fn id_array(ctx: &Ctx) -> Result<Vec<String>, Response> {
    let v = ctx.json()?;
    let a = v
        .as_array()
        .ok_or_else(|| bad("Request body must be a JSON array of ids"))?;
    if a.is_empty() {
        return Err(bad("At least one id is required"));
    }
    a.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("Ids must be strings"))
        })
        .collect()
}
