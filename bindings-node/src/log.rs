//! The client's `tracing` events, handed to the `logger` of the client that made them.
//!
//! A client built with a logger registers a thread-safe function under its
//! [`log_id`](qualys_cs::Client::log_id); one `tracing` layer (the addon's global subscriber)
//! finds the `csapi` span an event is in, and so the client's logger, and queues the event to the
//! JS thread as `(level, line, fieldsJson)`. Events below every registered level cost an atomic
//! load; the functions are weak, so a logger never keeps the process alive.

use napi::Status;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use qualys_cs::logging::{EventFields, FieldValue, TARGET, endpoint_name};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Once, RwLock};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

type LogFn =
    ThreadsafeFunction<(String, String, String), (), (String, String, String), Status, false, true>;

struct Sink {
    func: LogFn,
    level: u8,
    /// Which registration made it: a replaced one's drop leaves its successor alone.
    generation: u64,
}

/// 0 debug, 1 info, 2 warn, 3 error; `OFF`: no logger anywhere.
const OFF: u8 = u8::MAX;
static MIN_LEVEL: AtomicU8 = AtomicU8::new(OFF);
static SINKS: RwLock<Option<HashMap<u64, Sink>>> = RwLock::new(None);

fn rank(level: &Level) -> u8 {
    match *level {
        Level::TRACE | Level::DEBUG => 0,
        Level::INFO => 1,
        Level::WARN => 2,
        Level::ERROR => 3,
    }
}

fn name_of(rank: u8) -> &'static str {
    match rank {
        0 => "debug",
        1 => "info",
        _ => "warn",
    }
}

/// `'debug'`, `'info'` or `'warn'` (the wrapper checks the spelling first).
pub(crate) fn parse_level(level: &str) -> napi::Result<u8> {
    match level {
        "debug" => Ok(0),
        "info" => Ok(1),
        "warn" => Ok(2),
        other => Err(crate::errors::invalid(
            "logLevel",
            "one_of",
            format!("must be 'debug', 'info' or 'warn', got {other:?}"),
        )),
    }
}

fn recompute(sinks: &HashMap<u64, Sink>) {
    let min = sinks.values().map(|s| s.level).min().unwrap_or(OFF);
    MIN_LEVEL.store(min, Ordering::Relaxed);
}

/// A client's logger, registered while any client sharing its `log_id` lives.
pub(crate) struct Registration {
    id: u64,
    generation: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut g = SINKS.write().unwrap_or_else(|e| e.into_inner());
        if let Some(map) = g.as_mut()
            && map.get(&self.id).map(|s| s.generation) == Some(self.generation)
        {
            map.remove(&self.id);
            recompute(map);
        }
    }
}

pub(crate) fn register(
    id: u64,
    func: Function<'_, (String, String, String), ()>,
    level: u8,
) -> napi::Result<Arc<Registration>> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ =
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(JsLogging));
    });
    let func: LogFn = func
        .build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    static GENERATION: AtomicU64 = AtomicU64::new(0);
    let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
    let mut g = SINKS.write().unwrap_or_else(|e| e.into_inner());
    let map = g.get_or_insert_with(HashMap::new);
    map.insert(
        id,
        Sink {
            func,
            level,
            generation,
        },
    );
    recompute(map);
    Ok(Arc::new(Registration { id, generation }))
}

/// What the layer keeps of a `csapi` span.
struct SpanInfo {
    client: u64,
    endpoint: Option<String>,
}

struct JsLogging;

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for JsLogging {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target() == TARGET {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        let min = MIN_LEVEL.load(Ordering::Relaxed);
        meta.target() == TARGET && min != OFF && (meta.is_span() || rank(meta.level()) >= min)
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut f = EventFields::default();
        attrs.record(&mut f);
        let Some(FieldValue::U64(client)) = f.fields.get("client") else {
            return;
        };
        let endpoint = match f.fields.get("endpoint") {
            Some(FieldValue::Str(e)) => Some(e.clone()),
            _ => None,
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanInfo {
                client: *client,
                endpoint,
            });
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let level = rank(event.metadata().level());
        let Some((client, endpoint)) = ctx.event_scope(event).and_then(|scope| {
            scope.into_iter().find_map(|s| {
                s.extensions()
                    .get::<SpanInfo>()
                    .map(|i| (i.client, i.endpoint.clone()))
            })
        }) else {
            return;
        };
        let g = SINKS.read().unwrap_or_else(|e| e.into_inner());
        let Some(sink) = g.as_ref().and_then(|m| m.get(&client)) else {
            return;
        };
        if level < sink.level {
            return;
        }
        let mut f = EventFields::of_event(event);
        let name = endpoint.as_deref().and_then(endpoint_name);
        let line = f.describe(name.as_deref());
        let mut fields = serde_json::Map::new();
        for (k, v) in &f.fields {
            let v = match v {
                FieldValue::U64(n) => serde_json::Value::from(*n),
                FieldValue::I64(n) => serde_json::Value::from(*n),
                FieldValue::Bool(b) => serde_json::Value::from(*b),
                FieldValue::Str(s) => serde_json::Value::from(s.as_str()),
            };
            fields.insert((*k).to_owned(), v);
        }
        fields.insert("event".into(), std::mem::take(&mut f.message).into());
        if let Some(ep) = endpoint {
            fields.insert("endpoint".into(), ep.into());
        }
        if let Some(n) = name {
            fields.insert("name".into(), n.into());
        }
        let json = serde_json::Value::Object(fields).to_string();
        // Non-blocking: a logger that cannot keep up drops lines rather than stalling calls.
        sink.func.call(
            (name_of(level).to_owned(), line, json),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}
