//! The object keys' cache: each key's `str` made once per process, found by its bytes in the text.

use super::{MAX_DEPTH, Res, objects::new_str};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::Mutex;

/// The keys cache of the process (under the GIL, or a free-threaded build's lock). A call that
/// finds it taken (another thread converting on a free-threaded build) uses a cache of its own.
pub(super) static KEYS: Mutex<Option<Box<KeyCache>>> = Mutex::new(None);

pub(super) fn with_keys<T>(f: impl FnOnce(&mut KeyCache) -> T) -> T {
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
pub(super) struct KeyCache {
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
pub(super) enum KeyObj<'py> {
    Cached(std::ptr::NonNull<ffi::PyObject>),
    Own(Bound<'py, PyString>),
}

pub(super) struct Entry {
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
pub(super) enum Key {
    /// The object's first key, at this nesting depth.
    First(usize),
    /// The first key of an object that is the value (or in the list) of this entry's key + 1.
    FirstOf(u16),
    /// After the key of this entry + 1 (0: one not kept).
    After(u16),
}

/// A key's identity as read from the text: its length and first and last words.
#[derive(Clone, Copy)]
pub(super) struct KeyWords {
    len: usize,
    first: u64,
    last: u64,
}

/// The word at `data[i..i + 8]` (little-endian), if there are eight bytes there.
#[inline]
pub(super) fn word(data: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(i..i + 8)?.try_into().ok()?))
}

impl KeyWords {
    /// The words of the key `data[start..end]`. A short key is followed in the text by at least
    /// its closing quote; the word read past it is masked to the key's bytes.
    #[inline]
    pub(super) fn of(data: &[u8], start: usize, end: usize) -> KeyWords {
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
    pub(super) fn cached<'py>(&self) -> KeyObj<'py> {
        // SAFETY (of the non-null): a `Py` is never null.
        KeyObj::Cached(unsafe { std::ptr::NonNull::new_unchecked(self.key.as_ptr()) })
    }

    #[inline]
    pub(super) fn is(&self, k: KeyWords, raw: &[u8]) -> bool {
        self.len == k.len
            && self.first == k.first
            && self.last == k.last
            && (k.len <= 16 || *self.bytes == *raw)
    }
}

impl KeyCache {
    /// Longer keys are made each time (orjson's bound: real keys are shorter).
    pub(super) const MAX_LEN: usize = 64;
    /// A power of two, well above the distinct keys of the whole API (a few hundred), and below
    /// `u16::MAX` so an entry's position + 1 fits the index.
    pub(super) const BITS: u32 = 11;

    pub(super) fn new() -> Box<KeyCache> {
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
    pub(super) fn get<'py>(
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
    pub(super) fn lookup<'py>(
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
