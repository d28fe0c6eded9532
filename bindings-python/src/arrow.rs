//! Columnar results: the core's per-list schema ([`qualys_cs::columns`]) as Arrow record batches,
//! built here from the page bytes (no Python object per record), handed to pyarrow / polars /
//! any Arrow consumer through the Arrow PyCapsule interface; and the page-by-page exports
//! (JSON Lines, CSV, Parquet).

use crate::errors::{panic_err, to_py_err, validation};
use crate::pages::NativeRawPage;
use crate::runtime::runtime;
use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use qualys_cs::columns::Schema;
use qualys_cs::columns::arrow::Batcher;
use qualys_cs::paginate::ItemSpan;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// The list's schema, by its item model; a model the core does not declare gets the opaque one
/// (each record whole in `extra`).
pub fn schema_for(model: &str) -> Schema {
    Schema::of_list(Some(model))
}

struct Columns {
    /// The core's schema (its CSV lines are the core's CSV sink of the same reader).
    schema: Schema,
    /// The same schema's record batches (the core's Arrow sink).
    batcher: Batcher,
}

impl Columns {
    fn new(model: &str) -> Self {
        let schema = schema_for(model);
        let batcher = Batcher::new(&schema);
        Columns { schema, batcher }
    }

    /// A page's records as one record batch; a record that does not fit is a decode error of
    /// the response naming the record and the field.
    fn batch(&self, page: &qualys_cs::Page<ItemSpan>) -> qualys_cs::Result<RecordBatch> {
        let spans = page.items.iter().map(|s| (s.start, s.end));
        self.batcher.batch(&page.body, spans).map_err(|(i, e)| {
            let bytes = page
                .items
                .get(i)
                .map_or(&page.body[..], |s| &page.body[s.start..s.end]);
            page.meta
                .decode_error(bytes, format!("record {i}: {}", e.describe()))
        })
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
///
/// Each page is decoded on the runtime's blocking pool while the pager fetches the next one, a few
/// pages at a time (as many as the machine has cores, at most 8): `push` returns at once unless
/// that many are still being decoded, so memory holds a bounded number of raw pages and the
/// batches stay in page order. A page that fails is raised by the next `push` or by `finish`.
#[pyclass(module = "qualys_cs._native", frozen)]
pub struct NativeArrowSink {
    columns: Arc<Columns>,
    state: Mutex<SinkState>,
}

#[derive(Default)]
struct SinkState {
    done: Vec<RecordBatch>,
    running: VecDeque<JoinHandle<qualys_cs::Result<RecordBatch>>>,
}

/// Pages decoded at once by one sink.
fn decoders() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
}

impl SinkState {
    /// Collect the decoded pages at the front, in order: the finished ones, and while more than
    /// `keep` are running, the oldest (waited for).
    fn collect(&mut self, keep: usize) -> PyResult<()> {
        while let Some(front) = self.running.front() {
            if !front.is_finished() && self.running.len() <= keep {
                break;
            }
            let Some(handle) = self.running.pop_front() else {
                break;
            };
            // A JoinHandle can be waited on outside the runtime; the task runs on its pool.
            match futures::executor::block_on(handle) {
                Ok(Ok(b)) => self.done.push(b),
                Ok(Err(e)) => {
                    self.running.clear();
                    return Err(to_py_err(e));
                }
                Err(join) => {
                    self.running.clear();
                    return Err(match join.try_into_panic() {
                        Ok(payload) => panic_err(payload),
                        Err(e) => PyRuntimeError::new_err(format!("a page decode stopped: {e}")),
                    });
                }
            }
        }
        Ok(())
    }
}

#[pymethods]
impl NativeArrowSink {
    #[new]
    fn new(schema: &str) -> Self {
        NativeArrowSink {
            columns: Arc::new(Columns::new(schema)),
            state: Mutex::new(SinkState::default()),
        }
    }

    /// Start decoding the page into a batch (GIL released while waiting).
    fn push(&self, py: Python<'_>, page: &NativeRawPage) -> PyResult<()> {
        let page = page.page().clone();
        let columns = self.columns.clone();
        let handle = runtime().spawn_blocking(move || columns.batch(&page));
        py.detach(|| {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.running.push_back(handle);
            st.collect(decoders())
        })
    }

    /// The batches of every page pushed, once all are decoded.
    fn finish(&self, py: Python<'_>) -> PyResult<NativeTable> {
        let batches = py.detach(|| {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.collect(0)?;
            Ok::<_, PyErr>(std::mem::take(&mut st.done))
        })?;
        Ok(NativeTable {
            schema: self.columns.batcher.schema(),
            batches,
        })
    }
}

enum Writer {
    Jsonl(BufWriter<File>),
    Csv(BufWriter<File>),
}

/// A file written page by page: `jsonl` (each record as sent, one a line) or `csv` (the columns of
/// the schema). Memory holds one page at a time. (Parquet is written by pyarrow from the same
/// record batches: a Parquet writer here would add megabytes to the module.)
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
            other => {
                return Err(validation(
                    "kind",
                    "enum",
                    format!("must be jsonl or csv, got {other:?}"),
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
                None => {}
            }
            Ok(*self.count.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }

    /// Close the file without flushing what is buffered (a failed export).
    fn abort(&self) {
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The columns of a model's schema as JSON text (`[{"name", "type", "from"}]`).
#[pyfunction]
pub fn schema_json(schema: &str) -> String {
    schema_for(schema).describe().to_string()
}
