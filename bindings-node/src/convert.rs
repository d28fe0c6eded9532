//! Rust → JS values, built natively with Node-API calls (no JSON text round trip).
//!
//! Objects keep the API's key order (serde_json `preserve_order`; V8 keeps insertion order for
//! non-index keys, exactly as `JSON.parse` does). Integers: JS numbers are exact only up to 2^53,
//! so the client option `largeIntegers` decides what an integer beyond ±(2^53 − 1) becomes:
//! `'number'` (default: the nearest double, the same value `JSON.parse` gives, so results compare
//! equal to any JS HTTP client's), `'bigint'` (exact, but `typeof` differs and `JSON.stringify`
//! refuses it) or `'string'` (exact decimal text). Every integer within the safe range is a number.

// Every `unsafe` block of the binding is in this module (the Node-API calls that build JS values),
// each with the reason it is sound; clippy enforces the notes.
#![warn(clippy::undocumented_unsafe_blocks)]

use crate::errors::rate_limit_json;
use napi::bindgen_prelude::ToNapiValue;
use napi::sys;
use qualys_cs::paginate::ItemSpan;
use qualys_cs::{Output, RawOutput, ResponseMeta};
use serde_json::{Map, Value};
use std::ptr;

const MAX_SAFE: i64 = (1 << 53) - 1;
const MAX_DEPTH: u32 = 256;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IntMode {
    #[default]
    Number,
    BigInt,
    String,
}

impl IntMode {
    pub(crate) fn parse(s: Option<&str>) -> napi::Result<Self> {
        Ok(match s {
            None | Some("number") => IntMode::Number,
            Some("bigint") => IntMode::BigInt,
            Some("string") => IntMode::String,
            Some(other) => {
                return Err(crate::errors::invalid(
                    "largeIntegers",
                    "enum",
                    format!("must be 'number', 'bigint' or 'string', got {other:?}"),
                ));
            }
        })
    }
}

/// Runs a conversion so that a panic in it becomes a JS error instead of unwinding through the
/// Node-API callback (which aborts the process): the conversions run on the JS thread, outside
/// the `#[napi(catch_unwind)]` guard of the entry points.
fn guarded(f: impl FnOnce() -> napi::Result<sys::napi_value>) -> napi::Result<sys::napi_value> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(napi::bindgen_prelude::panic_to_error)
        .and_then(|r| r)
}

macro_rules! check {
    ($e:expr, $what:literal) => {
        // SAFETY: every `check!` wraps one Node-API call made with the live `env` of the call in
        // progress (the enclosing fn's contract), values created in its scope and out-pointers to
        // initialised locals.
        if unsafe { $e } != sys::Status::napi_ok {
            return Err(napi::Error::new(
                napi::Status::GenericFailure,
                concat!("Node-API: failed to ", $what),
            ));
        }
    };
}

unsafe fn string(env: sys::napi_env, s: &str) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(
        sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out),
        "create a string"
    );
    Ok(out)
}

unsafe fn double(env: sys::napi_env, n: f64) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(sys::napi_create_double(env, n, &mut out), "create a number");
    Ok(out)
}

unsafe fn null(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(sys::napi_get_null(env, &mut out), "get null");
    Ok(out)
}

unsafe fn number(
    env: sys::napi_env,
    n: &serde_json::Number,
    mode: IntMode,
) -> napi::Result<sys::napi_value> {
    if let Some(i) = n.as_i64() {
        if (-MAX_SAFE..=MAX_SAFE).contains(&i) {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            return unsafe { double(env, i as f64) };
        }
        let mut out = ptr::null_mut();
        return match mode {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            IntMode::Number => unsafe { double(env, i as f64) },
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            IntMode::String => unsafe { string(env, &i.to_string()) },
            IntMode::BigInt => {
                check!(
                    sys::napi_create_bigint_int64(env, i, &mut out),
                    "create a bigint"
                );
                Ok(out)
            }
        };
    }
    if let Some(u) = n.as_u64() {
        let mut out = ptr::null_mut();
        return match mode {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            IntMode::Number => unsafe { double(env, u as f64) },
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            IntMode::String => unsafe { string(env, &u.to_string()) },
            IntMode::BigInt => {
                check!(
                    sys::napi_create_bigint_uint64(env, u, &mut out),
                    "create a bigint"
                );
                Ok(out)
            }
        };
    }
    // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this fn's
    // own contract, passed on unchanged), and every `napi_value` given was created in that call's
    // scope.
    unsafe { double(env, n.as_f64().unwrap_or(f64::NAN)) }
}

unsafe fn set(
    env: sys::napi_env,
    obj: sys::napi_value,
    key: &str,
    value: sys::napi_value,
) -> napi::Result<()> {
    // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this fn's
    // own contract, passed on unchanged), and every `napi_value` given was created in that call's
    // scope.
    let k = unsafe { string(env, key)? };
    if key == "__proto__" {
        // `napi_set_property` would run the `__proto__` setter and swap the prototype; `JSON.parse`
        // creates an own property instead, and so do we.
        let desc = sys::napi_property_descriptor {
            utf8name: ptr::null(),
            name: k,
            method: None,
            getter: None,
            setter: None,
            value,
            attributes: sys::PropertyAttributes::writable
                | sys::PropertyAttributes::enumerable
                | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        };
        check!(
            sys::napi_define_properties(env, obj, 1, &desc),
            "define a property"
        );
    } else {
        check!(sys::napi_set_property(env, obj, k, value), "set a property");
    }
    Ok(())
}

pub(crate) unsafe fn value(
    env: sys::napi_env,
    v: &Value,
    mode: IntMode,
    depth: u32,
) -> napi::Result<sys::napi_value> {
    if depth > MAX_DEPTH {
        return Err(napi::Error::new(
            napi::Status::GenericFailure,
            "JSON nested too deeply",
        ));
    }
    let mut out = ptr::null_mut();
    match v {
        // SAFETY: `env` and the values passed are live in this call's scope (this fn's contract);
        // out-pointers are initialised locals, and a buffer passed is as long as the length given
        // with it.
        Value::Null => return unsafe { null(env) },
        Value::Bool(b) => check!(sys::napi_get_boolean(env, *b, &mut out), "get a boolean"),
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Value::Number(n) => return unsafe { number(env, n, mode) },
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Value::String(s) => return unsafe { string(env, s) },
        Value::Array(a) => {
            check!(
                sys::napi_create_array_with_length(env, a.len(), &mut out),
                "create an array"
            );
            for (i, x) in a.iter().enumerate() {
                // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread
                // (this fn's own contract, passed on unchanged), and every `napi_value` given was
                // created in that call's scope.
                let item = unsafe { value(env, x, mode, depth + 1)? };
                check!(
                    sys::napi_set_element(env, out, i as u32, item),
                    "set an element"
                );
            }
        }
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Value::Object(m) => return unsafe { object(env, m, mode, depth) },
    }
    Ok(out)
}

unsafe fn object(
    env: sys::napi_env,
    m: &Map<String, Value>,
    mode: IntMode,
    depth: u32,
) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check!(sys::napi_create_object(env, &mut out), "create an object");
    for (k, x) in m {
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        let item = unsafe { value(env, x, mode, depth + 1)? };
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        unsafe { set(env, out, k, item)? };
    }
    Ok(out)
}

unsafe fn bytes(env: sys::napi_env, b: &[u8]) -> napi::Result<sys::napi_value> {
    let mut data = ptr::null_mut();
    let mut out = ptr::null_mut();
    check!(
        sys::napi_create_buffer_copy(env, b.len(), b.as_ptr().cast(), &mut data, &mut out),
        "create a buffer"
    );
    Ok(out)
}

/// JSON text as JS values through V8's own `JSON.parse`: in the default integer mode it gives
/// exactly what the Node-API walk over a `Value` gives, several times faster (one native call
/// instead of several per property: a 1,000-item page went from 32 ms to 13 ms end to end).
/// Response bodies were checked to be JSON in core, so for them it does not throw.
unsafe fn json_parse(env: sys::napi_env, text: &[u8]) -> napi::Result<sys::napi_value> {
    let (mut global, mut json, mut parse, mut s, mut out) = (
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    check!(
        sys::napi_get_global(env, &mut global),
        "get the global object"
    );
    check!(
        sys::napi_get_named_property(env, global, c"JSON".as_ptr(), &mut json),
        "get JSON"
    );
    check!(
        sys::napi_get_named_property(env, json, c"parse".as_ptr(), &mut parse),
        "get JSON.parse"
    );
    if text.is_ascii() {
        // The usual case: an ASCII body is also Latin-1, which V8 copies into a one-byte string
        // as is, without the UTF-8 decoder's pass.
        check!(
            sys::napi_create_string_latin1(env, text.as_ptr().cast(), text.len() as isize, &mut s),
            "create a string"
        );
    } else {
        check!(
            sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut s),
            "create a string"
        );
    }
    // SAFETY: `env` is live (this fn's contract); `json`, `parse` and `s` were created in this
    // scope and `out` is a valid out-pointer.
    match unsafe { sys::napi_call_function(env, json, parse, 1, &s, &mut out) } {
        sys::Status::napi_ok => Ok(out),
        // It threw (a replaced `JSON.parse`, a body beyond V8's string limit): take the exception
        // back, or a promise being settled with it would never settle, and report its message.
        sys::Status::napi_pending_exception => {
            let mut exc = ptr::null_mut();
            // SAFETY: `env` is live and has a pending exception (the call above failed); `exc` is a
            // valid out-pointer.
            unsafe { sys::napi_get_and_clear_last_exception(env, &mut exc) };
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            Err(napi::Error::new(napi::Status::GenericFailure, unsafe {
                error_message(env, exc)
            }))
        }
        _ => Err(napi::Error::new(
            napi::Status::GenericFailure,
            "Node-API: failed to call JSON.parse",
        )),
    }
}

/// `String(exc.message ?? exc)`, best effort.
unsafe fn error_message(env: sys::napi_env, exc: sys::napi_value) -> String {
    const FALLBACK: &str = "JSON.parse failed";
    let ok = sys::Status::napi_ok;
    let (mut msg, mut s) = (ptr::null_mut(), ptr::null_mut());
    if exc.is_null() {
        return FALLBACK.into();
    }
    let target =
        // SAFETY: `env` and the values passed are live in this call's scope (this fn's contract);
        // out-pointers are initialised locals, and a buffer passed is as long as the length given
        // with it.
        if unsafe { sys::napi_get_named_property(env, exc, c"message".as_ptr(), &mut msg) } == ok {
            msg
        } else {
            exc
        };
    // SAFETY: `env` and the values passed are live in this call's scope (this fn's contract);
    // out-pointers are initialised locals, and a buffer passed is as long as the length given with
    // it.
    if unsafe { sys::napi_coerce_to_string(env, target, &mut s) } != ok {
        return FALLBACK.into();
    }
    let mut len = 0;
    // SAFETY: `env` and the values passed are live in this call's scope (this fn's contract);
    // out-pointers are initialised locals, and a buffer passed is as long as the length given with
    // it.
    if unsafe { sys::napi_get_value_string_utf8(env, s, ptr::null_mut(), 0, &mut len) } != ok {
        return FALLBACK.into();
    }
    let mut buf = vec![0u8; len + 1];
    // SAFETY: `env` and the values passed are live in this call's scope (this fn's contract);
    // out-pointers are initialised locals, and a buffer passed is as long as the length given with
    // it.
    if unsafe {
        sys::napi_get_value_string_utf8(env, s, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    } != ok
    {
        return FALLBACK.into();
    }
    buf.truncate(len);
    String::from_utf8_lossy(&buf).into_owned()
}

/// JSON bytes as a JS value in `mode`: `JSON.parse` for plain numbers, else the exact walk. A
/// failure (what core's check cannot see: a number beyond f64, a lone surrogate, extreme nesting)
/// is a `DecodeError` of the response `meta` came with.
pub(crate) unsafe fn json(
    env: sys::napi_env,
    text: &[u8],
    mode: IntMode,
    meta: Option<&ResponseMeta>,
) -> napi::Result<sys::napi_value> {
    let result = match mode {
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        IntMode::Number => unsafe { json_parse(env, text) },
        _ => match serde_json::from_slice::<Value>(text) {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            Ok(v) => unsafe { value(env, &v, mode, 0) },
            Err(e) => Err(napi::Error::new(
                napi::Status::GenericFailure,
                e.to_string(),
            )),
        },
    };
    match (result, meta) {
        (Err(e), Some(meta)) => Err(crate::errors::to_napi(meta.decode_error(text, e.reason))),
        (r, _) => r,
    }
}

unsafe fn output(
    env: sys::napi_env,
    o: &RawOutput,
    mode: IntMode,
    meta: &ResponseMeta,
) -> napi::Result<sys::napi_value> {
    match o {
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Output::Json(b) => unsafe { json(env, b, mode, Some(meta)) },
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Output::Text(s) => unsafe { string(env, s) },
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Output::Bytes(b) => unsafe { bytes(env, b) },
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        Output::Empty => unsafe { null(env) },
    }
}

/// Status, headers (lower-case names; repeated headers joined with `, `, as `fetch` does) and
/// rate-limit state, as `{status, headers, rateLimit, attempts}` entries of `m`.
fn meta_into(meta: &ResponseMeta, m: &mut Map<String, Value>) {
    let mut headers = Map::new();
    for (name, v) in &meta.headers {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(v));
            }
        }
    }
    m.insert("status".into(), meta.status.into());
    m.insert("headers".into(), Value::Object(headers));
    m.insert(
        "rateLimit".into(),
        meta.rate_limit
            .as_ref()
            .map_or(Value::Null, rate_limit_json),
    );
    m.insert("attempts".into(), meta.attempts.into());
}

/// The resolved value of a call: the data, or `{data, status, headers, rateLimit, attempts}` when
/// the caller asked for the raw response.
pub struct CallResult {
    pub output: RawOutput,
    pub meta: ResponseMeta,
    /// Resolve to `{data, status, headers, rateLimit, attempts}` rather than the data alone.
    pub raw: bool,
    pub mode: IntMode,
}

impl ToNapiValue for CallResult {
    unsafe fn to_napi_value(env: sys::napi_env, v: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: `build` has this fn's contract (a live `env` on the JS thread), passed on.
        guarded(|| unsafe { Self::build(env, v) })
    }
}

impl CallResult {
    /// The JS value (see [`guarded`] for why `to_napi_value` does not build it itself).
    unsafe fn build(env: sys::napi_env, r: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        let data = unsafe { output(env, &r.output, r.mode, &r.meta)? };
        if !r.raw {
            return Ok(data);
        }
        let meta = &r.meta;
        let mut m = Map::new();
        meta_into(meta, &mut m);
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        let obj = unsafe { object(env, &Map::new(), r.mode, 0)? };
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        unsafe { set(env, obj, "data", data)? };
        for (k, v) in &m {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            let x = unsafe { value(env, v, r.mode, 1)? };
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            unsafe { set(env, obj, k, x)? };
        }
        Ok(obj)
    }
}

/// One page for JS: `{items, number, total, cursor, extra, status, headers, rateLimit, attempts}`,
/// or `null` at the end.
pub struct PageResult {
    pub page: Option<qualys_cs::Page<ItemSpan>>,
    pub mode: IntMode,
}

impl ToNapiValue for PageResult {
    unsafe fn to_napi_value(env: sys::napi_env, v: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: `build` has this fn's contract (a live `env` on the JS thread), passed on.
        guarded(|| unsafe { Self::build(env, v) })
    }
}

impl PageResult {
    /// The JS value (see [`guarded`] for why `to_napi_value` does not build it itself).
    unsafe fn build(env: sys::napi_env, r: Self) -> napi::Result<sys::napi_value> {
        let Some(page) = r.page else {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            return unsafe { null(env) };
        };
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        let obj = unsafe { object(env, &Map::new(), r.mode, 0)? };
        // Core located the items (whatever form `data` had); one parse of their text builds them.
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        let items = unsafe { json(env, &page.items_json(), r.mode, None) }
            .map_err(|e| crate::errors::to_napi(page.meta.decode_error(&page.body, e.reason)))?;
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        unsafe { set(env, obj, "items", items)? };
        let mut m = Map::new();
        m.insert("number".into(), page.number.into());
        m.insert("total".into(), page.total.into());
        m.insert("cursor".into(), page.cursor.clone().into());
        m.insert("extra".into(), Value::Object(page.extra));
        meta_into(&page.meta, &mut m);
        for (k, v) in &m {
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            let x = unsafe { value(env, v, r.mode, 1)? };
            // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
            // fn's own contract, passed on unchanged), and every `napi_value` given was created in
            // that call's scope.
            unsafe { set(env, obj, k, x)? };
        }
        Ok(obj)
    }
}

/// A buffer of JSON text, converted as a response body is (`parseJson`, for the benchmarks).
pub struct JsonBuffer(pub napi::bindgen_prelude::Buffer);

impl ToNapiValue for JsonBuffer {
    unsafe fn to_napi_value(env: sys::napi_env, v: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: `build` has this fn's contract (a live `env` on the JS thread), passed on.
        guarded(|| unsafe { Self::build(env, v) })
    }
}

impl JsonBuffer {
    /// The JS value (see [`guarded`] for why `to_napi_value` does not build it itself).
    unsafe fn build(env: sys::napi_env, b: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: `env` is the live env of the Node-API call in progress on the JS thread (this
        // fn's own contract, passed on unchanged), and every `napi_value` given was created in that
        // call's scope.
        unsafe { json(env, &b.0, IntMode::Number, None) }
    }
}
