//! The Python objects the parser makes: strings, lists and dicts at their size, through CPython's
//! own constructors where the stable ABI has none.

use super::{Fail, Res};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// A key in `Parser::pairs`: one pointer, the cache's or `Parser::own_keys`' (a pair of two
/// words is stored as two words; with the enum's tag it was three, built on the stack and
/// copied, and a profile put a fifth of the decode on that copy's store-forwarding stall).
#[derive(Clone, Copy)]
pub(super) struct KeyPtr(pub(super) std::ptr::NonNull<ffi::PyObject>);

/// A `str` from text bytes: ASCII straight, anything else decoded as `json.loads` decodes bytes.
#[inline]
pub(super) fn new_str<'py>(py: Python<'py>, text: &[u8], ascii: bool) -> Res<Bound<'py, PyString>> {
    let len = text.len() as ffi::Py_ssize_t;
    let ptr = text.as_ptr().cast();
    let obj = if ascii {
        match ascii_str(py) {
            Some(a) => {
                // SAFETY: the GIL is held; `PyUnicode_New(len, 127)` returns a new compact ASCII
                // string of `len` unwritten characters (or null with an exception, which `owned`
                // checks), its characters `a.offset` bytes into the object, where `len` bytes are
                // copied from `ptr` (readable, not overlapping a new object). Nothing else holds
                // the string yet and its hash is not computed, as in CPython's own constructors.
                unsafe {
                    let obj = (a.new)(len, 127);
                    if !obj.is_null() {
                        std::ptr::copy_nonoverlapping(
                            text.as_ptr(),
                            obj.cast::<u8>().add(a.offset),
                            text.len(),
                        );
                    }
                    obj
                }
            }
            // SAFETY: the GIL is held; `ptr` points at `len` readable bytes, copied by the call;
            // a new reference or null (with an exception) comes back, which `owned` checks.
            None => unsafe { ffi::PyUnicode_FromStringAndSize(ptr, len) },
        }
    } else {
        // SAFETY: as above; the error handler's name is a NUL-terminated static string.
        unsafe { ffi::PyUnicode_DecodeUTF8(ptr, len, c"surrogatepass".as_ptr()) }
    };
    // SAFETY (the cast): both calls return a `str`.
    owned(py, obj).map(|o| unsafe { o.cast_into_unchecked() })
}

/// A new reference from a CPython call as an owned object, or its exception.
#[inline]
pub(super) fn owned(py: Python<'_>, obj: *mut ffi::PyObject) -> Res<Bound<'_, PyAny>> {
    // SAFETY: `obj` is a new reference (or null) returned by the caller's CPython call.
    unsafe { Bound::from_owned_ptr_or_err(py, obj) }.map_err(|e| Box::new(Fail::Py(e)))
}

/// A list of exactly `items`, made at its size.
pub(super) fn new_list<'py>(
    py: Python<'py>,
    items: std::vec::Drain<'_, Bound<'py, PyAny>>,
) -> Res<Bound<'py, PyList>> {
    // SAFETY: the GIL is held; a new list (or null with an exception) comes back.
    let list = owned(py, unsafe {
        ffi::PyList_New(items.len() as ffi::Py_ssize_t)
    })?;
    for (i, item) in items.into_iter().enumerate() {
        // SAFETY: `list` is a new list of `len()` empty slots and `i` is in range (a `Drain`
        // yields exactly `len()` items); `PyList_SetItem`
        // steals the reference `into_ptr` gives up, so ownership moves into the list.
        unsafe { ffi::PyList_SetItem(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr()) };
    }
    // SAFETY (the cast): `PyList_New` returns a list.
    Ok(unsafe { list.cast_into_unchecked() })
}

/// A dict of `pairs` in their order (a repeated key: its first place, its last value, as
/// `json.loads`), made at its size when CPython says how.
pub(super) fn new_dict<'py>(
    py: Python<'py>,
    pairs: std::vec::Drain<'_, (KeyPtr, Bound<'py, PyAny>)>,
) -> Res<Bound<'py, PyDict>> {
    let dict = match presized(py) {
        // SAFETY: the GIL is held; `presized` only gives CPython's own constructor, which
        // returns a new empty dict (or null with an exception) whatever the size hint.
        Some(new) if pairs.len() > 5 => owned(py, unsafe { new(pairs.len() as ffi::Py_ssize_t) })?,
        _ => PyDict::new(py).into_any(),
    };
    for (key, value) in pairs {
        // SAFETY: the GIL is held; `dict` and `value` are live owned objects, `key` is owned or
        // the cache's (alive until the call ends), and `PyDict_SetItem` takes its own references
        // (it steals none).
        if unsafe { ffi::PyDict_SetItem(dict.as_ptr(), key.0.as_ptr(), value.as_ptr()) } != 0 {
            return Err(Box::new(Fail::Py(PyErr::fetch(py))));
        }
    }
    // SAFETY (the cast): both constructors make a dict.
    Ok(unsafe { dict.cast_into_unchecked() })
}

/// CPython's `PyUnicode_New` and where a compact ASCII string's characters start in its object.
pub(super) struct AsciiStr {
    new: unsafe extern "C" fn(ffi::Py_ssize_t, ffi::Py_UCS4) -> *mut ffi::PyObject,
    offset: usize,
}

/// An ASCII `str` made as CPython's own constructors make one: allocated at its size and its
/// characters copied in. The stable ABI only has the UTF-8 decoder, which checks the bytes again
/// and goes through three calls first; a page of container records is mostly ids and times, and
/// a profile put a tenth of its decode in that path. The offset is read from the interpreter (a
/// compact ASCII string's UTF-8 form is its characters), not assumed, since the header's size
/// changed in 3.12; on versions not checked here, or without the symbol, the decoder it is.
pub(super) fn ascii_str(py: Python<'_>) -> Option<&'static AsciiStr> {
    static FOUND: std::sync::OnceLock<Option<AsciiStr>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            let v = py.version_info();
            if v.major != 3 || !(10..15).contains(&v.minor) {
                return None;
            }
            let addr = lookup(c"PyUnicode_New");
            if addr == 0 {
                return None;
            }
            // SAFETY: `addr` is CPython's `PyUnicode_New`, whose C signature is
            // `PyObject *(Py_ssize_t, Py_UCS4)` on the versions checked above.
            let new = unsafe {
                std::mem::transmute::<
                    usize,
                    unsafe extern "C" fn(ffi::Py_ssize_t, ffi::Py_UCS4) -> *mut ffi::PyObject,
                >(addr)
            };
            // A probe: "ab" made by the decoder, its characters found by the UTF-8 accessor.
            // SAFETY: the GIL is held; both calls take and return what their C signatures say,
            // the probe is released at the end of the block, and a null is handled.
            unsafe {
                let probe = ffi::PyUnicode_FromStringAndSize(c"ab".as_ptr(), 2);
                if probe.is_null() {
                    ffi::PyErr_Clear();
                    return None;
                }
                let mut n: ffi::Py_ssize_t = 0;
                let chars = ffi::PyUnicode_AsUTF8AndSize(probe, &mut n);
                let offset = (chars as usize).wrapping_sub(probe as usize);
                let ok = !chars.is_null()
                    && n == 2
                    && (std::mem::size_of::<ffi::PyObject>()..=128).contains(&offset);
                ffi::Py_DecRef(probe);
                if !ok {
                    ffi::PyErr_Clear();
                    return None;
                }
                Some(AsciiStr { new, offset })
            }
        })
        .as_ref()
}

pub(super) type NewPresized = unsafe extern "C" fn(ffi::Py_ssize_t) -> *mut ffi::PyObject;

/// CPython's `_PyDict_NewPresized`, found in the running interpreter, on the versions where it
/// has this signature (3.10 to 3.14). The stable ABI has no sized dict constructor, and a dict
/// that grows to a record's thirty keys is reallocated and rehashed three times on the way; a
/// missing symbol (another interpreter, another platform) means `PyDict_New`, the same dicts.
pub(super) fn presized(py: Python<'_>) -> Option<NewPresized> {
    static FOUND: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let addr = *FOUND.get_or_init(|| {
        let v = py.version_info();
        if v.major != 3 || !(10..15).contains(&v.minor) {
            return 0;
        }
        lookup(c"_PyDict_NewPresized")
    });
    if addr == 0 {
        return None;
    }
    // SAFETY: `addr` is the address of CPython's `_PyDict_NewPresized`, whose C signature
    // `PyObject *(Py_ssize_t)` is `NewPresized` on the versions checked above.
    Some(unsafe { std::mem::transmute::<usize, NewPresized>(addr) })
}

#[cfg(unix)]
pub(super) fn lookup(name: &std::ffi::CStr) -> usize {
    // SAFETY: `dlsym` with `RTLD_DEFAULT` and a NUL-terminated name only looks the name up in
    // the objects already loaded (the interpreter among them); it returns null if absent.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

#[cfg(not(unix))]
pub(super) fn lookup(_name: &std::ffi::CStr) -> usize {
    0
}
