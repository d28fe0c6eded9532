//! The response bodies every handler and the pipeline build: the Qualys error body, JSON and
//! plain text.

use crate::clock::now_ms;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The Qualys error body.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let code = format!(
        "{} {}",
        status.as_u16(),
        status
            .canonical_reason()
            .unwrap_or("ERROR")
            .to_ascii_uppercase()
            .replace([' ', '-'], "_")
    );
    error_code(status, &code, message)
}

pub(crate) fn error_code(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body =
        serde_json::json!({"errorCode": code, "message": message.into(), "timestamp": now_ms()});
    json_response(status, &body)
}

pub(crate) fn json_response<T: serde::Serialize + ?Sized>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => (status, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// A JSON body already serialised.
pub(crate) fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) fn text_response(status: StatusCode, s: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        s.into(),
    )
        .into_response()
}
