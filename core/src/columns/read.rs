//! The one reader of a list's records: each record's JSON text is read once with jiter's pull
//! parser, checked and converted by the column rules, and handed value by value to a [`Sink`]
//! (CSV text, Arrow builders), addressed by the plan's node ids. No `serde_json::Value` tree, no
//! intermediate row. Keys are matched against the schema's names in the order the previous record
//! had them, so a page whose records share a key order (every API page) costs one comparison a key.
//!
//! A value that does not fit its column fails the record with the field's path (`repo[0].tag`);
//! keys the schema does not name, a field with keys its struct does not name, and a repeated key
//! all go to `extra` as their JSON text, so nothing the server sent is lost.

use super::plan::{Kind, MAX_FIELDS, Plan, Slot};
use super::{FitError, minify_into, parse_iso};
use jiter::{Jiter, JiterError, Peek};
use std::sync::Arc;

/// Where the values of a record go. Every node gets exactly one value (or `null`) per value of
/// its parent: a struct's absent fields get `null` before `object`, a list's items come before
/// `list`, and a struct given `null` is the sink's to null all the way down.
pub trait Sink {
    fn null(&mut self, node: usize);
    fn str(&mut self, node: usize, v: &str);
    fn int(&mut self, node: usize, v: i64);
    fn float(&mut self, node: usize, v: f64);
    fn bool(&mut self, node: usize, v: bool);
    /// Epoch milliseconds.
    fn time(&mut self, node: usize, ms: i64);
    /// A value's JSON text, minified.
    fn json(&mut self, node: usize, text: &str);
    /// The `len` items of a list were given to its item node.
    fn list(&mut self, node: usize, len: usize) -> Result<(), String>;
    /// Each field of a struct was given its value.
    fn object(&mut self, node: usize);
    /// The end of a record: `extra` is the JSON object text of the keys no column names.
    fn record(&mut self, extra: Option<&str>);
}

/// Why a record failed: a value that does not fit (with its path, built innermost first as the
/// error travels out), or text that is not JSON.
#[derive(Debug)]
pub enum Fail {
    Fit { path: Vec<Seg>, message: String },
    Json(JiterError),
}

#[derive(Debug)]
pub enum Seg {
    Key(Arc<str>),
    Index(usize),
}

impl From<JiterError> for Fail {
    fn from(e: JiterError) -> Self {
        Fail::Json(e)
    }
}

impl Fail {
    pub fn fit(message: String) -> Fail {
        Fail::Fit {
            path: Vec::new(),
            message,
        }
    }

    fn at(mut self, seg: Seg) -> Fail {
        if let Fail::Fit { path, .. } = &mut self {
            path.push(seg);
        }
        self
    }

    /// The failure as a [`FitError`]: the field's path (`(record)` for the record itself) and
    /// what was wrong.
    pub fn to_fit_error(&self) -> FitError {
        match self {
            Fail::Json(e) => FitError {
                field: "(record)".into(),
                message: format!("not JSON: {e}"),
            },
            Fail::Fit { path, message } => {
                let mut field = String::new();
                for s in path.iter().rev() {
                    match s {
                        Seg::Key(k) if field.is_empty() => field.push_str(k),
                        Seg::Key(k) => {
                            field.push('.');
                            field.push_str(k);
                        }
                        Seg::Index(i) => field.push_str(&format!("[{i}]")),
                    }
                }
                if field.is_empty() {
                    field.push_str("(record)");
                }
                FitError {
                    field,
                    message: message.clone(),
                }
            }
        }
    }

    /// `field `repo[0].tag`: expected a string, got a number`.
    pub fn describe(&self) -> String {
        self.to_fit_error().to_string()
    }
}

fn kind(p: Peek) -> &'static str {
    match p {
        Peek::Null => "null",
        Peek::True | Peek::False => "a boolean",
        Peek::String => "a string",
        Peek::Array => "a list",
        Peek::Object => "an object",
        _ => "a number",
    }
}

fn mismatch(want: &str, got: Peek) -> Fail {
    Fail::fit(format!("expected {want}, got {}", kind(got)))
}

/// `s` as an integer (optionally signed decimal digits), or `None`.
fn int_text(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// The next value (at `peek`) skipped; its text (minified, UTF-8 checked) into `out`.
fn raw_into(j: &mut Jiter<'_>, peek: Peek, out: &mut Vec<u8>) -> Result<(), Fail> {
    let start = j.current_index();
    j.known_skip(peek)?;
    let raw = j.slice_to_current(start);
    // jiter's skip does not check strings' UTF-8; the column and `extra` are text.
    std::str::from_utf8(raw).map_err(|_| Fail::fit("a string is not valid UTF-8".into()))?;
    minify_into(raw, out);
    Ok(())
}

/// Finds keys among a struct's names by predicting each key's position from the previous
/// object's key order (the records of a page share one order, rarely the schema's): one
/// comparison a key instead of a scan.
#[derive(Default, Clone)]
struct KeyOrder(Vec<u16>);

impl KeyOrder {
    /// The index of `key` (the `pos`-th key of its object) in `keys`.
    fn find(&mut self, keys: &[Box<[u8]>], key: &[u8], pos: usize) -> Option<usize> {
        if let Some(&i) = self.0.get(pos)
            && keys.get(usize::from(i)).is_some_and(|k| **k == *key)
        {
            return Some(usize::from(i));
        }
        let i = keys.iter().position(|k| **k == *key);
        let v = i.and_then(|i| u16::try_from(i).ok()).unwrap_or(u16::MAX);
        if let Some(slot) = self.0.get_mut(pos) {
            *slot = v;
        } else if pos == self.0.len() {
            self.0.push(v);
        }
        i
    }
}

/// Reads records by one plan; holds the parser's scratch and the key orders learnt so far (one
/// reader per page, or per thread).
pub struct Reader<'p> {
    plan: &'p Plan,
    tape: Vec<u8>,
    /// The key orders of the record, of each flattened object (by slot) and of each struct node.
    order: KeyOrder,
    group_order: Vec<KeyOrder>,
    node_order: Vec<KeyOrder>,
    /// The record's `extra` object text, and a JSON value's text.
    extra: Vec<u8>,
    raw: Vec<u8>,
}

impl<'p> Reader<'p> {
    pub fn new(plan: &'p Plan) -> Reader<'p> {
        Reader {
            plan,
            tape: Vec::new(),
            order: KeyOrder::default(),
            group_order: vec![KeyOrder::default(); plan.slots.len()],
            node_order: vec![KeyOrder::default(); plan.nodes.len()],
            extra: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// One record's JSON text into `sink`.
    pub fn record<S: Sink>(&mut self, bytes: &[u8], sink: &mut S) -> Result<(), Fail> {
        let mut j = Jiter::with_tape(bytes, std::mem::take(&mut self.tape));
        let r = self.record_in(bytes, &mut j, sink);
        self.tape = j.into_tape();
        r
    }

    fn record_in<S: Sink>(
        &mut self,
        bytes: &[u8],
        j: &mut Jiter<'_>,
        sink: &mut S,
    ) -> Result<(), Fail> {
        let plan = self.plan;
        let peek = j.peek()?;
        if peek != Peek::Object {
            return Err(mismatch("an object", peek));
        }
        self.extra.clear();
        let mut seen: u128 = 0;
        // A key as its range in `bytes` (the parser's slices borrow it only until the next call).
        let at = |k: &[u8]| {
            let s = k.as_ptr() as usize - bytes.as_ptr() as usize;
            s..s + k.len()
        };
        let mut pos = 0;
        let mut key = j
            .next_object_bytes()?
            .map(|k| (self.order.find(&plan.keys, k, pos), at(k)));
        while let Some((slot, k)) = key {
            let peek = j.peek()?;
            let start = j.current_index();
            let mut lost = false;
            match slot {
                Some(s) if s < 128 && seen & (1 << s) == 0 => {
                    seen |= 1 << s;
                    self.slot(s, j, peek, sink, &mut lost)
                        .map_err(|e| e.at(Seg::Key(plan.names[s].clone())))?;
                }
                _ => {
                    j.known_skip(peek)?;
                    lost = true;
                }
            }
            if lost {
                add_extra(&mut self.extra, &bytes[k], j.slice_to_current(start))?;
            }
            pos += 1;
            key = j
                .next_key_bytes()?
                .map(|k| (self.order.find(&plan.keys, k, pos), at(k)));
        }
        j.finish()?;
        for (s, slot) in plan.slots.iter().enumerate() {
            if s >= 128 || seen & (1 << s) == 0 {
                match slot {
                    Slot::Node(n) => sink.null(*n),
                    Slot::Group { nodes, .. } => nodes.iter().for_each(|n| sink.null(*n)),
                }
            }
        }
        if self.extra.is_empty() {
            sink.record(None);
        } else {
            self.extra.push(b'}');
            // Checked as UTF-8 entry by entry.
            sink.record(Some(std::str::from_utf8(&self.extra).unwrap_or_default()));
        }
        Ok(())
    }

    fn slot<S: Sink>(
        &mut self,
        s: usize,
        j: &mut Jiter<'_>,
        peek: Peek,
        sink: &mut S,
        lost: &mut bool,
    ) -> Result<(), Fail> {
        let plan = self.plan;
        match &plan.slots[s] {
            Slot::Node(n) => self.value(*n, j, peek, sink, lost),
            Slot::Group { keys, names, nodes } => {
                if peek == Peek::Null {
                    j.known_null()?;
                    nodes.iter().for_each(|n| sink.null(*n));
                    return Ok(());
                }
                if peek != Peek::Object {
                    return Err(mismatch("an object", peek));
                }
                let mut order = std::mem::take(&mut self.group_order[s]);
                let r = self.fields(keys, names, nodes, &mut order, j, sink, lost);
                self.group_order[s] = order;
                r
            }
        }
    }

    /// The object at the parser (its `{` peeked) into the nodes of its declared keys; a key
    /// absent is null. A key the object does not declare, or one said twice, sets `lost`.
    #[allow(clippy::too_many_arguments)]
    fn fields<S: Sink>(
        &mut self,
        keys: &[Box<[u8]>],
        names: &[Arc<str>],
        nodes: &[usize],
        order: &mut KeyOrder,
        j: &mut Jiter<'_>,
        sink: &mut S,
        lost: &mut bool,
    ) -> Result<(), Fail> {
        let mut seen: u128 = 0;
        let mut pos = 0;
        let mut key = j.next_object_bytes()?.map(|k| order.find(keys, k, pos));
        while let Some(slot) = key {
            let peek = j.peek()?;
            match slot {
                Some(i) if i < MAX_FIELDS && seen & (1 << i) == 0 => {
                    seen |= 1 << i;
                    self.value(nodes[i], j, peek, sink, lost)
                        .map_err(|e| e.at(Seg::Key(names[i].clone())))?;
                }
                _ => {
                    *lost = true;
                    j.known_skip(peek)?;
                }
            }
            pos += 1;
            key = j.next_key_bytes()?.map(|k| order.find(keys, k, pos));
        }
        for (i, n) in nodes.iter().enumerate() {
            if i >= MAX_FIELDS || seen & (1 << i) == 0 {
                sink.null(*n);
            }
        }
        Ok(())
    }

    /// The value at `peek` into node `n`; `lost` is set when an object has keys its struct does
    /// not name (the caller keeps the whole field in `extra`).
    fn value<S: Sink>(
        &mut self,
        n: usize,
        j: &mut Jiter<'_>,
        peek: Peek,
        sink: &mut S,
        lost: &mut bool,
    ) -> Result<(), Fail> {
        if peek == Peek::Null {
            j.known_null()?;
            sink.null(n);
            return Ok(());
        }
        let plan = self.plan;
        match &plan.nodes[n].kind {
            Kind::Str => match peek {
                Peek::String => sink.str(n, j.known_str()?),
                _ => return Err(mismatch("a string", peek)),
            },
            Kind::Json => {
                let mut raw = std::mem::take(&mut self.raw);
                raw.clear();
                let r = raw_into(j, peek, &mut raw);
                if r.is_ok() {
                    // `raw_into` checked the text is UTF-8.
                    sink.json(n, std::str::from_utf8(&raw).unwrap_or_default());
                }
                self.raw = raw;
                r?
            }
            Kind::Int => match peek {
                Peek::String => {
                    let s = j.known_str()?;
                    if s.is_empty() {
                        sink.null(n);
                    } else {
                        let v = int_text(s.as_bytes()).ok_or_else(|| {
                            Fail::fit(format!("expected an integer, got the string {s:?}"))
                        })?;
                        sink.int(n, v);
                    }
                }
                p if p.is_num() => {
                    let b = j.known_number_bytes(peek)?;
                    let v = int_text(b).ok_or_else(|| {
                        Fail::fit("expected a 64-bit integer, got a number".into())
                    })?;
                    sink.int(n, v);
                }
                _ => return Err(mismatch("an integer", peek)),
            },
            Kind::Float => match peek {
                p if p.is_num() => sink.float(n, j.known_float(peek)?),
                _ => return Err(mismatch("a number", peek)),
            },
            Kind::Bool => match peek {
                Peek::True | Peek::False => sink.bool(n, j.known_bool(peek)?),
                _ => return Err(mismatch("a boolean", peek)),
            },
            Kind::Time => match peek {
                Peek::String => {
                    let s = j.known_str()?;
                    if s.is_empty() {
                        sink.null(n);
                    } else {
                        let v =
                            int_text(s.as_bytes())
                                .or_else(|| parse_iso(s))
                                .ok_or_else(|| {
                                    Fail::fit(format!(
                                        "expected epoch milliseconds or an ISO 8601 time, got {s:?}"
                                    ))
                                })?;
                        sink.time(n, v);
                    }
                }
                p if p.is_num() => {
                    let b = j.known_number_bytes(peek)?;
                    let v = int_text(b).ok_or_else(|| {
                        Fail::fit("expected a time (epoch milliseconds), got a number".into())
                    })?;
                    sink.time(n, v);
                }
                _ => return Err(mismatch("a time (epoch milliseconds)", peek)),
            },
            Kind::List { item } => {
                let item = *item;
                let mut len: usize = 0;
                match peek {
                    Peek::Array => {
                        let mut next = j.known_array()?;
                        while let Some(p) = next {
                            self.value(item, j, p, sink, lost)
                                .map_err(|e| e.at(Seg::Index(len)))?;
                            len += 1;
                            next = j.array_step()?;
                        }
                    }
                    // One object where a list is declared (the `one_or_many` fields): a list of
                    // one.
                    Peek::Object if matches!(plan.nodes[item].kind, Kind::Struct { .. }) => {
                        self.value(item, j, peek, sink, lost)
                            .map_err(|e| e.at(Seg::Index(0)))?;
                        len = 1;
                    }
                    _ => return Err(mismatch("a list", peek)),
                }
                sink.list(n, len).map_err(Fail::fit)?;
            }
            Kind::Struct {
                keys,
                names,
                fields,
            } => match peek {
                Peek::Object => {
                    let mut order = std::mem::take(&mut self.node_order[n]);
                    let r = self.fields(keys, names, fields, &mut order, j, sink, lost);
                    self.node_order[n] = order;
                    r?;
                    sink.object(n);
                }
                _ => return Err(mismatch("an object", peek)),
            },
        }
        Ok(())
    }
}

/// `"key": value` appended to the record's `extra` object text (opened on the first entry).
fn add_extra(line: &mut Vec<u8>, key: &[u8], raw: &[u8]) -> Result<(), Fail> {
    line.push(if line.is_empty() { b'{' } else { b',' });
    // The key's bytes as they were in the source: already valid JSON string content.
    line.push(b'"');
    line.extend_from_slice(key);
    line.extend_from_slice(b"\":");
    std::str::from_utf8(raw).map_err(|_| Fail::fit("a string is not valid UTF-8".into()))?;
    minify_into(raw, line);
    Ok(())
}
