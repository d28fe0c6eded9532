//! A tool call: the gates, the server's own arguments (`cursor`, `fields`, `summary_by`,
//! `confirm`), the call through the one client (its limiter, retries and token), the answer
//! within the byte budget, and every failure as a tool error that says what to change.

use super::Shared;
use super::audit::{redact, rfc3339};
use super::catalog::{
    self, CONFIRM, CURSOR, FIELDS, SUMMARY_BY, delete_target_args, endpoint_of, has_json,
    is_listing,
};
use super::select::{self, Path, Summary};
use futures::FutureExt;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use qualys_cs::table::{BodyKind, Endpoint, Http};
use qualys_cs::{Args, Error, ErrorKind, Output, RateLimitInfo};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime};

/// Items of a listing, a page at a time, with the total when the API gives one and the page's
/// rate-limit headers.
type Pages =
    BoxStream<'static, qualys_cs::Result<(Vec<Value>, Option<u64>, Option<RateLimitInfo>)>>;

/// A listing being read: the pages still to come and the items of the last page not yet served.
pub(crate) struct Listing {
    tool: String,
    pages: Pages,
    pending: VecDeque<Value>,
    total: Option<u64>,
    fields: Option<Vec<Path>>,
    pub(crate) touched: Instant,
}

/// Listings kept for their cursors: at most this many at once (the least recently used goes
/// first), each for at most [`LISTING_TTL`] unused. Each holds at most the paginator's prefetch
/// of pages.
pub(crate) const MAX_LISTINGS: usize = 32;
pub(crate) const LISTING_TTL: Duration = Duration::from_secs(30 * 60);

/// Room kept in the budget for the answer's envelope (`count`, `returned`, `cursor`).
const ENVELOPE: usize = 160;

/// A failed call (boxed: the `Err` of every step, kept small).
pub(crate) type Fail = Box<ToolError>;

/// A failed call, as the tool error's JSON says it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ToolError {
    /// The client's stable error code (`E_VALIDATION`, `E_NOT_FOUND`, ...), or this server's own
    /// (`E_NOT_ALLOWED`, `E_UNKNOWN_TOOL`, `E_TOO_LARGE`, `E_INTERNAL`).
    pub code: &'static str,
    pub message: String,
    /// The argument at fault.
    pub field: Option<String>,
    /// The HTTP status of the API's refusal.
    pub status: Option<u16>,
    /// Qualys' `errorCode`.
    pub error_code: Option<String>,
    pub retry_after_secs: Option<f64>,
    /// The cursor that continues an interrupted listing.
    pub cursor: Option<String>,
    /// What to change for the call to succeed.
    pub hint: String,
}

impl ToolError {
    fn new(code: &'static str, message: impl Into<String>, hint: impl Into<String>) -> Fail {
        Box::new(ToolError {
            code,
            message: message.into(),
            hint: hint.into(),
            ..ToolError::default()
        })
    }

    /// The same error, blamed on the argument `field`.
    fn on(mut self: Fail, field: &str) -> Fail {
        self.field = Some(field.to_owned());
        self
    }

    pub fn invalid(field: &str, message: impl Into<String>, hint: impl Into<String>) -> Fail {
        ToolError::new(
            ErrorKind::Validation.code(),
            format!("invalid argument `{field}`: {}", message.into()),
            hint,
        )
        .on(field)
    }

    pub fn to_json(&self) -> Value {
        let mut e = Map::new();
        e.insert("code".into(), self.code.into());
        e.insert("message".into(), self.message.clone().into());
        if let Some(f) = &self.field {
            e.insert("field".into(), f.clone().into());
        }
        if let Some(s) = self.status {
            e.insert("status".into(), s.into());
        }
        if let Some(c) = &self.error_code {
            e.insert("errorCode".into(), c.clone().into());
        }
        if let Some(w) = self.retry_after_secs {
            e.insert("retryAfterSeconds".into(), w.into());
        }
        if let Some(c) = &self.cursor {
            e.insert("cursor".into(), c.clone().into());
        }
        e.insert("hint".into(), self.hint.clone().into());
        json!({ "error": e })
    }

    /// A client error, with what to change.
    pub fn from_core(e: &Error, ep: &Endpoint, max_wait: Duration) -> Fail {
        let kind = e.kind();
        let mut t = ToolError::new(kind.code(), e.to_string(), String::new());
        if let Error::Validation { field, .. } = e {
            t.field = Some(field.clone());
            t.hint = format!("change the argument `{field}` (see the tool's input schema)");
            return t;
        }
        if let Some(api) = e.api() {
            t.status = Some(api.status);
            t.error_code = api.error_code.clone();
            t.retry_after_secs = api.retry_after.map(|d| d.as_secs_f64());
        }
        t.hint = match kind {
            ErrorKind::BadRequest => "the API refused the arguments: check them (a `filter` is \
                QQL, e.g. `vulnerabilities.severity:5`; a body needs the API's keys)"
                .into(),
            ErrorKind::Authentication | ErrorKind::Auth => "the server's Qualys credentials were \
                refused: they are set where `qualys-cs mcp` runs (a profile or the QUALYS_* \
                environment), not by a tool argument"
                .into(),
            ErrorKind::PermissionDenied => {
                "the Qualys account lacks the permission (role or module) for this call".into()
            }
            ErrorKind::NotFound => format!(
                "nothing has this id: list the {} to find one",
                ep.resource.replace('.', " ")
            ),
            ErrorKind::Conflict => "the resource's state or the subscription does not allow this \
                now (e.g. an image with running containers, reports on a free subscription)"
                .into(),
            ErrorKind::RateLimited => match e.api().and_then(|a| a.retry_after) {
                Some(w) if w > max_wait => format!(
                    "Qualys asks to wait {:.0} s, longer than this server waits (--max-wait {} \
                     s): call again after that, or narrow the listing with `filter`",
                    w.as_secs_f64(),
                    max_wait.as_secs()
                ),
                _ => "Qualys' rate limit for this family of calls is used up: call again later, \
                      or narrow the listing with `filter`"
                    .into(),
            },
            ErrorKind::Server => "Qualys failed to answer (after retries): try again later".into(),
            ErrorKind::Timeout | ErrorKind::Connection => {
                "no answer from Qualys (after retries): try again later".into()
            }
            ErrorKind::DeadlineExceeded => {
                "no answer from Qualys within the call's deadline (the server's `deadline`): try \
                 again later"
                    .into()
            }
            ErrorKind::RecordCap => match qualys_cs::table::by_name(&ep.resource, "bulk_list") {
                Some(b) => format!(
                    "use the `{}` tool (no record cap), or narrow `filter`",
                    catalog::tool_name(b)
                ),
                None => "narrow `filter`".into(),
            },
            ErrorKind::Config => {
                "the server's configuration (where `qualys-cs mcp` runs) needs fixing".into()
            }
            _ => "the answer could not be used; try again later".into(),
        };
        t
    }
}

/// The text of a panic's payload.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Runs a tool's work; a panic in it becomes a tool error instead of ending the server.
pub(crate) async fn guarded<F>(work: F) -> Result<String, Fail>
where
    F: std::future::Future<Output = Result<String, Fail>>,
{
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(r) => r,
        Err(p) => Err(ToolError::new(
            "E_INTERNAL",
            format!("internal error: {}", panic_text(p.as_ref())),
            "the call did not complete; this is a defect of qualys-cs, please report it",
        )),
    }
}

fn take_string(args: &mut JsonObject, name: &str) -> Result<Option<String>, Fail> {
    match args.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ToolError::invalid(
            name,
            format!("must be a string, got {other}"),
            format!("pass `{name}` as a string"),
        )),
    }
}

fn take_strings(args: &mut JsonObject, name: &str) -> Result<Option<Vec<String>>, Fail> {
    let bad = |v: &Value| {
        ToolError::invalid(
            name,
            format!("must be a list of strings, got {v}"),
            format!("pass `{name}` as a list of strings"),
        )
    };
    match args.remove(name) {
        None | Some(Value::Null) => Ok(None),
        // One value alone is taken for a list of one.
        Some(Value::String(s)) => Ok(Some(vec![s])),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad(v)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(bad(&other)),
    }
}

fn parse_paths(name: &str, raw: &[String]) -> Result<Vec<Path>, Fail> {
    raw.iter()
        .map(|p| {
            select::parse(p).ok_or_else(|| {
                ToolError::invalid(
                    name,
                    format!("{p:?} is not a field path"),
                    "name keys joined by dots, e.g. `repo.repository`",
                )
            })
        })
        .collect()
}

/// What a DELETE call removes, from its arguments: the values of its target arguments.
pub(crate) fn delete_targets(ep: &Endpoint, args: &JsonObject) -> Vec<String> {
    let mut out = Vec::new();
    for a in delete_target_args(ep) {
        match args.get(&a) {
            Some(Value::Array(xs)) => out.extend(xs.iter().map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })),
            Some(Value::String(s)) => out.push(s.clone()),
            Some(Value::Number(n)) => out.push(n.to_string()),
            _ => {}
        }
    }
    out
}

/// A DELETE goes ahead only when `confirm` repeats exactly what it deletes.
pub(crate) fn check_confirm(
    ep: &Endpoint,
    args: &JsonObject,
    confirm: Option<Vec<String>>,
) -> Result<(), Fail> {
    let names = delete_target_args(ep);
    let mut targets = delete_targets(ep, args);
    if targets.is_empty() {
        let first = names.first().map_or("ids", String::as_str);
        return Err(ToolError::invalid(
            first,
            "is required: name what to delete",
            format!(
                "give {} and repeat the same values in `confirm`",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
    }
    targets.sort();
    targets.dedup();
    let expected = json!(targets);
    let Some(mut given) = confirm else {
        return Err(ToolError::invalid(
            CONFIRM,
            format!("is required: this call deletes {expected}"),
            format!("to delete them, pass `confirm`: {expected}"),
        ));
    };
    given.sort();
    given.dedup();
    if given != targets {
        return Err(ToolError::invalid(
            CONFIRM,
            format!(
                "{} does not match what this call deletes: {expected}",
                json!(given)
            ),
            format!("`confirm` must repeat exactly {expected}; nothing was deleted"),
        ));
    }
    Ok(())
}

impl Shared {
    /// One tool call, audited; never panics, never fails the JSON-RPC request: whatever goes
    /// wrong is the tool result's error.
    pub(crate) async fn call(&self, name: &str, args: Option<JsonObject>) -> CallToolResult {
        let started = Instant::now();
        let at = SystemTime::now();
        let args = args.unwrap_or_default();
        let logged = self.audit.as_ref().map(|_| audit_args(name, &args));
        let outcome = guarded(self.dispatch(name, args)).await;
        let (text, status) = match &outcome {
            Ok(text) => (text.clone(), "ok".to_owned()),
            Err(e) => (e.to_json().to_string(), e.code.to_owned()),
        };
        if let (Some(audit), Some(arguments)) = (&self.audit, logged) {
            audit.record(
                &json!({
                    "time": rfc3339(at),
                    "tool": name,
                    "arguments": arguments,
                    "status": status,
                    "duration_ms": started.elapsed().as_millis() as u64,
                }),
                &self.secrets,
            );
        }
        let content = vec![ContentBlock::text(self.secrets.scrub(&text))];
        match outcome {
            Ok(_) => CallToolResult::success(content),
            Err(_) => CallToolResult::error(content),
        }
    }

    async fn dispatch(&self, name: &str, mut args: JsonObject) -> Result<String, Fail> {
        let Some(ep) = endpoint_of(name) else {
            return Err(ToolError::new(
                "E_UNKNOWN_TOOL",
                format!("no tool {name:?}"),
                "call one of the tools that tools/list names",
            ));
        };
        if let Some(flags) = catalog::refused(ep, self.gates) {
            return Err(ToolError::new(
                "E_NOT_ALLOWED",
                format!("`{name}` changes data and this server does not allow it"),
                format!("the server must be started with {flags} for this tool"),
            ));
        }
        let listing = is_listing(ep);
        let cursor = if listing {
            take_string(&mut args, CURSOR)?
        } else {
            None
        };
        let summary = if listing {
            take_string(&mut args, SUMMARY_BY)?
        } else {
            None
        };
        let fields = if has_json(ep) {
            take_strings(&mut args, FIELDS)?
                .map(|f| parse_paths(FIELDS, &f))
                .transpose()?
        } else {
            None
        };
        let confirm = if ep.http == Http::Delete {
            take_strings(&mut args, CONFIRM)?
        } else {
            None
        };
        if let Some(c) = cursor {
            if let Some(extra) = args
                .keys()
                .next()
                .cloned()
                .or(summary.map(|_| SUMMARY_BY.into()))
            {
                return Err(ToolError::invalid(
                    &extra,
                    "cannot be given with `cursor`: the listing keeps its first call's arguments",
                    "pass `cursor` alone (and `fields`, if wanted)",
                ));
            }
            return self.resume(name, &c, fields).await;
        }
        let summary = summary
            .map(|s| {
                select::parse(&s).ok_or_else(|| {
                    ToolError::invalid(
                        SUMMARY_BY,
                        format!("{s:?} is not a field path"),
                        "name keys joined by dots, e.g. `repo.repository`",
                    )
                })
            })
            .transpose()?;
        if ep.http == Http::Delete {
            check_confirm(ep, &args, confirm)?;
        }
        let core = |e: Error| ToolError::from_core(&e, ep, self.max_wait);
        let pages: Pages = if ep.pagination.is_some() {
            let pager = self
                .client
                .paginate_with::<Value>(ep, Args::from(args), None, None)
                .map_err(core)?;
            pager
                .pages()
                .map_ok(|p| (p.items, p.total, p.meta.rate_limit))
                .boxed()
        } else {
            let call = self.client.call_with(ep, Args::from(args), None);
            let (out, meta) = match tokio::time::timeout(self.max_wait, call).await {
                Ok(r) => r.map_err(core)?,
                Err(_) => return Err(self.waited_too_long(ep, None)),
            };
            self.observe(ep, meta.rate_limit.as_ref());
            match out {
                Output::Json(Value::Array(items)) if listing => {
                    let total = Some(items.len() as u64);
                    stream::iter([Ok((items, total, None))]).boxed()
                }
                Output::Json(v) => return self.object(ep, v, fields.as_deref()),
                Output::Text(t) => return Ok(self.text(&t)),
                Output::Bytes(b) => {
                    return match std::str::from_utf8(&b) {
                        Ok(t) => Ok(self.text(t)),
                        Err(_) => Ok(json!({"binary": true, "bytes": b.len(), "note":
                            "a binary file (zip): download it with the command line, e.g. \
                             `qualys-cs reports download UUID --path report.zip`"})
                        .to_string()),
                    };
                }
                Output::Empty => return Ok(json!({"ok": true, "status": meta.status}).to_string()),
            }
        };
        let listing = Listing {
            tool: name.to_owned(),
            pages,
            pending: VecDeque::new(),
            total: None,
            fields,
            touched: Instant::now(),
        };
        match summary {
            Some(path) => self.summarize(ep, listing, &path).await,
            None => self.chunk(ep, listing).await,
        }
    }

    /// A JSON answer that is not a listing: whole, or an error saying how to make it fit.
    fn object(&self, ep: &Endpoint, v: Value, fields: Option<&[Path]>) -> Result<String, Fail> {
        let v = match fields {
            Some(f) => select::project(&v, f),
            None => v,
        };
        let text = v.to_string();
        if text.len() <= self.budget {
            return Ok(text);
        }
        let sizes: Vec<String> = match &v {
            Value::Object(m) => m
                .iter()
                .map(|(k, x)| format!("{k} ({} bytes)", x.to_string().len()))
                .collect(),
            _ => Vec::new(),
        };
        Err(ToolError::new(
            "E_TOO_LARGE",
            format!(
                "the answer of {} is {} bytes, more than this server's {} (--max-output-bytes)",
                catalog::tool_name(ep),
                text.len(),
                self.budget
            ),
            format!(
                "select keys with `fields` (field paths); the answer's keys: {}",
                sizes.join(", ")
            ),
        )
        .on(FIELDS))
    }

    /// A text answer, cut at the budget (the cut said at its end).
    fn text(&self, t: &str) -> String {
        if t.len() <= self.budget {
            return t.to_owned();
        }
        let mut end = self.budget.saturating_sub(ENVELOPE);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        format!(
            "{}\n[... {} more bytes not shown: over this server's --max-output-bytes]",
            &t[..end],
            t.len() - end
        )
    }

    /// The next items of a listing, within the budget, and the cursor of the rest.
    async fn chunk(&self, ep: &Endpoint, mut l: Listing) -> Result<String, Fail> {
        let room = self.budget.saturating_sub(ENVELOPE);
        let mut items = String::new();
        let mut n = 0u64;
        let mut paused = false;
        let more = loop {
            if let Some(item) = l.pending.pop_front() {
                let text = match &l.fields {
                    Some(f) => select::project(&item, f).to_string(),
                    None => item.to_string(),
                };
                let sep = usize::from(n > 0);
                if items.len() + sep + text.len() > room {
                    if n == 0 {
                        return Err(ToolError::new(
                            "E_TOO_LARGE",
                            format!(
                                "one item is {} bytes, more than this server's {} \
                                 (--max-output-bytes)",
                                text.len(),
                                self.budget
                            ),
                            "select keys with `fields` (field paths, e.g. `sha`)",
                        )
                        .on(FIELDS));
                    }
                    l.pending.push_front(item);
                    break true;
                }
                if sep == 1 {
                    items.push(',');
                }
                items.push_str(&text);
                n += 1;
                continue;
            }
            // The wait for a page is bounded: past it, what was gathered is answered with the
            // cursor of the rest (the paginator keeps its place, and its queue in the limiter).
            let next = match tokio::time::timeout(self.max_wait, l.pages.next()).await {
                Ok(next) => next,
                Err(_) if n > 0 => {
                    paused = true;
                    break true;
                }
                Err(_) => {
                    let cursor = self.park(l);
                    return Err(self.waited_too_long(ep, Some(cursor)));
                }
            };
            match next {
                Some(Ok((page, total, limits))) => {
                    self.observe(ep, limits.as_ref());
                    l.total = l.total.or(total);
                    l.pending.extend(page);
                }
                Some(Err(e)) => return Err(ToolError::from_core(&e, ep, self.max_wait)),
                None => break false,
            }
        };
        let total = json!(l.total);
        let cursor = if more {
            json!(self.park(l))
        } else {
            Value::Null
        };
        let note = if paused {
            format!(
                ",\"note\":{}",
                json!(format!(
                    "the next page did not come within --max-wait ({} s; Qualys' rate limit): \
                     call again with the cursor later",
                    self.max_wait.as_secs()
                ))
            )
        } else {
            String::new()
        };
        Ok(format!(
            "{{\"count\":{total},\"returned\":{n},\"cursor\":{cursor}{note},\"items\":[{items}]}}"
        ))
    }

    /// Counts by the values at `path` over the whole listing, within the budget.
    async fn summarize(
        &self,
        ep: &Endpoint,
        mut l: Listing,
        path: &[String],
    ) -> Result<String, Fail> {
        let mut s = Summary::default();
        loop {
            let page = match tokio::time::timeout(self.max_wait, l.pages.next()).await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(_) => return Err(self.waited_too_long(ep, None)),
            };
            let (items, total, limits) =
                page.map_err(|e| ToolError::from_core(&e, ep, self.max_wait))?;
            self.observe(ep, limits.as_ref());
            l.total = l.total.or(total);
            for item in &items {
                s.add(item, path);
            }
        }
        let mut out = Map::new();
        out.insert(SUMMARY_BY.into(), path.join(".").into());
        out.insert("count".into(), json!(l.total));
        out.insert("items".into(), s.items.into());
        out.insert("missing".into(), s.missing.into());
        if s.items > 0
            && s.missing == s.items
            && let Some(keys) = ep
                .response
                .model
                .as_deref()
                .and_then(catalog::describe_model)
        {
            out.insert(
                "note".into(),
                format!("no item has `{}`; the items' keys: {keys}", path.join(".")).into(),
            );
        }
        let mut used = Value::Object(out.clone()).to_string().len() + ENVELOPE;
        let groups = s.groups();
        let mut kept = Vec::new();
        for (value, count) in &groups {
            let g = json!({"value": value, "count": count});
            let len = g.to_string().len() + 1;
            if used + len > self.budget {
                break;
            }
            used += len;
            kept.push(g);
        }
        if kept.len() < groups.len() {
            out.insert("groups_omitted".into(), (groups.len() - kept.len()).into());
        }
        out.insert("groups".into(), Value::Array(kept));
        Ok(Value::Object(out).to_string())
    }

    /// Remembers what an answer said of its family's rate limit, to tell a rate-limit wait from
    /// a slow server when a call waits too long.
    fn observe(&self, ep: &Endpoint, info: Option<&RateLimitInfo>) {
        if let (Some(family), Some(info)) = (ep.rate_family.name(), info) {
            let mut m = self.limits.lock().unwrap_or_else(|p| p.into_inner());
            m.insert(family, (info.clone(), Instant::now()));
        }
    }

    /// The error of a call that waited more than `--max-wait`: a rate limit's when the family's
    /// last answer said its calls were used up, else no answer in time. A listing's error carries
    /// the cursor that continues it.
    fn waited_too_long(&self, ep: &Endpoint, cursor: Option<String>) -> Fail {
        let limited = ep.rate_family.name().and_then(|f| {
            let m = self.limits.lock().unwrap_or_else(|p| p.into_inner());
            m.get(f).cloned()
        });
        let mut e = match limited {
            Some((info, seen)) if info.remaining == Some(0) => {
                let window = Duration::from_secs(info.window_secs.unwrap_or(0));
                let left = window.saturating_sub(seen.elapsed());
                let mut e = ToolError::new(
                    ErrorKind::RateLimited.code(),
                    format!(
                        "Qualys' rate limit for the {} calls is used up: the next one would wait \
                         longer than this server's --max-wait ({} s)",
                        ep.rate_family.name().unwrap_or("these"),
                        self.max_wait.as_secs()
                    ),
                    format!(
                        "call again in about {} s{}",
                        left.as_secs().max(1),
                        if cursor.is_some() {
                            " with `cursor`"
                        } else {
                            ""
                        }
                    ),
                );
                e.retry_after_secs = Some(left.as_secs_f64());
                e
            }
            _ => ToolError::new(
                ErrorKind::Timeout.code(),
                format!(
                    "no answer from Qualys within this server's --max-wait ({} s)",
                    self.max_wait.as_secs()
                ),
                format!(
                    "try again later{}",
                    if cursor.is_some() {
                        " with `cursor`"
                    } else {
                        ""
                    }
                ),
            ),
        };
        e.cursor = cursor;
        e
    }

    /// Keeps a listing for its cursor; returns the cursor.
    fn park(&self, mut l: Listing) -> String {
        l.touched = Instant::now();
        let id = new_cursor();
        let mut map = self.listings.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, l| l.touched.elapsed() < LISTING_TTL);
        while map.len() >= MAX_LISTINGS {
            let oldest = map
                .iter()
                .min_by_key(|(_, l)| l.touched)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
        map.insert(id.clone(), l);
        id
    }

    async fn resume(
        &self,
        name: &str,
        cursor: &str,
        fields: Option<Vec<Path>>,
    ) -> Result<String, Fail> {
        let taken = {
            let mut map = self.listings.lock().unwrap_or_else(|p| p.into_inner());
            match map.remove(cursor) {
                Some(l) if l.tool != name => {
                    let owner = l.tool.clone();
                    map.insert(cursor.to_owned(), l);
                    Err(owner)
                }
                other => Ok(other),
            }
        };
        let mut l = match taken {
            Ok(Some(l)) if l.touched.elapsed() < LISTING_TTL => l,
            Ok(_) => {
                return Err(ToolError::invalid(
                    CURSOR,
                    "is unknown or expired (each cursor is used once, and kept 30 minutes)",
                    "call the tool again without `cursor` to start the listing over",
                ));
            }
            Err(owner) => {
                return Err(ToolError::invalid(
                    CURSOR,
                    format!("belongs to the tool `{owner}`"),
                    format!("pass it to `{owner}`"),
                ));
            }
        };
        if fields.is_some() {
            l.fields = fields;
        }
        let ep = endpoint_of(name).expect("a listing's tool is a known tool");
        self.chunk(ep, l).await
    }
}

/// A cursor: 128 random bits (from the standard library's per-process random hash keys), so one
/// cannot be guessed from another.
fn new_cursor() -> String {
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    };
    format!("c{:016x}{:016x}", word(), word())
}

/// A call's arguments as the audit log shows them: secret-looking keys and uploaded files
/// replaced by `***`.
fn audit_args(name: &str, args: &JsonObject) -> Value {
    let mut v = redact(&Value::Object(args.clone()));
    if let (Some(ep), Value::Object(m)) = (endpoint_of(name), &mut v)
        && let Some(b) = ep.body.as_ref().filter(|b| b.kind == BodyKind::Multipart)
        && let Some(arg) = &b.arg
        && let Some(slot) = m.get_mut(arg)
    {
        *slot = json!("***");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use qualys_cs::table;

    fn obj(v: Value) -> JsonObject {
        v.as_object().unwrap().clone()
    }

    #[tokio::test]
    async fn a_panic_in_a_tool_becomes_a_tool_error() {
        let r = guarded(async {
            if true {
                panic!("boom");
            }
            Ok(String::new())
        })
        .await;
        let e = r.unwrap_err();
        assert_eq!(e.code, "E_INTERNAL");
        assert!(e.message.contains("boom"), "{}", e.message);
    }

    #[test]
    fn a_delete_needs_confirm_equal_to_its_targets() {
        let ep = table::by_name("images", "delete").unwrap();
        let args = obj(json!({"image_ids": ["b", "a"]}));
        let e = check_confirm(ep, &args, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("confirm"));
        assert!(e.hint.contains(r#"["a","b"]"#), "{}", e.hint);
        let e = check_confirm(ep, &args, Some(vec!["a".into()])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("confirm"));
        assert!(check_confirm(ep, &args, Some(vec!["a".into(), "b".into()])).is_ok());
        // By filter: the filter text is what is confirmed.
        let args = obj(json!({"filter": "repo.tag:old"}));
        assert!(check_confirm(ep, &args, Some(vec!["repo.tag:old".into()])).is_ok());
        // Nothing named: refused before anything is sent.
        let e = check_confirm(ep, &obj(json!({})), Some(vec![])).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("image_ids"));
        // A path id.
        let ep = table::by_name("registries.schedules", "delete").unwrap();
        let args = obj(json!({"registry_id": "r", "schedule_id": "s"}));
        assert!(check_confirm(ep, &args, Some(vec!["s".into()])).is_ok());
        assert!(check_confirm(ep, &args, Some(vec!["r".into()])).is_err());
    }

    #[test]
    fn client_errors_name_the_field_and_what_to_change() {
        let ep = table::by_name("images", "list").unwrap();
        let e = Error::Validation {
            field: "filter".into(),
            rule: "type".into(),
            message: "must be a string, got 5".into(),
        };
        let t = ToolError::from_core(&e, ep, Duration::from_secs(60));
        assert_eq!(t.code, "E_VALIDATION");
        assert_eq!(t.field.as_deref(), Some("filter"));
        let j = t.to_json();
        assert_eq!(j["error"]["field"], "filter");
        assert!(j["error"]["hint"].as_str().unwrap().contains("filter"));
        let cap = Error::RecordCap {
            path: ep.path.clone(),
            cap: 10_000,
            total: 20_000,
            alternative: "images.bulk_list".into(),
        };
        let t = ToolError::from_core(&cap, ep, Duration::from_secs(60));
        assert!(t.hint.contains("images_bulk_list"), "{}", t.hint);
    }

    #[test]
    fn audited_arguments_hide_secrets_and_uploaded_files() {
        let a = audit_args(
            "registries_gcp_create_connector",
            &obj(json!({"name": "n", "service_account_json": "{\"private_key\": \"x\"}"})),
        );
        assert_eq!(a, json!({"name": "n", "service_account_json": "***"}));
        let a = audit_args(
            "registries_create",
            &obj(json!({"body": {"registryUri": "u", "password": "p"}})),
        );
        assert_eq!(a, json!({"body": {"registryUri": "u", "password": "***"}}));
    }

    #[test]
    fn cursors_differ() {
        assert_ne!(new_cursor(), new_cursor());
        assert_eq!(new_cursor().len(), 33);
    }
}
