//! The list engines: filter, sort and page stored JSON values (`value_page`), the generated
//! image and container pages (`generated_list`, one bounded pass over the indices) and the bulk
//! cursor lists (`bulk_list`).

use super::ctx::{Ctx, R, bad, ok};
use super::loaded::{self, RecF};
use crate::config::LinkEnd;
use crate::data::{CTR_FIELDS, CtrF, IMG_FIELDS, ImgF};
use crate::fast;
use crate::filter::{Compiled, Gen as Kind};
use crate::qql::{self, Expr, FVal, Fields, Key, Op, Sort, walk};
use crate::respond::json_bytes_response;
use crate::state::Sim;
use crate::synth::{self, salt};
use crate::txt;
use axum::http::{StatusCode, header};
use axum::response::Response;
use qualys_cs_spec::Endpoint;
use serde_json::{Value, json};
use std::collections::{BTreeSet, BinaryHeap};

// ------------------------------------------------------------------ filters over JSON values

/// Filter fields of a stored JSON object: an optional prefix (`report.`), aliases, then a dotted
/// path (arrays are searched element-wise).
pub(super) struct ValF<'a> {
    pub v: &'a Value,
    pub spec: &'a ListSpec,
}

pub(super) struct ListSpec {
    pub prefix: &'static str,
    pub aliases: &'static [(&'static str, &'static str)],
    pub default_sort: Option<&'static str>,
    pub groups: bool,
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

pub(super) fn parse_filter(
    ctx: &Ctx,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<Expr>, Response> {
    parse_filter_str(ctx.q("filter").unwrap_or(""), known)
}

pub(super) fn parse_filter_str(
    f: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<Option<Expr>, Response> {
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

/// The page size of lists whose table entry documents no default (events, k8s postures): the
/// one every documented page-numbered list has.
const UNDOCUMENTED_PAGE_SIZE: u64 = 50;

/// A list's page-size parameter (`pageSize`, `limit`) as the endpoint table documents it.
pub(super) struct SizeParam {
    pub name: &'static str,
    pub default: u64,
    pub min: u64,
    pub max: Option<u64>,
}

pub(super) fn size_param(ep: &'static Endpoint) -> SizeParam {
    let name = ep
        .pagination
        .as_ref()
        .map_or("pageSize", |p| p.size_param.as_str());
    let q = ep.query.iter().find(|q| q.name == name);
    SizeParam {
        name,
        default: q
            .and_then(|q| q.default.as_ref())
            .and_then(Value::as_u64)
            .unwrap_or(UNDOCUMENTED_PAGE_SIZE),
        min: q.and_then(|q| q.min).map_or(1, |m| m.max(1) as u64),
        max: q.and_then(|q| q.max).map(|m| m.max(1) as u64),
    }
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
    let sz = size_param(ctx.ep);
    // A page-numbered list that also takes `limit` (k8s postures) reads it as the page size.
    let raw_size = ctx.q(sz.name).or_else(|| {
        if sz.name != "limit" && ctx.ep.query.iter().any(|q| q.name == "limit") {
            ctx.q("limit")
        } else {
            None
        }
    });
    let size = match raw_size {
        None => sz.default,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n >= 1 => n as u64,
            _ => {
                return Err(bad(format!(
                    "Invalid value '{v}' for {}: a positive integer expected",
                    sz.name
                )));
            }
        },
    };
    if let Some(max) = pg.and_then(|p| p.max_page_size)
        && size > max as u64
    {
        return Err(bad(format!(
            "Invalid value {size} for {}: must be between 1 and {max}",
            sz.name
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

struct OrdKey(pub Key, pub bool);
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

pub(super) fn filter_sort(
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

pub(super) fn value_page(ctx: &Ctx, items: Vec<Value>, spec: &ListSpec, template: &Value) -> R {
    let (page, size) = page_params(ctx)?;
    let items = filter_sort(ctx, items, spec, template)?;
    let count = items.len() as u64;
    let off = ((page - 1).saturating_mul(size)).min(count) as usize;
    let data: Vec<Value> = items.into_iter().skip(off).take(size as usize).collect();
    ok(&page_body(data, count, spec.groups))
}

// ------------------------------------------------------------------ generated lists

pub(super) fn img_known(f: &str) -> bool {
    let f = f.strip_prefix("image.").unwrap_or(f);
    IMG_FIELDS.contains(&f)
}

pub(super) fn ctr_known(f: &str) -> bool {
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

pub(super) fn generated_list(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
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
            // The same resource's bulk list, as the table has it.
            let bulk = qualys_cs_spec::by_name(&ctx.ep.resource, "bulk_list")
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
    // An empty `sort=` (or only whitespace, `%0D`) is the default order, as the server treats it.
    let sort = parse_sort(ctx, Some("created:desc"), known)?.unwrap_or_else(|| Sort {
        field: "created".into(),
        desc: true,
    });
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
    // Locks in one order everywhere (loaded, deleted, stored), so readers and writers never wait
    // on each other in a cycle.
    let lock = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
    let off = (page - 1) * size;
    let (n, deleted) = match kind {
        Kind::Image => (w.images, &del.images),
        Kind::Container => (w.containers, &del.containers),
    };
    let gen_matches = matches.as_ref().map(|m| m as &dyn Fn(u64) -> bool);
    let gen_key = (!index_sort).then_some(&sort_key as &dyn Fn(u64) -> Key);
    // Loaded records that pass the filter, in sort order (ties: load order).
    let recs = match kind {
        Kind::Image => &lock.images,
        Kind::Container => &lock.containers,
    };
    let mut picked: Vec<(OrdKey, usize)> = recs
        .iter()
        .enumerate()
        .filter(|(_, v)| filter.as_ref().is_none_or(|e| e.eval(&RecF { v, kind })))
        .map(|(k, v)| {
            (
                OrdKey(Key::of(RecF { v, kind }.field(&sort.field)), sort.desc),
                k,
            )
        })
        .collect();
    picked.sort_by(|a, b| a.0.cmp(&b.0));
    enum Item {
        Gen(u64),
        Loaded(usize),
    }
    let (items, count): (Vec<Item>, u64) = if picked.is_empty() {
        // Generated data only: the index path, untouched.
        let (idx, count) = gen_page(n, deleted, gen_matches, sort.desc, gen_key, off, size);
        (idx.into_iter().map(Item::Gen).collect(), count)
    } else {
        // The first `off + size` generated items merged with the loaded ones by the sort key
        // (ties: generated first). A merge's first m items only draw on each side's first m, so
        // pages cut from it never drop or repeat an item.
        let need = off.saturating_add(size);
        let (idx, gcount) = gen_page(n, deleted, gen_matches, sort.desc, gen_key, 0, need);
        let keys: Vec<OrdKey> = idx
            .iter()
            .map(|&i| OrdKey(sort_key(i), sort.desc))
            .collect();
        let (mut a, mut b) = (0, 0);
        let mut merged = Vec::new();
        while (merged.len() as u64) < need && (a < idx.len() || b < picked.len()) {
            if b < picked.len() && (a >= idx.len() || picked[b].0 < keys[a]) {
                merged.push(Item::Loaded(picked[b].1));
                b += 1;
            } else {
                merged.push(Item::Gen(idx[a]));
                a += 1;
            }
        }
        let page = merged.into_iter().skip(off as usize).collect();
        (page, gcount + picked.len() as u64)
    };
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    // `page_body(data, count, false)`, written straight into one buffer.
    let per = match kind {
        Kind::Image => fast::IMG_LIST_BYTES,
        Kind::Container => fast::CTR_LIST_BYTES,
    };
    let mut out = Vec::with_capacity(items.len() * per + 64);
    out.extend_from_slice(b"{\"data\":[");
    for (k, it) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        match (kind, it) {
            (Kind::Image, &Item::Gen(i)) => {
                fast::img_list(&mut out, w, i, del.instrumented.contains(&i));
                loaded::splice_tags(&mut out, &st, || w.img_uuid(i));
            }
            (Kind::Container, &Item::Gen(j)) => {
                fast::ctr_list(&mut out, w, j);
                loaded::splice_tags(&mut out, &st, || w.ctr_uuid(j));
            }
            (_, &Item::Loaded(r)) => {
                let v = loaded::with_tags(&st, &recs[r]);
                out.extend_from_slice(v.to_string().as_bytes());
            }
        }
    }
    drop(st);
    drop(del);
    drop(lock);
    out.extend_from_slice(b"],\"count\":");
    out.extend_from_slice(txt::ms(count).as_str().as_bytes());
    out.push(b'}');
    Ok(json_bytes_response(StatusCode::OK, out))
}

/// The bulk cursor lists (P01/P05). Items come in creation (= `updated`) order; the cursor is
/// `updated>=<ms> AND not uuid: [<uuid>]` as in Qualys' samples, plus ` AND (<filter>)` when a
/// filter was given so the link alone carries it. The uuid encodes the item index, so resuming
/// is O(1).
pub(super) fn bulk_list(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
    let sz = size_param(ctx.ep);
    let (lo, hi) = (sz.min, sz.max.unwrap_or(u64::MAX));
    let limit = match ctx.q(sz.name) {
        None => sz.default,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .ok_or_else(|| {
                bad(format!(
                    "Invalid value '{v}' for {}: must be between {lo} and {hi}",
                    sz.name
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
    let cursor_param = ctx
        .ep
        .pagination
        .as_ref()
        .and_then(|p| p.cursor_param.as_deref())
        .unwrap_or("paginationQuery");
    let pq = ctx.q(cursor_param).unwrap_or("").trim().to_string();
    let (salt_uuid, n) = match kind {
        Kind::Image => (salt::IMG_UUID, w.images),
        Kind::Container => (salt::CTR_UUID, w.containers),
    };
    let mut start = 0;
    // Loaded records in the same creation (`updated`) order, after generated ones on ties:
    // `lstart` is the first position of `lorder` still to serve.
    let lock = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    let recs = match kind {
        Kind::Image => &lock.images,
        Kind::Container => &lock.containers,
    };
    let mut lorder: Vec<(u64, usize)> = recs
        .iter()
        .enumerate()
        .map(|(k, v)| (loaded::epoch(&v["updated"]), k))
        .collect();
    lorder.sort_unstable();
    let upd = |i: u64| {
        if kind == Kind::Image {
            w.img_updated(i)
        } else {
            w.ctr_updated(i)
        }
    };
    // The first generated index updated after `v` (`or_eq`: at or after).
    let gen_from = |v: u64, or_eq: bool| {
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if upd(mid) < v || (!or_eq && upd(mid) == v) {
                lo = mid + 1
            } else {
                hi = mid
            }
        }
        lo
    };
    let loaded_from = |v: u64| lorder.partition_point(|&(u, _)| u < v);
    let mut lstart = 0;
    let mut pq_expr = None;
    if !pq.is_empty() {
        let e =
            parse_filter_str(&pq, &known)?.ok_or_else(|| bad(format!("Invalid {cursor_param}")))?;
        let mut conj = Vec::new();
        e.conjuncts(&mut conj, false);
        for (t, negated) in &conj {
            match (&t.op, *negated, t.field.as_str()) {
                (Op::AnyOf(ids), true, "uuid") => {
                    for id in ids {
                        if let Some(p) = lorder.iter().position(|&(_, k)| {
                            recs[k]["uuid"]
                                .as_str()
                                .is_some_and(|u| u.eq_ignore_ascii_case(id))
                        }) {
                            // After a loaded record: the loaded ones after it, and generated
                            // ones updated later (equal times put generated ones first).
                            lstart = lstart.max(p + 1);
                            start = start.max(gen_from(lorder[p].0, false));
                        } else if let Some(i) = synth::index_of_uuid(w.seed, salt_uuid, id)
                            && i < n
                        {
                            start = start.max(i + 1);
                            lstart = lstart.max(loaded_from(upd(i)));
                        }
                    }
                }
                (Op::Cmp(std::cmp::Ordering::Greater, true, v), false, "updated")
                    if start == 0 && lstart == 0 =>
                {
                    let v = v.max(0.0).ceil() as u64;
                    start = gen_from(v, true);
                    lstart = loaded_from(v);
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
    let filter_expr = parse_filter_str(&user_filter, &known)?;
    let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
    let deleted = if kind == Kind::Image {
        &del.images
    } else {
        &del.containers
    };
    let filter = filter_expr.as_ref().map(|e| Compiled::new(e, w, kind));
    let pq_filter = pq_expr.as_ref().map(|e| Compiled::new(e, w, kind));
    let lmatches = |p: usize| -> bool {
        let v = &recs[lorder[p].1];
        filter_expr
            .as_ref()
            .is_none_or(|e| e.eval(&RecF { v, kind }))
            && pq_expr.as_ref().is_none_or(|e| e.eval(&RecF { v, kind }))
    };
    let matches = |i: u64| -> bool {
        !deleted.contains(&i)
            && filter.as_ref().is_none_or(|c| c.matches(i))
            && pq_filter.as_ref().is_none_or(|c| c.matches(i))
    };
    // Both sequences walked in step, the earlier `updated` first (generated on ties).
    enum Item {
        Gen(u64),
        Loaded(usize),
    }
    let mut items = Vec::with_capacity(limit as usize);
    let (mut i, mut p) = (start, lstart);
    while (items.len() as u64) < limit {
        while i < n && !matches(i) {
            i += 1;
        }
        while p < lorder.len() && !lmatches(p) {
            p += 1;
        }
        let (g, l) = (i < n, p < lorder.len());
        if !g && !l {
            break;
        }
        if l && (!g || lorder[p].0 < upd(i)) {
            items.push(Item::Loaded(lorder[p].1));
            p += 1;
        } else {
            items.push(Item::Gen(i));
            i += 1;
        }
    }
    let more =
        (items.len() as u64) == limit && ((i..n).any(&matches) || (p..lorder.len()).any(lmatches));
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    // `{"limit": limit, "data": [...]}`, written straight into one buffer.
    let per = match kind {
        Kind::Image => fast::IMG_BULK_BYTES,
        Kind::Container => fast::CTR_BULK_BYTES,
    };
    let mut out = Vec::with_capacity(items.len() * per + 64);
    out.extend_from_slice(b"{\"limit\":");
    out.extend_from_slice(txt::ms(limit).as_str().as_bytes());
    out.extend_from_slice(b",\"data\":[");
    for (k, it) in items.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        match (kind, it) {
            (Kind::Image, &Item::Gen(i)) => {
                fast::img_bulk(&mut out, w, i, del.instrumented.contains(&i));
                loaded::splice_tags(&mut out, &st, || w.img_uuid(i));
            }
            (Kind::Container, &Item::Gen(j)) => {
                fast::ctr_bulk(&mut out, w, j);
                loaded::splice_tags(&mut out, &st, || w.ctr_uuid(j));
            }
            (_, &Item::Loaded(r)) => {
                let v = loaded::bulk(sim, &st, &recs[r]);
                out.extend_from_slice(v.to_string().as_bytes());
            }
        }
    }
    drop(st);
    drop(del);
    out.extend_from_slice(b"]}");
    let last = items.last().map(|it| match *it {
        Item::Gen(i) => match kind {
            Kind::Image => (w.img_updated(i), w.img_uuid(i)),
            Kind::Container => (w.ctr_updated(i), w.ctr_uuid(i)),
        },
        Item::Loaded(r) => (
            loaded::epoch(&recs[r]["updated"]),
            recs[r]["uuid"].as_str().unwrap_or("").to_string(),
        ),
    });
    drop(lock);
    let mut resp = json_bytes_response(StatusCode::OK, out);
    let link = match last {
        Some((upd, uuid)) if more => {
            let mut next = format!("updated>={upd} AND not uuid: [{uuid}]");
            if !user_filter.is_empty() {
                next.push_str(&format!(" AND ({user_filter})"));
            }
            let enc: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            // Faithful quirk: the images docs page closes the URL with '<' instead of '>'.
            let close = if kind == Kind::Image { '<' } else { '>' };
            format!(
                "<{}{}?{}={limit}&{cursor_param}={enc}{close};rel=next",
                sim.cfg.link_host, ctx.ep.path, sz.name
            )
        }
        // The last page: the docs print `link: null`; a peer expects no header; an empty value
        // is the third thing a gateway could do. The config picks.
        _ => match sim.cfg.link_end {
            LinkEnd::Null => "null".to_string(),
            LinkEnd::Empty => String::new(),
            LinkEnd::Absent => return Ok(resp),
        },
    };
    if let Ok(v) = header::HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
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
