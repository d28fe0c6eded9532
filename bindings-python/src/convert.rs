//! `serde_json::Value` ⇄ Python objects, by hand (pythonize has no pyo3 0.30 release yet).
//!
//! Results keep the API's keys in the server's order (serde_json's `preserve_order`), unknown
//! fields included. Integers stay exact up to u64; anything larger only exists as a float in a
//! `Value` without serde_json's `arbitrary_precision`, which the core does not enable.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use qualys_cs::{Output, RawOutput, ResponseMeta};
use rustc_hash::FxHashMap;
use serde_json::{Map, Number, Value};

/// Converts JSON to Python objects, building each distinct object key once: a page of items
/// repeats the same few dozen keys thousands of times, and a cached `str` also keeps its hash.
pub struct Converter<'a, 'py> {
    py: Python<'py>,
    keys: FxHashMap<&'a str, Bound<'py, PyString>>,
}

impl<'a, 'py> Converter<'a, 'py> {
    pub fn new(py: Python<'py>) -> Self {
        Converter {
            py,
            keys: FxHashMap::default(),
        }
    }

    /// A JSON value as native Python objects.
    pub fn value(&mut self, v: &'a Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match v {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Value::Number(n) => number(py, n)?,
            Value::String(s) => PyString::new(py, s).into_any(),
            Value::Array(a) => self.list(a)?.into_any(),
            Value::Object(m) => self.object(m)?.into_any(),
        })
    }

    /// A JSON array as a `list`.
    pub fn list(&mut self, a: &'a [Value]) -> PyResult<Bound<'py, PyList>> {
        let items = a
            .iter()
            .map(|x| self.value(x))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(self.py, items)
    }

    /// A JSON object as a `dict` (insertion order = the server's order).
    pub fn object(&mut self, m: &'a Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(self.py);
        for (k, x) in m {
            let key = match self.keys.get(k.as_str()) {
                Some(key) => key.clone(),
                None => {
                    let key = PyString::new(self.py, k);
                    self.keys.insert(k, key.clone());
                    key
                }
            };
            d.set_item(key, self.value(x)?)?;
        }
        Ok(d)
    }
}

/// A JSON value as native Python objects (the simulator's request log).
#[cfg(feature = "simulator")]
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Converter::new(py).value(v)
}

/// A JSON object as a `dict` (insertion order = the server's order).
pub fn object<'py>(py: Python<'py>, m: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    Converter::new(py).object(m)
}

fn number<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    if let Some(i) = n.as_i64() {
        Ok(i.into_pyobject(py)?.into_any())
    } else if let Some(u) = n.as_u64() {
        Ok(u.into_pyobject(py)?.into_any())
    } else {
        Ok(PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any())
    }
}

/// JSON bytes as native Python objects in one pass (`pyjson`: equal to `json.loads`, the server's
/// key order, keys cached across calls).
pub fn json<'py>(py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, String> {
    let _paused = GcPause::new(py, bytes.len());
    crate::pyjson::parse(py, bytes).map_err(|e| e.message(py))
}

/// A list page's items (the JSON values at `spans` of the page `body`) as a `list`, read in place.
pub fn items<'py>(
    py: Python<'py>,
    body: &[u8],
    spans: &[qualys_cs::paginate::ItemSpan],
) -> Result<Bound<'py, PyList>, String> {
    let len =
        (spans.last().map_or(0, |s| s.end)).saturating_sub(spans.first().map_or(0, |s| s.start));
    let _paused = GcPause::new(py, len);
    crate::pyjson::parse_items(py, body, spans.iter().map(|s| (s.start, s.end)))
        .map_err(|e| e.message(py))
}

/// The cyclic garbage collector paused while a large response becomes objects. A page of a
/// thousand records allocates tens of thousands of dicts, and every few hundred allocations started
/// a collection that walked the page built so far (a profile put 13% of the decode there); the
/// objects made here hold no cycles, so one collection after the decode (which CPython starts on
/// its own at the next allocation past its threshold) does the same work once.
struct GcPause<'py> {
    paused: bool,
    /// The GIL, held for the guard's whole life.
    _py: Python<'py>,
}

impl<'py> GcPause<'py> {
    /// Below this size the pause is not worth its two calls.
    const MIN_BYTES: usize = 16 * 1024;

    fn new(py: Python<'py>, len: usize) -> GcPause<'py> {
        // SAFETY: the GIL is held (the `Python` token proves it); these calls only flip the
        // collector's enabled flag and return its previous state.
        let paused = len >= Self::MIN_BYTES && unsafe { pyo3::ffi::PyGC_Disable() } == 1;
        GcPause { paused, _py: py }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if self.paused {
            // SAFETY: the guard holds the GIL token; it re-enables only what it disabled.
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}

/// `_native.loads(data)`: the decoder every response goes through, exposed so the benchmarks can
/// time it alone against `json.loads` on the same bytes. Raises `ValueError` on malformed JSON.
#[pyfunction]
pub fn loads<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    json(py, data).map_err(pyo3::exceptions::PyValueError::new_err)
}

/// A decoded response: JSON → dict/list/scalars, text → `str`, file → `bytes`, empty → `None`.
pub fn output<'py>(
    py: Python<'py>,
    out: &RawOutput,
    meta: &ResponseMeta,
) -> PyResult<Bound<'py, PyAny>> {
    match out {
        Output::Json(b) => {
            json(py, b).map_err(|message| crate::errors::to_py_err(meta.decode_error(b, message)))
        }
        Output::Text(s) => Ok(PyString::new(py, s).into_any()),
        Output::Bytes(b) => Ok(PyBytes::new(py, b).into_any()),
        Output::Empty => Ok(py.None().into_bound(py)),
    }
}

/// A Python argument (dict, list, tuple, str, int, float, bool, None) as JSON. `field` names the
/// argument in the error, which the caller turns into a `ValidationError`.
///
/// Containers nest at most [`qualys_cs::MAX_JSON_DEPTH`] levels and may not contain themselves:
/// the conversion recurses on the native stack, so a circular or very deep value would otherwise
/// overflow it and kill the interpreter (a Python `RecursionError` never fires in native code).
pub fn from_py(obj: &Bound<'_, PyAny>, field: &str) -> Result<Value, String> {
    let mut path = Vec::new();
    from_py_at(obj, field, &mut path)
}

/// `path` holds the containers being converted, outermost first: its length is the depth and a
/// container found in it is a cycle.
fn from_py_at(
    obj: &Bound<'_, PyAny>,
    field: &str,
    path: &mut Vec<*mut pyo3::ffi::PyObject>,
) -> Result<Value, String> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: `True` is an int in Python.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(format!("`{field}`: integer {i} does not fit in 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        return Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| format!("`{field}`: {x} is not a JSON number"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(
            s.to_str()
                .map_err(|e| format!("`{field}`: {e}"))?
                .to_owned(),
        ));
    }
    let container = obj.cast::<PyDict>().is_ok()
        || obj.cast::<PyList>().is_ok()
        || obj.cast::<PyTuple>().is_ok();
    if container {
        let ptr = obj.as_ptr();
        if path.contains(&ptr) {
            return Err(format!(
                "`{field}`: contains itself (a circular reference cannot be sent as JSON)"
            ));
        }
        if path.len() >= qualys_cs::MAX_JSON_DEPTH {
            return Err(format!(
                "`{field}`: nested deeper than {} levels",
                qualys_cs::MAX_JSON_DEPTH
            ));
        }
        path.push(ptr);
        let out = container_from_py(obj, field, path);
        path.pop();
        return out;
    }
    let ty = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    Err(format!(
        "`{field}`: {ty} is not JSON-compatible (use dict, list, str, int, float, bool or None)"
    ))
}

fn container_from_py(
    obj: &Bound<'_, PyAny>,
    field: &str,
    path: &mut Vec<*mut pyo3::ffi::PyObject>,
) -> Result<Value, String> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| format!("`{field}`: dict keys must be str, got {k}"))?;
            let key = key
                .to_str()
                .map_err(|e| format!("`{field}`: {e}"))?
                .to_owned();
            let value = from_py_at(&v, field, path)?;
            m.insert(key, value);
        }
        return Ok(Value::Object(m));
    }
    let items = match obj.cast::<PyList>() {
        Ok(l) => l.iter().collect::<Vec<_>>(),
        Err(_) => obj
            .cast::<PyTuple>()
            .map_err(|_| format!("`{field}`: not a container"))?
            .iter()
            .collect(),
    };
    items
        .iter()
        .map(|x| from_py_at(x, field, path))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}
