//! The client's `tracing` events as records of the Python logger `qualys_cs`.
//!
//! A `tracing` layer forwards each event of the client to `logging.getLogger("qualys_cs").log()`,
//! with the event's fields as the record's `qualys` attribute (a dict). The Python side tells the
//! layer the logger's effective level before each call (`set_log_level`), so an event below it
//! costs an atomic load and never takes the GIL.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use qualys_cs::logging::{EventFields, FieldValue, TARGET, endpoint_name};
use std::sync::atomic::{AtomicU32, Ordering};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The effective level of the `qualys_cs` logger as Python numbers it (DEBUG 10 .. CRITICAL 50);
/// above CRITICAL until Python first says, so nothing is forwarded before a logger is configured.
static LEVEL: AtomicU32 = AtomicU32::new(u32::MAX);

fn py_level(level: &Level) -> u32 {
    match *level {
        Level::TRACE | Level::DEBUG => 10,
        Level::INFO => 20,
        Level::WARN => 30,
        Level::ERROR => 40,
    }
}

/// Called by the Python side with `logger.getEffectiveLevel()` whenever it changes.
#[pyfunction]
pub fn set_log_level(level: i64) {
    LEVEL.store(level.clamp(0, u32::MAX as i64) as u32, Ordering::Relaxed);
}

/// The `endpoint` field of the `csapi` span an event is in.
struct SpanEndpoint(String);

struct PyLogging;

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for PyLogging {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask `enabled` each time, for the client's target only.
        if meta.target() == TARGET {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        // The `csapi` span (INFO) is needed by any event inside it, whatever the level.
        meta.target() == TARGET
            && (meta.is_span() || py_level(meta.level()) >= LEVEL.load(Ordering::Relaxed))
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut f = EventFields::default();
        attrs.record(&mut f);
        if let (Some(FieldValue::Str(ep)), Some(span)) = (f.fields.get("endpoint"), ctx.span(id)) {
            span.extensions_mut().insert(SpanEndpoint(ep.clone()));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let level = py_level(event.metadata().level());
        let mut f = EventFields::of_event(event);
        let endpoint = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|s| s.extensions().get::<SpanEndpoint>().map(|e| e.0.clone()))
        });
        let name = endpoint.as_deref().and_then(endpoint_name);
        let line = f.describe(name.as_deref());
        if let Some(ep) = endpoint {
            f.fields.insert("endpoint", FieldValue::Str(ep));
        }
        if let Some(n) = &name {
            f.fields.insert("name", FieldValue::Str(n.clone()));
        }
        f.fields
            .insert("event", FieldValue::Str(std::mem::take(&mut f.message)));
        // Not while the interpreter shuts down: a late event is dropped rather than attaching.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            let logger = LOGGER.get_or_try_init(py, || -> PyResult<_> {
                Ok(py
                    .import("logging")?
                    .call_method1("getLogger", ("qualys_cs",))?
                    .unbind())
            })?;
            let fields = PyDict::new(py);
            for (k, v) in &f.fields {
                match v {
                    FieldValue::U64(n) => fields.set_item(k, n)?,
                    FieldValue::I64(n) => fields.set_item(k, n)?,
                    FieldValue::Bool(b) => fields.set_item(k, b)?,
                    FieldValue::Str(s) => fields.set_item(k, s)?,
                }
            }
            let extra = PyDict::new(py);
            extra.set_item("qualys", fields)?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("extra", extra)?;
            // `%s` keeps a `%` in the line from being read as a format.
            let r = logger
                .bind(py)
                .call_method("log", (level, "%s", line), Some(&kwargs));
            if let Err(e) = r {
                // A handler's own failure is the handler's business, as in `logging` itself.
                e.write_unraisable(py, None);
            }
            Ok(())
        });
    }
}

/// Install the bridge as this extension's global subscriber (once, at import).
pub fn install() {
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(PyLogging));
}
