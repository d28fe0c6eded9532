//! Turning a table endpoint and the caller's arguments into a request, validated before sending.

use crate::error::{Error, Result};
use crate::table::{BodyKind, BodySpec, Endpoint, FileField, QueryParam, QueryType};
use crate::validate;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value};

/// Everything but unreserved characters is encoded in a path segment, `/` included, so an id can
/// never change the path.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b';')
    .add(b'+')
    .add(b'&')
    .add(b'=');

/// The deepest a JSON body may nest (objects and arrays), in every language. Below serde_json's
/// recursion limit (128) when reading JSON, with room for the arguments object around a body: a
/// deeper body is one the client could not read back (the Node binding hands arguments over as
/// JSON text), and converting one recurses on the native stack, which a circular or ~10,000-deep
/// value overflows. The API's bodies nest a handful of levels.
pub const MAX_JSON_DEPTH: usize = 100;

/// The longest id (a path parameter), in bytes. The API's ids are UUIDs, sha256 digests and
/// numbers (under 80 characters); 1 KiB leaves room for any id while refusing garbage up front
/// instead of sending it (a megabyte id only fails on the wire, as a connection error).
pub const MAX_ID_LEN: usize = 1024;

/// The longest query argument (a filter, a sort, one id of a list), in bytes: 8 KiB, the request
/// line limit of common servers and proxies (nginx, Apache, most load balancers). A longer value
/// cannot arrive, so it is refused before anything is sent.
pub const MAX_QUERY_VALUE_LEN: usize = 8 * 1024;

/// Arguments of a call, keyed by the table's caller-facing names (`filter`, `page_size`, `sha`,
/// `body`, ...). camelCase spellings (`pageSize`, `scheduleIds`) are accepted too, so Node passes its
/// options straight through.
#[derive(Debug, Clone, Default)]
pub struct Args(pub Map<String, Value>);

impl Args {
    pub fn new() -> Self {
        Args::default()
    }

    /// Add an argument; `None`-like values (`Value::Null`) are the same as leaving it out.
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    /// Add an argument when it has a value.
    pub fn set_opt<V: Into<Value>>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.set(name, v),
            None => self,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
}

impl From<Map<String, Value>> for Args {
    fn from(m: Map<String, Value>) -> Self {
        Args(m)
    }
}

/// The body of a prepared request.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Json(Vec<u8>),
    /// One file part, named and typed as the table says.
    Multipart {
        file: FileField,
        content: Vec<u8>,
    },
}

/// A request ready for the transport.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Body>,
    /// Arguments the client handles itself (e.g. a download's target `path`).
    pub local: Map<String, Value>,
}

/// `pageSize` → `page_size`.
pub fn to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, ch) in s.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn known_args(ep: &Endpoint) -> Vec<&str> {
    let mut names: Vec<&str> = ep.path_params.iter().map(|p| p.arg.as_str()).collect();
    names.extend(ep.query.iter().map(|q| q.arg.as_str()));
    if let Some(arg) = ep.body.as_ref().and_then(|b| b.arg.as_deref()) {
        names.push(arg);
    }
    names.extend(ep.local_args.iter().map(|l| l.arg.as_str()));
    names
}

/// `(table argument name, the caller's spelling)` for each argument the caller spelled differently.
type Spellings = Vec<(String, String)>;

/// Map the caller's keys onto the table's argument names, refusing unknown ones. Also returns the
/// caller's own spelling of each renamed argument, so errors name the field as the caller wrote it.
fn normalize(ep: &Endpoint, args: Args) -> Result<(Map<String, Value>, Spellings)> {
    let known = known_args(ep);
    let mut out = Map::new();
    let mut spelled = Vec::new();
    for (k, v) in args.0 {
        let name = if known.contains(&k.as_str()) {
            k
        } else {
            let snake = to_snake(&k);
            if known.contains(&snake.as_str()) {
                spelled.push((snake.clone(), k.clone()));
                snake
            } else {
                let expected = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                return Err(Error::validation(
                    k.clone(),
                    "unknown_argument",
                    format!(
                        "is not an argument of {}; expected: {expected}",
                        ep.qualified_name()
                    ),
                ));
            }
        };
        if !v.is_null() {
            out.insert(name, v);
        }
    }
    Ok((out, spelled))
}

fn scalar_string(field: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(Error::validation(
            field,
            "type",
            format!("must be a string, got {other}"),
        )),
    }
}

/// A query argument's text, within [`MAX_QUERY_VALUE_LEN`].
fn query_string(field: &str, v: &Value) -> Result<String> {
    let s = scalar_string(field, v)?;
    if s.len() > MAX_QUERY_VALUE_LEN {
        return Err(Error::validation(
            field,
            "max_length",
            format!(
                "is {} bytes long, more than the {MAX_QUERY_VALUE_LEN} a request line can carry",
                s.len()
            ),
        ));
    }
    Ok(s)
}

/// Check and encode one path parameter value. Ids are strings: a number or a boolean would be
/// sent as its text (`get(True)` -> `/images/true`), which is never the caller's intent. Where
/// the API's id is a number (`numeric`, a control id), a non-negative integer is taken too.
pub(crate) fn path_segment(field: &str, v: Option<&Value>, numeric: bool) -> Result<String> {
    let v = v.ok_or_else(|| Error::validation(field, "required", "is required"))?;
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if numeric && n.as_u64().is_some() => n.to_string(),
        other if numeric => {
            return Err(Error::validation(
                field,
                "type",
                format!("must be a control id (a non-negative integer or its text), got {other}"),
            ));
        }
        other => {
            return Err(Error::validation(
                field,
                "type",
                format!("must be a string id, got {other}"),
            ));
        }
    };
    if s.len() > MAX_ID_LEN {
        return Err(Error::validation(
            field,
            "max_length",
            format!("is {} bytes long, more than {MAX_ID_LEN}", s.len()),
        ));
    }
    if s.trim().is_empty() {
        return Err(Error::validation(field, "non_empty", "must not be empty"));
    }
    // URL parsers resolve `.`/`..` segments (encoded or not): they would change the path.
    if s == "." || s == ".." {
        return Err(Error::validation(
            field,
            "path_segment",
            format!("must not be {s:?}"),
        ));
    }
    Ok(utf8_percent_encode(&s, SEGMENT).to_string())
}

/// Refuse a body nested deeper than [`MAX_JSON_DEPTH`] (iteratively: the check itself must not
/// recurse on what it guards against).
pub(crate) fn check_depth(field: &str, v: &Value) -> Result<()> {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(m) => Box::new(m.values()),
            _ => continue,
        };
        if depth >= MAX_JSON_DEPTH {
            return Err(Error::validation(
                field,
                "max_depth",
                format!("is nested deeper than {MAX_JSON_DEPTH} levels"),
            ));
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// Validate `args` against `ep` and build the request parts.
pub(crate) fn prepare(ep: &Endpoint, args: Args, check: bool) -> Result<Prepared> {
    let (args, spelled) = normalize(ep, args)?;
    prepare_normalized(ep, args, check).map_err(|e| match e {
        Error::Validation {
            field,
            rule,
            message,
        } => {
            let field = spelled
                .iter()
                .find(|(arg, _)| *arg == field)
                .map_or(field, |(_, own)| own.clone());
            Error::Validation {
                field,
                rule,
                message,
            }
        }
        other => other,
    })
}

fn prepare_normalized(
    ep: &Endpoint,
    mut args: Map<String, Value>,
    check: bool,
) -> Result<Prepared> {
    let mut path = ep.path.clone();
    for p in &ep.path_params {
        let seg = path_segment(&p.arg, args.get(&p.arg), p.numeric)?;
        path = path.replace(&format!("{{{}}}", p.name), &seg);
    }
    let query = query_of(ep, &args, check)?;
    let body = match &ep.body {
        None => None,
        Some(spec) => Some(body_of(ep, spec, &mut args, check)?),
    };
    let local = ep
        .local_args
        .iter()
        .filter_map(|l| args.get(&l.arg).map(|v| (l.arg.clone(), v.clone())))
        .collect();
    Ok(Prepared {
        path,
        query,
        body,
        local,
    })
}

/// The query of a call: each of the endpoint's query arguments checked by its type (and, with
/// `check`, by the documented rules), in the table's order.
fn query_of(
    ep: &Endpoint,
    args: &Map<String, Value>,
    check: bool,
) -> Result<Vec<(String, String)>> {
    let mut query = Vec::new();
    let mut wire = Map::new();
    for q in &ep.query {
        let Some(v) = args.get(&q.arg) else {
            if q.required {
                return Err(Error::validation(&q.arg, "required", "is required"));
            }
            continue;
        };
        let field = q.arg.as_str();
        let value = match q.ty {
            QueryType::String => Value::String(string_arg(q, v, check)?),
            QueryType::Integer => Value::from(integer_arg(q, v, check)?),
            QueryType::Boolean => Value::Bool(boolean_arg(field, v)?),
            QueryType::StringArray => {
                let items = string_array_arg(field, v)?;
                // An empty list is the same as not giving the argument.
                if items.is_empty() {
                    if q.required {
                        return Err(Error::validation(
                            field,
                            "min_items",
                            "needs at least 1 item",
                        ));
                    }
                    continue;
                }
                // Repeated `name=a&name=b` (S004 scheduleIds; P-swagger explode: true).
                query.extend(items.iter().map(|s| (q.name.clone(), s.clone())));
                wire.insert(q.name.clone(), Value::from(items));
                continue;
            }
        };
        query.push((
            q.name.clone(),
            match &value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        ));
        wire.insert(q.name.clone(), value);
    }
    if check {
        validate::check(&Value::Object(wire), &ep.query_validation, "query")?;
    }
    Ok(query)
}

fn string_arg(q: &QueryParam, v: &Value, check: bool) -> Result<String> {
    let field = q.arg.as_str();
    // A number where text is declared (`filter=123`) is a mistake in the caller's code, not a
    // value to send as text: the server would answer 400 for a QQL `123`.
    if !v.is_string() {
        return Err(Error::validation(
            field,
            "type",
            format!("must be a string, got {v}"),
        ));
    }
    let s = query_string(field, v)?;
    if let Some(allowed) = q.allowed.as_ref().filter(|_| check)
        && !allowed.iter().any(|a| a.as_str() == Some(s.as_str()))
    {
        let list: Vec<String> = allowed
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        return Err(Error::validation(
            field,
            "enum",
            format!("must be one of {}, got {s:?}", list.join(", ")),
        ));
    }
    if q.required && s.trim().is_empty() {
        return Err(Error::validation(field, "non_empty", "must not be empty"));
    }
    Ok(s)
}

fn integer_arg(q: &QueryParam, v: &Value, check: bool) -> Result<i64> {
    let field = q.arg.as_str();
    let n = match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_i64().unwrap_or(i64::MAX),
        Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().unwrap_or_default(),
        other => {
            return Err(Error::validation(
                field,
                "type",
                format!("must be an integer, got {other}"),
            ));
        }
    };
    if check && (q.min.is_some_and(|m| n < m) || q.max.is_some_and(|m| n > m)) {
        let lo = q.min.map_or("-∞".into(), |m| m.to_string());
        let hi = q.max.map_or("∞".into(), |m| m.to_string());
        return Err(Error::validation(
            field,
            "range",
            format!("must be from {lo} to {hi}, got {n}"),
        ));
    }
    Ok(n)
}

fn boolean_arg(field: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        other => Err(Error::validation(
            field,
            "type",
            format!("must be a boolean, got {other}"),
        )),
    }
}

fn string_array_arg(field: &str, v: &Value) -> Result<Vec<String>> {
    let items: Vec<String> = match v {
        Value::Array(a) => a
            .iter()
            .map(|x| query_string(field, x))
            .collect::<Result<_>>()?,
        other => vec![query_string(field, other)?],
    };
    if items.iter().any(|s| s.trim().is_empty()) {
        return Err(Error::validation(
            field,
            "non_empty",
            "must not contain empty ids",
        ));
    }
    Ok(items)
}

/// The body of a call, from its argument (`body`, or the one the table names), by the body's kind.
fn body_of(
    ep: &Endpoint,
    spec: &BodySpec,
    args: &mut Map<String, Value>,
    check: bool,
) -> Result<Body> {
    let arg = spec.arg.as_deref().unwrap_or("body");
    let given = args.remove(arg);
    match spec.kind {
        BodyKind::JsonObject => json_object_body(ep, spec, arg, given, check),
        BodyKind::JsonArray => {
            let v = match given {
                Some(Value::Array(a)) => {
                    for x in &a {
                        if x.as_str().is_none_or(|s| s.trim().is_empty()) {
                            return Err(Error::validation(
                                arg,
                                "type",
                                format!("must be a list of non-empty id strings, got {x}"),
                            ));
                        }
                    }
                    Value::Array(a)
                }
                Some(Value::String(s)) => Value::Array(vec![Value::String(s)]),
                Some(other) => {
                    return Err(Error::validation(
                        arg,
                        "type",
                        format!("must be a list of ids, got {other}"),
                    ));
                }
                None => return Err(Error::validation(arg, "required", "is required")),
            };
            if check {
                validate::check(&v, &spec.validation, arg)?;
            }
            Ok(Body::Json(
                serde_json::to_vec(&v).expect("a Value always serializes"),
            ))
        }
        BodyKind::Multipart => multipart_body(ep, spec, arg, given),
        BodyKind::Form => Err(Error::Config(format!(
            "{} is called by the client itself",
            ep.qualified_name()
        ))),
    }
}

fn json_object_body(
    ep: &Endpoint,
    spec: &BodySpec,
    arg: &str,
    given: Option<Value>,
    check: bool,
) -> Result<Body> {
    let v = match given {
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(Error::validation(
                arg,
                "type",
                format!("must be an object (dict), got {other}"),
            ));
        }
        None if spec.required_fields.is_empty() => Value::Object(Map::new()),
        None => return Err(Error::validation(arg, "required", "is required")),
    };
    check_depth(arg, &v)?;
    let obj = v.as_object().expect("checked above");
    if let Some(missing) = spec
        .required_fields
        .iter()
        .filter(|_| check)
        .find(|f| obj.get(f.as_str()).is_none_or(Value::is_null))
    {
        return Err(Error::validation(
            missing.clone(),
            "required",
            format!("is required in the body of {}", ep.qualified_name()),
        ));
    }
    if check {
        validate::check(&v, &spec.validation, arg)?;
    }
    Ok(Body::Json(
        serde_json::to_vec(&v).expect("a Value always serializes"),
    ))
}

fn multipart_body(ep: &Endpoint, spec: &BodySpec, arg: &str, given: Option<Value>) -> Result<Body> {
    let content = match given {
        Some(Value::String(s)) => s.into_bytes(),
        Some(v @ Value::Object(_)) => {
            check_depth(arg, &v)?;
            serde_json::to_vec(&v).expect("a Value always serializes")
        }
        Some(other) => {
            return Err(Error::validation(
                arg,
                "type",
                format!("must be the JSON text or object of the file, got {other}"),
            ));
        }
        None => return Err(Error::validation(arg, "required", "is required")),
    };
    let file = spec.file.as_ref().ok_or_else(|| {
        Error::Config(format!(
            "{}: the table gives a multipart body no file part",
            ep.qualified_name()
        ))
    })?;
    Ok(Body::Multipart {
        file: file.clone(),
        content,
    })
}
