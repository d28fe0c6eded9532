//! Columnar results: the core's per-list schema ([`qualys_cs::columns`]) as Arrow record batches,
//! built here from the page bytes (no Python object per record), handed to pyarrow / polars /
//! any Arrow consumer through the Arrow PyCapsule interface; and the page-by-page exports
//! (JSON Lines, CSV, Parquet).

use crate::errors::{to_py_err, validation};
use crate::pages::NativeRawPage;
use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, RecordBatch, RecordBatchIterator, make_array};
use arrow_data::ArrayData;
use arrow_json::ReaderBuilder;
use arrow_schema::{DataType, Field, Fields, Schema as ArrowSchema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use qualys_cs::columns::{ColumnType, Schema};
use qualys_cs::paginate::ItemSpan;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};

/// The list's schema, by its item model; a model the core does not declare gets the opaque one
/// (each record whole in `extra`).
pub fn schema_for(model: &str) -> Schema {
    Schema::of_list(Some(model))
}

/// The Arrow type of a column; `utc` false gives the zone-less twin arrow-json decodes into (it
/// cannot parse a named zone without a time-zone database: the zone is set after, see [`retype`]).
fn data_type(t: &ColumnType, utc: bool) -> DataType {
    match t {
        ColumnType::Utf8 | ColumnType::Json => DataType::Utf8,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::TimestampMs => {
            DataType::Timestamp(TimeUnit::Millisecond, utc.then(|| "UTC".into()))
        }
        ColumnType::List(inner) => {
            DataType::List(Arc::new(Field::new("item", data_type(inner, utc), true)))
        }
        ColumnType::Struct(fs) => DataType::Struct(Fields::from(
            fs.iter()
                .map(|(n, t)| Field::new(n, data_type(t, utc), true))
                .collect::<Vec<_>>(),
        )),
    }
}

/// The Arrow schema of a list: every column nullable (any field may be absent or null).
pub fn arrow_schema(s: &Schema, utc: bool) -> SchemaRef {
    Arc::new(ArrowSchema::new(
        s.columns
            .iter()
            .map(|c| Field::new(&c.name, data_type(&c.ty, utc), true))
            .collect::<Vec<_>>(),
    ))
}

/// `data` with the type `to`, which differs only in time zones: the same buffers, relabelled
/// (children too).
fn retype(data: ArrayData, to: &DataType) -> Result<ArrayData, arrow_schema::ArrowError> {
    if data.data_type() == to {
        return Ok(data);
    }
    let child_types: Vec<DataType> = match to {
        DataType::List(f) => vec![f.data_type().clone()],
        DataType::Struct(fs) => fs.iter().map(|f| f.data_type().clone()).collect(),
        _ => Vec::new(),
    };
    let children = data
        .child_data()
        .iter()
        .zip(&child_types)
        .map(|(c, t)| retype(c.clone(), t))
        .collect::<Result<Vec<_>, _>>()?;
    let b = data.into_builder().data_type(to.clone());
    if children.is_empty() {
        b.build()
    } else {
        b.child_data(children).build()
    }
}

/// One normalized record, serialized as the object arrow-json reads (column name → value),
/// without building that object.
struct Row<'a> {
    names: &'a [String],
    values: &'a [Value],
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.names.len()))?;
        for (n, v) in self.names.iter().zip(self.values) {
            m.serialize_entry(n, v)?;
        }
        m.end()
    }
}

/// A page's records as one record batch of `arrow`.
fn batch(c: &Columns, page: &qualys_cs::Page<ItemSpan>) -> qualys_cs::Result<RecordBatch> {
    let rows = c.schema.page_rows(page)?;
    let fail = |e: arrow_schema::ArrowError| page.meta.decode_error(&page.body, e.to_string());
    let mut decoder = ReaderBuilder::new(c.decode.clone())
        .with_batch_size(rows.len().max(1))
        .build_decoder()
        .map_err(fail)?;
    let view: Vec<Row<'_>> = rows
        .iter()
        .map(|v| Row {
            names: &c.names,
            values: v,
        })
        .collect();
    decoder.serialize(&view).map_err(fail)?;
    let Some(b) = decoder.flush().map_err(fail)? else {
        return Ok(RecordBatch::new_empty(c.arrow.clone()));
    };
    let cols = b
        .columns()
        .iter()
        .zip(c.arrow.fields())
        .map(|(a, f)| retype(a.to_data(), f.data_type()).map(make_array))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    RecordBatch::try_new(c.arrow.clone(), cols).map_err(fail)
}

struct Columns {
    schema: Schema,
    names: Vec<String>,
    /// The schema of the tables and files (timestamps in UTC).
    arrow: SchemaRef,
    /// What arrow-json decodes into (zone-less timestamps).
    decode: SchemaRef,
}

impl Columns {
    fn new(model: &str) -> Self {
        let schema = schema_for(model);
        let names = schema.columns.iter().map(|c| c.name.clone()).collect();
        let arrow = arrow_schema(&schema, true);
        let decode = arrow_schema(&schema, false);
        Columns {
            schema,
            names,
            arrow,
            decode,
        }
    }

    fn batch(&self, page: &qualys_cs::Page<ItemSpan>) -> qualys_cs::Result<RecordBatch> {
        batch(self, page)
    }
}

/// Record batches of one schema: an Arrow stream (`__arrow_c_stream__`) that pyarrow
/// (`pa.table`), polars (`pl.DataFrame`) and other Arrow consumers read without a copy.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

#[pymethods]
impl NativeTable {
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is ours; a consumer asking for another casts on its side.
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    fn __repr__(&self) -> String {
        format!(
            "NativeTable(rows={}, columns={})",
            self.num_rows(),
            self.schema.fields().len()
        )
    }
}

/// Collects the record batches of a list's pages (`push` per page, `finish` for the table).
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeArrowSink {
    columns: Columns,
    batches: Mutex<Vec<RecordBatch>>,
}

#[pymethods]
impl NativeArrowSink {
    #[new]
    fn new(schema: &str) -> Self {
        NativeArrowSink {
            columns: Columns::new(schema),
            batches: Mutex::new(Vec::new()),
        }
    }

    /// The page's records as one batch, built with the GIL released.
    fn push(&self, py: Python<'_>, page: &NativeRawPage) -> PyResult<()> {
        let b = py
            .detach(|| self.columns.batch(page.page()))
            .map_err(to_py_err)?;
        self.batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(b);
        Ok(())
    }

    fn finish(&self) -> NativeTable {
        let batches = std::mem::take(&mut *self.batches.lock().unwrap_or_else(|e| e.into_inner()));
        NativeTable {
            schema: self.columns.arrow.clone(),
            batches,
        }
    }
}

enum Writer {
    Jsonl(BufWriter<File>),
    Csv(BufWriter<File>),
    Parquet(Box<ArrowWriter<File>>),
}

/// A file written page by page: `jsonl` (each record as sent, one a line), `csv` (the columns of
/// the schema) or `parquet` (the Arrow schema, Snappy). Memory holds one page at a time.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeExport {
    columns: Columns,
    writer: Mutex<Option<Writer>>,
    count: Mutex<u64>,
    path: String,
}

fn io_err(path: &str, e: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(format!("{path}: {e}"))
}

#[pymethods]
impl NativeExport {
    #[new]
    fn new(kind: &str, path: String, schema: &str) -> PyResult<Self> {
        let columns = Columns::new(schema);
        let file = || File::create(&path).map_err(|e| io_err(&path, e));
        let writer = match kind {
            "jsonl" => Writer::Jsonl(BufWriter::new(file()?)),
            "csv" => {
                let mut w = BufWriter::new(file()?);
                w.write_all(columns.schema.csv_header().as_bytes())
                    .map_err(|e| io_err(&path, e))?;
                Writer::Csv(w)
            }
            "parquet" => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .build();
                let w = ArrowWriter::try_new(file()?, columns.arrow.clone(), Some(props))
                    .map_err(|e| io_err(&path, e))?;
                Writer::Parquet(Box::new(w))
            }
            other => {
                return Err(validation(
                    "kind",
                    "enum",
                    format!("must be jsonl, csv or parquet, got {other:?}"),
                ));
            }
        };
        Ok(NativeExport {
            columns,
            writer: Mutex::new(Some(writer)),
            count: Mutex::new(0),
            path,
        })
    }

    /// Write the page's records (GIL released).
    fn push(&self, py: Python<'_>, page: &NativeRawPage) -> PyResult<()> {
        let page = page.page();
        py.detach(|| {
            let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let Some(w) = guard.as_mut() else {
                return Err(io_err(&self.path, "the export is finished"));
            };
            let io = |e: std::io::Error| io_err(&self.path, e);
            match w {
                Writer::Jsonl(f) => {
                    let mut buf = Vec::with_capacity(page.body.len() + page.items.len());
                    qualys_cs::columns::jsonl_page(page, &mut buf);
                    f.write_all(&buf).map_err(io)?;
                }
                Writer::Csv(f) => {
                    let mut buf = String::new();
                    self.columns
                        .schema
                        .csv_page(page, &mut buf)
                        .map_err(to_py_err)?;
                    f.write_all(buf.as_bytes()).map_err(io)?;
                }
                Writer::Parquet(pw) => {
                    let b = self.columns.batch(page).map_err(to_py_err)?;
                    pw.write(&b).map_err(|e| io_err(&self.path, e))?;
                }
            }
            *self.count.lock().unwrap_or_else(|e| e.into_inner()) += page.items.len() as u64;
            Ok(())
        })
    }

    /// Flush and close the file; the number of records written.
    fn finish(&self, py: Python<'_>) -> PyResult<u64> {
        py.detach(|| {
            let w = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
            match w {
                Some(Writer::Jsonl(mut f)) | Some(Writer::Csv(mut f)) => {
                    f.flush().map_err(|e| io_err(&self.path, e))?
                }
                Some(Writer::Parquet(pw)) => {
                    pw.close().map_err(|e| io_err(&self.path, e))?;
                }
                None => {}
            }
            Ok(*self.count.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    /// Close the file without finishing it (a failed export): a Parquet file is left without its
    /// footer, so no reader mistakes it for a complete one.
    fn abort(&self) {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The columns of a model's schema as JSON text (`[{"name", "type", "from"}]`).
#[pyfunction]
pub fn schema_json(schema: &str) -> String {
    schema_for(schema).describe().to_string()
}
