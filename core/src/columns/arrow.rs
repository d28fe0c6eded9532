//! The Arrow sink of the reader (feature `arrow`, the Python binding's): one page's records as
//! one record batch, read straight into per-node builders, strings copied once (from the page
//! into the column).

use super::Schema;
use super::plan::{Kind, Out, Plan};
use super::read::{Fail, Reader, Sink};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, NullBufferBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StringArray, StructArray};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{
    ArrowError, DataType, Field, Fields, Schema as ArrowSchema, SchemaRef, TimeUnit,
};
use std::sync::Arc;

/// The Arrow type of a node (a `json` node is a string column of JSON text).
fn node_type(plan: &Plan, n: usize) -> DataType {
    match &plan.nodes[n].kind {
        Kind::Str | Kind::Json => DataType::Utf8,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Bool => DataType::Boolean,
        Kind::Time => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        Kind::List { item } => {
            DataType::List(Arc::new(Field::new("item", node_type(plan, *item), true)))
        }
        Kind::Struct { names, fields, .. } => DataType::Struct(struct_fields(plan, names, fields)),
    }
}

fn struct_fields(plan: &Plan, names: &[Arc<str>], fields: &[usize]) -> Fields {
    Fields::from(
        names
            .iter()
            .zip(fields)
            .map(|(name, f)| Field::new(&**name, node_type(plan, *f), true))
            .collect::<Vec<_>>(),
    )
}

/// The builder of one node.
enum Col {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMillisecondBuilder),
    List {
        offsets: Vec<i32>,
        nulls: NullBufferBuilder,
    },
    Struct(NullBufferBuilder),
}

impl Col {
    fn new(kind: &Kind, cap: usize) -> Col {
        match kind {
            Kind::Str | Kind::Json => Col::Str(StringBuilder::with_capacity(cap, cap * 16)),
            Kind::Int => Col::Int(Int64Builder::with_capacity(cap)),
            Kind::Float => Col::Float(Float64Builder::with_capacity(cap)),
            Kind::Bool => Col::Bool(BooleanBuilder::with_capacity(cap)),
            Kind::Time => {
                Col::Time(TimestampMillisecondBuilder::with_capacity(cap).with_timezone("UTC"))
            }
            Kind::List { .. } => {
                let mut offsets = Vec::with_capacity(cap + 1);
                offsets.push(0);
                Col::List {
                    offsets,
                    nulls: NullBufferBuilder::new(cap),
                }
            }
            Kind::Struct { .. } => Col::Struct(NullBufferBuilder::new(cap)),
        }
    }
}

/// The builders of one page, by node.
struct ArrowSink<'p> {
    plan: &'p Plan,
    cols: Vec<Col>,
    extra: StringBuilder,
}

impl ArrowSink<'_> {
    fn finish(&mut self, n: usize) -> Result<ArrayRef, ArrowError> {
        let plan = self.plan;
        Ok(match (&mut self.cols[n], &plan.nodes[n].kind) {
            (Col::Str(b), _) => Arc::new(b.finish()),
            (Col::Int(b), _) => Arc::new(b.finish()),
            (Col::Float(b), _) => Arc::new(b.finish()),
            (Col::Bool(b), _) => Arc::new(b.finish()),
            (Col::Time(b), _) => Arc::new(b.finish()),
            (Col::List { offsets, nulls }, Kind::List { item }) => {
                let offsets = std::mem::replace(offsets, vec![0]);
                let nulls = nulls.finish();
                let field = Arc::new(Field::new("item", node_type(plan, *item), true));
                let values = self.finish(*item)?;
                Arc::new(ListArray::try_new(
                    field,
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    values,
                    nulls,
                )?)
            }
            (Col::Struct(nulls), Kind::Struct { names, fields, .. }) => {
                let nulls = nulls.finish();
                let children = fields
                    .iter()
                    .map(|f| self.finish(*f))
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(
                    struct_fields(plan, names, fields),
                    children,
                    nulls,
                )?)
            }
            _ => return Err(ArrowError::SchemaError("a builder of another kind".into())),
        })
    }
}

impl Sink for ArrowSink<'_> {
    fn null(&mut self, n: usize) {
        match &mut self.cols[n] {
            Col::Str(b) => b.append_null(),
            Col::Int(b) => b.append_null(),
            Col::Float(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Time(b) => b.append_null(),
            Col::List { offsets, nulls } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
            Col::Struct(nulls) => {
                nulls.append_null();
                // Every field has a slot for each struct, null ones too.
                if let Kind::Struct { fields, .. } = &self.plan.nodes[n].kind {
                    for f in fields {
                        self.null(*f);
                    }
                }
            }
        }
    }

    fn str(&mut self, n: usize, v: &str) {
        if let Col::Str(b) = &mut self.cols[n] {
            b.append_value(v);
        }
    }

    fn int(&mut self, n: usize, v: i64) {
        if let Col::Int(b) = &mut self.cols[n] {
            b.append_value(v);
        }
    }

    fn float(&mut self, n: usize, v: f64) {
        if let Col::Float(b) = &mut self.cols[n] {
            b.append_value(v);
        }
    }

    fn bool(&mut self, n: usize, v: bool) {
        if let Col::Bool(b) = &mut self.cols[n] {
            b.append_value(v);
        }
    }

    fn time(&mut self, n: usize, ms: i64) {
        if let Col::Time(b) = &mut self.cols[n] {
            b.append_value(ms);
        }
    }

    fn json(&mut self, n: usize, text: &str) {
        self.str(n, text);
    }

    fn list(&mut self, n: usize, len: usize) -> Result<(), String> {
        if let Col::List { offsets, nulls } = &mut self.cols[n] {
            let last = offsets.last().copied().unwrap_or(0);
            let next = i32::try_from(len)
                .ok()
                .and_then(|len| last.checked_add(len))
                .ok_or("a list too long for one page")?;
            offsets.push(next);
            nulls.append_non_null();
        }
        Ok(())
    }

    fn object(&mut self, n: usize) {
        if let Col::Struct(nulls) = &mut self.cols[n] {
            nulls.append_non_null();
        }
    }

    fn record(&mut self, extra: Option<&str>) {
        self.extra.append_option(extra);
    }
}

/// Builds the record batches of one list's schema.
pub struct Batcher {
    plan: Arc<Plan>,
    arrow: SchemaRef,
}

impl Batcher {
    pub fn new(schema: &Schema) -> Batcher {
        let plan = schema.plan().clone();
        // Every column nullable (any field may be absent or null).
        let fields: Vec<Field> = schema
            .columns
            .iter()
            .zip(&plan.columns)
            .map(|(c, o)| {
                let ty = match o {
                    Out::Node(n) => node_type(&plan, *n),
                    Out::First { .. } | Out::Extra => DataType::Utf8,
                };
                Field::new(&c.name, ty, true)
            })
            .collect();
        Batcher {
            arrow: Arc::new(ArrowSchema::new(fields)),
            plan,
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
        let plan = &self.plan;
        let mut sink = ArrowSink {
            plan,
            cols: plan.nodes.iter().map(|x| Col::new(&x.kind, n)).collect(),
            extra: StringBuilder::with_capacity(n, 0),
        };
        let mut reader = Reader::new(plan);
        for (i, (start, end)) in spans.enumerate() {
            reader
                .record(&body[start..end], &mut sink)
                .map_err(|e| (i, e))?;
        }
        let fail = |e: ArrowError| (0, Fail::fit(e.to_string()));
        let mut out: Vec<ArrayRef> = Vec::with_capacity(plan.columns.len());
        for o in &plan.columns {
            out.push(match o {
                Out::Node(x) => sink.finish(*x).map_err(fail)?,
                // Filled below, from the finished list columns.
                Out::First { .. } => Arc::new(StringArray::new_null(0)),
                Out::Extra => Arc::new(sink.extra.finish()),
            });
        }
        for (c, o) in plan.columns.iter().enumerate() {
            if let Out::First { column, field, .. } = o {
                out[c] = first_of(&out[*column], plan, *field, n);
            }
        }
        let cols = out
            .into_iter()
            .map(|mut c| {
                // The builders grew by doubling: the table keeps what it holds, not the slack
                // (up to half of every buffer, for the whole life of a DataFrame).
                c.shrink_to_fit();
                c
            })
            .collect();
        RecordBatch::try_new(self.arrow.clone(), cols).map_err(fail)
    }
}

/// The string field (node `field`) of each row's first list item: null for a null or empty list.
fn first_of(list: &ArrayRef, plan: &Plan, field: usize, n: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let list = list.as_any().downcast_ref::<ListArray>();
    let at = match plan.nodes[field].parent {
        super::plan::Parent::Struct(s) => match &plan.nodes[s].kind {
            Kind::Struct { fields, .. } => fields.iter().position(|f| *f == field),
            _ => None,
        },
        _ => None,
    };
    let child = list.zip(at).and_then(|(l, at)| {
        l.values()
            .as_any()
            .downcast_ref::<StructArray>()
            .map(|s| s.column(at))
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
        _ => (0..n).for_each(|_| b.append_null()),
    }
    Arc::new(b.finish())
}
