//! `NativePager`: `next(): Promise<Page | null>` over the core's page stream (the lancedb shape).
//! The JS wrapper turns it into async iterables of pages and items; a native `#[napi(async_iterator)]`
//! is still marked experimental upstream, and this shape also lets every `next` take a canceller.

use crate::cancel::{Canceller, cancellable, token_of};
use crate::convert::{IntMode, PageResult};
use crate::errors::to_napi;
use futures::StreamExt;
use futures::stream::BoxStream;
use napi::bindgen_prelude::{Env, PromiseRaw};
use napi_derive::napi;
use qualys_cs::columns::{self, Schema};
use qualys_cs::paginate::ItemSpan;
use qualys_cs::{Page, Pager};
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

// Items are only located in core (their spans in the body, whatever form `data` had): JS objects
// are built from those bytes in one `JSON.parse` (see convert).
type Pages = BoxStream<'static, qualys_cs::Result<Page<ItemSpan>>>;

#[napi]
pub struct NativePager {
    /// `None` once finished, failed or closed: the stream (and its prefetch tasks) is dropped then.
    stream: Arc<Mutex<Option<Pages>>>,
    closed: CancellationToken,
    ints: IntMode,
    page_size: u32,
    // The columns of `toCsv`, from the list's item model (the core's one schema per list).
    schema: Arc<Schema>,
}

/// One page as export text (`nextText`): the lines, and what progress callbacks need.
#[napi(object)]
pub struct TextPage {
    pub text: String,
    pub count: u32,
    pub number: Option<f64>,
    pub total: Option<f64>,
    pub cursor: Option<String>,
}

impl NativePager {
    pub(crate) fn new(pager: Pager<ItemSpan>, ints: IntMode) -> Self {
        let page_size = u32::try_from(pager.page_size()).unwrap_or(u32::MAX);
        let schema = Arc::new(Schema::of_list(pager.endpoint().response.model.as_deref()));
        NativePager {
            stream: Arc::new(Mutex::new(Some(pager.pages()))),
            closed: CancellationToken::new(),
            ints,
            page_size,
            schema,
        }
    }
}

#[napi]
impl NativePager {
    /// The page size sent with every request.
    #[napi(getter, catch_unwind)]
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The next page, or `null` after the last one. Calls are serialized; after an error, an abort
    /// or `close()` the pager is finished.
    #[napi(
        ts_return_type = "Promise<Record<string, unknown> | null>",
        catch_unwind
    )]
    pub fn next<'env>(
        &self,
        env: &'env Env,
        canceller: Option<&Canceller>,
    ) -> napi::Result<PromiseRaw<'env, PageResult>> {
        let stream = self.stream.clone();
        let closed = self.closed.clone();
        let token = token_of(canceller);
        let mode = self.ints;
        env.spawn_future_with_callback(
            async move {
                let mut guard = stream.lock().await;
                let fut = async {
                    let Some(s) = guard.as_mut() else {
                        return Ok(None);
                    };
                    tokio::select! {
                        biased;
                        _ = closed.cancelled() => Ok(None),
                        item = s.next() => match item {
                            Some(Ok(page)) => Ok(Some(page)),
                            Some(Err(e)) => Err(to_napi(e)),
                            None => Ok(None),
                        },
                    }
                };
                let r = cancellable(token, fut).await;
                if !matches!(r, Ok(Some(_))) {
                    // Finished, failed or aborted: drop the stream now, which aborts prefetching.
                    *guard = None;
                }
                r
            },
            move |_, page| Ok(PageResult { page, mode }),
        )
    }

    /// The CSV header line of this list's columns (`toCsv`).
    #[napi(catch_unwind)]
    pub fn csv_header(&self) -> String {
        self.schema.csv_header()
    }

    /// The next page as export text, formatted off the event loop: `"jsonl"` (each record as
    /// sent, one a line) or `"csv"` (the list's columns); `null` after the last page.
    #[napi(ts_return_type = "Promise<TextPage | null>", catch_unwind)]
    pub fn next_text<'env>(
        &self,
        env: &'env Env,
        format: String,
        canceller: Option<&Canceller>,
    ) -> napi::Result<PromiseRaw<'env, Option<TextPage>>> {
        let csv = match format.as_str() {
            "jsonl" => false,
            "csv" => true,
            other => {
                return Err(napi::Error::new(
                    napi::Status::InvalidArg,
                    format!("format must be jsonl or csv, got {other:?}"),
                ));
            }
        };
        let stream = self.stream.clone();
        let closed = self.closed.clone();
        let token = token_of(canceller);
        let schema = self.schema.clone();
        env.spawn_future(async move {
            let mut guard = stream.lock().await;
            let fut = async {
                let Some(s) = guard.as_mut() else {
                    return Ok(None);
                };
                tokio::select! {
                    biased;
                    _ = closed.cancelled() => Ok(None),
                    item = s.next() => match item {
                        Some(Ok(page)) => Ok(Some(page)),
                        Some(Err(e)) => Err(to_napi(e)),
                        None => Ok(None),
                    },
                }
            };
            let r = cancellable(token, fut).await;
            if !matches!(r, Ok(Some(_))) {
                *guard = None;
            }
            let Some(page) = r? else { return Ok(None) };
            let text = if csv {
                let mut out = String::new();
                schema.csv_page(&page, &mut out).map_err(to_napi)?;
                out
            } else {
                let mut out = Vec::with_capacity(page.body.len());
                columns::jsonl_page(&page, &mut out);
                // JSON text is UTF-8 (the body was checked as JSON in core).
                String::from_utf8_lossy(&out).into_owned()
            };
            Ok(Some(TextPage {
                text,
                count: u32::try_from(page.items.len()).unwrap_or(u32::MAX),
                number: page.number.map(|n| n as f64),
                total: page.total.map(|n| n as f64),
                cursor: page.cursor,
            }))
        })
    }

    /// Stop: drops the stream and its prefetch tasks; a pending `next` resolves to `null`.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.closed.cancel();
        if let Ok(mut g) = self.stream.try_lock() {
            *g = None;
        }
    }
}
