//! JSON bytes → Python objects in one pass, equal to what `json.loads` gives for the same bytes.
//!
//! Every list item and JSON result goes through here, so it is written for CPython's costs: no
//! intermediate tree; object keys come from a cache that outlives the call (a page repeats the
//! same few dozen keys thousands of times, and so does the next page), compared as bytes without
//! calling into Python; a list's items are gathered on one reusable stack and the list is made at
//! its final size; strings are scanned eight bytes at a time; integers up to 64 bits and floats
//! go straight to `PyLong`/`PyFloat`. Only the stable ABI is used (the wheel is `abi3`).
//!
//! What `json.loads` does, and so this: integers of any size are exact (`int(text)`, with
//! CPython's own digit limit); floats are the correctly rounded nearest double (`float(text)`, so
//! `1e400` is `inf`); a repeated key keeps its first place and its last value; `\uD83D\uDE00`
//! is one astral character and a lone escaped surrogate stays a lone surrogate; bytes are UTF-8
//! decoded with `surrogatepass`, as `json.loads` decodes `bytes`. Not JSON and refused, as the
//! core's check refuses it before any response gets here: `NaN`, `Infinity`, trailing commas.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use std::sync::Mutex;

/// Containers nested at most this deep, the outermost included (the bound the converter had
/// before, jiter's: deeper input is an error, never a native stack overflow).
pub const MAX_DEPTH: usize = 201;

/// Why a text could not be converted.
pub enum Fail {
    /// Not JSON: what was expected, and the byte offset.
    Syntax(&'static str, usize),
    /// CPython refused an object (a digit limit, a bad UTF-8 sequence, memory).
    Py(PyErr),
}

impl Fail {
    /// The message of the `ValueError`/`DecodeError` a caller raises.
    pub fn message(&self, py: Python<'_>) -> String {
        match self {
            Fail::Syntax(what, at) => format!("{what} at index {at}"),
            Fail::Py(e) => e.value(py).to_string(),
        }
    }
}

/// Boxed: the error path is rare, and a small `Result` comes back in registers.
type Res<T> = Result<T, Box<Fail>>;

#[cold]
fn syntax(what: &'static str, at: usize) -> Box<Fail> {
    Box::new(Fail::Syntax(what, at))
}

/// A whole JSON text as a Python object.
pub fn parse<'py>(py: Python<'py>, data: &[u8]) -> Res<Bound<'py, PyAny>> {
    with_keys(|keys| {
        let mut p = Parser::new(py, data, keys);
        let v = p.value()?;
        p.end()?;
        Ok(v)
    })
}

/// A list of the JSON values at `spans` of `data` (a page's items where the core found them): no
/// copy of the bytes, the list made at its size.
pub fn parse_items<'py>(
    py: Python<'py>,
    data: &[u8],
    spans: impl ExactSizeIterator<Item = (usize, usize)>,
) -> Res<Bound<'py, PyList>> {
    with_keys(|keys| {
        let mut p = Parser::new(py, data, keys);
        let mut items = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            // Each item is parsed as a whole text of its own: nothing of the page around it.
            p.data = data
                .get(start..end)
                .ok_or_else(|| syntax("item outside the page", start))?;
            p.pos = 0;
            p.owner = 0;
            items.push(p.value().map_err(|e| e.shifted(start))?);
            p.end().map_err(|e| e.shifted(start))?;
        }
        new_list(py, items.drain(..))
    })
}

impl Fail {
    fn shifted(mut self: Box<Fail>, by: usize) -> Box<Fail> {
        if let Fail::Syntax(_, at) = &mut *self {
            *at += by;
        }
        self
    }
}

/// The keys cache of the process (under the GIL, or a free-threaded build's lock). A call that
/// finds it taken (another thread converting on a free-threaded build) uses a cache of its own.
static KEYS: Mutex<Option<Box<KeyCache>>> = Mutex::new(None);

fn with_keys<T>(f: impl FnOnce(&mut KeyCache) -> T) -> T {
    match KEYS.try_lock() {
        Ok(mut guard) => {
            let keys = guard.get_or_insert_with(KeyCache::new);
            let out = f(keys);
            // The call's objects hold their own references now: the replaced keys can go.
            keys.retired.clear();
            out
        }
        // Poisoned cannot happen (nothing here panics while holding it), taken can on a
        // free-threaded build: either way a private cache gives the same objects' values.
        Err(_) => f(&mut KeyCache::new()),
    }
}

/// Object keys by their bytes in the text. A key is known by its length and its first and last
/// eight bytes (all of a key of up to 16 bytes; longer ones are also compared whole), read
/// straight from the text as two words.
///
/// Two ways in. Records of one list repeat their keys in one order, so each entry remembers the
/// key that followed it last time, and the next key is first compared with that one: no hash,
/// and an entry close to the last in memory (entries are dense, in the order first seen). Else a
/// direct-mapped index by hash (a colliding key replaces the entry in place, so the entries
/// never outnumber the index's slots). A profile of a 50-record page put a fifth of the decode
/// on the hashed slot's load when the entries were spread over the index itself.
struct KeyCache {
    /// Per hash bucket: the entry's position + 1, or 0 for none.
    index: Vec<u16>,
    entries: Vec<Entry>,
    /// Per nesting depth: the entry of the first key of the last object there, + 1 (0: none).
    starts: Vec<u16>,
    /// Keys replaced in their bucket during a call, kept until it ends: the objects being built
    /// hold the cache's keys without a reference of their own.
    retired: Vec<Py<PyString>>,
}

/// An object key while its dict is gathered: one of the cache's (borrowed: the cache keeps it
/// until the call ends, so no reference count is taken and given back per key), or one of its
/// own (escaped, or too long for the cache).
enum KeyObj<'py> {
    Cached(std::ptr::NonNull<ffi::PyObject>),
    Own(Bound<'py, PyString>),
}

/// A key in `Parser::pairs`: one pointer, the cache's or `Parser::own_keys`' (a pair of two
/// words is stored as two words; with the enum's tag it was three, built on the stack and
/// copied, and a profile put a fifth of the decode on that copy's store-forwarding stall).
#[derive(Clone, Copy)]
struct KeyPtr(std::ptr::NonNull<ffi::PyObject>);

struct Entry {
    hash: u64,
    len: usize,
    first: u64,
    last: u64,
    /// The whole key when longer than 16 bytes, else empty.
    bytes: Box<[u8]>,
    key: Py<PyString>,
    /// The entry of the key that followed this one in an object last time, + 1 (0: none).
    next: u16,
    /// The entry of the first key of this key's object value (or of its list's objects) last
    /// time, + 1 (0: none).
    child: u16,
}

/// Where a key stands in its object, for the guess of which key it is.
#[derive(Clone, Copy)]
enum Key {
    /// The object's first key, at this nesting depth.
    First(usize),
    /// The first key of an object that is the value (or in the list) of this entry's key + 1.
    FirstOf(u16),
    /// After the key of this entry + 1 (0: one not kept).
    After(u16),
}

/// A key's identity as read from the text: its length and first and last words.
#[derive(Clone, Copy)]
struct KeyWords {
    len: usize,
    first: u64,
    last: u64,
}

/// The word at `data[i..i + 8]` (little-endian), if there are eight bytes there.
#[inline]
fn word(data: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(i..i + 8)?.try_into().ok()?))
}

impl KeyWords {
    /// The words of the key `data[start..end]`. A short key is followed in the text by at least
    /// its closing quote; the word read past it is masked to the key's bytes.
    #[inline]
    fn of(data: &[u8], start: usize, end: usize) -> KeyWords {
        let len = end - start;
        let (first, last) = if len >= 8 {
            match (word(data, start), word(data, end - 8)) {
                (Some(f), Some(l)) => (f, l),
                // Cannot happen (8 bytes from start and to end are there); a key nothing matches.
                _ => (u64::MAX, u64::MAX),
            }
        } else {
            let mask = (1u64 << (8 * len)) - 1;
            match word(data, start) {
                Some(w) => (w & mask, w & mask),
                None => {
                    let mut w = [0u8; 8];
                    w[..len].copy_from_slice(&data[start..end]);
                    let w = u64::from_le_bytes(w);
                    (w, w)
                }
            }
        };
        KeyWords { len, first, last }
    }
}

impl Entry {
    /// The key, borrowed for the call (see [`KeyObj`]).
    #[inline]
    fn cached<'py>(&self) -> KeyObj<'py> {
        // SAFETY (of the non-null): a `Py` is never null.
        KeyObj::Cached(unsafe { std::ptr::NonNull::new_unchecked(self.key.as_ptr()) })
    }

    #[inline]
    fn is(&self, k: KeyWords, raw: &[u8]) -> bool {
        self.len == k.len
            && self.first == k.first
            && self.last == k.last
            && (k.len <= 16 || *self.bytes == *raw)
    }
}

impl KeyCache {
    /// Longer keys are made each time (orjson's bound: real keys are shorter).
    const MAX_LEN: usize = 64;
    /// A power of two, well above the distinct keys of the whole API (a few hundred), and below
    /// `u16::MAX` so an entry's position + 1 fits the index.
    const BITS: u32 = 11;

    fn new() -> Box<KeyCache> {
        Box::new(KeyCache {
            index: vec![0; 1 << Self::BITS],
            entries: Vec::new(),
            starts: vec![0; MAX_DEPTH + 1],
            retired: Vec::new(),
        })
    }

    /// The `str` for the key `data[start..end]` (no escapes), and its entry + 1 (0: not kept),
    /// which the caller passes back as `prev` for the object's next key. `Key::First(depth)` for
    /// an object's first key, `Key::After(prev)` for the others.
    #[inline]
    fn get<'py>(
        &mut self,
        py: Python<'py>,
        data: &[u8],
        (start, end): (usize, usize),
        ascii: bool,
        at: Key,
    ) -> Res<(KeyObj<'py>, u16)> {
        let raw = &data[start..end];
        let k = KeyWords::of(data, start, end);
        if k.len > Self::MAX_LEN {
            return Ok((KeyObj::Own(new_str(py, raw, ascii)?), 0));
        }
        // The key that came first at this depth, or followed the previous one, last time.
        let hint = match at {
            Key::First(depth) => self.starts[depth],
            Key::FirstOf(o) => self.entries[usize::from(o) - 1].child,
            Key::After(0) => 0,
            Key::After(p) => self.entries[usize::from(p) - 1].next,
        };
        if hint != 0 {
            let e = &self.entries[usize::from(hint) - 1];
            if e.is(k, raw) {
                return Ok((e.cached(), hint));
            }
        }
        let found = self.lookup(py, raw, k, ascii)?;
        match at {
            Key::First(depth) => self.starts[depth] = found.1,
            Key::FirstOf(o) => self.entries[usize::from(o) - 1].child = found.1,
            Key::After(0) => {}
            Key::After(p) => self.entries[usize::from(p) - 1].next = found.1,
        }
        Ok(found)
    }

    /// The hashed way: the entry in the key's bucket, or a new one there.
    fn lookup<'py>(
        &mut self,
        py: Python<'py>,
        raw: &[u8],
        k: KeyWords,
        ascii: bool,
    ) -> Res<(KeyObj<'py>, u16)> {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h =
            (k.first.wrapping_mul(K) ^ k.last.rotate_left(23) ^ k.len as u64).wrapping_mul(K);
        if k.len > 16 {
            for c in raw[8..k.len - 8].chunks(8) {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
            }
        }
        let bucket = (h >> (64 - Self::BITS)) as usize;
        let slot = self.index[bucket];
        if slot != 0 {
            let e = &self.entries[usize::from(slot) - 1];
            if e.hash == h && e.is(k, raw) {
                return Ok((e.cached(), slot));
            }
        }
        let key = new_str(py, raw, ascii)?;
        let entry = Entry {
            hash: h,
            len: k.len,
            first: k.first,
            last: k.last,
            bytes: if k.len > 16 {
                raw.into()
            } else {
                Box::default()
            },
            key: key.unbind(),
            next: 0,
            child: 0,
        };
        let key = entry.cached();
        let slot = if slot != 0 {
            // The bucket's key is replaced in place (its `str` kept until the call ends);
            // hints that named it now fail their comparison and take the hashed way.
            let old = std::mem::replace(&mut self.entries[usize::from(slot) - 1], entry);
            self.retired.push(old.key);
            slot
        } else {
            self.entries.push(entry);
            // At most one entry per bucket, so at most 2^BITS entries: the position fits.
            let slot = self.entries.len() as u16;
            self.index[bucket] = slot;
            slot
        };
        Ok((key, slot))
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that ends a plain run of string: `"`, `\`, a control
/// character, or (when `ascii` is still true) a non-ASCII byte. Only the lowest flag is exact
/// (a borrow can flag bytes above it), which is all the scan reads.
#[inline]
fn specials(w: u64, ascii: bool) -> u64 {
    let q = w ^ (ONES * b'"' as u64);
    let b = w ^ (ONES * b'\\' as u64);
    let quote = q.wrapping_sub(ONES) & !q;
    let backslash = b.wrapping_sub(ONES) & !b;
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    let high = if ascii { w } else { 0 };
    (quote | backslash | control | high) & HIGH
}

/// The same as [`specials`] for the 16 bytes at `data[i..]` with SSE2 (part of every x86_64),
/// one bit per byte and every bit exact; `None` when fewer than 16 bytes are left. Ids, shas and
/// times make most of a page's text, and this halves the steps over them.
#[cfg(target_arch = "x86_64")]
#[inline]
fn specials16(data: &[u8], i: usize, ascii: bool) -> Option<u32> {
    use std::arch::x86_64::*;
    let chunk = data.get(i..i + 16)?;
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of `chunk`
    // (unaligned load allowed).
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Signed: below 0x20 is a control character or (negative) a byte of 0x80 and above.
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let stop = if ascii {
            low
        } else {
            _mm_and_si128(low, _mm_cmpgt_epi8(v, _mm_set1_epi8(-1)))
        };
        let m = _mm_or_si128(_mm_or_si128(quote, backslash), stop);
        Some(_mm_movemask_epi8(m) as u32)
    }
}

struct Parser<'a, 'k, 'py> {
    py: Python<'py>,
    data: &'a [u8],
    pos: usize,
    depth: usize,
    keys: &'k mut KeyCache,
    /// Unescaped string text, reused.
    scratch: Vec<u8>,
    /// The key entry + 1 whose value is being read (0: none): an object there guesses its first
    /// key from it, since the objects under one key have one shape.
    owner: u16,
    /// The items of the lists being read, innermost last, reused: a list is made once its
    /// length is known, from the top of this stack.
    stack: Vec<Bound<'py, PyAny>>,
    /// The same for the keys and values of the objects being read.
    pairs: Vec<(KeyPtr, Bound<'py, PyAny>)>,
    /// The keys of the objects being read that are not the cache's (escaped, or too long for
    /// it), kept here while `pairs` points at them.
    own_keys: Vec<Bound<'py, PyString>>,
}

/// A scanned string: where its text is, whether it is all ASCII, and whether it was unescaped
/// into the scratch buffer (else it is `data[start..end]`, `start` known to the caller).
struct Str {
    end: usize,
    ascii: bool,
    escaped: bool,
}

impl<'a, 'k, 'py> Parser<'a, 'k, 'py> {
    fn new(py: Python<'py>, data: &'a [u8], keys: &'k mut KeyCache) -> Self {
        Parser {
            py,
            data,
            pos: 0,
            depth: 0,
            keys,
            scratch: Vec::new(),
            owner: 0,
            stack: Vec::new(),
            pairs: Vec::new(),
            own_keys: Vec::new(),
        }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.data.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.data.get(self.pos).copied()
    }

    fn end(&mut self) -> Res<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(syntax("trailing characters", self.pos)),
        }
    }

    fn value(&mut self) -> Res<Bound<'py, PyAny>> {
        let py = self.py;
        match self.peek() {
            Some(b'{') => self.object().map(Bound::into_any),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos + 1;
                let s = self.string()?;
                self.make_str(start, &s).map(Bound::into_any)
            }
            Some(b't') => self.literal(b"true", || PyBool::new(py, true).to_owned().into_any()),
            Some(b'f') => self.literal(b"false", || PyBool::new(py, false).to_owned().into_any()),
            Some(b'n') => self.literal(b"null", || py.None().into_bound(py)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(syntax("expected value", self.pos)),
            None => Err(syntax("EOF while parsing a value", self.pos)),
        }
    }

    fn literal(
        &mut self,
        word: &[u8],
        make: impl FnOnce() -> Bound<'py, PyAny>,
    ) -> Res<Bound<'py, PyAny>> {
        if self.data[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(make())
        } else {
            Err(syntax("expected value", self.pos))
        }
    }

    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("recursion limit exceeded", self.pos));
        }
        self.pos += 1; // the opening bracket
        Ok(())
    }

    fn object(&mut self) -> Res<Bound<'py, PyDict>> {
        let py = self.py;
        self.enter()?;
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(PyDict::new(py));
            }
            Some(b'"') => {}
            _ => return Err(syntax("expected a key or `}`", self.pos)),
        }
        // The pairs are gathered first so the dict is made at its size (no resizing as it
        // grows); on an error they stay on the stack, released with the parser.
        let base = self.pairs.len();
        let own_base = self.own_keys.len();
        // Where the next key stands: its guess is the key that stood there last time.
        let mut at = match std::mem::take(&mut self.owner) {
            0 => Key::First(self.depth),
            o => Key::FirstOf(o),
        };
        loop {
            let start = self.pos + 1;
            let s = self.string()?;
            let (key, entry) = if s.escaped {
                (KeyObj::Own(self.make_str(start, &s)?), 0)
            } else {
                self.keys.get(py, self.data, (start, s.end), s.ascii, at)?
            };
            at = Key::After(entry);
            if self.peek() != Some(b':') {
                return Err(syntax("expected `:`", self.pos));
            }
            self.pos += 1;
            self.owner = entry;
            let value = self.value()?;
            let key = match key {
                KeyObj::Cached(p) => KeyPtr(p),
                KeyObj::Own(k) => {
                    // SAFETY (of the non-null): a `Bound` is never null.
                    let p = KeyPtr(unsafe { std::ptr::NonNull::new_unchecked(k.as_ptr()) });
                    self.own_keys.push(k);
                    p
                }
            };
            self.pairs.push((key, value));
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    if self.peek() != Some(b'"') {
                        return Err(syntax("expected a key", self.pos));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    let dict = new_dict(py, self.pairs.drain(base..));
                    self.own_keys.truncate(own_base);
                    return dict;
                }
                _ => return Err(syntax("expected `,` or `}`", self.pos)),
            }
        }
    }

    fn array(&mut self) -> Res<Bound<'py, PyAny>> {
        let py = self.py;
        self.enter()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(PyList::empty(py).into_any());
        }
        // On an error the items pushed so far stay on the stack, released with the parser.
        let base = self.stack.len();
        // The list's objects are all under the key that holds the list.
        let owner = std::mem::take(&mut self.owner);
        loop {
            self.owner = owner;
            let item = self.value()?;
            self.stack.push(item);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return new_list(py, self.stack.drain(base..)).map(Bound::into_any);
                }
                _ => return Err(syntax("expected `,` or `]`", self.pos)),
            }
        }
    }

    /// Scans the string at `pos` (its opening quote) and moves past it. Plain text is left in
    /// place; text with escapes is unescaped into `scratch`.
    #[inline]
    fn string(&mut self) -> Res<Str> {
        let data = self.data;
        let start = self.pos + 1;
        let mut i = start;
        let mut ascii = true;
        loop {
            'scan: {
                #[cfg(target_arch = "x86_64")]
                while let Some(m) = specials16(data, i, ascii) {
                    if m != 0 {
                        i += m.trailing_zeros() as usize;
                        break 'scan;
                    }
                    i += 16;
                }
                while let Some(chunk) = data.get(i..i + 8) {
                    let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
                    let m = specials(w, ascii);
                    if m != 0 {
                        i += (m.trailing_zeros() / 8) as usize;
                        break 'scan;
                    }
                    i += 8;
                }
            }
            match data.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Str {
                        end: i,
                        ascii,
                        escaped: false,
                    });
                }
                Some(b'\\') => return self.unescape(start, i, ascii),
                Some(&c) if c < 0x20 => {
                    return Err(syntax("control character in a string", i));
                }
                Some(&c) => {
                    ascii &= c < 0x80;
                    i += 1;
                }
                None => return Err(syntax("EOF while parsing a string", i)),
            }
        }
    }

    /// The rest of a string that has escapes: `data[start..i]` is plain, `data[i]` is `\`.
    #[cold]
    fn unescape(&mut self, start: usize, mut i: usize, mut ascii: bool) -> Res<Str> {
        let data = self.data;
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        out.extend_from_slice(&data[start..i]);
        loop {
            match data.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    let c = *data
                        .get(i + 1)
                        .ok_or_else(|| syntax("EOF while parsing a string", i + 1))?;
                    i += 2;
                    let simple = match c {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => 0,
                        _ => return Err(syntax("invalid escape", i - 1)),
                    };
                    if c != b'u' {
                        out.push(simple);
                        continue;
                    }
                    let mut cp = hex4(data, i)?;
                    i += 4;
                    // A high surrogate and an escaped low one are one character, as in
                    // `json.loads`; any other surrogate stays itself.
                    if (0xD800..0xDC00).contains(&cp)
                        && data.get(i..i + 2) == Some(b"\\u")
                        && let Ok(lo) = hex4(data, i + 2)
                        && (0xDC00..0xE000).contains(&lo)
                    {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                    ascii &= cp < 0x80;
                    push_utf8(&mut out, cp);
                }
                Some(&c) if c < 0x20 => {
                    return Err(syntax("control character in a string", i));
                }
                Some(&c) => {
                    ascii &= c < 0x80;
                    out.push(c);
                    i += 1;
                }
                None => return Err(syntax("EOF while parsing a string", i)),
            }
        }
        self.scratch = out;
        self.pos = i + 1;
        Ok(Str {
            end: self.scratch.len(),
            ascii,
            escaped: true,
        })
    }

    /// The `str` of a scanned string whose text (unless escaped) began at `start`.
    fn make_str(&self, start: usize, s: &Str) -> Res<Bound<'py, PyString>> {
        let text = if s.escaped {
            &self.scratch[..s.end]
        } else {
            &self.data[start..s.end]
        };
        new_str(self.py, text, s.ascii)
    }

    fn number(&mut self) -> Res<Bound<'py, PyAny>> {
        let py = self.py;
        let data = self.data;
        let start = self.pos;
        let mut i = start;
        let negative = data[i] == b'-';
        if negative {
            i += 1;
        }
        let digits_start = i;
        let mut mantissa: u64 = 0;
        match data.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(&d @ b'0'..=b'9') = data.get(i) {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add((d - b'0') as u64);
                    i += 1;
                }
            }
            _ => return Err(syntax("invalid number", i)),
        }
        let digits = i - digits_start;
        let mut float = false;
        if data.get(i) == Some(&b'.') {
            i = digits_after(data, i + 1)?;
            float = true;
        }
        if let Some(b'e' | b'E') = data.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = data.get(i) {
                i += 1;
            }
            i = digits_after(data, i)?;
            float = true;
        }
        self.pos = i;
        let text = &data[start..i];
        let obj = if float {
            // Checked above to be ASCII digits, sign, `.`, `e`: valid UTF-8 and a valid float.
            let x = std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .ok_or_else(|| syntax("invalid number", start))?;
            // SAFETY: the GIL is held; a new reference or null with an exception, which `owned` checks.
            unsafe { ffi::PyFloat_FromDouble(x) }
        } else if digits <= 18 {
            // Fewer than 19 digits cannot overflow, so `mantissa` is exact.
            let v = mantissa as i64;
            // SAFETY: as for the float.
            unsafe { ffi::PyLong_FromLongLong(if negative { -v } else { v }) }
        } else if !negative
            && digits <= 20
            && let Ok(v) = parse_u64(text)
        {
            // SAFETY: as for the float.
            unsafe { ffi::PyLong_FromUnsignedLongLong(v) }
        } else if negative
            && digits <= 19
            && let Ok(v) = parse_i64(text)
        {
            // SAFETY: as for the float.
            unsafe { ffi::PyLong_FromLongLong(v) }
        } else {
            // Beyond 64 bits: `int(text)`, CPython's digit limit included, as `json.loads`.
            let mut z = Vec::with_capacity(text.len() + 1);
            z.extend_from_slice(text);
            z.push(0);
            // SAFETY: as for the float; `z` is NUL-terminated and outlives the call, and a null
            // end pointer is allowed.
            unsafe { ffi::PyLong_FromString(z.as_ptr().cast(), std::ptr::null_mut(), 10) }
        };
        owned(py, obj)
    }
}

fn parse_u64(text: &[u8]) -> Result<u64, ()> {
    std::str::from_utf8(text)
        .map_err(|_| ())?
        .parse()
        .map_err(|_| ())
}

fn parse_i64(text: &[u8]) -> Result<i64, ()> {
    std::str::from_utf8(text)
        .map_err(|_| ())?
        .parse()
        .map_err(|_| ())
}

/// Past one or more digits at `i`.
#[inline]
fn digits_after(data: &[u8], mut i: usize) -> Res<usize> {
    let first = i;
    while let Some(b'0'..=b'9') = data.get(i) {
        i += 1;
    }
    if i == first {
        return Err(syntax("invalid number", i));
    }
    Ok(i)
}

fn hex4(data: &[u8], i: usize) -> Res<u32> {
    let digits = data
        .get(i..i + 4)
        .ok_or_else(|| syntax("EOF in a \\u escape", i))?;
    let mut v = 0u32;
    for &d in digits {
        let x = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(syntax("invalid \\u escape", i)),
        };
        v = v << 4 | x as u32;
    }
    Ok(v)
}

/// `cp` as UTF-8; a surrogate as its three-byte form, which `surrogatepass` decodes back to it.
fn push_utf8(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// A `str` from text bytes: ASCII straight, anything else decoded as `json.loads` decodes bytes.
#[inline]
fn new_str<'py>(py: Python<'py>, text: &[u8], ascii: bool) -> Res<Bound<'py, PyString>> {
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
fn owned(py: Python<'_>, obj: *mut ffi::PyObject) -> Res<Bound<'_, PyAny>> {
    // SAFETY: `obj` is a new reference (or null) returned by the caller's CPython call.
    unsafe { Bound::from_owned_ptr_or_err(py, obj) }.map_err(|e| Box::new(Fail::Py(e)))
}

/// A list of exactly `items`, made at its size.
fn new_list<'py>(
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
fn new_dict<'py>(
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
struct AsciiStr {
    new: unsafe extern "C" fn(ffi::Py_ssize_t, ffi::Py_UCS4) -> *mut ffi::PyObject,
    offset: usize,
}

/// An ASCII `str` made as CPython's own constructors make one: allocated at its size and its
/// characters copied in. The stable ABI only has the UTF-8 decoder, which checks the bytes again
/// and goes through three calls first; a page of container records is mostly ids and times, and
/// a profile put a tenth of its decode in that path. The offset is read from the interpreter (a
/// compact ASCII string's UTF-8 form is its characters), not assumed, since the header's size
/// changed in 3.12; on versions not checked here, or without the symbol, the decoder it is.
fn ascii_str(py: Python<'_>) -> Option<&'static AsciiStr> {
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

type NewPresized = unsafe extern "C" fn(ffi::Py_ssize_t) -> *mut ffi::PyObject;

/// CPython's `_PyDict_NewPresized`, found in the running interpreter, on the versions where it
/// has this signature (3.10 to 3.14). The stable ABI has no sized dict constructor, and a dict
/// that grows to a record's thirty keys is reallocated and rehashed three times on the way; a
/// missing symbol (another interpreter, another platform) means `PyDict_New`, the same dicts.
fn presized(py: Python<'_>) -> Option<NewPresized> {
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
fn lookup(name: &std::ffi::CStr) -> usize {
    // SAFETY: `dlsym` with `RTLD_DEFAULT` and a NUL-terminated name only looks the name up in
    // the objects already loaded (the interpreter among them); it returns null if absent.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

#[cfg(not(unix))]
fn lookup(_name: &std::ffi::CStr) -> usize {
    0
}
