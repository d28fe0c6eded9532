//! The per-call options, described once: [`RequestOptions`] is what the client uses, [`OPTIONS`]
//! names each option as every binding spells it, and [`RequestOptions::from_map`] reads a
//! binding's dict / object into it with the same types and the same validation errors, so a
//! binding never re-lists the fields.

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::time::Duration;

/// Per-call overrides; also the defaults of a client made by
/// [`Client::with_options`](super::Client::with_options).
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// The time limit of each HTTP attempt: connecting, sending, and receiving the headers and the
    /// whole body. A retry gets the full time again, and the waits between attempts (backoff, a
    /// 429's wait, the rate limiter's queue) are not counted. Default: the client's `timeout`.
    pub timeout: Option<Duration>,
    /// The total time of the call: every attempt, the waits between them (backoff, a 429's wait,
    /// the rate limiter's queue) and a token request; `Duration::ZERO` lifts the client's. For a
    /// list, each page fetch has it. Default: the client's `deadline` (none unless set).
    pub deadline: Option<Duration>,
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: Option<u32>,
    /// Extra headers (never logged).
    pub extra_headers: Vec<(String, String)>,
    /// Extra query parameters, appended after the endpoint's own.
    pub extra_query: Vec<(String, String)>,
}

impl RequestOptions {
    /// `other` on top of `self`: scalar options replace, lists extend.
    pub fn merged(&self, other: &RequestOptions) -> RequestOptions {
        let mut out = self.clone();
        if other.timeout.is_some() {
            out.timeout = other.timeout;
        }
        if other.deadline.is_some() {
            out.deadline = other.deadline;
        }
        if other.max_retries.is_some() {
            out.max_retries = other.max_retries;
        }
        out.extra_headers
            .extend(other.extra_headers.iter().cloned());
        out.extra_query.extend(other.extra_query.iter().cloned());
        out
    }
}

/// How a binding spells the options: key names and the unit of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `snake_case` keys, durations in seconds (Python).
    Python,
    /// `camelCase` keys, durations in milliseconds (Node).
    Node,
}

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A non-negative number of seconds (Python) or milliseconds (Node).
    Duration,
    /// A non-negative integer.
    Count,
    /// Name/value pairs: an object / dict (an array value repeats the name) or a list of
    /// `[name, value]` pairs; values are strings, numbers or booleans, sent as text.
    Pairs,
}

/// One per-call option.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The Python (and Rust) name.
    pub name: &'static str,
    /// The Node name.
    pub camel: &'static str,
    pub kind: OptionKind,
    pub doc: &'static str,
}

impl OptionSpec {
    pub fn name_in(&self, d: Dialect) -> &'static str {
        match d {
            Dialect::Python => self.name,
            Dialect::Node => self.camel,
        }
    }
}

/// Every per-call option, in the order the docs list them.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "timeout",
        camel: "timeout",
        kind: OptionKind::Duration,
        doc: "time limit of each HTTP attempt (connect, headers and whole body); each retry gets it \
              again, waits between attempts are not counted",
    },
    OptionSpec {
        name: "deadline",
        camel: "deadline",
        kind: OptionKind::Duration,
        doc: "total time of the call: every attempt, the waits between them and a token request \
              (for a list, of each page fetch); past it the call fails with DeadlineExceededError; \
              0 lifts the client's",
    },
    OptionSpec {
        name: "max_retries",
        camel: "maxRetries",
        kind: OptionKind::Count,
        doc: "retries after the first attempt (0 disables retrying)",
    },
    OptionSpec {
        name: "extra_headers",
        camel: "extraHeaders",
        kind: OptionKind::Pairs,
        doc: "extra request headers (never logged)",
    },
    OptionSpec {
        name: "extra_query",
        camel: "extraQuery",
        kind: OptionKind::Pairs,
        doc: "extra query parameters, after the endpoint's own",
    },
];

impl RequestOptions {
    /// Read options as a binding received them: keys spelled per `dialect`; `null` values mean
    /// "not given". `None` when nothing was given. An unknown key or a value of the wrong type is
    /// an [`Error::Validation`] naming the key.
    pub fn from_map(map: &Map<String, Value>, dialect: Dialect) -> Result<Option<RequestOptions>> {
        let mut o = RequestOptions::default();
        let mut any = false;
        for (key, value) in map {
            if value.is_null() {
                continue;
            }
            let Some(spec) = OPTIONS.iter().find(|s| s.name_in(dialect) == key) else {
                let known: Vec<&str> = OPTIONS.iter().map(|s| s.name_in(dialect)).collect();
                return Err(Error::validation(
                    key,
                    "unknown_option",
                    format!("is not a request option ({})", known.join(", ")),
                ));
            };
            any = true;
            match spec.name {
                "timeout" => o.timeout = Some(duration(key, value, dialect)?),
                "deadline" => o.deadline = Some(duration(key, value, dialect)?),
                "max_retries" => {
                    o.max_retries = Some(bounded_count(key, value, MAX_RETRIES)? as u32)
                }
                "extra_headers" => o.extra_headers = pairs(key, value, true)?,
                "extra_query" => o.extra_query = pairs(key, value, false)?,
                other => unreachable!("option {other} has no reader"),
            }
        }
        Ok(any.then_some(o))
    }

    /// [`from_map`](Self::from_map) for any JSON value: `null` is "no options", anything but an
    /// object is a validation error on `field`.
    pub fn from_value(
        value: &Value,
        dialect: Dialect,
        field: &str,
    ) -> Result<Option<RequestOptions>> {
        match value {
            Value::Null => Ok(None),
            Value::Object(m) => Self::from_map(m, dialect),
            _ => Err(Error::validation(field, "type", "must be an object")),
        }
    }
}

pub(crate) fn duration(key: &str, v: &Value, d: Dialect) -> Result<Duration> {
    let unit = match d {
        Dialect::Python => "seconds",
        Dialect::Node => "milliseconds",
    };
    let n = v
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| {
            Error::validation(
                key,
                "range",
                format!("must be a non-negative number of {unit}, got {v}"),
            )
        })?;
    let secs = match d {
        Dialect::Python => n,
        Dialect::Node => n / 1000.0,
    };
    Duration::try_from_secs_f64(secs).map_err(|_| {
        Error::validation(
            key,
            "range",
            format!("must be a non-negative number of {unit}, got {v}"),
        )
    })
}

/// Bounds of the counts a caller may set per call (with [`bounded_count`]; the client options'
/// bounds are declared in spec/options.json): far past any useful value, low enough that a typo
/// cannot mean "forever" or "a million sockets".
pub const MAX_RETRIES: u64 = 100;
pub const MAX_CONCURRENCY: u64 = 10_000;
pub const MAX_PREFETCH: u64 = 10_000;

/// A non-negative integer up to `max`: a negative, fractional, non-numeric or too-large value is
/// a validation error naming `key` (never wrapped, truncated or saturated).
pub fn bounded_count(key: &str, v: &Value, max: u64) -> Result<u64> {
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= max as f64)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    match n {
        Some(n) if n <= max => Ok(n),
        _ => Err(Error::validation(
            key,
            "range",
            format!("must be an integer from 0 to {max}, got {v}"),
        )),
    }
}

fn text(key: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::validation(
            key,
            "type",
            format!("values must be strings, numbers or booleans, got {other}"),
        )),
    }
}

/// Name/value pairs of `key` (as the caller spells it); `headers`: the values are header values.
fn pairs(key: &str, v: &Value, headers: bool) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    // A header's value is text on the wire, and every binding's types say so: a number or boolean
    // there is refused (in every spelling: Python's `extra_headers`, Node's `extraHeaders`), while
    // query values, which the API reads as numbers and flags, may still be given as such.
    let mut push = |name: &str, value: &Value| -> Result<()> {
        let one = |x: &Value| -> Result<String> {
            if headers && !x.is_string() {
                return Err(Error::validation(
                    key,
                    "type",
                    format!("the value of header `{name}` must be a string, got {x}"),
                ));
            }
            text(key, x)
        };
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for x in items {
                    out.push((name.to_owned(), one(x)?));
                }
            }
            x => out.push((name.to_owned(), one(x)?)),
        }
        Ok(())
    };
    match v {
        Value::Object(m) => {
            for (name, value) in m {
                push(name, value)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                match item.as_array().map(Vec::as_slice) {
                    Some([Value::String(name), value]) if !value.is_array() => push(name, value)?,
                    _ => {
                        return Err(Error::validation(
                            key,
                            "type",
                            "must be a mapping or a list of (name, value) pairs",
                        ));
                    }
                }
            }
        }
        _ => {
            return Err(Error::validation(
                key,
                "type",
                "must be a mapping or a list of (name, value) pairs",
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value, d: Dialect) -> Result<Option<RequestOptions>> {
        RequestOptions::from_value(&v, d, "options")
    }

    fn field_of(r: Result<Option<RequestOptions>>) -> (String, String) {
        match r {
            Err(Error::Validation { field, rule, .. }) => (field, rule),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn header_values_must_be_strings() {
        for bad in [
            json!({"X-A": 1}),
            json!({"X-A": true}),
            json!({"X-A": ["a", 2]}),
            json!([["X-A", 1]]),
        ] {
            let err = read(json!({"extra_headers": bad}), Dialect::Python).unwrap_err();
            assert!(
                err.to_string().contains("header `X-A` must be a string"),
                "{err}"
            );
            assert_eq!(field_of(Err(err)), ("extra_headers".into(), "type".into()));
            // Node's spelling is held to the same rule.
            let err = read(json!({"extraHeaders": bad}), Dialect::Node).unwrap_err();
            assert_eq!(field_of(Err(err)), ("extraHeaders".into(), "type".into()));
        }
        // Query values keep numbers and flags, sent as their text.
        let o = read(json!({"extra_query": {"a": 1, "b": true}}), Dialect::Python)
            .unwrap()
            .unwrap();
        assert_eq!(
            o.extra_query,
            vec![("a".into(), "1".into()), ("b".into(), "true".into())]
        );
    }

    #[test]
    fn python_spelling_in_seconds() {
        let o = read(
            json!({"timeout": 1.5, "max_retries": 2, "extra_headers": {"X-A": "1"},
                   "extra_query": [["a", "1"], ["a", 2]]}),
            Dialect::Python,
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.max_retries, Some(2));
        assert_eq!(o.extra_headers, vec![("X-A".into(), "1".into())]);
        assert_eq!(
            o.extra_query,
            vec![("a".into(), "1".into()), ("a".into(), "2".into())]
        );
    }

    #[test]
    fn node_spelling_in_milliseconds() {
        let o = read(
            json!({"timeout": 1500, "maxRetries": 0, "extraQuery": {"x": ["a", "b"], "y": true}}),
            Dialect::Node,
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(o.max_retries, Some(0));
        assert_eq!(
            o.extra_query,
            vec![
                ("x".into(), "a".into()),
                ("x".into(), "b".into()),
                ("y".into(), "true".into())
            ]
        );
        // The other binding's spelling is not this one's.
        assert_eq!(
            field_of(read(json!({"max_retries": 1}), Dialect::Node)).0,
            "max_retries"
        );
    }

    #[test]
    fn nothing_given_is_none() {
        assert!(read(json!({}), Dialect::Python).unwrap().is_none());
        assert!(
            read(json!({"timeout": null}), Dialect::Node)
                .unwrap()
                .is_none()
        );
        assert!(read(Value::Null, Dialect::Node).unwrap().is_none());
    }

    #[test]
    fn errors_name_the_option() {
        assert_eq!(
            field_of(read(json!({"timeout": -1}), Dialect::Python)),
            ("timeout".into(), "range".into())
        );
        assert_eq!(
            field_of(read(json!({"timeout": "soon"}), Dialect::Node)),
            ("timeout".into(), "range".into())
        );
        assert_eq!(
            field_of(read(json!({"maxRetries": 1.5}), Dialect::Node)),
            ("maxRetries".into(), "range".into())
        );
        assert_eq!(
            field_of(read(json!({"extra_headers": "x"}), Dialect::Python)),
            ("extra_headers".into(), "type".into())
        );
        assert_eq!(
            field_of(read(
                json!({"extraHeaders": {"a": {"b": 1}}}),
                Dialect::Node
            )),
            ("extraHeaders".into(), "type".into())
        );
        assert_eq!(
            field_of(read(json!({"bogus": 1}), Dialect::Python)),
            ("bogus".into(), "unknown_option".into())
        );
        assert_eq!(
            field_of(read(json!([1]), Dialect::Python)),
            ("options".into(), "type".into())
        );
    }

    #[test]
    fn counts_never_wrap() {
        for bad in [
            json!(-1),
            json!(1.5),
            json!("3"),
            json!(101),
            json!(4294967295u64),
        ] {
            assert_eq!(
                field_of(read(json!({"maxRetries": bad}), Dialect::Node)),
                ("maxRetries".into(), "range".into())
            );
        }
        let o = read(json!({"max_retries": 2.0}), Dialect::Python)
            .unwrap()
            .unwrap();
        assert_eq!(o.max_retries, Some(2));
    }

    #[test]
    fn every_option_has_a_reader() {
        for spec in OPTIONS {
            let v = match spec.kind {
                OptionKind::Duration | OptionKind::Count => json!(1),
                OptionKind::Pairs => json!({"a": "b"}),
            };
            for d in [Dialect::Python, Dialect::Node] {
                let mut m = Map::new();
                m.insert(spec.name_in(d).to_owned(), v.clone());
                assert!(RequestOptions::from_map(&m, d).unwrap().is_some());
            }
        }
    }
}
