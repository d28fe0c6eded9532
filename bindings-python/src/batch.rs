//! One page's records as one Arrow record batch, in one pass over the page bytes.
//!
//! The rules are the core's ([`qualys_cs::columns`]: the schema, which fields are flattened, how
//! times are read, what goes to `extra`); this is their fast form for Arrow. Each record is read
//! with jiter's pull parser straight into per-column builders: no `serde_json::Value` tree, no
//! intermediate row, strings copied once (from the page into the column). Keys are matched against
//! the schema's names in the order the previous record had them, so a page whose records share a
//! key order (every API page) costs one comparison a key.
//!
//! A value that does not fit its column fails the page with the field's path (`repo[0].tag`), as
//! the core's rules do; keys the schema does not name, a field with keys its struct does not name,
//! and a repeated key all go to `extra` as their JSON text, so nothing the server sent is lost.

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, NullBufferBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema as ArrowSchema, SchemaRef, TimeUnit};
use jiter::{Jiter, JiterError, Peek};
use qualys_cs::columns::{ColumnType, Schema, Source, minify_into, parse_iso};
use std::sync::Arc;

/// A struct with more fields than this is read as JSON text (the seen-set is one `u128`); no
/// model comes near it.
const MAX_FIELDS: usize = 128;

/// The Arrow type of a column (a `json` column is a string column of JSON text).
pub fn data_type(t: &ColumnType) -> DataType {
    match t {
        ColumnType::Utf8 | ColumnType::Json => DataType::Utf8,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::TimestampMs => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ColumnType::List(inner) => {
            DataType::List(Arc::new(Field::new("item", data_type(inner), true)))
        }
        ColumnType::Struct(fs) if fs.len() > MAX_FIELDS => DataType::Utf8,
        ColumnType::Struct(fs) => DataType::Struct(Fields::from(
            fs.iter()
                .map(|(n, t)| Field::new(n, data_type(t), true))
                .collect::<Vec<_>>(),
        )),
    }
}

/// The Arrow schema of a list: every column nullable (any field may be absent or null).
pub fn arrow_schema(s: &Schema) -> SchemaRef {
    Arc::new(ArrowSchema::new(
        s.columns
            .iter()
            .map(|c| Field::new(&c.name, data_type(&c.ty), true))
            .collect::<Vec<_>>(),
    ))
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
    fn fit(message: String) -> Fail {
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

    /// `field `repo[0].tag`: expected a string, got a number`, as the core's `FitError` reads.
    pub fn describe(&self) -> String {
        match self {
            Fail::Json(e) => format!("not JSON: {e}"),
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
                format!("field `{field}`: {message}")
            }
        }
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

/// The builder of one column (or of a list's items, a struct's field).
enum Col {
    Str(StringBuilder),
    Json(StringBuilder, Vec<u8>),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMillisecondBuilder),
    List {
        field: FieldRef,
        offsets: Vec<i32>,
        nulls: NullBufferBuilder,
        item: Box<Col>,
    },
    Struct(StructCol),
}

struct StructCol {
    fields: Fields,
    keys: Vec<Box<[u8]>>,
    names: Vec<Arc<str>>,
    children: Vec<Col>,
    nulls: NullBufferBuilder,
    order: KeyOrder,
}

/// Finds keys among a struct's names by predicting each key's position from the previous
/// object's key order (the records of a page share one order, rarely the schema's): one
/// comparison a key instead of a scan.
#[derive(Default)]
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

impl Col {
    fn new(t: &ColumnType, cap: usize) -> Col {
        match t {
            ColumnType::Utf8 => Col::Str(StringBuilder::with_capacity(cap, cap * 16)),
            ColumnType::Json => Col::Json(StringBuilder::with_capacity(cap, cap * 16), Vec::new()),
            ColumnType::Int64 => Col::Int(Int64Builder::with_capacity(cap)),
            ColumnType::Float64 => Col::Float(Float64Builder::with_capacity(cap)),
            ColumnType::Bool => Col::Bool(BooleanBuilder::with_capacity(cap)),
            ColumnType::TimestampMs => {
                Col::Time(TimestampMillisecondBuilder::with_capacity(cap).with_timezone("UTC"))
            }
            ColumnType::List(inner) => {
                let mut offsets = Vec::with_capacity(cap + 1);
                offsets.push(0);
                Col::List {
                    field: Arc::new(Field::new("item", data_type(inner), true)),
                    offsets,
                    nulls: NullBufferBuilder::new(cap),
                    item: Box::new(Col::new(inner, cap)),
                }
            }
            ColumnType::Struct(fs) if fs.len() > MAX_FIELDS => {
                Col::Json(StringBuilder::with_capacity(cap, cap * 64), Vec::new())
            }
            ColumnType::Struct(fs) => Col::Struct(StructCol {
                fields: match data_type(t) {
                    DataType::Struct(f) => f,
                    _ => Fields::empty(),
                },
                keys: fs.iter().map(|(n, _)| n.as_bytes().into()).collect(),
                names: fs.iter().map(|(n, _)| Arc::from(n.as_str())).collect(),
                children: fs.iter().map(|(_, t)| Col::new(t, cap)).collect(),
                nulls: NullBufferBuilder::new(cap),
                order: KeyOrder::default(),
            }),
        }
    }

    fn null(&mut self) {
        match self {
            Col::Str(b) | Col::Json(b, _) => b.append_null(),
            Col::Int(b) => b.append_null(),
            Col::Float(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Time(b) => b.append_null(),
            Col::List { offsets, nulls, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
            Col::Struct(s) => s.null(),
        }
    }

    /// Read the value at `peek` into the column; `lost` is set when an object has keys its struct
    /// does not name (the caller keeps the whole field in `extra`).
    fn read(&mut self, j: &mut Jiter<'_>, peek: Peek, lost: &mut bool) -> Result<(), Fail> {
        if peek == Peek::Null {
            j.known_null()?;
            self.null();
            return Ok(());
        }
        match self {
            Col::Str(b) => match peek {
                Peek::String => b.append_value(j.known_str()?),
                _ => return Err(mismatch("a string", peek)),
            },
            Col::Json(b, buf) => {
                buf.clear();
                raw_into(j, peek, buf)?;
                // `raw_into` checked the text is UTF-8.
                b.append_value(std::str::from_utf8(buf).unwrap_or_default());
            }
            Col::Int(b) => match peek {
                Peek::String => {
                    let s = j.known_str()?;
                    if s.is_empty() {
                        b.append_null();
                    } else {
                        let v = int_text(s.as_bytes()).ok_or_else(|| {
                            Fail::fit(format!("expected an integer, got the string {s:?}"))
                        })?;
                        b.append_value(v);
                    }
                }
                p if p.is_num() => {
                    let n = j.known_number_bytes(peek)?;
                    let v = int_text(n).ok_or_else(|| {
                        Fail::fit("expected a 64-bit integer, got a number".into())
                    })?;
                    b.append_value(v);
                }
                _ => return Err(mismatch("an integer", peek)),
            },
            Col::Float(b) => match peek {
                p if p.is_num() => b.append_value(j.known_float(peek)?),
                _ => return Err(mismatch("a number", peek)),
            },
            Col::Bool(b) => match peek {
                Peek::True | Peek::False => b.append_value(j.known_bool(peek)?),
                _ => return Err(mismatch("a boolean", peek)),
            },
            Col::Time(b) => match peek {
                Peek::String => {
                    let s = j.known_str()?;
                    if s.is_empty() {
                        b.append_null();
                    } else {
                        let v =
                            int_text(s.as_bytes())
                                .or_else(|| parse_iso(s))
                                .ok_or_else(|| {
                                    Fail::fit(format!(
                                        "expected epoch milliseconds or an ISO 8601 time, got {s:?}"
                                    ))
                                })?;
                        b.append_value(v);
                    }
                }
                p if p.is_num() => {
                    let n = j.known_number_bytes(peek)?;
                    let v = int_text(n).ok_or_else(|| {
                        Fail::fit("expected a time (epoch milliseconds), got a number".into())
                    })?;
                    b.append_value(v);
                }
                _ => return Err(mismatch("a time (epoch milliseconds)", peek)),
            },
            Col::List {
                offsets,
                nulls,
                item,
                ..
            } => {
                let mut n: usize = 0;
                match peek {
                    Peek::Array => {
                        let mut next = j.known_array()?;
                        while let Some(p) = next {
                            item.read(j, p, lost).map_err(|e| e.at(Seg::Index(n)))?;
                            n += 1;
                            next = j.array_step()?;
                        }
                    }
                    // One object where a list is declared (the `OneOrMany` fields): a list of one.
                    Peek::Object if matches!(**item, Col::Struct(_)) => {
                        item.read(j, peek, lost).map_err(|e| e.at(Seg::Index(0)))?;
                        n = 1;
                    }
                    _ => return Err(mismatch("a list", peek)),
                }
                let last = offsets.last().copied().unwrap_or(0);
                let next = i32::try_from(n)
                    .ok()
                    .and_then(|n| last.checked_add(n))
                    .ok_or_else(|| Fail::fit("a list too long for one page".into()))?;
                offsets.push(next);
                nulls.append_non_null();
            }
            Col::Struct(s) => match peek {
                Peek::Object => s.read(j, lost)?,
                _ => return Err(mismatch("an object", peek)),
            },
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<ArrayRef, arrow_schema::ArrowError> {
        Ok(match self {
            Col::Str(b) | Col::Json(b, _) => Arc::new(b.finish()),
            Col::Int(b) => Arc::new(b.finish()),
            Col::Float(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Time(b) => Arc::new(b.finish()),
            Col::List {
                field,
                offsets,
                nulls,
                item,
            } => {
                let offsets = std::mem::replace(offsets, vec![0]);
                Arc::new(ListArray::try_new(
                    field.clone(),
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    item.finish()?,
                    nulls.finish(),
                )?)
            }
            Col::Struct(s) => {
                let children = s
                    .children
                    .iter_mut()
                    .map(Col::finish)
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(
                    s.fields.clone(),
                    children,
                    s.nulls.finish(),
                )?)
            }
        })
    }
}

impl StructCol {
    fn null(&mut self) {
        for c in &mut self.children {
            c.null();
        }
        self.nulls.append_null();
    }

    /// The object at the parser (its `{` peeked) into the children; a child absent is null.
    fn read(&mut self, j: &mut Jiter<'_>, lost: &mut bool) -> Result<(), Fail> {
        let mut seen: u128 = 0;
        let mut pos = 0;
        let mut key = j
            .next_object_bytes()?
            .map(|k| self.order.find(&self.keys, k, pos));
        while let Some(slot) = key {
            let peek = j.peek()?;
            match slot {
                Some(i) if seen & (1 << i) == 0 => {
                    seen |= 1 << i;
                    self.children[i]
                        .read(j, peek, lost)
                        .map_err(|e| e.at(Seg::Key(self.names[i].clone())))?;
                }
                // A key the struct does not name, or one said twice: the field goes to `extra`.
                _ => {
                    *lost = true;
                    j.known_skip(peek)?;
                }
            }
            pos += 1;
            key = j
                .next_key_bytes()?
                .map(|k| self.order.find(&self.keys, k, pos));
        }
        for (i, c) in self.children.iter_mut().enumerate() {
            if seen & (1 << i) == 0 {
                c.null();
            }
        }
        self.nulls.append_non_null();
        Ok(())
    }
}

/// What a top-level key of the record feeds.
enum Slot {
    /// One column (by index into `Batcher::cols`).
    Column(usize),
    /// A nested object flattened into columns: its keys and their columns.
    Group {
        keys: Vec<Box<[u8]>>,
        names: Vec<Arc<str>>,
        cols: Vec<usize>,
    },
}

/// A column derived after the page is read: a field of a list's first struct (`repository` of
/// `repo[0]`), from the list column at `list`.
struct First {
    list: usize,
    sub: String,
}

/// Builds the record batches of one list's schema.
pub struct Batcher {
    arrow: SchemaRef,
    /// The top-level keys the schema names, and what each feeds.
    keys: Vec<Box<[u8]>>,
    names: Vec<Arc<str>>,
    slots: Vec<Slot>,
    /// The column types, in schema order, with `None` for derived ones (first-of, extra).
    types: Vec<Option<ColumnType>>,
    firsts: Vec<(usize, First)>,
    extra: Option<usize>,
}

/// Builders for one page.
struct PageCols {
    cols: Vec<Option<Col>>,
    extra: StringBuilder,
    line: Vec<u8>,
    tape: Vec<u8>,
    /// The key orders of the record and of each flattened object (by slot).
    order: KeyOrder,
    group_order: Vec<KeyOrder>,
}

impl Batcher {
    pub fn new(schema: &Schema) -> Batcher {
        let arrow = arrow_schema(schema);
        let mut keys: Vec<Box<[u8]>> = Vec::new();
        let mut names: Vec<Arc<str>> = Vec::new();
        let mut slots = Vec::new();
        let mut types = Vec::new();
        let mut firsts = Vec::new();
        let mut extra = None;
        for (i, c) in schema.columns.iter().enumerate() {
            match &c.source {
                Source::Field(k) => {
                    keys.push(k.as_bytes().into());
                    names.push(Arc::from(k.as_str()));
                    slots.push(Slot::Column(i));
                    types.push(Some(c.ty.clone()));
                }
                Source::Nested(k, sub) => {
                    let at = keys.iter().position(|x| &**x == k.as_bytes());
                    let slot = match at {
                        Some(at) => &mut slots[at],
                        None => {
                            keys.push(k.as_bytes().into());
                            names.push(Arc::from(k.as_str()));
                            slots.push(Slot::Group {
                                keys: Vec::new(),
                                names: Vec::new(),
                                cols: Vec::new(),
                            });
                            slots.last_mut().expect("just pushed")
                        }
                    };
                    if let Slot::Group { keys, names, cols } = slot {
                        keys.push(sub.as_bytes().into());
                        names.push(Arc::from(sub.as_str()));
                        cols.push(i);
                    }
                    types.push(Some(c.ty.clone()));
                }
                Source::First(k, sub) => {
                    let list = schema
                        .columns
                        .iter()
                        .position(|x| x.source == Source::Field(k.clone()))
                        .unwrap_or(usize::MAX);
                    firsts.push((
                        i,
                        First {
                            list,
                            sub: sub.clone(),
                        },
                    ));
                    types.push(None);
                }
                Source::Extra => {
                    extra = Some(i);
                    types.push(None);
                }
            }
        }
        Batcher {
            arrow,
            keys,
            names,
            slots,
            types,
            firsts,
            extra,
        }
    }

    pub fn schema(&self) -> SchemaRef {
        self.arrow.clone()
    }

    /// The records (their byte spans in `body`) as one record batch; a failure names the record
    /// (by its position in the page) and the field.
    pub fn batch(
        &self,
        body: &[u8],
        spans: impl ExactSizeIterator<Item = (usize, usize)>,
    ) -> Result<RecordBatch, (usize, Fail)> {
        let n = spans.len();
        let mut p = PageCols {
            cols: self
                .types
                .iter()
                .map(|t| t.as_ref().map(|t| Col::new(t, n)))
                .collect(),
            extra: StringBuilder::with_capacity(n, 0),
            line: Vec::new(),
            tape: Vec::new(),
            order: KeyOrder::default(),
            group_order: self.slots.iter().map(|_| KeyOrder::default()).collect(),
        };
        for (i, (start, end)) in spans.enumerate() {
            self.record(&body[start..end], &mut p).map_err(|e| (i, e))?;
        }
        let mut out: Vec<Option<ArrayRef>> = Vec::with_capacity(self.types.len());
        for c in &mut p.cols {
            out.push(match c {
                Some(c) => Some(c.finish().map_err(|e| (0, Fail::fit(e.to_string())))?),
                None => None,
            });
        }
        for (at, f) in &self.firsts {
            out[*at] = Some(first_of(
                out.get(f.list).and_then(Option::as_ref),
                &f.sub,
                n,
            ));
        }
        if let Some(at) = self.extra {
            out[at] = Some(Arc::new(p.extra.finish()));
        }
        let cols = out
            .into_iter()
            .map(|c| {
                let mut c = c.unwrap_or_else(|| Arc::new(StringArray::new_null(n)));
                // The builders grew by doubling: the table keeps what it holds, not the slack
                // (up to half of every buffer, for the whole life of a DataFrame).
                c.shrink_to_fit();
                c
            })
            .collect();
        RecordBatch::try_new(self.arrow.clone(), cols).map_err(|e| (0, Fail::fit(e.to_string())))
    }

    fn record(&self, bytes: &[u8], p: &mut PageCols) -> Result<(), Fail> {
        let mut j = Jiter::with_tape(bytes, std::mem::take(&mut p.tape));
        let r = self.record_in(bytes, &mut j, p);
        p.tape = j.into_tape();
        r
    }

    fn record_in(&self, bytes: &[u8], j: &mut Jiter<'_>, p: &mut PageCols) -> Result<(), Fail> {
        let peek = j.peek()?;
        if peek != Peek::Object {
            return Err(mismatch("an object", peek));
        }
        p.line.clear();
        let mut seen: u128 = 0;
        // A key as its range in `bytes` (the parser's slices borrow it only until the next call).
        let at = |k: &[u8]| {
            let s = k.as_ptr() as usize - bytes.as_ptr() as usize;
            s..s + k.len()
        };
        let mut pos = 0;
        let mut key = j
            .next_object_bytes()?
            .map(|k| (p.order.find(&self.keys, k, pos), at(k)));
        while let Some((slot, k)) = key {
            let peek = j.peek()?;
            let start = j.current_index();
            let mut lost = false;
            match slot {
                Some(s) if s < 128 && seen & (1 << s) == 0 => {
                    seen |= 1 << s;
                    self.read_slot(s, j, peek, p, &mut lost)
                        .map_err(|e| e.at(Seg::Key(self.names[s].clone())))?;
                }
                _ => {
                    j.known_skip(peek)?;
                    lost = true;
                }
            }
            if lost {
                add_extra(&mut p.line, &bytes[k], j.slice_to_current(start))?;
            }
            pos += 1;
            key = j
                .next_key_bytes()?
                .map(|k| (p.order.find(&self.keys, k, pos), at(k)));
        }
        j.finish()?;
        for (s, slot) in self.slots.iter().enumerate() {
            if s >= 128 || seen & (1 << s) == 0 {
                match slot {
                    Slot::Column(c) => col(p, *c).null(),
                    Slot::Group { cols, .. } => {
                        for c in cols {
                            col(p, *c).null();
                        }
                    }
                }
            }
        }
        if p.line.is_empty() {
            p.extra.append_null();
        } else {
            p.line.push(b'}');
            p.extra
                .append_value(std::str::from_utf8(&p.line).unwrap_or_default());
        }
        Ok(())
    }

    fn read_slot(
        &self,
        s: usize,
        j: &mut Jiter<'_>,
        peek: Peek,
        p: &mut PageCols,
        lost: &mut bool,
    ) -> Result<(), Fail> {
        match &self.slots[s] {
            Slot::Column(c) => col(p, *c).read(j, peek, lost),
            Slot::Group { keys, names, cols } => {
                if peek == Peek::Null {
                    j.known_null()?;
                    for c in cols {
                        col(p, *c).null();
                    }
                    return Ok(());
                }
                if peek != Peek::Object {
                    return Err(mismatch("an object", peek));
                }
                let mut seen: u128 = 0;
                let mut pos = 0;
                let mut order = std::mem::take(&mut p.group_order[s]);
                let mut key = j.next_object_bytes()?.map(|k| order.find(keys, k, pos));
                while let Some(slot) = key {
                    let peek = j.peek()?;
                    match slot {
                        Some(i) if i < 128 && seen & (1 << i) == 0 => {
                            seen |= 1 << i;
                            col(p, cols[i])
                                .read(j, peek, lost)
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
                p.group_order[s] = order;
                for (i, c) in cols.iter().enumerate() {
                    if i >= 128 || seen & (1 << i) == 0 {
                        col(p, *c).null();
                    }
                }
                Ok(())
            }
        }
    }
}

fn col(p: &mut PageCols, i: usize) -> &mut Col {
    p.cols[i]
        .as_mut()
        .expect("a named column has a builder (built from the same schema)")
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

/// The `sub` string field of each row's first list item (null for a null or empty list).
fn first_of(list: Option<&ArrayRef>, sub: &str, n: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let list = list.and_then(|a| a.as_any().downcast_ref::<ListArray>());
    let child = list.and_then(|l| {
        l.values()
            .as_any()
            .downcast_ref::<StructArray>()
            .and_then(|s| s.column_by_name(sub))
            .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
    });
    match (list, child) {
        (Some(l), Some(c)) => {
            let offs = l.value_offsets();
            for i in 0..l.len() {
                let at = offs[i] as usize;
                if l.is_valid(i) && offs[i + 1] > offs[i] && c.is_valid(at) {
                    b.append_value(c.value(at));
                } else {
                    b.append_null();
                }
            }
        }
        _ => {
            for _ in 0..n {
                b.append_null();
            }
        }
    }
    Arc::new(b.finish())
}
