//! What the client logs, for the bridges that hand its `tracing` events to another logging system
//! (Python's `logging`, a Node `logger`, the CLI's `--verbose`): the events' fields collected in
//! one place and the one-line text each binding shows, so every language reads the same lines.
//!
//! The client's events have the target [`TARGET`] and sit inside a `csapi` span with the fields
//! `client` ([`Client::log_id`](crate::Client::log_id)) and `endpoint` (the table's id, `raw` for
//! a path the table does not know). The events:
//!
//! | message | level | fields |
//! | --- | --- | --- |
//! | `request` | DEBUG | `method`, `path` (the template), `status`, `attempt`, `elapsed_ms`, `bytes` |
//! | `no answer` | DEBUG | `method`, `path`, `attempt`, `elapsed_ms`, `error` (the transport failure's kind) |
//! | `POST /auth` | DEBUG | `status`, `elapsed_ms` |
//! | `retrying` | INFO | `method`, `path`, `attempt`, `status` or `error`, `wait_ms` |
//! | `rate limit: waiting` | INFO | `family`, `wait_ms` |
//! | `giving up` | WARN | `method`, `path`, `attempts`, `status`, `error`, `server_wait_ms` |
//!
//! None holds a body, a query value, a header, a filled-in path or a credential.

use std::collections::BTreeMap;
use std::fmt;
use tracing::field::{Field, Visit};

/// The target of every event the client emits (`RUST_LOG=qualys_cs=debug`).
pub const TARGET: &str = "qualys_cs";

/// A field's value, as the event recorded it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    U64(u64),
    I64(i64),
    Bool(bool),
    Str(String),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::U64(v) => write!(f, "{v}"),
            FieldValue::I64(v) => write!(f, "{v}"),
            FieldValue::Bool(v) => write!(f, "{v}"),
            FieldValue::Str(v) => f.write_str(v),
        }
    }
}

/// The fields of an event or a span (a [`Visit`]or); `message` is kept apart.
#[derive(Debug, Clone, Default)]
pub struct EventFields {
    pub message: String,
    pub fields: BTreeMap<&'static str, FieldValue>,
}

impl Visit for EventFields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name(), FieldValue::U64(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name(), FieldValue::I64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name(), FieldValue::Bool(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields
                .insert(field.name(), FieldValue::Str(value.to_owned()));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.insert(field.name(), FieldValue::Str(text));
        }
    }
}

impl EventFields {
    /// Collect an event's fields.
    pub fn of_event(event: &tracing::Event<'_>) -> EventFields {
        let mut f = EventFields::default();
        event.record(&mut f);
        f
    }

    fn get(&self, name: &str) -> Option<&FieldValue> {
        self.fields.get(name)
    }

    /// The human line of a client event: `GET /csapi/v1.3/images -> 200 in 12 ms (attempt 1)`.
    /// `name` is the endpoint's public name (`images.list`), when the caller knows it.
    pub fn describe(&self, name: Option<&str>) -> String {
        let s = |k: &str| self.get(k).map(|v| v.to_string()).unwrap_or_default();
        let call = format!("{} {}", s("method"), s("path"));
        let attempt = match name {
            Some(n) => format!("(attempt {}, {n})", s("attempt")),
            None => format!("(attempt {})", s("attempt")),
        };
        let why = || match (self.get("status"), self.get("error")) {
            (Some(st), _) => format!("status {st}"),
            (None, Some(e)) => e.to_string(),
            (None, None) => "failed".to_owned(),
        };
        match self.message.as_str() {
            "request" => format!(
                "{call} -> {} in {} ms {attempt}",
                s("status"),
                s("elapsed_ms")
            ),
            "POST /auth" => format!("POST /auth -> {} in {} ms", s("status"), s("elapsed_ms")),
            "no answer" => format!(
                "{call}: no answer ({}) after {} ms {attempt}",
                s("error"),
                s("elapsed_ms")
            ),
            "retrying" => format!(
                "{call}: {}, retrying in {} ms {attempt}",
                why(),
                s("wait_ms")
            ),
            "giving up" => format!(
                "{call}: giving up after {} attempts ({})",
                s("attempts"),
                why()
            ),
            "rate limit: waiting" => format!(
                "rate limit: waiting {} ms for the {} family",
                s("wait_ms"),
                s("family")
            ),
            _ => {
                let mut line = self.message.clone();
                for (k, v) in &self.fields {
                    line.push_str(&format!(" {k}={v}"));
                }
                line
            }
        }
    }
}

/// The public name (`images.list`) of the endpoint with table id `id`, for log lines.
pub fn endpoint_name(id: &str) -> Option<String> {
    let ep = crate::table::by_id(id)?;
    Some(format!("{}.{}", ep.resource, ep.method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_each_event() {
        let mut f = EventFields {
            message: "POST /auth".into(),
            ..Default::default()
        };
        f.fields.insert("status", FieldValue::U64(201));
        f.fields.insert("elapsed_ms", FieldValue::U64(3));
        assert_eq!(f.describe(None), "POST /auth -> 201 in 3 ms");
        let mut f = EventFields {
            message: "retrying".into(),
            ..Default::default()
        };
        for (k, v) in [("method", "GET"), ("path", "/csapi/v1.3/images")] {
            f.fields.insert(k, FieldValue::Str(v.into()));
        }
        f.fields.insert("status", FieldValue::U64(429));
        f.fields.insert("attempt", FieldValue::U64(1));
        f.fields.insert("wait_ms", FieldValue::U64(250));
        assert_eq!(
            f.describe(Some("images.list")),
            "GET /csapi/v1.3/images: status 429, retrying in 250 ms (attempt 1, images.list)"
        );
    }
}
