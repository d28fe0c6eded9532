//! One pagination engine for every list (API.md §2.1): page numbers (`pageNumber`/`pageNo`, 1-based,
//! stop on `count` or a short page, bounded concurrent prefetch once `count` is known, the 10,000-record
//! cap of the images/containers lists) and cursors (`limit` + `paginationQuery` from the `link` header,
//! always sent to our own base URL, decoding overlapped with the next fetch).
//!
//! Pages are fetched by spawned tasks so prefetch progresses while the caller is busy with the current
//! page (a Python loop body, say); dropping the stream aborts them. Memory holds at most `prefetch`
//! pages, whatever the inventory size.

use crate::client::{Client, RequestOptions};
use crate::error::{Error, Result};
use crate::models::{DataSeed, ItemSeed, OneOrMany};
use crate::request::{Args, Prepared};
use crate::response::{Response, ResponseMeta};
use crate::table::{Endpoint, PageStyle, Pagination};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::instrument::WithSubscriber;

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The page number (page-numbered lists), 1-based.
    pub number: Option<u64>,
    /// Total matching records (`count`), when the API gives it.
    pub total: Option<u64>,
    /// The cursor that fetched this page (cursor lists; `None` for the first).
    pub cursor: Option<String>,
    /// Other keys of the page object (`groups`, `limit`, ...), kept as sent.
    pub extra: Map<String, Value>,
    pub meta: ResponseMeta,
    /// The page's response body as received, for callers that decode it into their own objects
    /// (the bindings build theirs straight from it: pair it with `T = ItemSpan`, so the items are
    /// only located here, and read them with [`Page::items_json`]).
    pub body: bytes::Bytes,
}

/// Where one item of a list page is in the page's [`body`](Page::body):
/// `&page.body[span.start..span.end]` is the item's JSON text. Paginate with `T = ItemSpan` to
/// decode the items yourself: the page is then read once, here, and `data`'s shapes (a list, one
/// object, null) are already told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemSpan {
    pub start: usize,
    pub end: usize,
}

impl Page<ItemSpan> {
    /// The items as one JSON array text, `[item, item, ...]`, whatever form `data` had (a list,
    /// one object, null or absent): what a binding parses into its own objects in one call.
    pub fn items_json(&self) -> Vec<u8> {
        let (Some(first), Some(last)) = (self.items.first(), self.items.last()) else {
            return b"[]".to_vec();
        };
        // The items of a list are in order in the body, separators between them: one slice.
        let inner = &self.body[first.start..last.end];
        let mut out = Vec::with_capacity(inner.len() + 2);
        out.push(b'[');
        out.extend_from_slice(inner);
        out.push(b']');
        out
    }
}

/// What the items of a [`Page`] are decoded into: any `DeserializeOwned` type, or [`ItemSpan`]
/// (their place in the body). Implemented for those; not meant to be implemented elsewhere.
pub trait PageItem: Send + Sized + 'static {
    /// The items of the `data` value `d` is at, in the page `body` (whose items are under
    /// `items_key`), by the one rule for `data` ([`crate::models::OneOrMany`]).
    #[doc(hidden)]
    fn decode_data<'de, D: Deserializer<'de>>(
        d: D,
        body: &'de [u8],
        items_key: &str,
    ) -> std::result::Result<Vec<Self>, D::Error>;
}

impl<T: DeserializeOwned + Send + 'static> PageItem for T {
    fn decode_data<'de, D: Deserializer<'de>>(
        d: D,
        _body: &'de [u8],
        _items_key: &str,
    ) -> std::result::Result<Vec<T>, D::Error> {
        Ok(DataSeed(PhantomData::<T>)
            .deserialize(d)?
            .map_or_else(Vec::new, OneOrMany::into_vec))
    }
}

impl PageItem for ItemSpan {
    fn decode_data<'de, D: Deserializer<'de>>(
        d: D,
        body: &'de [u8],
        items_key: &str,
    ) -> std::result::Result<Vec<ItemSpan>, D::Error> {
        Ok(match DataSeed(SpanSeed(body)).deserialize(d)? {
            None => Vec::new(),
            Some(OneOrMany::Many(items)) => items.into_iter().flatten().collect(),
            // One object: serde tells where a value is only before it is entered, and this one
            // was entered to see that it is an object, so the body is read again for its place.
            // A rare quirk: the usual list stays one pass.
            Some(OneOrMany::One(_)) => {
                let mut de = serde_json::Deserializer::from_slice(body);
                let raw = de
                    .deserialize_map(RawData { items_key })
                    .map_err(de::Error::custom)?;
                vec![span_of(body, raw).map_err(de::Error::custom)?]
            }
        })
    }
}

/// Items as their spans in `body` (borrowed `RawValue`s, so nothing is built); an object given
/// instead of a list is `None`, to be located by the caller.
#[derive(Clone, Copy)]
struct SpanSeed<'de>(&'de [u8]);

impl<'de> ItemSeed<'de> for SpanSeed<'de> {
    type Item = Option<ItemSpan>;
    fn element<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Item, D::Error> {
        let raw = <&'de RawValue as serde::Deserialize>::deserialize(d)?;
        span_of(self.0, Some(raw))
            .map(Some)
            .map_err(de::Error::custom)
    }
    fn object<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Item, A::Error> {
        <de::IgnoredAny as serde::Deserialize>::deserialize(
            de::value::MapAccessDeserializer::new(map),
        )?;
        Ok(None)
    }
}

fn span_of(body: &[u8], raw: Option<&RawValue>) -> std::result::Result<ItemSpan, &'static str> {
    let raw = raw
        .ok_or("a page's `data` went missing on a second read")?
        .get();
    let start = (raw.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    let end = start.wrapping_add(raw.len());
    // Always true for a body read in place (`from_slice`); checked rather than trusted.
    if start <= end && end <= body.len() {
        Ok(ItemSpan { start, end })
    } else {
        Err("a page item was not read from the page body")
    }
}

/// The `items_key` value of a page object, as its raw text in the body.
struct RawData<'k> {
    items_key: &'k str,
}

impl<'de> Visitor<'de> for RawData<'_> {
    type Value = Option<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list page object")
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.items_key {
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A lazy, auto-paginating list. Nothing is sent until the stream is polled.
pub struct Pager<T> {
    ctx: Arc<Ctx>,
    _item: PhantomData<fn() -> T>,
}

struct Ctx {
    client: Client,
    ep: &'static Endpoint,
    pg: &'static Pagination,
    prepared: Prepared,
    size: u64,
    opts: Option<RequestOptions>,
    prefetch: usize,
}

impl Client {
    /// Auto-paginate a list endpoint by id (`"S17"`, `"P05"`, ...).
    pub fn paginate<T: PageItem>(&self, id: &str, args: Args) -> Result<Pager<T>> {
        let ep = crate::table::lookup(id)?;
        self.paginate_with(ep, args, None, None)
    }

    /// Auto-paginate with per-call options and a prefetch depth (pages fetched ahead).
    pub fn paginate_with<T: PageItem>(
        &self,
        ep: &'static Endpoint,
        args: Args,
        opts: Option<RequestOptions>,
        prefetch: Option<usize>,
    ) -> Result<Pager<T>> {
        let pg = ep.pagination.as_ref().ok_or_else(|| {
            Error::validation(
                "endpoint",
                "paginated",
                format!("{} is not a paginated list", ep.qualified_name()),
            )
        })?;
        let mut prepared = self.prepare(ep, args)?;
        // The size is sent on every page; default to the largest page the API serves (fewer calls under
        // the rate limits) or, where it states none, its documented default.
        let given = prepared.query.iter().position(|(k, _)| *k == pg.size_param);
        let size = match given {
            // Refused, not replaced: a size that is not a count (a negative one when validation
            // is off) would otherwise page at a size the caller never asked for.
            Some(i) => {
                let v = prepared.query.remove(i).1;
                v.parse::<u64>().map_err(|_| {
                    let msg = format!("must be a non-negative integer, got {v}");
                    Error::validation(pg.size_param.as_str(), "range", msg)
                })?
            }
            // Neither stated (S20, P27): the size the API's other lists default to.
            None => pg
                .max_page_size
                .map(u64::from)
                .or_else(|| default_size(ep, pg))
                .unwrap_or(50),
        };
        // Page numbers: many pages in flight is what hides latency, so small pages get a deep
        // prefetch and large pages a shallower one (buffered items, and memory, stay bounded).
        // Cursors: requests are sequential by nature (each needs the previous link), so depth only
        // overlaps decoding with the next fetch; a few pages do that, more only cost memory
        // (measured: 1,000,000 items at limit 250 grew RSS by 57 MB at 16 pages, 29 MB at 4, same time).
        let buffered_items: u64 = match pg.style {
            PageStyle::Cursor => 1_000,
            PageStyle::PageNumber | PageStyle::PageNo => 4_000,
        };
        let prefetch = prefetch
            .unwrap_or_else(|| {
                (buffered_items / size.max(1))
                    .max(2)
                    .min(self.inner.prefetch as u64) as usize
            })
            .max(1);
        Ok(Pager {
            ctx: Arc::new(Ctx {
                client: self.clone(),
                ep,
                pg,
                prepared,
                size,
                opts,
                prefetch,
            }),
            _item: PhantomData,
        })
    }
}

fn default_size(ep: &Endpoint, pg: &Pagination) -> Option<u64> {
    ep.query
        .iter()
        .find(|q| q.name == pg.size_param)?
        .default
        .as_ref()?
        .as_u64()
}

impl<T: PageItem> Pager<T> {
    /// The endpoint being listed.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.ctx.ep
    }

    /// The page size sent.
    pub fn page_size(&self) -> u64 {
        self.ctx.size
    }

    /// A stream of whole pages.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>>> {
        match self.ctx.pg.style {
            PageStyle::PageNumber | PageStyle::PageNo => numbered(self.ctx),
            PageStyle::Cursor => cursor(self.ctx),
        }
    }

    /// A stream of items across pages.
    pub fn items(self) -> BoxStream<'static, Result<T>> {
        self.pages()
            .map_ok(|p| stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every item, in memory.
    pub async fn collect(self) -> Result<Vec<T>> {
        self.items().try_collect().await
    }
}

/// A spawned task of the list at `.1` that is aborted when dropped, and whose panic becomes an
/// error instead of unwinding into the caller (no panic may cross into Python or Node).
struct Task<R>(tokio::task::JoinHandle<Result<R>>, &'static str);

impl<R: Send + 'static> Task<R> {
    /// The task carries the caller's current `tracing` subscriber: on a multi-thread runtime it
    /// runs on another thread, where a subscriber the caller set for its own thread (the command
    /// line's `-v` output) would otherwise not see its request events.
    fn spawn(path: &'static str, fut: impl Future<Output = Result<R>> + Send + 'static) -> Self {
        Task(tokio::spawn(fut.with_current_subscriber()), path)
    }
}

impl<R> Drop for Task<R> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<R> Future for Task<R> {
    type Output = Result<R>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<R>> {
        let path = self.1;
        // A panicked (or, at runtime shutdown, cancelled) task is a failure of this list, not of
        // the client's configuration: the list stops with it, as with any page it cannot use.
        Pin::new(&mut self.0).poll(cx).map(|r| match r {
            Ok(r) => r,
            Err(e) => Err(Error::Pagination {
                path: path.to_owned(),
                message: format!("a page task failed: {e}"),
            }),
        })
    }
}

/// The most pages one list walks: 100,000 pages is 25 million items at the usual 250 per page,
/// past any inventory; a server still handing out new pages then is not converging.
pub const MAX_PAGES: u64 = 100_000;

/// Stops a list whose server does not converge: a cursor handed out again (A, B, A, ...: the walk
/// would cycle forever), a page whose body repeats an earlier one (a server ignoring the page
/// number), or more than [`MAX_PAGES`] pages. Remembers 64-bit hashes only, at most one per page,
/// so its memory is bounded by [`MAX_PAGES`] too.
#[derive(Default)]
struct LoopGuard {
    cursors: std::collections::HashSet<u64>,
    bodies: std::collections::HashMap<u64, u64>,
    pages: u64,
}

fn hash_of(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl LoopGuard {
    /// A page arrived (its body as received).
    fn page(&mut self, path: &str, body: &[u8]) -> Result<()> {
        self.pages += 1;
        if self.pages > MAX_PAGES {
            return Err(Error::Pagination {
                path: path.to_owned(),
                message: format!("more than {MAX_PAGES} pages"),
            });
        }
        if let Some(earlier) = self.bodies.insert(hash_of(body), self.pages) {
            return Err(Error::Pagination {
                path: path.to_owned(),
                message: format!(
                    "page {} repeats page {earlier} (the server does not advance)",
                    self.pages
                ),
            });
        }
        Ok(())
    }

    /// The server handed out `cursor` as the next one.
    fn cursor(&mut self, path: &str, cursor: &str) -> Result<()> {
        if !self.cursors.insert(hash_of(cursor.as_bytes())) {
            return Err(Error::Pagination {
                path: path.to_owned(),
                message: "a cursor came back that was already used (the pages cycle)".to_owned(),
            });
        }
        Ok(())
    }

    /// Where a cursor list goes after the page fetched with `cur`, whose link named `next`.
    fn after(&mut self, path: &str, cur: Option<&str>, next: Option<String>) -> Next {
        match next {
            // No link, or the same cursor again: the list is at its end (the documented last page
            // links to itself or to `null`).
            None => Next::End,
            Some(n) if Some(n.as_str()) == cur => Next::End,
            // A cursor seen before, further back: the walk would cycle forever.
            Some(n) => match self.cursor(path, &n) {
                Ok(()) => Next::Follow(n),
                Err(e) => Next::Cycle(e),
            },
        }
    }
}

/// What follows a page of a cursor list.
#[derive(Debug)]
enum Next {
    /// Fetch the page of this cursor.
    Follow(String),
    /// This page was the last.
    End,
    /// This page is delivered, then the list ends with the error.
    Cycle(Error),
}

/// A page with fewer items than the page size is the last of a page-numbered list.
fn last_page(items: usize, size: u64) -> bool {
    (items as u64) < size
}

/// How many pages a page-numbered list of `total` records has at `size` a page: at least one (the
/// first, already fetched), and no page past the server's record `cap`, which it refuses
/// (`pageNumber * pageSize` beyond it, API.md §2.1, open question 10).
fn page_count(total: u64, size: u64, cap: Option<u64>) -> u64 {
    let reachable = cap.map_or(total, |c| total.min(c));
    let pages = reachable.div_ceil(size).max(1);
    cap.map_or(pages, |c| pages.min((c / size).max(1)))
}

/// The server's record `cap`, when a list that ran to its `pages` pages (the last of them full)
/// left records behind it: `total` is more than the pages could hold.
fn cut_by_cap(total: u64, pages: u64, size: u64, cap: Option<u64>) -> Option<u64> {
    cap.filter(|_| total > pages.saturating_mul(size))
}

async fn fetch(ctx: &Ctx, extra: Vec<(String, String)>) -> Result<Response> {
    let mut prepared = ctx.prepared.clone();
    prepared.query.extend(extra);
    prepared
        .query
        .push((ctx.pg.size_param.clone(), ctx.size.to_string()));
    ctx.client
        .execute_endpoint(ctx.ep, &prepared, ctx.opts.as_ref())
        .await
}

fn decode<T: PageItem>(
    pg: &Pagination,
    resp: Response,
    number: Option<u64>,
    cursor: Option<String>,
) -> Result<Page<T>> {
    let seed = Envelope::<T> {
        body: &resp.body,
        items_key: &pg.items_key,
        // The cursor lists name no total, but a `count` sent anyway is still the total.
        total_key: pg.total_key.as_deref().unwrap_or("count"),
        _item: PhantomData,
    };
    let mut de = serde_json::Deserializer::from_slice(&resp.body);
    let env = seed
        .deserialize(&mut de)
        .and_then(|env| de.end().map(|()| env))
        .map_err(|e| resp.meta.decode_error(&resp.body, e.to_string()))?;
    Ok(Page {
        items: env.data,
        number,
        total: env.count,
        cursor,
        extra: env.extra,
        meta: resp.meta,
        body: resp.body,
    })
}

async fn fetch_page<T: PageItem>(ctx: Arc<Ctx>, n: u64) -> Result<Page<T>> {
    let page_param = ctx
        .pg
        .page_param
        .clone()
        .unwrap_or_else(|| "pageNumber".into());
    let resp = fetch(&ctx, vec![(page_param, n.to_string())]).await?;
    decode(ctx.pg, resp, Some(n), None)
}

fn numbered<T: PageItem>(ctx: Arc<Ctx>) -> BoxStream<'static, Result<Page<T>>> {
    Box::pin(async_stream::try_stream! {
        let base = u64::from(ctx.pg.base.unwrap_or(1));
        let size = ctx.size.max(1);
        let path = ctx.ep.path.as_str();
        let first: Page<T> = Task::spawn(path, fetch_page(ctx.clone(), base)).await?;
        let mut guard = LoopGuard::default();
        guard.page(path, &first.body)?;
        let total = first.total;
        let first_last = last_page(first.items.len(), size);
        yield first;
        if first_last {
            return;
        }
        match total {
            Some(total) => {
                let cap = ctx.pg.max_records;
                let pages = page_count(total, size, cap);
                let c2 = ctx.clone();
                let rest = stream::iter(base + 1..base + pages)
                    .map(move |n| Task::spawn(path, fetch_page::<T>(c2.clone(), n)))
                    .buffered(ctx.prefetch);
                futures::pin_mut!(rest);
                let mut short = false;
                while let Some(page) = rest.next().await {
                    let page = page?;
                    guard.page(path, &page.body)?;
                    short = last_page(page.items.len(), size);
                    yield page;
                    if short {
                        break;
                    }
                }
                if !short && let Some(cap) = cut_by_cap(total, pages, size, cap) {
                    let alternative = crate::table::by_name(&ctx.ep.resource, "bulk_list")
                        .map_or("a narrower filter".to_owned(), |b| format!("{}.bulk_list ({})", b.resource, b.path));
                    Err(Error::RecordCap { path: ctx.ep.path.clone(), cap, total, alternative })?;
                }
            }
            None => {
                // No count: walk pages one by one until a short or empty page.
                let mut n = base + 1;
                loop {
                    let page: Page<T> = Task::spawn(path, fetch_page(ctx.clone(), n)).await?;
                    guard.page(path, &page.body)?;
                    let empty = page.items.is_empty();
                    let last = last_page(page.items.len(), size);
                    if !empty {
                        yield page;
                    }
                    if last {
                        break;
                    }
                    n += 1;
                }
            }
        }
    })
}

fn cursor<T: PageItem>(ctx: Arc<Ctx>) -> BoxStream<'static, Result<Page<T>>> {
    Box::pin(async_stream::try_stream! {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Task<Page<T>>>(ctx.prefetch);
        let pctx = ctx.clone();
        let path = ctx.ep.path.as_str();
        // The producer fetches page n+1 as soon as page n's response (and its link) arrived, while
        // page n is decoded on its own task: decoding overlaps the next fetch.
        let _producer = Task::spawn(path, async move {
            let param = pctx.pg.cursor_param.clone().unwrap_or_else(|| "paginationQuery".into());
            let mut cur: Option<String> = None;
            let mut guard = LoopGuard::default();
            loop {
                let extra = cur.iter().map(|c| (param.clone(), c.clone())).collect();
                let resp = match fetch(&pctx, extra).await {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Task::spawn(path, async move { Err(e) })).await;
                        return Ok(());
                    }
                };
                let next = next_cursor(&resp.meta.headers, &param);
                if let Err(e) = guard.page(path, &resp.body) {
                    let _ = tx.send(Task::spawn(path, async move { Err(e) })).await;
                    return Ok(());
                }
                let step = guard.after(path, cur.as_deref(), next);
                let this = cur.clone();
                let pg = pctx.pg;
                if tx.send(Task::spawn(path, async move { decode(pg, resp, None, this) })).await.is_err() {
                    return Ok(()); // the consumer went away
                }
                match step {
                    Next::Follow(n) => cur = Some(n),
                    Next::End => return Ok(()),
                    Next::Cycle(e) => {
                        let _ = tx.send(Task::spawn(path, async move { Err(e) })).await;
                        return Ok(());
                    }
                }
            }
        });
        while let Some(task) = rx.recv().await {
            let page = task.await?;
            let empty = page.items.is_empty();
            yield page;
            if empty {
                break;
            }
        }
    })
}

/// The next cursor from a `link` header (read case-insensitively). Copes with the documented quirks:
/// a `null` value on the last page, a URL closed by `<` instead of `>`, a foreign host (we only take
/// the `paginationQuery` out of it and call our own base URL).
pub fn next_cursor(headers: &reqwest::header::HeaderMap, param: &str) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        // An empty value, or the `null` of the last page, holds no `<url>`: nothing is taken below.
        let text = text.trim();
        for part in link_values(text) {
            let lower = part.to_ascii_lowercase();
            if lower.contains("rel=") && !lower.contains("next") {
                continue;
            }
            let Some(start) = part.find('<') else {
                continue;
            };
            let rest = &part[start + 1..];
            let end = rest.find(['>', '<', ';']).unwrap_or(rest.len());
            let url = rest[..end].trim();
            let parsed = url::Url::parse(url)
                .or_else(|_| url::Url::parse("http://localhost/").and_then(|b| b.join(url)));
            if let Ok(u) = parsed
                && let Some((_, v)) = u.query_pairs().find(|(k, _)| k == param)
                && !v.is_empty()
            {
                return Some(v.into_owned());
            }
        }
    }
    None
}

/// The link-values of one `link` header value (`<a>; rel="prev", <b>; rel="next"`, or the quirk
/// `<a<,<b<`): a comma ends one where a URL was closed (by `>`, `<` or `;`) before it and the next
/// `<` follows it. A comma inside a URL, or after one left open, is part of the URL.
fn link_values(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(',') {
        let part = &text[start..i];
        let closed = part
            .find('<')
            .is_some_and(|s| part[s + 1..].contains(['>', '<', ';']));
        if closed && text[i + 1..].trim_start().starts_with('<') {
            out.push(part);
            start = i + 1;
        }
    }
    out.push(&text[start..]);
    out
}

/// The decoded page object: its items, its total, its other keys.
struct Decoded<T> {
    data: Vec<T>,
    count: Option<u64>,
    extra: Map<String, Value>,
}

/// A page object (`{data: [...], count, ...}`, keys named by the table) decoded in one pass:
/// items straight into `T`, the total read, other keys kept.
struct Envelope<'a, T> {
    body: &'a [u8],
    items_key: &'a str,
    total_key: &'a str,
    _item: PhantomData<fn() -> T>,
}

impl<'de, T: PageItem> DeserializeSeed<'de> for Envelope<'de, T> {
    type Value = Decoded<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Decoded<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: PageItem> Visitor<'de> for Envelope<'de, T> {
    type Value = Decoded<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list page object with `{}`", self.items_key)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Decoded<T>, A::Error> {
        let mut env = Decoded {
            data: Vec::new(),
            count: None,
            extra: Map::new(),
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == self.items_key {
                env.data = map.next_value_seed(Data::<T> {
                    body: self.body,
                    items_key: self.items_key,
                    _item: PhantomData,
                })?;
                continue;
            }
            let v: Value = map.next_value()?;
            if key == self.total_key {
                env.count = v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
            }
            env.extra.insert(key, v);
        }
        Ok(env)
    }
}

struct Data<'a, T> {
    body: &'a [u8],
    items_key: &'a str,
    _item: PhantomData<fn() -> T>,
}

impl<'de, T: PageItem> DeserializeSeed<'de> for Data<'de, T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Vec<T>, D::Error> {
        T::decode_data(d, self.body, self.items_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn link(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("Link", HeaderValue::from_str(v).unwrap());
        h
    }

    #[tokio::test]
    async fn a_panicked_page_task_stops_its_list_with_a_pagination_error() {
        let e = Task::<()>::spawn("/csapi/v1.3/images/list", async { panic!("a decoder bug") })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Pagination, "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with("/csapi/v1.3/images/list: pagination stopped: "),
            "{text}"
        );
        assert!(text.contains("a decoder bug"), "{text}");
    }

    #[test]
    fn cursor_from_the_documented_link_forms() {
        let docs = "<http://qualysapi.qualys.com/csapi/v1.3/containers/list?limit=2&paginationQuery=updated%3E%3D1594876830694+AND+not+uuid%3A+%5B65eff01b-1%5D>;rel=next";
        assert_eq!(
            next_cursor(&link(docs), "paginationQuery").as_deref(),
            Some("updated>=1594876830694 AND not uuid: [65eff01b-1]")
        );
        let images = "<http://qualysapi.qualys.com/csapi/v1.3/images/list?limit=2&paginationQuery=abc<;rel=next";
        assert_eq!(
            next_cursor(&link(images), "paginationQuery").as_deref(),
            Some("abc")
        );
        assert_eq!(next_cursor(&link("null"), "paginationQuery"), None);
        assert_eq!(next_cursor(&HeaderMap::new(), "paginationQuery"), None);
    }

    fn envelope<T: PageItem>(body: &str) -> serde_json::Result<Decoded<T>> {
        let seed = Envelope::<T> {
            body: body.as_bytes(),
            items_key: "data",
            total_key: "count",
            _item: PhantomData,
        };
        seed.deserialize(&mut serde_json::Deserializer::from_str(body))
    }

    fn spans(body: &'static str) -> Page<ItemSpan> {
        let e = envelope::<ItemSpan>(body).unwrap();
        Page {
            items: e.data,
            number: None,
            total: e.count,
            cursor: None,
            extra: e.extra,
            meta: ResponseMeta::ok_for_test("/csapi/v1.3/images/list"),
            body: bytes::Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn envelope_keeps_extra_and_accepts_one_object() {
        let e: Decoded<Value> =
            envelope(r#"{"data":[{"a":1},{"a":2}],"count":17,"groups":{}}"#).unwrap();
        assert_eq!((e.data.len(), e.count), (2, Some(17)));
        assert!(e.extra.contains_key("groups"));
        let one: Decoded<Value> = envelope(r#"{"limit":50,"data":{"a":1}}"#).unwrap();
        assert_eq!(one.data, vec![serde_json::json!({"a": 1})]);
        let none: Decoded<Value> = envelope(r#"{"data":null}"#).unwrap();
        assert!(none.data.is_empty());
        assert!(envelope::<Value>(r#"{"data":"x"}"#).is_err());
    }

    #[test]
    fn a_number_beyond_f64_is_located_as_a_span_but_is_no_value() {
        // The bindings' parsers read it as infinity (Python's float, a JS number), which no
        // `Value` holds: the spans locate its item, the values refuse the page.
        let page = spans(r#"{"data": [{"n": 1e400}, {"n": 2}]}"#);
        assert_eq!(page.items.len(), 2);
        let first = page.items[0];
        assert_eq!(&page.body[first.start..first.end], br#"{"n": 1e400}"#);
        assert_eq!(spans(r#"{"data": {"sha": 11e1111}}"#).items.len(), 1);
        let e = envelope::<Value>(r#"{"data": [{"n": 1e400}]}"#)
            .err()
            .unwrap();
        assert!(e.to_string().contains("number out of range"), "{e}");
    }

    #[test]
    fn item_spans_locate_items_in_every_form_of_data() {
        let many = spans(r#"{"count": "2", "data": [ {"a": [1, "]"]} , {"b": {}} ], "z": 0}"#);
        let texts: Vec<&[u8]> = many
            .items
            .iter()
            .map(|s| &many.body[s.start..s.end])
            .collect();
        assert_eq!(texts, [&br#"{"a": [1, "]"]}"#[..], br#"{"b": {}}"#]);
        assert_eq!(many.total, Some(2));
        assert_eq!(many.extra.keys().collect::<Vec<_>>(), ["count", "z"]);
        let parsed: Value = serde_json::from_slice(&many.items_json()).unwrap();
        assert_eq!(parsed, serde_json::json!([{"a": [1, "]"]}, {"b": {}}]));

        // One object where the list was expected: exactly one item, the object.
        let one = spans(r#"{"limit": 50, "data" : {"sha": "x", "data": [1, 2]} }"#);
        assert_eq!(one.items.len(), 1);
        let parsed: Value = serde_json::from_slice(&one.items_json()).unwrap();
        assert_eq!(parsed, serde_json::json!([{"sha": "x", "data": [1, 2]}]));
        let empty_object = spans(r#"{"data":{}}"#);
        assert_eq!(empty_object.items_json(), b"[{}]");

        for body in [r#"{"data": null}"#, r#"{"data": []}"#, r#"{"limit": 1}"#] {
            assert_eq!(spans(body).items_json(), b"[]", "{body}");
        }
        assert!(envelope::<ItemSpan>(r#"{"data": 3}"#).is_err());
    }
}

#[cfg(test)]
#[path = "paginate_tests.rs"]
mod stop_tests;
