//! One handler per endpoint id. Paths live only in the endpoint table; this module knows ids.

// Handlers return `Result<Response, Response>` so `?` turns any validation failure into the
// Qualys error response; the error path is rare, so the variant's size does not matter.
#![allow(clippy::result_large_err)]

use crate::data::{self, CTR_FIELDS, CtrF, IMG_FIELDS, ImgF};
use crate::fast;
use crate::filter::{Compiled, Gen as Kind};
use crate::qql::{self, Expr, FVal, Fields, Key, Op, Sort};
use crate::server::{error, error_code, json_bytes_response, json_response, now_ms, text_response};
use crate::state::{Policy, Registry, Sim};
use crate::synth::{self, World, ms, salt};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use qualys_cs_spec::{Endpoint, QueryType};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::{BTreeSet, BinaryHeap};

pub(crate) struct Ctx {
    pub ep: &'static Endpoint,
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub content_type: Option<String>,
    pub user: String,
}

type R = Result<Response, Response>;

fn bad(msg: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, msg)
}

fn not_found(msg: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, msg)
}

fn ok(v: &Value) -> R {
    Ok(json_response(StatusCode::OK, v))
}

/// API.md open question 5: "returns the same ID" answers are the bare id as `text/plain`.
fn ok_text(s: impl Into<String>) -> R {
    Ok(text_response(StatusCode::OK, s))
}

impl Ctx {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// Repeated values (`a=1&a=2`), comma-separated lists too; empty values dropped.
    fn qs(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
    fn json(&self) -> Result<Value, Response> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(bad("Required request body is missing"));
        }
        serde_json::from_slice(&self.body).map_err(|e| bad(format!("JSON parse error: {e}")))
    }
    fn json_obj(&self) -> Result<Value, Response> {
        let v = self.json()?;
        if !v.is_object() {
            return Err(bad("Request body must be a JSON object"));
        }
        Ok(v)
    }
    /// The optional JSON body of the v1.1 delete calls.
    fn opt_json(&self) -> Result<Option<Value>, Response> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json_obj().map(Some)
    }
}

fn check_query(ctx: &Ctx) -> Result<(), Response> {
    for (k, v) in &ctx.query {
        let Some(p) = ctx.ep.query.iter().find(|p| &p.name == k) else {
            continue;
        };
        match p.ty {
            QueryType::Integer => {
                let n: i64 = v
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("Invalid value '{v}' for {k}: integer expected")))?;
                if p.min.is_some_and(|m| n < m) || p.max.is_some_and(|m| n > m) {
                    return Err(bad(format!(
                        "Invalid value {n} for {k}: must be between {} and {}",
                        p.min.unwrap_or(i64::MIN),
                        p.max.unwrap_or(i64::MAX)
                    )));
                }
            }
            QueryType::Boolean if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") => {
                return Err(bad(format!(
                    "Invalid value '{v}' for {k}: true or false expected"
                )));
            }
            _ => {}
        }
        if let Some(allowed) = &p.allowed
            && !allowed
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(v)))
        {
            let list: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().unwrap_or("").to_string())
                .collect();
            return Err(bad(format!(
                "Invalid value '{v}' for {k}: one of {}",
                list.join(", ")
            )));
        }
    }
    Ok(())
}

pub(crate) fn handle(sim: &Sim, ctx: &Ctx) -> Response {
    if let Err(e) = check_query(ctx) {
        return e;
    }
    let r = match ctx.ep.id.as_str() {
        "S01" => image_compliance(sim, ctx),
        "S02" => tag_assign(sim, ctx),
        "S03" => tag_update(sim, ctx),
        "S04" => tag_delete(sim, ctx),
        "S05" => policy_get(sim, ctx),
        "S06" => policy_create(sim, ctx),
        "S07" => policy_update(sim, ctx),
        "S08" => reports_list(sim, ctx),
        "S09" => report_create(sim, ctx),
        "S10" => report_schedule_create(sim, ctx),
        "S11" => report_schedule_update(sim, ctx),
        "S12" => schedule_create(sim, ctx),
        "S13" => schedule_update(sim, ctx),
        "S14" => schedules_bulk(sim, ctx, true),
        "S15" => schedules_bulk(sim, ctx, false),
        "S16" => containers_list(sim, ctx),
        "S17" => images_list(sim, ctx),
        "S18" => container_get(sim, ctx),
        "S19" => image_get(sim, ctx),
        "S20" => events_list(sim, ctx),
        "S21" => sensors_list(sim, ctx),
        "S22" => registries_list(sim, ctx),
        "S23" => registry_get(sim, ctx),
        "S24" => aws_base(sim),
        "S25" => aws_connectors(sim, None),
        "S26" => aws_connectors(sim, Some(ctx.param("accountId"))),
        "S27" => aws_connector_create(sim, ctx),
        "S28" => registry_write(sim, ctx, Write::Validate),
        "S29" => registry_write(sim, ctx, Write::Create),
        "S30" => registry_write(sim, ctx, Write::Update),
        "S31" => repositories_list(sim, ctx),
        "S32" => schedules_list(sim, ctx),
        "S35" => registry_delete(sim, ctx),
        "S36" => registries_delete(sim, ctx),
        "S37" => schedule_delete(sim, ctx),
        "S38" => schedules_delete(sim, ctx),
        "S39" => sensors_delete(sim, ctx),
        "S40" => images_delete(sim, ctx),
        "S41" => containers_delete(sim, ctx),
        "S42" => image_vulns(sim, ctx),
        "S43" => container_vulns(sim, ctx),
        "P01" => bulk_list(sim, ctx, Kind::Container),
        "P02" => container_compliance(sim, ctx),
        "P03" => container_software(sim, ctx),
        "P04" => container_vuln_count(sim, ctx),
        "P05" => bulk_list(sim, ctx, Kind::Image),
        "P06" => image_associations(sim, ctx),
        "P07" => image_registries(sim, ctx),
        "P08" => image_instrument(sim, ctx),
        "P09" => image_software(sim, ctx),
        "P10" => image_vuln_count(sim, ctx),
        "P11" => controls_list(sim, ctx),
        "P12" => control_get(sim, ctx),
        "P13" => sensor_get(sim, ctx),
        "P14" => activation_key(sim),
        "P15" => schedule_cancel(sim, ctx),
        "P16" => acr_create(sim, ctx),
        "P17" => ok(&Value::Array(
            sim.stored
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .acr_connectors
                .clone(),
        )),
        "P18" => connector_get(sim, ctx, "acrConnectorId"),
        "P19" => gcp_create(sim, ctx),
        "P20" => ok(&Value::Array(
            sim.stored
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .gcp_connectors
                .clone(),
        )),
        "P21" => connector_get(sim, ctx, "gcpConnectorId"),
        "P22" => reports_delete(sim, ctx),
        "P23" => report_download(sim, ctx),
        "P24" => policy_default(sim, ctx),
        "P25" => tag_create(sim, ctx),
        "P26" => tag_evaluate(sim, ctx),
        "P27" => postures_list(sim, ctx),
        "P28" => postures_count(sim),
        "P29" => posture_control(sim, ctx, false),
        "P30" => posture_control(sim, ctx, true),
        "P31" => auth(sim, ctx),
        other => Err(error(
            StatusCode::NOT_IMPLEMENTED,
            format!("endpoint {other} is not simulated"),
        )),
    };
    r.unwrap_or_else(|e| e)
}

// ------------------------------------------------------------------ filters over JSON values

/// Filter fields of a stored JSON object: an optional prefix (`report.`), aliases, then a dotted
/// path (arrays are searched element-wise).
struct ValF<'a> {
    v: &'a Value,
    spec: &'a ListSpec,
}

struct ListSpec {
    prefix: &'static str,
    aliases: &'static [(&'static str, &'static str)],
    default_sort: Option<&'static str>,
    groups: bool,
}

fn to_fval(v: &Value) -> FVal<'_> {
    match v {
        Value::Null | Value::Object(_) => FVal::Null,
        Value::Bool(b) => FVal::Bool(*b),
        Value::Number(n) => FVal::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => FVal::Str(Cow::Borrowed(s)),
        Value::Array(a) => FVal::List(a.iter().map(to_fval).collect()),
    }
}

fn walk<'a>(v: &'a Value, segs: &[&str]) -> Option<FVal<'a>> {
    if segs.is_empty() {
        return Some(to_fval(v));
    }
    match v {
        Value::Object(m) => walk(m.get(segs[0])?, &segs[1..]),
        Value::Array(a) => Some(FVal::List(a.iter().filter_map(|e| walk(e, segs)).collect())),
        _ => Some(FVal::Null),
    }
}

impl Fields for ValF<'_> {
    fn field(&self, name: &str) -> Option<FVal<'_>> {
        let n = name
            .strip_prefix(self.spec.prefix)
            .filter(|_| !self.spec.prefix.is_empty())
            .unwrap_or(name);
        let n = self
            .spec
            .aliases
            .iter()
            .find(|(a, _)| *a == n)
            .map(|(_, t)| *t)
            .unwrap_or(n);
        let segs: Vec<&str> = n.split('.').collect();
        walk(self.v, &segs)
    }
}

fn parse_filter(ctx: &Ctx, known: &dyn Fn(&str) -> bool) -> Result<Option<Expr>, Response> {
    parse_filter_str(ctx.q("filter").unwrap_or(""), known)
}

fn parse_filter_str(f: &str, known: &dyn Fn(&str) -> bool) -> Result<Option<Expr>, Response> {
    let e = qql::parse(f).map_err(bad)?;
    if let Some(e) = &e {
        let mut fields = Vec::new();
        e.fields(&mut fields);
        if let Some(u) = fields.iter().find(|f| !known(f)) {
            return Err(bad(format!("Invalid filter: unknown field '{u}'")));
        }
    }
    Ok(e)
}

fn parse_sort(
    ctx: &Ctx,
    default: Option<&str>,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<Sort>, Response> {
    let s = ctx.q("sort").or(default).unwrap_or("");
    let s = qql::parse_sort(s).map_err(bad)?;
    if let Some(s) = &s
        && !known(&s.field)
    {
        return Err(bad(format!("Invalid sort: unknown field '{}'", s.field)));
    }
    Ok(s)
}

/// `(pageNumber, pageSize)`, 1-based, validated. `pageNo` and `pageNumber` are aliases.
fn page_params(ctx: &Ctx) -> Result<(u64, u64), Response> {
    let pg = ctx.ep.pagination.as_ref();
    let page_name = pg
        .and_then(|p| p.page_param.as_deref())
        .unwrap_or("pageNumber");
    let alias = if page_name == "pageNo" {
        "pageNumber"
    } else {
        "pageNo"
    };
    let (pn, raw) = match ctx.q(page_name) {
        Some(v) => (page_name, Some(v)),
        None => (alias, ctx.q(alias)),
    };
    let page = match raw {
        None => 1,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n >= 1 => n as u64,
            Ok(_) => {
                return Err(bad(format!(
                    "Invalid value '{v}' for {pn}: page numbers start with 1"
                )));
            }
            Err(_) => {
                return Err(bad(format!(
                    "Invalid value '{v}' for {pn}: integer expected"
                )));
            }
        },
    };
    let raw_size = ctx.q("pageSize").or_else(|| {
        if ctx.ep.id == "P27" {
            ctx.q("limit")
        } else {
            None
        }
    });
    let size = match raw_size {
        None => 50,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n >= 1 => n as u64,
            _ => {
                return Err(bad(format!(
                    "Invalid value '{v}' for pageSize: a positive integer expected"
                )));
            }
        },
    };
    if let Some(max) = pg.and_then(|p| p.max_page_size)
        && size > max as u64
    {
        return Err(bad(format!(
            "Invalid value {size} for pageSize: must be between 1 and {max}"
        )));
    }
    Ok((page, size))
}

fn page_body(data: Vec<Value>, count: u64, groups: bool) -> Value {
    // API.md open question 15: v1.3 lists send {data, count} (as S000's sample); v1.1 add groups.
    if groups {
        json!({"data": data, "count": count, "groups": {}})
    } else {
        json!({"data": data, "count": count})
    }
}

fn sort_values(items: &mut [Value], s: &Sort, spec: &ListSpec) {
    items.sort_by_cached_key(|v| OrdKey(Key::of(ValF { v, spec }.field(&s.field)), s.desc));
}

struct OrdKey(Key, bool);
impl PartialEq for OrdKey {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for OrdKey {}
impl PartialOrd for OrdKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp_dir(&o.0, self.1)
    }
}

fn filter_sort(
    ctx: &Ctx,
    items: Vec<Value>,
    spec: &ListSpec,
    template: &Value,
) -> Result<Vec<Value>, Response> {
    let known = |f: &str| ValF { v: template, spec }.field(f).is_some();
    let filter = parse_filter(ctx, &known)?;
    let sort = parse_sort(ctx, spec.default_sort, &known)?;
    let mut items: Vec<Value> = match &filter {
        Some(e) => items
            .into_iter()
            .filter(|v| e.eval(&ValF { v, spec }))
            .collect(),
        None => items,
    };
    if let Some(s) = &sort {
        sort_values(&mut items, s, spec);
    }
    Ok(items)
}

fn value_page(ctx: &Ctx, items: Vec<Value>, spec: &ListSpec, template: &Value) -> R {
    let (page, size) = page_params(ctx)?;
    let items = filter_sort(ctx, items, spec, template)?;
    let count = items.len() as u64;
    let off = ((page - 1).saturating_mul(size)).min(count) as usize;
    let data: Vec<Value> = items.into_iter().skip(off).take(size as usize).collect();
    ok(&page_body(data, count, spec.groups))
}

// ------------------------------------------------------------------ generated lists

fn img_known(f: &str) -> bool {
    let f = f.strip_prefix("image.").unwrap_or(f);
    IMG_FIELDS.contains(&f)
}

fn ctr_known(f: &str) -> bool {
    let f = f.strip_prefix("container.").unwrap_or(f);
    CTR_FIELDS.contains(&f)
}

/// The k-th live index (ascending), skipping deleted ones.
fn nth_live(k: u64, deleted: &BTreeSet<u64>) -> u64 {
    let mut i = k;
    for &d in deleted {
        if d <= i {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Indices of one page and the total number of matches. Without a filter, a sort in creation
/// order (`key` None: indices are created in order) visits only the page's indices; otherwise
/// every index is visited once, keeping the best `off + size` in a bounded heap. The order is
/// `(key, index)`, ties by ascending index.
fn gen_page(
    n: u64,
    deleted: &BTreeSet<u64>,
    matches: Option<&dyn Fn(u64) -> bool>,
    desc: bool,
    key: Option<&dyn Fn(u64) -> Key>,
    off: u64,
    size: u64,
) -> (Vec<u64>, u64) {
    let live_count = n - deleted.range(..n).count() as u64;
    let live = |i: &u64| !deleted.contains(i);
    let Some(key) = key else {
        let Some(m) = matches else {
            let end = off.saturating_add(size).min(live_count);
            if off >= end {
                return (vec![], live_count);
            }
            // The page's first index, then its live neighbours.
            let first = if desc {
                nth_live(live_count - 1 - off, deleted)
            } else {
                nth_live(off, deleted)
            };
            let mut out = Vec::with_capacity((end - off) as usize);
            out.push(first);
            let mut i = first;
            while (out.len() as u64) < end - off {
                i = if desc {
                    (0..i).rev().find(live)
                } else {
                    (i + 1..n).find(live)
                }
                .expect("live_count counts it");
                out.push(i);
            }
            return (out, live_count);
        };
        let mut out = Vec::new();
        let mut count = 0;
        let mut visit = |i: u64| {
            if !live(&i) || !m(i) {
                return;
            }
            if count >= off && count < off + size {
                out.push(i);
            }
            count += 1;
        };
        if desc {
            (0..n).rev().for_each(&mut visit)
        } else {
            (0..n).for_each(&mut visit)
        }
        return (out, count);
    };
    let need = off.saturating_add(size);
    let mut best: BinaryHeap<(OrdKey, u64)> = BinaryHeap::new();
    let mut count = 0;
    for i in (0..n).filter(live) {
        if matches.is_some_and(|m| !m(i)) {
            continue;
        }
        count += 1;
        let k = (OrdKey(key(i), desc), i);
        if (best.len() as u64) < need {
            best.push(k);
        } else if let Some(mut worst) = best.peek_mut()
            && k < *worst
        {
            *worst = k;
        }
    }
    let page = best
        .into_sorted_vec()
        .into_iter()
        .skip(off as usize)
        .map(|(_, i)| i)
        .collect();
    (page, count)
}

fn generated_list(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
    let (page, size) = page_params(ctx)?;
    if let Some(cap) = ctx.ep.pagination.as_ref().and_then(|p| p.max_records) {
        // API.md open question 10: `count` stays the full total, but records past the cap
        // cannot be reached: a page ending beyond it is refused.
        if page.saturating_mul(size) > cap {
            let what = if kind == Kind::Image {
                "images"
            } else {
                "containers"
            };
            let bulk = qualys_cs_spec::by_id(if kind == Kind::Image { "P05" } else { "P01" })
                .map(|e| e.path.as_str())
                .unwrap_or("");
            return Err(bad(format!(
                "The {what} list returns at most {cap} records (pageNumber * pageSize <= {cap}); use {bulk} (bulk API) to fetch more"
            )));
        }
    }
    let w = &sim.world;
    let known: &dyn Fn(&str) -> bool = if kind == Kind::Image {
        &img_known
    } else {
        &ctr_known
    };
    let filter = parse_filter(ctx, known)?;
    let sort = parse_sort(ctx, Some("created:desc"), known)?.expect("default sort");
    let bare = sort.field.rsplit('.').next().unwrap_or("");
    let index_sort = matches!(bare, "created" | "updated")
        || (kind == Kind::Image && bare == "lastScanned")
        || (kind == Kind::Container && bare == "stateChanged");
    let compiled = filter.as_ref().map(|e| Compiled::new(e, w, kind));
    let matches = compiled.as_ref().map(|c| move |i| c.matches(i));
    let sort_key = |i: u64| match kind {
        Kind::Image => Key::of(ImgF { w, i }.field(&sort.field)),
        Kind::Container => Key::of(CtrF { w, j: i }.field(&sort.field)),
    };
    let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
    let off = (page - 1) * size;
    let (n, deleted) = match kind {
        Kind::Image => (w.images, &del.images),
        Kind::Container => (w.containers, &del.containers),
    };
    let (idx, count) = gen_page(
        n,
        deleted,
        matches.as_ref().map(|m| m as &dyn Fn(u64) -> bool),
        sort.desc,
        (!index_sort).then_some(&sort_key as &dyn Fn(u64) -> Key),
        off,
        size,
    );
    // `page_body(data, count, false)`, written straight into one buffer.
    let per = match kind {
        Kind::Image => fast::IMG_LIST_BYTES,
        Kind::Container => fast::CTR_LIST_BYTES,
    };
    let mut out = Vec::with_capacity(idx.len() * per + 64);
    out.extend_from_slice(b"{\"data\":[");
    for (k, &i) in idx.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        match kind {
            Kind::Image => fast::img_list(&mut out, w, i, del.instrumented.contains(&i)),
            Kind::Container => fast::ctr_list(&mut out, w, i),
        }
    }
    drop(del);
    out.extend_from_slice(b"],\"count\":");
    out.extend_from_slice(fast::ms(count).as_str().as_bytes());
    out.push(b'}');
    Ok(json_bytes_response(StatusCode::OK, out))
}

fn images_list(sim: &Sim, ctx: &Ctx) -> R {
    generated_list(sim, ctx, Kind::Image)
}

fn containers_list(sim: &Sim, ctx: &Ctx) -> R {
    generated_list(sim, ctx, Kind::Container)
}

/// The bulk cursor lists (P01/P05). Items come in creation (= `updated`) order; the cursor is
/// `updated>=<ms> AND not uuid: [<uuid>]` as in Qualys' samples, plus ` AND (<filter>)` when a
/// filter was given so the link alone carries it. The uuid encodes the item index, so resuming
/// is O(1).
fn bulk_list(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
    let limit = match ctx.q("limit") {
        None => 50,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=250).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "Invalid value '{v}' for limit: must be between 1 and 250"
                ))
            })?,
    };
    let w = &sim.world;
    let known = |f: &str| {
        f == "uuid"
            || f == "updated"
            || if kind == Kind::Image {
                img_known(f)
            } else {
                ctr_known(f)
            }
    };
    let mut user_filter = ctx.q("filter").unwrap_or("").trim().to_string();
    let pq = ctx.q("paginationQuery").unwrap_or("").trim().to_string();
    let (salt_uuid, n) = match kind {
        Kind::Image => (salt::IMG_UUID, w.images),
        Kind::Container => (salt::CTR_UUID, w.containers),
    };
    let mut start = 0;
    let mut pq_expr = None;
    if !pq.is_empty() {
        let e = parse_filter_str(&pq, &known)?.ok_or_else(|| bad("Invalid paginationQuery"))?;
        let mut conj = Vec::new();
        e.conjuncts(&mut conj, false);
        for (t, negated) in &conj {
            match (&t.op, *negated, t.field.as_str()) {
                (Op::AnyOf(ids), true, "uuid") => {
                    for id in ids {
                        if let Some(i) = synth::index_of_uuid(w.seed, salt_uuid, id) {
                            start = start.max(i + 1);
                        }
                    }
                }
                (Op::Cmp(std::cmp::Ordering::Greater, true, v), false, "updated") if start == 0 => {
                    let upd = |i: u64| {
                        if kind == Kind::Image {
                            w.img_updated(i)
                        } else {
                            w.ctr_updated(i)
                        }
                    };
                    let (mut lo, mut hi) = (0, n);
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if (upd(mid) as f64) < *v {
                            lo = mid + 1
                        } else {
                            hi = mid
                        }
                    }
                    start = lo;
                }
                _ => {}
            }
        }
        if user_filter.is_empty()
            && let Some(p) = pq.find("] AND (")
        {
            user_filter = pq[p + 7..].strip_suffix(')').unwrap_or("").to_string();
        }
        pq_expr = Some(e);
    }
    let filter = parse_filter_str(&user_filter, &known)?;
    let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
    let deleted = if kind == Kind::Image {
        &del.images
    } else {
        &del.containers
    };
    let filter = filter.as_ref().map(|e| Compiled::new(e, w, kind));
    let pq_filter = pq_expr.as_ref().map(|e| Compiled::new(e, w, kind));
    let matches = |i: u64| -> bool {
        !deleted.contains(&i)
            && filter.as_ref().is_none_or(|c| c.matches(i))
            && pq_filter.as_ref().is_none_or(|c| c.matches(i))
    };
    let mut items = Vec::with_capacity(limit as usize);
    let mut i = start;
    while i < n && (items.len() as u64) < limit {
        if matches(i) {
            items.push(i);
        }
        i += 1;
    }
    let more = (items.len() as u64) == limit && (i..n).any(&matches);
    // `{"limit": limit, "data": [...]}`, written straight into one buffer.
    let per = match kind {
        Kind::Image => fast::IMG_BULK_BYTES,
        Kind::Container => fast::CTR_BULK_BYTES,
    };
    let mut out = Vec::with_capacity(items.len() * per + 64);
    out.extend_from_slice(b"{\"limit\":");
    out.extend_from_slice(fast::ms(limit).as_str().as_bytes());
    out.extend_from_slice(b",\"data\":[");
    for (k, &i) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        match kind {
            Kind::Image => fast::img_bulk(&mut out, w, i, del.instrumented.contains(&i)),
            Kind::Container => fast::ctr_bulk(&mut out, w, i),
        }
    }
    drop(del);
    out.extend_from_slice(b"]}");
    let mut resp = json_bytes_response(StatusCode::OK, out);
    let link = match items.last() {
        Some(&last) if more => {
            let (upd, uuid) = match kind {
                Kind::Image => (w.img_updated(last), w.img_uuid(last)),
                Kind::Container => (w.ctr_updated(last), w.ctr_uuid(last)),
            };
            let mut next = format!("updated>={upd} AND not uuid: [{uuid}]");
            if !user_filter.is_empty() {
                next.push_str(&format!(" AND ({user_filter})"));
            }
            let enc: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            // Faithful quirk: the images docs page closes the URL with '<' instead of '>'.
            let close = if kind == Kind::Image { '<' } else { '>' };
            format!(
                "<{}{}?limit={limit}&paginationQuery={enc}{close};rel=next",
                sim.cfg.link_host, ctx.ep.path
            )
        }
        _ => "null".to_string(),
    };
    if let Ok(v) = header::HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

// ------------------------------------------------------------------ images and containers

fn norm_id(id: &str) -> String {
    id.trim().trim_start_matches("sha256:").to_ascii_lowercase()
}

fn find_generated(sim: &Sim, id: &str, kind: Kind) -> Option<u64> {
    let w = &sim.world;
    let id = norm_id(id);
    let (n, us, ss) = match kind {
        Kind::Image => (w.images, salt::IMG_UUID, salt::IMG_SHORT),
        Kind::Container => (w.containers, salt::CTR_UUID, salt::CTR_SHORT),
    };
    let i = if id.contains('-') {
        let i = synth::index_of_uuid(w.seed, us, &id)?;
        let u = if kind == Kind::Image {
            w.img_uuid(i)
        } else {
            w.ctr_uuid(i)
        };
        (i < n && u == id).then_some(i)?
    } else {
        let i = synth::index_of_short(w.seed, ss, &id)?;
        if i >= n {
            return None;
        }
        let sha = if kind == Kind::Image {
            w.img_sha(i)
        } else {
            w.ctr_sha(i)
        };
        sha.starts_with(&id).then_some(i)?
    };
    let live = if kind == Kind::Image {
        sim.image_live(i)
    } else {
        sim.container_live(i)
    };
    live.then_some(i)
}

fn image_idx(sim: &Sim, ctx: &Ctx) -> Result<u64, Response> {
    let id = ctx.param("imageSha");
    find_generated(sim, id, Kind::Image).ok_or_else(|| not_found(format!("Image {id} not found")))
}

fn container_idx(sim: &Sim, ctx: &Ctx) -> Result<u64, Response> {
    let id = ctx.param("containerSha");
    find_generated(sim, id, Kind::Container)
        .ok_or_else(|| not_found(format!("Container {id} not found")))
}

fn image_get(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let ins = sim
        .deleted
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .instrumented
        .contains(&i);
    ok(&data::img_details(&sim.world, i, ins))
}

fn container_get(sim: &Sim, ctx: &Ctx) -> R {
    let j = container_idx(sim, ctx)?;
    ok(&data::ctr_details(&sim.world, j))
}

fn image_compliance(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    ok(&data::compliance(
        w,
        w.img_uuid(i),
        w.img_sha(i),
        w.img_created(i),
        w.img_updated(i),
        synth::h(w.seed, salt::IMG, i, 40),
    ))
}

fn container_compliance(sim: &Sim, ctx: &Ctx) -> R {
    let j = container_idx(sim, ctx)?;
    let w = &sim.world;
    ok(&data::compliance(
        w,
        w.ctr_uuid(j),
        w.ctr_sha(j),
        w.ctr_created(j),
        w.ctr_updated(j),
        synth::h(w.seed, salt::CTR, j, 40),
    ))
}

const VULN_SPEC: ListSpec = ListSpec {
    prefix: "vulnerabilities.",
    aliases: &[("cve", "cveids"), ("cveId", "cveids")],
    default_sort: Some("qid:asc"),
    groups: false,
};

fn vuln_template() -> Value {
    data::vulns(0, 0, 0, [0, 0, 0, 0, 1], 0, &[("a", "1", "")]).remove(0)
}

fn image_vulns(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let all = data::vulns(
        w.seed,
        salt::IMG,
        i,
        w.img_sev(i),
        w.img_created(i),
        &w.img_software(i),
    );
    let list = filter_sort(ctx, all, &VULN_SPEC, &vuln_template())?;
    let summary = data::vuln_summary(&list);
    // API.md open question 9: image `details` is a list, as in the v1.1 sample.
    ok(
        &match ctx.q("type").unwrap_or("ALL").to_ascii_uppercase().as_str() {
            "SUMMARY" => json!({"vulnSummary": summary}),
            "DETAILS" => json!({"details": list}),
            _ => json!({"details": list, "vulnSummary": summary}),
        },
    )
}

fn container_vulns(sim: &Sim, ctx: &Ctx) -> R {
    let j = container_idx(sim, ctx)?;
    let w = &sim.world;
    let drift_only = ctx
        .q("isDrift")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all = if drift_only {
        vec![]
    } else {
        data::ctr_vulns(w, j)
    };
    let list = filter_sort(ctx, all, &VULN_SPEC, &vuln_template())?;
    let summary = data::vuln_summary(&list);
    // P-swagger's `ContainerVuln` spells the summary key `VunlSummary`; kept on purpose.
    ok(
        &match ctx.q("type").unwrap_or("ALL").to_ascii_uppercase().as_str() {
            "SUMMARY" => json!({"VunlSummary": summary}),
            "DETAILS" => json!({"details": {"vulns": list, "driftVulns": []}}),
            _ => json!({"details": {"vulns": list, "driftVulns": []}, "VunlSummary": summary}),
        },
    )
}

/// API.md open question 16: flat counts for both images and containers.
fn image_vuln_count(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let c = sim.world.img_sev(i);
    ok(
        &json!({"severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3], "severity1Count": c[0], "severity2Count": c[1]}),
    )
}

fn container_vuln_count(sim: &Sim, ctx: &Ctx) -> R {
    let j = container_idx(sim, ctx)?;
    let list = data::ctr_vulns(&sim.world, j);
    let mut c = [0u64; 5];
    for v in &list {
        c[v["severity"].as_u64().unwrap_or(1).clamp(1, 5) as usize - 1] += 1;
    }
    ok(
        &json!({"severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3], "severity1Count": c[0], "severity2Count": c[1]}),
    )
}

const SOFTWARE_SPEC: ListSpec = ListSpec {
    prefix: "software.",
    aliases: &[],
    default_sort: None,
    groups: false,
};

fn software_template() -> Value {
    data::software_list(&[("a", "1", "2")], &[]).remove(0)
}

fn image_software(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let sw = w.img_software(i);
    let vulns = data::vulns(w.seed, salt::IMG, i, w.img_sev(i), w.img_created(i), &sw);
    let list = filter_sort(
        ctx,
        data::software_list(&sw, &vulns),
        &SOFTWARE_SPEC,
        &software_template(),
    )?;
    let by_sev = data::count_by_severity(&list);
    ok(&json!({
        "count": list.len(),
        "data": list,
        "softwareCountBySeverity": by_sev,
        "driftSoftwareCountBySeverity": {"severity5Count": 0, "severity3Count": 0, "severity4Count": 0, "severity1Count": 0, "severity2Count": 0},
        "driftSoftwareCountByDriftReason": {},
    }))
}

fn container_software(sim: &Sim, ctx: &Ctx) -> R {
    let j = container_idx(sim, ctx)?;
    let w = &sim.world;
    let i = w.ctr_image(j);
    let sw = w.img_software(i);
    let drift_only = ctx
        .q("isDrift")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all = if drift_only {
        vec![]
    } else {
        data::software_list(&sw, &data::ctr_vulns(w, j))
    };
    let list = filter_sort(ctx, all, &SOFTWARE_SPEC, &software_template())?;
    let by_sev = data::count_by_severity(&list);
    ok(&json!({"count": list.len(), "data": list, "softwareCountBySeverity": by_sev}))
}

fn image_associations(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let filter = parse_filter(ctx, &ctr_known)?;
    let ty = ctx.q("type").unwrap_or("ALL").to_ascii_uppercase();
    let ids: Vec<u64> = w
        .img_container_ids(i)
        .filter(|&j| sim.container_live(j))
        .filter(|&j| filter.as_ref().is_none_or(|e| e.eval(&CtrF { w, j })))
        .collect();
    let containers: Vec<Value> = ids
        .iter()
        .map(|&j| {
            json!({
                "uuid": w.ctr_uuid(j), "sha": w.ctr_sha(j), "containerId": w.ctr_short(j), "name": w.ctr_name(j),
                "state": w.ctr_state(j), "created": ms(w.ctr_created(j)), "host": w.host_json(w.ctr_sensor(j)),
            })
        })
        .collect();
    let mut sensors: Vec<u64> = ids.iter().map(|&j| w.ctr_sensor(j)).collect();
    sensors.sort_unstable();
    sensors.dedup();
    let hosts: Vec<Value> = sensors.into_iter().map(|s| w.host_json(s)).collect();
    let want = |t: &str| ty == "ALL" || ty == t;
    ok(&json!({
        "containers": if want("CONTAINER") { Value::Array(containers) } else { json!([]) },
        "driftContainers": [],
        "hosts": if want("HOST") { Value::Array(hosts) } else { json!([]) },
    }))
}

fn image_registries(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let (r, repo, tag) = w.img_repo(i);
    let uri = w.registry_uri(r);
    let host = uri.split("://").nth(1).unwrap_or(&uri).to_string();
    ok(&json!([{"registry": host, "registryUuid": w.registry_uuid(r), "repo": repo, "tag": tag}]))
}

fn image_instrument(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let _body = ctx.json_obj()?;
    sim.deleted
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .instrumented
        .insert(i);
    ok_text(sim.world.img_sha(i))
}

/// Ids (repeated query params, v1.3) or the v1.1 JSON body `{"<ids>": [...], "filter": ...}`
/// (API.md open question 1: both accepted).
fn delete_selection(ctx: &Ctx, ids_key: &str) -> Result<(Vec<String>, Option<String>), Response> {
    let mut ids = ctx.qs(ids_key);
    let mut filter = ctx
        .q("filter")
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty());
    if let Some(b) = ctx.opt_json()? {
        if let Some(a) = b.get(ids_key) {
            let a = a
                .as_array()
                .ok_or_else(|| bad(format!("{ids_key} must be an array")))?;
            ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
        }
        if let Some(f) = b.get("filter").and_then(Value::as_str)
            && !f.trim().is_empty()
        {
            filter = Some(f.to_string());
        }
    }
    if ids.is_empty() && filter.is_none() {
        return Err(bad(format!("Either {ids_key} or filter is required")));
    }
    Ok((ids, filter))
}

fn generated_delete(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
    let key = if kind == Kind::Image {
        "imageIds"
    } else {
        "containerIds"
    };
    let (ids, filter) = delete_selection(ctx, key)?;
    let w = &sim.world;
    let mut targets = Vec::new();
    if !ids.is_empty() {
        for id in &ids {
            if let Some(i) = find_generated(sim, id, kind) {
                targets.push(i);
            }
        }
        if targets.is_empty() {
            return Err(not_found(format!("None of the given {key} exist")));
        }
    } else if let Some(f) = filter {
        let known: &dyn Fn(&str) -> bool = if kind == Kind::Image {
            &img_known
        } else {
            &ctr_known
        };
        let e = parse_filter_str(&f, known)?.ok_or_else(|| bad("Invalid filter"))?;
        let n = if kind == Kind::Image {
            w.images
        } else {
            w.containers
        };
        let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
        let d = if kind == Kind::Image {
            &del.images
        } else {
            &del.containers
        };
        targets = (0..n)
            .filter(|i| !d.contains(i))
            .filter(|&i| {
                if kind == Kind::Image {
                    e.eval(&ImgF { w, i })
                } else {
                    e.eval(&CtrF { w, j: i })
                }
            })
            .collect();
    }
    let mut del = sim.deleted.write().unwrap_or_else(|p| p.into_inner());
    for i in targets {
        match kind {
            Kind::Image => {
                // Images with active (CREATED, RUNNING, STOPPED, PAUSED) containers are skipped.
                let in_use = w
                    .img_container_ids(i)
                    .any(|j| !del.containers.contains(&j) && w.ctr_state(j) != "DELETED");
                if !in_use {
                    del.images.insert(i);
                }
            }
            Kind::Container => {
                del.containers.insert(i);
            }
        }
    }
    drop(del);
    ok(&json!({"deletionJobId": sim.new_uuid()}))
}

fn images_delete(sim: &Sim, ctx: &Ctx) -> R {
    generated_delete(sim, ctx, Kind::Image)
}

fn containers_delete(sim: &Sim, ctx: &Ctx) -> R {
    generated_delete(sim, ctx, Kind::Container)
}

// ------------------------------------------------------------------ sensors, events, controls

const SENSOR_SPEC: ListSpec = ListSpec {
    prefix: "sensor.",
    aliases: &[("id", "sensorId")],
    default_sort: None,
    groups: false,
};

fn sensors_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .sensors
        .clone();
    let tpl = items.first().cloned().unwrap_or_else(
        || json!({"uuid": "", "hostname": "", "status": "", "sensorId": "", "created": ""}),
    );
    value_page(ctx, items, &SENSOR_SPEC, &tpl)
}

fn sensor_get(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("sensorId");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    st.sensors
        .iter()
        .find(|s| s["uuid"] == id || s["sensorId"] == id)
        .map(|s| json_response(StatusCode::OK, s))
        .ok_or_else(|| not_found(format!("Sensor {id} not found")))
}

fn sensors_delete(sim: &Sim, ctx: &Ctx) -> R {
    let (ids, filter) = delete_selection(ctx, "sensorIds")?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let tpl = st
        .sensors
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"uuid": "", "hostname": "", "status": ""}));
    let selected: Vec<usize> = if !ids.is_empty() {
        let v: Vec<usize> = (0..st.sensors.len())
            .filter(|&k| {
                ids.iter().any(|id| {
                    st.sensors[k]["uuid"] == id.as_str() || st.sensors[k]["sensorId"] == id.as_str()
                })
            })
            .collect();
        if v.is_empty() {
            return Err(not_found("None of the given sensorIds exist"));
        }
        v
    } else {
        let f = filter.unwrap_or_default();
        let e = parse_filter_str(&f, &|x| {
            ValF {
                v: &tpl,
                spec: &SENSOR_SPEC,
            }
            .field(x)
            .is_some()
        })?;
        (0..st.sensors.len())
            .filter(|&k| {
                e.as_ref().is_none_or(|e| {
                    e.eval(&ValF {
                        v: &st.sensors[k],
                        spec: &SENSOR_SPEC,
                    })
                })
            })
            .collect()
    };
    // Only sensors in status UNKNOWN can be deleted (S003); others are skipped.
    let mut k = 0;
    st.sensors.retain(|s| {
        let drop = selected.contains(&k) && s["status"] == "UNKNOWN";
        k += 1;
        !drop
    });
    drop(st);
    ok(&json!({"deletionJobId": sim.new_uuid()}))
}

fn activation_key(sim: &Sim) -> R {
    ok(&json!({
        "customerId": sim.world.customer_uuid,
        "activationId": synth::uuid_from(sim.cfg.seed ^ 0xAC7),
        "platformUrl": "https://qualysguard.qg2.apps.qualys.com",
    }))
}

fn events_list(sim: &Sim, ctx: &Ctx) -> R {
    // API.md open question 2: v1.1 page-numbered list with `groups`; shape invented.
    let spec = ListSpec {
        prefix: "event.",
        aliases: &[("type", "eventType")],
        default_sort: None,
        groups: true,
    };
    let tpl = sim
        .events
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"uuid": "", "eventType": ""}));
    value_page(ctx, sim.events.clone(), &spec, &tpl)
}

const CONTROL_SPEC: ListSpec = ListSpec {
    prefix: "control.",
    aliases: &[("controlId", "id")],
    default_sort: None,
    groups: false,
};

fn controls_list(sim: &Sim, ctx: &Ctx) -> R {
    let tpl = sim
        .controls
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"id": 0, "criticality": ""}));
    value_page(ctx, sim.controls.clone(), &CONTROL_SPEC, &tpl)
}

fn control_get(sim: &Sim, ctx: &Ctx) -> R {
    let raw = ctx.param("controlId");
    let id: u64 = raw
        .parse()
        .map_err(|_| bad(format!("Invalid controlId '{raw}'")))?;
    sim.controls
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| json_response(StatusCode::OK, c))
        .ok_or_else(|| not_found(format!("Control {id} not found")))
}

const POSTURE_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[("cluster.name", "cluster.clusterName")],
    default_sort: None,
    groups: false,
};

fn postures_list(sim: &Sim, ctx: &Ctx) -> R {
    let tpl = sim
        .postures
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"controlId": 0, "posture": ""}));
    value_page(ctx, sim.postures.clone(), &POSTURE_SPEC, &tpl)
}

fn postures_count(sim: &Sim) -> R {
    // Shape not documented anywhere public: invented.
    let failed = sim
        .postures
        .iter()
        .filter(|p| p["posture"] == "FAIL")
        .count();
    ok(
        &json!({"totalControls": sim.postures.len(), "passed": sim.postures.len() - failed, "failed": failed, "error": 0}),
    )
}

fn posture_control(sim: &Sim, ctx: &Ctx, evidence: bool) -> R {
    let raw = ctx.param("controlId");
    let id: u64 = raw
        .parse()
        .map_err(|_| bad(format!("Invalid controlId '{raw}'")))?;
    let p = sim
        .postures
        .iter()
        .find(|p| p["controlId"] == id)
        .ok_or_else(|| not_found(format!("Control {id} not found")))?;
    // Shapes not documented anywhere public: invented (CIS-benchmark-like).
    if evidence {
        let n = p["failCount"].as_u64().unwrap_or(0) + 1;
        let data: Vec<Value> = (0..n)
            .map(|k| {
                json!({
                    "resourceType": "Pod", "resourceName": format!("web-{k}"), "namespace": "default",
                    "clusterName": p["cluster"]["clusterName"], "posture": if k + 1 < n { "FAIL" } else { "PASS" },
                    "evidence": {"path": "spec.containers[0].securityContext.privileged", "expected": "false", "actual": if k + 1 < n { "true" } else { "false" }},
                })
            })
            .collect();
        return ok(&json!({"controlId": id, "count": data.len(), "data": data}));
    }
    let mut v = p.clone();
    let o = v.as_object_mut().expect("object");
    o.insert(
        "description".into(),
        json!("Containers should not run privileged."),
    );
    o.insert(
        "rationale".into(),
        json!("A privileged container has all host capabilities."),
    );
    o.insert(
        "remediation".into(),
        json!("Set securityContext.privileged to false."),
    );
    o.insert(
        "references".into(),
        json!(["https://www.cisecurity.org/benchmark/kubernetes"]),
    );
    ok(&v)
}

// ------------------------------------------------------------------ registries

const REGISTRY_SPEC: ListSpec = ListSpec {
    prefix: "registry.",
    aliases: &[
        ("type", "registryType"),
        ("uri", "registryUri"),
        ("uuid", "registryUuid"),
    ],
    default_sort: None,
    groups: false,
};

fn find_reg(regs: &[Registry], id: &str) -> Result<usize, Response> {
    regs.iter()
        .position(|r| r.uuid == id)
        .ok_or_else(|| not_found(format!("Registry {id} not found")))
}

fn registries_list(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let items: Vec<Value> = st.registries.iter().map(data::registry_list_item).collect();
    drop(st);
    let tpl = items.first().cloned().unwrap_or_else(|| {
        json!({"registryUuid": "", "registryUri": "", "registryType": "", "repoCount": 0, "created": "", "updated": "", "lastScanned": ""})
    });
    value_page(ctx, items, &REGISTRY_SPEC, &tpl)
}

fn registry_get(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    ok(&data::registry_details(
        &st.registries[k],
        &st.aws_connectors,
    ))
}

fn aws_base(sim: &Sim) -> R {
    ok(&json!({"accountId": "205767712438", "externalId": 277_380_000 + sim.cfg.seed % 10_000}))
}

fn aws_connectors(sim: &Sim, account: Option<&str>) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    match account {
        None => ok(&Value::Array(st.aws_connectors.clone())),
        Some(a) => {
            let needle = format!(":{a}:");
            let v: Vec<Value> = st
                .aws_connectors
                .iter()
                .filter(|c| c["arn"].as_str().is_some_and(|s| s.contains(&needle)))
                .cloned()
                .collect();
            if v.is_empty() {
                return Err(not_found(format!("No AWS connectors for account {a}")));
            }
            ok(&Value::Array(v))
        }
    }
}

fn valid_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(acct, role)| {
            acct.len() == 12
                && acct.bytes().all(|b| b.is_ascii_digit())
                && role.starts_with("role/")
        })
}

fn aws_connector_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    let arn = b["arn"]
        .as_str()
        .ok_or_else(|| bad("arn is required"))?
        .to_string();
    if !valid_arn(&arn) {
        return Err(bad(format!("Invalid arn '{arn}'")));
    }
    let name = b["name"]
        .as_str()
        .ok_or_else(|| bad("name is required"))?
        .to_string();
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st.aws_connectors.iter().any(|c| c["arn"] == arn.as_str()) {
        return Err(error_code(
            StatusCode::BAD_REQUEST,
            "CMS-1504",
            format!("Registry {arn} already exists in system."),
        ));
    }
    st.aws_connectors.push(json!({"arn": arn, "name": name, "description": b.get("description").cloned().unwrap_or(json!(""))}));
    ok_text(arn)
}

fn is_base64(s: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

#[derive(PartialEq, Clone, Copy)]
enum Write {
    Validate,
    Create,
    Update,
}

fn registry_write(sim: &Sim, ctx: &Ctx, mode: Write) -> R {
    let b = ctx.json_obj()?;
    for f in ["registryType", "registryUri", "credentialType"] {
        if !b[f].is_string() {
            return Err(bad(format!("{f} is required")));
        }
    }
    let ctype = b["credentialType"].as_str().unwrap_or("");
    if !["None", "Token", "BasicAuth", "DockerHub", "AWS"].contains(&ctype) {
        return Err(bad(format!(
            "Invalid credentialType '{ctype}': one of None, Token, BasicAuth, DockerHub, AWS"
        )));
    }
    let has_aws = b.get("aws").is_some_and(|v| !v.is_null());
    let has_cred = b.get("credential").is_some_and(|v| !v.is_null());
    if ctype != "None" && has_aws == has_cred {
        return Err(bad("Exactly one of aws or credential is required"));
    }
    let arn = if has_aws {
        let a = b["aws"]["arn"]
            .as_str()
            .ok_or_else(|| bad("aws.arn is required"))?;
        if !valid_arn(a) {
            return Err(bad(format!("Invalid aws.arn '{a}'")));
        }
        Some(a.to_string())
    } else {
        None
    };
    if has_cred {
        for f in ["username", "password"] {
            if let Some(v) = b["credential"].get(f).and_then(Value::as_str)
                && !is_base64(v)
            {
                return Err(bad(format!("credential.{f} must be base64-encoded")));
            }
        }
    }
    let uri = b["registryUri"].as_str().unwrap_or("").to_string();
    let rtype = b["registryType"].as_str().unwrap_or("").to_string();
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let me = if mode == Write::Update {
        Some(find_reg(&st.registries, ctx.param("registryId"))?)
    } else {
        None
    };
    if let Some(k) = me {
        let r = &st.registries[k];
        if r.uri != uri || r.rtype != rtype {
            return Err(bad("registryType and registryUri cannot be changed"));
        }
    }
    for (k, r) in st.registries.iter().enumerate() {
        if Some(k) == me {
            continue;
        }
        let dup_arn = arn.is_some() && r.aws.get("arn").and_then(Value::as_str) == arn.as_deref();
        if r.uri == uri || dup_arn {
            let what = if dup_arn {
                arn.clone().unwrap_or_default()
            } else {
                uri.clone()
            };
            // API.md open question 11: the CMS-1504 error comes with status 400.
            return Err(error_code(
                StatusCode::BAD_REQUEST,
                "CMS-1504",
                format!("Registry {what} already exists in system."),
            ));
        }
    }
    let aws = if has_aws {
        let a = &b["aws"];
        let acct = a
            .get("accountId")
            .cloned()
            .unwrap_or_else(|| json!(arn.as_deref().unwrap_or("").split(':').nth(4).unwrap_or("")));
        json!({"accountId": acct, "arn": arn, "region": a.get("region").cloned().unwrap_or(Value::Null)})
    } else {
        Value::Null
    };
    let username = b["credential"]["username"].as_str().map(|u| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(u)
            .ok()
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or_else(|| u.to_string())
    });
    let org = b
        .get("dockerHubOrgName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let now = now_ms();
    match mode {
        Write::Validate => ok(&Value::Bool(true)),
        Write::Create => {
            let uuid = sim.new_uuid();
            st.registries.push(Registry {
                uuid: uuid.clone(),
                uri,
                provider_type: (rtype == "DockerHub").then(|| "DockerHub".to_string()),
                rtype,
                credential_type: ctype.to_string(),
                created: now,
                updated: now,
                last_scanned: None,
                docker_hub_org: org,
                aws,
                username,
                repos: vec![],
                schedules: vec![],
            });
            ok(&json!({"registryUuid": uuid}))
        }
        Write::Update => {
            let r = &mut st.registries[me.expect("update has a registry")];
            r.credential_type = ctype.to_string();
            r.aws = aws;
            r.username = username;
            r.docker_hub_org = org.or(r.docker_hub_org.take());
            r.updated = now;
            ok_text(r.uuid.clone())
        }
    }
}

fn has_running(r: &Registry) -> bool {
    r.schedules.iter().any(|s| s["status"] == "Running")
}

fn registry_delete(sim: &Sim, ctx: &Ctx) -> R {
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    if has_running(&st.registries[k]) {
        return Err(bad("A registry with Running schedules cannot be deleted"));
    }
    let r = st.registries.remove(k);
    ok_text(r.uuid)
}

fn id_array(ctx: &Ctx) -> Result<Vec<String>, Response> {
    let v = ctx.json()?;
    let a = v
        .as_array()
        .ok_or_else(|| bad("Request body must be a JSON array of ids"))?;
    if a.is_empty() {
        return Err(bad("At least one id is required"));
    }
    a.iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("Ids must be strings"))
        })
        .collect()
}

fn registries_delete(sim: &Sim, ctx: &Ctx) -> R {
    let ids = id_array(ctx)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let mut deleted = Vec::new();
    st.registries.retain(|r| {
        let d = ids.contains(&r.uuid) && !has_running(r);
        if d {
            deleted.push(r.uuid.clone());
        }
        !d
    });
    ok(&json!({"deletedRegistryUuids": deleted}))
}

const REPO_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[
        ("repositoryName", "repoName"),
        ("repository", "repoName"),
        ("name", "repoName"),
    ],
    default_sort: None,
    groups: false,
};

fn repositories_list(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let items = st.registries[k].repos.clone();
    drop(st);
    let tpl = json!({"repoName": "", "totalImages": 0, "totalScannedImages": 0, "totalVulnerableImages": 0});
    value_page(ctx, items, &REPO_SPEC, &tpl)
}

const SCHEDULE_SPEC: ListSpec = ListSpec {
    prefix: "schedule.",
    aliases: &[("uuid", "scheduleUuid")],
    default_sort: Some("created:desc"),
    groups: false,
};

fn schedule_template() -> Value {
    data::schedule(
        String::new(),
        0,
        &json!({"filters": [{"repoTags": [{"repo": "", "tag": ""}], "days": 1}]}),
        "Queued",
    )
}

fn schedules_list(sim: &Sim, ctx: &Ctx) -> R {
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let items = st.registries[k].schedules.clone();
    drop(st);
    value_page(ctx, items, &SCHEDULE_SPEC, &schedule_template())
}

fn validate_schedule(b: &Value) -> Result<(), Response> {
    let interval = b.get("scheduleScanIntervalInDays").filter(|v| !v.is_null());
    if let Some(v) = interval {
        let n = v
            .as_i64()
            .ok_or_else(|| bad("scheduleScanIntervalInDays must be an integer"))?;
        if !(1..=365).contains(&n) {
            return Err(bad(format!(
                "Invalid scheduleScanIntervalInDays {n}: must be between 1 and 365"
            )));
        }
    }
    let iv = interval.and_then(Value::as_i64);
    if let Some(s) = b.get("schedule").and_then(Value::as_str) {
        let okfmt = s.len() == 5
            && s.as_bytes()[2] == b':'
            && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
            && s[3..].parse::<u8>().is_ok_and(|m| m < 60);
        if !okfmt {
            return Err(bad(format!("Invalid schedule '{s}': HH:MM expected")));
        }
        if iv.is_some_and(|n| n != 1) {
            return Err(bad(
                "schedule may only be set when scheduleScanIntervalInDays is 1",
            ));
        }
    }
    if b.get("forceScan") == Some(&Value::Bool(true)) {
        let on_demand = b.get("onDemand") == Some(&Value::Bool(true));
        if !on_demand && iv.is_none_or(|n| n < 7) {
            return Err(bad(
                "forceScan needs onDemand or scheduleScanIntervalInDays >= 7",
            ));
        }
    }
    if let Some(fs) = b.get("filters") {
        let fs = fs
            .as_array()
            .ok_or_else(|| bad("filters must be an array"))?;
        for f in fs {
            if let Some(d) = f.get("days").filter(|d| !d.is_null())
                && !d.as_i64().is_some_and(|d| (1..=7).contains(&d) || d == 14)
            {
                return Err(bad(format!("Invalid days {d}: one of 1..7 or 14")));
            }
        }
    }
    if let Some(o) = b.get("onDemand")
        && !o.is_boolean()
    {
        return Err(bad("onDemand must be a boolean"));
    }
    Ok(())
}

fn schedule_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    validate_schedule(&b)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let uuid = sim.new_uuid();
    let status = if b["onDemand"] == true {
        "Running"
    } else {
        "Queued"
    };
    st.registries[k]
        .schedules
        .push(data::schedule(uuid.clone(), now_ms(), &b, status));
    ok(&json!({"scheduleUuid": uuid}))
}

fn find_schedule(r: &Registry, id: &str) -> Result<usize, Response> {
    r.schedules
        .iter()
        .position(|s| s["scheduleUuid"] == id)
        .ok_or_else(|| not_found(format!("Schedule {id} not found")))
}

fn schedule_update(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    validate_schedule(&b)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let s = find_schedule(&st.registries[k], ctx.param("scheduleId"))?;
    let cur = &mut st.registries[k].schedules[s];
    if cur["onDemand"] == true {
        return Err(bad("Only automatic schedules can be updated"));
    }
    if cur["status"] == "Running" {
        return Err(bad("A Running schedule cannot be updated"));
    }
    if b["onDemand"] == true {
        return Err(bad("onDemand cannot be changed"));
    }
    for f in [
        "name",
        "schedule",
        "filters",
        "scheduleScanIntervalInDays",
        "forceScan",
    ] {
        if let Some(v) = b.get(f) {
            cur[f] = v.clone();
        }
    }
    cur["updated"] = json!(ms(now_ms()));
    ok_text(ctx.param("scheduleId").to_string())
}

fn schedules_bulk(sim: &Sim, ctx: &Ctx, cancel: bool) -> R {
    let ids = ctx.qs("scheduleIds");
    let filter = ctx.q("filter").filter(|f| !f.trim().is_empty());
    if ids.is_empty() && filter.is_none() {
        return Err(bad("Either scheduleIds or filter is required"));
    }
    let tpl = schedule_template();
    let expr = match filter {
        Some(f) if ids.is_empty() => parse_filter_str(f, &|x| {
            ValF {
                v: &tpl,
                spec: &SCHEDULE_SPEC,
            }
            .field(x)
            .is_some()
        })?,
        _ => None,
    };
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let r = &mut st.registries[k];
    let selected = |s: &Value| -> bool {
        if !ids.is_empty() {
            ids.iter().any(|id| s["scheduleUuid"] == id.as_str())
        } else {
            expr.as_ref().is_none_or(|e| {
                e.eval(&ValF {
                    v: s,
                    spec: &SCHEDULE_SPEC,
                })
            })
        }
    };
    if cancel {
        // Finished, Unknown, Error (and already ended) schedules are skipped silently.
        for s in r.schedules.iter_mut() {
            if selected(s) && matches!(s["status"].as_str(), Some("Running" | "Queued")) {
                s["status"] = json!("Canceled");
                s["jobCompletionDate"] = json!(ms(now_ms()));
            }
        }
        let job = sim.new_uuid();
        // API.md open question 6: `CancelJobId` when ids are given, `deletionJobId` for a filter,
        // as the two S004 samples print.
        return ok(&if ids.is_empty() {
            json!({"deletionJobId": job})
        } else {
            json!({"CancelJobId": job})
        });
    }
    // Queued, Unknown and Running schedules are skipped (cancel first).
    r.schedules.retain(|s| {
        !selected(s) || matches!(s["status"].as_str(), Some("Queued" | "Unknown" | "Running"))
    });
    ok(&json!({"deletionJobId": sim.new_uuid()}))
}

fn schedule_delete(sim: &Sim, ctx: &Ctx) -> R {
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let s = find_schedule(&st.registries[k], ctx.param("scheduleId"))?;
    if st.registries[k].schedules[s]["status"] == "Running" {
        return Err(bad("A Running schedule cannot be deleted"));
    }
    st.registries[k].schedules.remove(s);
    ok_text(ctx.param("scheduleId").to_string())
}

fn schedules_delete(sim: &Sim, ctx: &Ctx) -> R {
    let ids = id_array(ctx)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let mut deleted = Vec::new();
    st.registries[k].schedules.retain(|s| {
        let id = s["scheduleUuid"].as_str().unwrap_or("").to_string();
        let d = ids.contains(&id) && s["status"] != "Running";
        if d {
            deleted.push(id);
        }
        !d
    });
    ok(&json!({"deletedScheduleUuids": deleted}))
}

fn schedule_cancel(sim: &Sim, ctx: &Ctx) -> R {
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let s = find_schedule(&st.registries[k], ctx.param("scheduleId"))?;
    let cur = &mut st.registries[k].schedules[s];
    if !matches!(cur["status"].as_str(), Some("Running" | "Queued")) {
        return Err(bad(format!(
            "Schedule in status {} cannot be canceled",
            cur["status"].as_str().unwrap_or("?")
        )));
    }
    cur["status"] = json!("Canceled");
    ok_text(ctx.param("scheduleId").to_string())
}

fn acr_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    for f in ["name", "applicationId", "clientSecret"] {
        if !b[f].is_string() {
            return Err(bad(format!("{f} is required")));
        }
    }
    let id = b["connectorId"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| sim.new_uuid());
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st
        .acr_connectors
        .iter()
        .any(|c| c["name"] == b["name"] || c["acrConnectorId"] == id.as_str())
    {
        return Err(bad(format!(
            "ACR connector {} already exists",
            b["name"].as_str().unwrap_or("")
        )));
    }
    st.acr_connectors.push(json!({"name": b["name"], "acrConnectorId": id, "description": b.get("description").cloned().unwrap_or(json!(""))}));
    ok_text(id)
}

/// Minimal multipart/form-data reader: `(name, filename, content)` per part.
/// `(name, filename, content)`
type Part = (String, Option<String>, Vec<u8>);

fn multipart(ct: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = ct
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let mut out = Vec::new();
    let mut rest = body;
    let find = |h: &[u8], n: &[u8]| h.windows(n.len()).position(|w| w == n);
    let start = find(rest, delim.as_bytes())?;
    rest = &rest[start + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let hend = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..hend]).to_string();
        rest = &rest[hend + 4..];
        let next = find(rest, format!("\r\n{delim}").as_bytes())?;
        let content = rest[..next].to_vec();
        rest = &rest[next + 2 + delim.len()..];
        let disp = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?
            .to_string();
        let attr = |k: &str| {
            disp.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .map(|v| v.trim_matches('"').to_string())
        };
        out.push((attr("name")?, attr("filename"), content));
    }
    Some(out)
}

fn gcp_create(sim: &Sim, ctx: &Ctx) -> R {
    let name = ctx
        .q("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad("Query parameter name is required"))?
        .to_string();
    let ct = ctx.content_type.as_deref().unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content type '{ct}' not supported: multipart/form-data expected"),
        ));
    }
    let parts = multipart(ct, &ctx.body).ok_or_else(|| bad("Malformed multipart body"))?;
    let (_, _, content) = parts
        .iter()
        .find(|(n, _, _)| n == "serviceAccountJson")
        .ok_or_else(|| bad("Part serviceAccountJson is required"))?;
    let sa: Value = serde_json::from_slice(content)
        .map_err(|e| bad(format!("serviceAccountJson is not valid JSON: {e}")))?;
    let project = sa
        .get("project_id")
        .and_then(Value::as_str)
        .unwrap_or("unknown-project")
        .to_string();
    let id = ctx
        .q("connectorId")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| sim.new_uuid());
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st.gcp_connectors.iter().any(|c| c["name"] == name.as_str()) {
        return Err(bad(format!("GCP connector {name} already exists")));
    }
    st.gcp_connectors.push(json!({
        "name": name, "description": ctx.q("description").unwrap_or(""), "location": "global",
        "gcpConnectorId": id, "gcpProjectId": project,
    }));
    ok_text(id)
}

fn connector_get(sim: &Sim, ctx: &Ctx, key: &str) -> R {
    let id = ctx.param("connectorId");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let list = if key == "acrConnectorId" {
        &st.acr_connectors
    } else {
        &st.gcp_connectors
    };
    list.iter()
        .find(|c| c[key] == id)
        .map(|c| json_response(StatusCode::OK, c))
        .ok_or_else(|| not_found(format!("Connector {id} not found")))
}

// ------------------------------------------------------------------ policies

/// Policies are stored as sent (metaData objects); GET renders them per type the way S000
/// shows: CICD rules with `order` and object metaData, K8S rules with `sortOrder` and metaData
/// as a JSON-encoded string.
fn render_policy(p: &Value) -> Value {
    let k8s = p["policyType"] == "K8S_ADMISSION_CONTROLLER";
    let rule = |r: &Value, exclusion: bool| -> Value {
        let get = |k: &str| r.get(k).cloned().unwrap_or(Value::Null);
        let order = r
            .get("order")
            .or_else(|| r.get("sortOrder"))
            .cloned()
            .unwrap_or(json!(0));
        let meta = get("metaData");
        if exclusion {
            json!({
                "isEnabled": get("isEnabled"), "order": order, "sortOrder": order, "stopProcessing": r.get("stopProcessing").cloned().unwrap_or(json!(false)),
                "kind": r.get("kind").cloned().unwrap_or(json!("EXCLUSION")), "action": r.get("action").cloned().unwrap_or(json!("FAIL")),
                "metaData": if k8s { json!(meta.to_string()) } else { meta }, "name": get("name"), "type": get("type"),
            })
        } else if k8s {
            json!({
                "name": get("name"), "type": get("type"), "action": r.get("action").cloned().unwrap_or(json!("FAIL")),
                "isEnabled": r.get("isEnabled").cloned().unwrap_or(json!(true)), "stopProcessing": r.get("stopProcessing").cloned().unwrap_or(json!(false)),
                "sortOrder": order, "metaData": json!(meta.to_string()), "kind": r.get("kind").cloned().unwrap_or(json!("IMAGE_SECURITY")),
            })
        } else {
            json!({
                "name": get("name"), "type": get("type"), "isEnabled": r.get("isEnabled").cloned().unwrap_or(json!(true)),
                "stopProcessing": r.get("stopProcessing").cloned().unwrap_or(json!(false)), "order": order,
                "kind": r.get("kind").cloned().unwrap_or(json!("IMAGE_SECURITY")), "metaData": meta,
                "action": r.get("action").cloned().unwrap_or(json!("FAIL")),
            })
        }
    };
    let rules = |k: &str, ex: bool| -> Value {
        Value::Array(
            p[k].as_array()
                .map(|a| a.iter().map(|r| rule(r, ex)).collect())
                .unwrap_or_default(),
        )
    };
    let g = |k: &str| p.get(k).cloned().unwrap_or(Value::Null);
    if k8s {
        json!({
            "uuid": g("uuid"), "policyName": g("policyName"), "policyType": g("policyType"), "policyMode": g("policyMode"),
            "policyBehavior": p.get("policyBehavior").filter(|v| !v.is_null()).cloned().unwrap_or(json!("BLOCK")),
            "description": g("description"), "createdBy": g("createdBy"), "created": g("created"), "updatedBy": g("updatedBy"),
            "updated": g("updated"), "centralizedPolicyRules": rules("centralizedPolicyRules", false),
            "exclusionPolicyRules": rules("exclusionPolicyRules", true), "version": g("version"), "isDefault": g("isDefault"),
            "tagIds": g("tagIds"), "excludedTagIds": g("excludedTagIds"), "k8sFilters": g("k8sFilters"), "excludedK8sFilters": g("excludedK8sFilters"),
        })
    } else {
        json!({
            "uuid": g("uuid"), "policyName": g("policyName"), "policyType": g("policyType"), "policyMode": g("policyMode"),
            "description": g("description"), "createdBy": g("createdBy"), "created": g("created"), "updatedBy": g("updatedBy"),
            "updated": g("updated"), "centralizedPolicyRules": rules("centralizedPolicyRules", false),
            "exclusionPolicyRules": rules("exclusionPolicyRules", true), "version": g("version"), "isDefault": g("isDefault"),
            "tagIds": g("tagIds"), "k8sFilters": g("k8sFilters"),
        })
    }
}

fn policy_get(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("policyId");
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let p = st
        .policies
        .iter()
        .find(|p| p.versions[0]["uuid"] == id)
        .ok_or_else(|| not_found(format!("Policy {id} not found")))?;
    let v = match ctx.q("version") {
        None => p.versions.last().expect("a version"),
        Some(raw) => {
            let n: usize = raw
                .parse()
                .map_err(|_| bad(format!("Invalid version '{raw}'")))?;
            p.versions
                .get(n.wrapping_sub(1))
                .ok_or_else(|| not_found(format!("Policy {id} has no version {n}")))?
        }
    };
    ok(&render_policy(v))
}

fn policy_default(sim: &Sim, ctx: &Ctx) -> R {
    let t = ctx.param("policyType");
    if !["CICD", "K8S_ADMISSION_CONTROLLER"].contains(&t) {
        return Err(bad(format!(
            "Invalid policyType '{t}': CICD or K8S_ADMISSION_CONTROLLER"
        )));
    }
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let p = st
        .policies
        .iter()
        .map(|p| p.versions.last().expect("a version"))
        .find(|p| p["policyType"] == t && p["isDefault"] == true)
        .ok_or_else(|| not_found(format!("No default {t} policy")))?;
    ok(&render_policy(p))
}

/// Validates a policy body and normalises metaData given as a JSON string into an object.
fn check_policy(b: &mut Value) -> Result<(), Response> {
    if b["policyName"].as_str().is_none_or(|s| s.trim().is_empty()) {
        return Err(bad("policyName is required"));
    }
    let t = b["policyType"]
        .as_str()
        .ok_or_else(|| bad("policyType is required"))?
        .to_string();
    if !["CICD", "K8S_ADMISSION_CONTROLLER"].contains(&t.as_str()) {
        return Err(bad(format!(
            "Invalid policyType '{t}': CICD or K8S_ADMISSION_CONTROLLER"
        )));
    }
    if let Some(m) = b.get("policyMode").and_then(Value::as_str)
        && !["ACTIVE", "INACTIVE"].contains(&m)
    {
        return Err(bad(format!("Invalid policyMode '{m}'")));
    }
    for key in ["centralizedPolicyRules", "exclusionPolicyRules"] {
        let Some(rules) = b.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        for r in rules {
            if !r["name"].is_string() || !r["type"].is_string() {
                return Err(bad(format!("{key}[]: name and type are required")));
            }
            if let Some(s) = r
                .get("metaData")
                .and_then(Value::as_str)
                .map(str::to_string)
            {
                r["metaData"] =
                    serde_json::from_str(&s).map_err(|_| bad("metaData is not valid JSON"))?;
            }
        }
    }
    if t == "K8S_ADMISSION_CONTROLLER" {
        for f in b["k8sFilters"].as_array().into_iter().flatten() {
            let c = &f["cluster"];
            if !c.is_null() && !c["clusterName"].is_string() {
                return Err(bad(
                    "k8sFilters[].cluster.clusterName is required for K8S policies",
                ));
            }
        }
    }
    Ok(())
}

fn policy_create(sim: &Sim, ctx: &Ctx) -> R {
    let mut b = ctx.json_obj()?;
    check_policy(&mut b)?;
    let uuid = sim.new_uuid();
    let now = ms(now_ms());
    let o = b.as_object_mut().expect("object");
    for (k, v) in [
        ("uuid", json!(uuid)),
        ("createdBy", json!(ctx.user)),
        ("created", json!(now)),
        ("updatedBy", json!(ctx.user)),
        ("updated", json!(now)),
        ("version", json!(1)),
    ] {
        o.insert(k.into(), v);
    }
    o.entry("policyMode").or_insert(json!("ACTIVE"));
    o.entry("isDefault").or_insert(json!(false));
    o.insert("isDefault".into(), json!(false));
    sim.stored
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .policies
        .push(Policy { versions: vec![b] });
    ok(&json!({"uuid": uuid}))
}

fn policy_update(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("policyId");
    let mut b = ctx.json_obj()?;
    check_policy(&mut b)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let p = st
        .policies
        .iter_mut()
        .find(|p| p.versions[0]["uuid"] == id)
        .ok_or_else(|| not_found(format!("Policy {id} not found")))?;
    let last = p.versions.last().expect("a version").clone();
    let o = b.as_object_mut().expect("object");
    o.insert("uuid".into(), json!(id));
    for k in ["createdBy", "created", "isDefault"] {
        o.insert(k.into(), last[k].clone());
    }
    o.insert("updatedBy".into(), json!(ctx.user));
    o.insert("updated".into(), json!(ms(now_ms())));
    o.insert(
        "version".into(),
        json!(last["version"].as_u64().unwrap_or(1) + 1),
    );
    o.entry("policyMode").or_insert(json!("ACTIVE"));
    p.versions.push(b);
    // The key really ends with a space in both S000 samples.
    ok(&json!({"policyUUID ": id}))
}

// ------------------------------------------------------------------ reports

const REPORT_SPEC: ListSpec = ListSpec {
    prefix: "report.",
    aliases: &[
        ("name", "reportName"),
        ("uuid", "reportUuid"),
        ("created", "createdAt"),
        ("template", "templateName"),
        ("format", "fileFormat"),
    ],
    default_sort: Some("status:desc"),
    groups: false,
};

fn reports_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .reports
        .clone();
    let tpl = data::report(
        String::new(),
        0,
        &json!({"name": "", "templateName": ""}),
        "",
        false,
    );
    value_page(ctx, items, &REPORT_SPEC, &tpl)
}

fn check_report(b: &Value, schedule: bool) -> Result<(), Response> {
    for f in ["name", "templateName"] {
        if b[f].as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err(bad(format!("{f} is required")));
        }
    }
    if b["name"].as_str().is_some_and(|s| s.chars().count() > 150) {
        return Err(bad("name must be at most 150 characters"));
    }
    if b.get("description")
        .and_then(Value::as_str)
        .is_some_and(|s| s.chars().count() > 250)
    {
        return Err(bad("description must be at most 250 characters"));
    }
    let in_set = |f: &str, set: &[i64]| -> Result<(), Response> {
        match b.get(f) {
            None | Some(Value::Null) => Ok(()),
            Some(v) => {
                // expireAfter is documented as a string but sent as an int: accept both.
                let n = v
                    .as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
                if n.is_some_and(|n| set.contains(&n)) {
                    Ok(())
                } else {
                    Err(bad(format!("Invalid {f} {v}: one of {set:?}")))
                }
            }
        }
    };
    in_set("expireAfter", &[1, 7, 30, 90])?;
    in_set("zip", &[0, 1])?;
    in_set("emailNotification", &[0, 1])?;
    in_set("sendAsAttachment", &[0, 1])?;
    if let Some(f) = b.get("filter").filter(|f| !f.is_null())
        && !f.is_string()
    {
        return Err(bad("filter must be a string holding JSON"));
    }
    if schedule {
        if let Some(a) = b.get("action").filter(|a| !a.is_null())
            && a != "CREATE"
        {
            return Err(bad(format!("Invalid action {a}: CREATE")));
        }
        if let Some(rt) = b["reportScheduleDetails"]
            .get("recurrenceType")
            .filter(|v| !v.is_null())
            && !rt
                .as_str()
                .is_some_and(|s| ["DAILY", "WEEKLY", "MONTHLY"].contains(&s))
        {
            return Err(bad(format!(
                "Invalid recurrenceType {rt}: DAILY, WEEKLY or MONTHLY"
            )));
        }
        for f in ["eventTime", "eventEndTime"] {
            if let Some(v) = b.get(f).filter(|v| !v.is_null())
                && v.as_str().is_none_or(|s| synth::parse_iso(s).is_none())
            {
                return Err(bad(format!(
                    "Invalid {f} {v}: ISO-8601 UTC expected (2026-03-20T11:41:00Z)"
                )));
            }
        }
    }
    Ok(())
}

fn report_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    check_report(&b, false)?;
    let uuid = sim.new_uuid();
    let r = data::report(uuid.clone(), now_ms(), &b, "COMPLETED", false);
    sim.stored
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .reports
        .push(r);
    ok(&json!({"reportUuid": uuid}))
}

fn report_schedule_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    check_report(&b, true)?;
    let uuid = sim.new_uuid();
    let mut s = b.clone();
    s["scheduleUuid"] = json!(uuid);
    s["status"] = json!("Active");
    sim.stored
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .report_schedules
        .push(s);
    ok(&json!({"scheduleUuid": uuid}))
}

fn report_schedule_update(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("reportingScheduleID");
    let b = ctx.json_obj()?;
    check_report(&b, true)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let s = st
        .report_schedules
        .iter_mut()
        .find(|s| s["scheduleUuid"] == id)
        .ok_or_else(|| not_found(format!("Report schedule {id} not found")))?;
    if s["status"] != "Active" {
        return Err(bad("Only Active report schedules can be updated"));
    }
    let mut n = b;
    n["scheduleUuid"] = json!(id);
    n["status"] = json!("Active");
    *s = n;
    ok(&json!({"message": format!("Details updated successfully for reportScheduleId {id}")}))
}

fn reports_delete(sim: &Sim, ctx: &Ctx) -> R {
    let ids = ctx.qs("reportUuids");
    if ids.is_empty() {
        return Err(bad("reportUuids is required"));
    }
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let mut deleted = Vec::new();
    st.reports.retain(|r| {
        let id = r["reportUuid"].as_str().unwrap_or("").to_string();
        let d = ids.contains(&id);
        if d {
            deleted.push(id);
        }
        !d
    });
    if deleted.is_empty() {
        return Err(not_found("None of the given reportUuids exist"));
    }
    ok(&json!({"message": "Reports deleted successfully", "data": deleted}))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn report_download(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("reportUuid");
    let r = {
        let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
        st.reports
            .iter()
            .find(|r| r["reportUuid"] == id)
            .cloned()
            .ok_or_else(|| not_found(format!("Report {id} not found")))?
    };
    if r["status"] != "COMPLETED" {
        return Err(bad(format!(
            "Report {id} is not available for download (status {})",
            r["status"].as_str().unwrap_or("?")
        )));
    }
    let cols: Vec<String> = r["displayColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let w: &World = &sim.world;
    let mut out = cols
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for i in 0..w.images.min(25) {
        let sw = w.img_software(i);
        let (n, v, f) = sw[0];
        let row: Vec<String> = cols
            .iter()
            .map(|c| match c.as_str() {
                "name" | "softwareName" => n.to_string(),
                "version" | "softwareVersion" => v.to_string(),
                "fixVersion" => f.to_string(),
                "eolDate" | "eosDate" => String::new(),
                "imageId" => w.img_short(i),
                "imageSha" => w.img_sha(i),
                "imageUuid" => w.img_uuid(i),
                "repository" => w.img_repo(i).1.to_string(),
                _ => String::new(),
            })
            .map(|s| csv_field(&s))
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    let name = r["reportName"]
        .as_str()
        .unwrap_or("report")
        .replace(['"', '/', '\\'], "_");
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

// ------------------------------------------------------------------ tags

fn render_tag(t: &Value) -> Value {
    let mut v = t.clone();
    if let Some(o) = v.as_object_mut() {
        o.shift_remove("uuid");
    }
    v
}

fn tag_rules(t: &Value) -> Vec<(String, String)> {
    t["entityTagInfo"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["entityType"].as_str().unwrap_or("").to_string(),
                e["dynamicTagRule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn entity_type(v: &Value, field: &str) -> Result<String, Response> {
    let t = v
        .as_str()
        .ok_or_else(|| bad(format!("{field} is required")))?;
    if !["IMAGE", "CONTAINER"].contains(&t.to_ascii_uppercase().as_str()) {
        return Err(bad(format!("Invalid {field} '{t}': IMAGE or CONTAINER")));
    }
    // Upper case in requests, lower case in responses.
    Ok(t.to_ascii_lowercase())
}

fn tag_create(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    let name = b["name"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("name is required"))?;
    let mut rules = Vec::new();
    for e in b["tagInfoDataList"].as_array().into_iter().flatten() {
        let t = entity_type(&e["entityType"], "tagInfoDataList[].entityType")?;
        rules.push((t, e["rule"].as_str().unwrap_or("").to_string()));
    }
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    if st.tags.iter().any(|t| t["name"] == name) {
        return Err(bad(format!("Tag {name} already exists")));
    }
    let id = st.next_tag_id;
    st.next_tag_id += 1;
    let t = data::tag(id, name, &rules);
    st.tags.push(t.clone());
    ok(&render_tag(&t))
}

fn tag_update(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    let name = b["name"]
        .as_str()
        .ok_or_else(|| bad("name is required"))?
        .to_string();
    let add = b.get("entityTypeToAdd").filter(|v| !v.is_null());
    let upd = b.get("entityTypeRuleToUpdate").filter(|v| !v.is_null());
    if add.is_some() == upd.is_some() {
        return Err(bad(
            "Exactly one of entityTypeToAdd or entityTypeRuleToUpdate is required",
        ));
    }
    let mut changes = Vec::new();
    if let Some(a) = add {
        for e in a
            .as_array()
            .ok_or_else(|| bad("entityTypeToAdd must be an array"))?
        {
            changes.push((
                entity_type(&e["entityType"], "entityTypeToAdd[].entityType")?,
                e["rule"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    if let Some(u) = upd {
        for (k, v) in u
            .as_object()
            .ok_or_else(|| bad("entityTypeRuleToUpdate must be an object"))?
        {
            if k != "image" && k != "container" {
                return Err(bad(format!(
                    "Invalid entityTypeRuleToUpdate key '{k}': image or container"
                )));
            }
            changes.push((k.clone(), v.as_str().unwrap_or("").to_string()));
        }
    }
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let t = st
        .tags
        .iter_mut()
        .find(|t| t["name"] == name.as_str())
        .ok_or_else(|| not_found(format!("Tag {name} not found")))?;
    let mut rules = tag_rules(t);
    for (ty, rule) in changes {
        match rules.iter_mut().find(|(t, _)| *t == ty) {
            Some(r) => r.1 = rule,
            None => rules.push((ty, rule)),
        }
    }
    let nt = data::tag(t["tagId"].as_u64().unwrap_or(0), &name, &rules);
    *t = nt.clone();
    ok(&render_tag(&nt))
}

fn tag_delete(sim: &Sim, ctx: &Ctx) -> R {
    let name = ctx
        .q("tagName")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("tagName is required"))?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = st
        .tags
        .iter()
        .position(|t| t["name"] == name)
        .ok_or_else(|| not_found(format!("Tag {name} not found")))?;
    st.tags.remove(k);
    ok_text("Tag deleted successfully")
}

fn tag_assign(sim: &Sim, ctx: &Ctx) -> R {
    let b = ctx.json_obj()?;
    let et = entity_type(&b["entityType"], "entityType")?;
    let uuid = b["entityUUID"].as_str().filter(|s| !s.is_empty());
    let sha = b["entitySha"].as_str().filter(|s| !s.is_empty());
    if uuid.is_none() && sha.is_none() {
        return Err(bad("At least one of entitySha or entityUUID is required"));
    }
    // API.md open question 7: tagName/tagUuid accepted inside tagsToAdd[] and at the top level.
    let mut refs: Vec<(Option<String>, Option<String>)> = Vec::new();
    if let Some(a) = b.get("tagsToAdd").filter(|v| !v.is_null()) {
        for t in a
            .as_array()
            .ok_or_else(|| bad("tagsToAdd must be an array"))?
        {
            let n = t["tagName"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            let u = t["tagUuid"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if n.is_none() && u.is_none() {
                return Err(bad(
                    "tagsToAdd[]: at least one of tagName or tagUuid is required",
                ));
            }
            refs.push((n, u));
        }
    }
    let top_n = b["tagName"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let top_u = b["tagUuid"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if top_n.is_some() || top_u.is_some() {
        refs.push((top_n, top_u));
    }
    if refs.is_empty() {
        return Err(bad("tagsToAdd with tagName or tagUuid is required"));
    }
    let kind = if et == "image" {
        Kind::Image
    } else {
        Kind::Container
    };
    let idx = uuid
        .and_then(|u| find_generated(sim, u, kind))
        .or_else(|| sha.and_then(|s| find_generated(sim, s, kind)));
    let Some(i) = idx else {
        return Err(not_found(format!(
            "{} {} not found",
            et,
            uuid.or(sha).unwrap_or("")
        )));
    };
    let entity_uuid = if kind == Kind::Image {
        sim.world.img_uuid(i)
    } else {
        sim.world.ctr_uuid(i)
    };
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let mut names = Vec::new();
    for (n, u) in refs {
        if let Some(u) = u {
            let t = st
                .tags
                .iter()
                .find(|t| t["uuid"] == u.as_str() || t["tagId"] == u)
                .ok_or_else(|| not_found(format!("Tag {u} not found")))?;
            names.push(t["name"].as_str().unwrap_or("").to_string());
        } else if let Some(n) = n {
            // A tagName that does not exist creates the tag (S000).
            if !st.tags.iter().any(|t| t["name"] == n.as_str()) {
                let id = st.next_tag_id;
                st.next_tag_id += 1;
                st.tags.push(data::tag(id, &n, &[]));
            }
            names.push(n);
        }
    }
    st.assignments
        .entry(entity_uuid.clone())
        .or_default()
        .extend(names);
    ok(&json!({"entityUUID": entity_uuid}))
}

fn tag_evaluate(sim: &Sim, ctx: &Ctx) -> R {
    // Parameters and response are not documented (P26): accept {tagName}, {name},
    // {tagNames: [...]} or no body, answer a short text.
    let b = ctx.opt_json()?.unwrap_or(Value::Null);
    let mut names: Vec<String> = ["tagName", "name"]
        .iter()
        .filter_map(|k| b[*k].as_str().map(str::to_string))
        .collect();
    names.extend(
        b["tagNames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string)),
    );
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = names
        .iter()
        .find(|n| !st.tags.iter().any(|t| t["name"] == n.as_str()))
    {
        return Err(not_found(format!("Tag {n} not found")));
    }
    ok_text("Tag evaluation triggered successfully")
}

// ------------------------------------------------------------------ auth

fn auth(sim: &Sim, ctx: &Ctx) -> R {
    let mut form: Vec<(String, String)> = form_urlencoded::parse(&ctx.body).into_owned().collect();
    form.extend(ctx.query.iter().cloned());
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(t) = get("token")
        && t != "true"
    {
        return Err(bad(format!("Invalid value '{t}' for token: true")));
    }
    let (Some(u), Some(p)) = (get("username"), get("password")) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "username and password are required",
        ));
    };
    if u != sim.cfg.username || p != sim.cfg.password {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid username or password",
        ));
    }
    let token = sim.issue_token(u, get("permissions") == Some("true"));
    Ok(text_response(StatusCode::CREATED, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `gen_page` against sorting the whole filtered list (the order is `(key, index)`).
    #[test]
    fn gen_page_matches_a_full_sort() {
        let n = 500u64;
        let deleted: BTreeSet<u64> = [0, 1, 7, 8, 9, 250, 498, 499]
            .into_iter()
            .chain((100..140).step_by(3))
            .collect();
        let even = |i: u64| i.is_multiple_of(2);
        let key = |i: u64| Key::Num((synth::splitmix(i) % 17) as f64);
        for desc in [false, true] {
            for filtered in [false, true] {
                for keyed in [false, true] {
                    let m: Option<&dyn Fn(u64) -> bool> = filtered.then_some(&even as _);
                    let k: Option<&dyn Fn(u64) -> Key> = keyed.then_some(&key as _);
                    let mut all: Vec<u64> = (0..n)
                        .filter(|i| !deleted.contains(i) && m.is_none_or(|m| m(*i)))
                        .collect();
                    match k {
                        Some(k) => all.sort_by_key(|&i| (OrdKey(k(i), desc), i)),
                        None if desc => all.reverse(),
                        None => {}
                    }
                    for (off, size) in [(0, 1), (0, 50), (3, 7), (200, 100), (440, 100), (600, 5)] {
                        let want: Vec<u64> = all.iter().copied().skip(off).take(size).collect();
                        let got = gen_page(n, &deleted, m, desc, k, off as u64, size as u64);
                        assert_eq!(
                            got,
                            (want, all.len() as u64),
                            "desc {desc} filtered {filtered} keyed {keyed} off {off} size {size}"
                        );
                    }
                }
            }
        }
    }
}
