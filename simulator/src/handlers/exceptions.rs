//! Vulnerability exceptions (P35..P41): created, updated, assigned to images and containers, and
//! applied where a tenant applies them: an active exception hides its QIDs from an image's
//! vulnerability list (S42) unless `applyException=false`, and shows in the image's and its
//! containers' exception lists.
//!
//! An exception covers the QIDs of a Qualys search list (`listId`), which lives outside csapi. The
//! simulator has no such lists, so the body may carry the QIDs itself under `qids` (the key the
//! exception's details answer with under `includeQids=true`); without it the exception covers no
//! QID. Internal bookkeeping is kept under `_`-prefixed keys and never answered.

use super::ctx::{Ctx, R, bad, not_found, ok};
use super::list::{ctr_known, img_known, parse_filter_str};
use super::loaded::{self, RecF};
use crate::clock::now_ms;
use crate::data::{CtrF, ImgF};
use crate::filter::Gen as Kind;
use crate::state::Sim;
use crate::synth::ms;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Entities assigned by id (ASSIGN, `idsToAdd`, or an `additionFilter` resolved at creation).
const ASSIGNED: &str = "_assigned";
/// Entities a DEASSIGN took out, so that a dynamic filter no longer brings them back.
const REMOVED: &str = "_removed";

/// An image or a container of the inventory: generated (by index) or loaded (a copy).
enum Entity {
    Gen(Kind, u64),
    Loaded(Kind, Value),
}

impl Entity {
    fn kind(&self) -> Kind {
        match self {
            Entity::Gen(k, _) | Entity::Loaded(k, _) => *k,
        }
    }

    fn uuid(&self, sim: &Sim) -> String {
        match self {
            Entity::Gen(Kind::Image, i) => sim.world.img_uuid(*i),
            Entity::Gen(Kind::Container, j) => sim.world.ctr_uuid(*j),
            Entity::Loaded(_, v) => v["uuid"].as_str().unwrap_or("").to_ascii_lowercase(),
        }
    }

    /// Whether a QQL filter (the exception's `dynamicFilter`) selects this entity.
    fn matches(&self, sim: &Sim, filter: &str) -> bool {
        let known: &dyn Fn(&str) -> bool = match self.kind() {
            Kind::Image => &img_known,
            Kind::Container => &ctr_known,
        };
        let Ok(Some(e)) = parse_filter_str(filter, known) else {
            return false;
        };
        let w = &sim.world;
        match self {
            Entity::Gen(Kind::Image, i) => e.eval(&ImgF { w, i: *i }),
            Entity::Gen(Kind::Container, j) => e.eval(&CtrF { w, j: *j }),
            Entity::Loaded(kind, v) => e.eval(&RecF { v, kind: *kind }),
        }
    }

    /// The image a container runs (an image is its own).
    fn image(&self, sim: &Sim) -> Option<Entity> {
        match self {
            Entity::Gen(Kind::Container, j) => {
                let i = sim.world.ctr_image(*j);
                sim.image_live(i).then_some(Entity::Gen(Kind::Image, i))
            }
            Entity::Loaded(Kind::Container, v) => ["imageUuid", "imageSha", "imageId"]
                .iter()
                .filter_map(|k| v[*k].as_str())
                .find_map(|id| find(sim, id, Kind::Image)),
            _ => None,
        }
    }
}

/// The image or container an id names: its UUID, sha or short id (as the read endpoints take).
fn find(sim: &Sim, id: &str, kind: Kind) -> Option<Entity> {
    if let Some(v) = loaded::get(sim, id, kind) {
        return Some(Entity::Loaded(kind, v));
    }
    sim.find_generated(id, kind).map(|i| Entity::Gen(kind, i))
}

/// The image or container a UUID names. The assignment endpoints take the UUID, never the sha.
fn find_by_uuid(sim: &Sim, id: &str, kind: Kind) -> Option<Entity> {
    let e = find(sim, id, kind)?;
    e.uuid(sim).eq_ignore_ascii_case(id.trim()).then_some(e)
}

fn what(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "Image",
        Kind::Container => "Container",
    }
}

fn scope(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "IMAGE",
        Kind::Container => "CONTAINER",
    }
}

/// Epoch milliseconds, as text (the guide's samples) or a number.
fn epoch_ms(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Whether an exception is in force now and covers this entity (by id or by its dynamic filter),
/// itself or, for a container, through its image (an IMAGE exception cascades to its containers).
fn applies(sim: &Sim, x: &Value, e: &Entity, now: u64) -> bool {
    let in_dates = epoch_ms(&x["startDate"]).is_none_or(|s| s <= now)
        && epoch_ms(&x["endDate"]).is_none_or(|end| now <= end);
    if !in_dates {
        return false;
    }
    let covers = |e: &Entity| {
        let uuid = e.uuid(sim);
        if ids(&x[REMOVED]).contains(&uuid) {
            return false;
        }
        ids(&x[ASSIGNED]).contains(&uuid)
            || (x["entityAssignmentType"] == "DYNAMIC"
                && x["dynamicFilter"]
                    .as_str()
                    .is_some_and(|f| e.matches(sim, f)))
    };
    let scope_is = |k: Kind| x["scope"].as_str() == Some(scope(k));
    if scope_is(e.kind()) && covers(e) {
        return true;
    }
    e.kind() == Kind::Container
        && scope_is(Kind::Image)
        && e.image(sim).is_some_and(|img| covers(&img))
}

/// A copy of the exceptions, so that deciding which apply (which reads the loaded records) never
/// holds the store's lock.
fn in_store(sim: &Sim) -> Vec<Value> {
    sim.stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .exceptions
        .clone()
}

/// An exception as answered: without the bookkeeping, and without `qids` unless asked for.
fn public(x: &Value, with_qids: bool) -> Value {
    let mut v = x.clone();
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| !k.starts_with('_'));
        if !with_qids {
            o.remove("qids");
        }
    }
    v
}

/// Checks an exception body as the server would (the client checks the same table rules).
fn check(b: &Value) -> Result<(), Response> {
    for k in [
        "name",
        "reason",
        "explanation",
        "scope",
        "listId",
        "exceptionType",
        "startDate",
        "endDate",
    ] {
        if b[k].is_null() {
            return Err(bad(format!("{k} is required")));
        }
    }
    if !matches!(b["scope"].as_str(), Some("IMAGE" | "CONTAINER")) {
        return Err(bad("Invalid scope: IMAGE or CONTAINER"));
    }
    if b["exceptionType"] != "VULNERABILITY" {
        return Err(bad(
            "Invalid exceptionType: only VULNERABILITY is supported",
        ));
    }
    for k in ["startDate", "endDate"] {
        if epoch_ms(&b[k]).is_none() {
            return Err(bad(format!("{k} must be epoch milliseconds")));
        }
    }
    if b["entityAssignmentType"] == "DYNAMIC" {
        let f = b["dynamicFilter"]
            .as_str()
            .ok_or_else(|| bad("dynamicFilter is required for a DYNAMIC assignment"))?;
        let known: &dyn Fn(&str) -> bool = if b["scope"] == "IMAGE" {
            &img_known
        } else {
            &ctr_known
        };
        parse_filter_str(f, known)?;
    }
    if !b["qids"].is_null()
        && !b["qids"]
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_u64))
    {
        return Err(bad("qids must be a list of QIDs"));
    }
    Ok(())
}

/// The UUIDs `entityAssignmentRequest` names: `idsToAdd`, else the items `additionFilter` selects
/// now (the guide: `additionFilter` is ignored when `idsToAdd` is given).
fn initial_assignment(sim: &Sim, b: &Value) -> Result<BTreeSet<String>, Response> {
    let req = &b["entityAssignmentRequest"];
    let given = ids(&req["idsToAdd"]);
    if !given.is_empty() {
        return Ok(given);
    }
    let Some(f) = req["additionFilter"]
        .as_str()
        .filter(|f| !f.trim().is_empty())
    else {
        return Ok(BTreeSet::new());
    };
    let kind = if b["scope"] == "CONTAINER" {
        Kind::Container
    } else {
        Kind::Image
    };
    let known: &dyn Fn(&str) -> bool = match kind {
        Kind::Image => &img_known,
        Kind::Container => &ctr_known,
    };
    parse_filter_str(f, known)?;
    let mut out = BTreeSet::new();
    let n = match kind {
        Kind::Image => sim.world.images,
        Kind::Container => sim.world.containers,
    };
    for i in 0..n {
        let e = Entity::Gen(kind, i);
        let live = match kind {
            Kind::Image => sim.image_live(i),
            Kind::Container => sim.container_live(i),
        };
        if live && e.matches(sim, f) {
            out.insert(e.uuid(sim));
        }
    }
    let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    let records = match kind {
        Kind::Image => &l.images,
        Kind::Container => &l.containers,
    };
    for v in records {
        let e = Entity::Loaded(kind, v.clone());
        if e.matches(sim, f) {
            out.insert(e.uuid(sim));
        }
    }
    Ok(out)
}

fn stored_fields(sim: &Sim, ctx: &Ctx, b: &mut Value) -> Result<(), Response> {
    check(b)?;
    let assigned = initial_assignment(sim, b)?;
    let now = ms(now_ms());
    let o = b.as_object_mut().expect("checked object");
    o.entry("qids").or_insert(json!([]));
    o.entry("status").or_insert(json!("ACTIVE"));
    o.insert("updatedBy".into(), json!(ctx.user));
    o.insert("updated".into(), json!(now));
    o.insert(ASSIGNED.into(), json!(assigned));
    o.insert(REMOVED.into(), json!([]));
    Ok(())
}

pub(super) fn exception_create(sim: &Sim, ctx: &Ctx) -> R {
    let mut b = ctx.json_obj()?;
    stored_fields(sim, ctx, &mut b)?;
    let id = sim.new_uuid();
    let o = b.as_object_mut().expect("object");
    o.insert("exceptionId".into(), json!(id));
    o.insert("createdBy".into(), json!(ctx.user));
    o.insert("created".into(), o["updated"].clone());
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    st.exceptions.push(b);
    ok(&json!({ "exceptionId": id }))
}

pub(super) fn exception_update(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("exceptionId");
    let mut b = ctx.json_obj()?;
    stored_fields(sim, ctx, &mut b)?;
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let x = st
        .exceptions
        .iter_mut()
        .find(|x| {
            x["exceptionId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| not_found(format!("Exception {id} not found")))?;
    let o = b.as_object_mut().expect("object");
    for k in ["exceptionId", "createdBy", "created"] {
        o.insert(k.into(), x[k].clone());
    }
    *x = b;
    ok(&json!({ "exceptionId": x["exceptionId"] }))
}

pub(super) fn exception_get(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("exceptionId");
    let with_qids = ctx
        .q("includeQids")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    st.exceptions
        .iter()
        .find(|x| {
            x["exceptionId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
        })
        .map(|x| ok(&public(x, with_qids)))
        .unwrap_or_else(|| Err(not_found(format!("Exception {id} not found"))))
}

/// P38, P40: the exceptions in force for an image or a container (by sha, as the guide's path).
fn entity_exceptions(sim: &Sim, ctx: &Ctx, kind: Kind, param: &str) -> R {
    let id = ctx.param(param);
    let e =
        find(sim, id, kind).ok_or_else(|| not_found(format!("{} {id} not found", what(kind))))?;
    let now = now_ms();
    let data: Vec<Value> = in_store(sim)
        .iter()
        .filter(|x| applies(sim, x, &e, now))
        .map(|x| public(x, false))
        .collect();
    ok(&json!({"data": data, "count": data.len(), "groups": {}}))
}

pub(super) fn image_exceptions(sim: &Sim, ctx: &Ctx) -> R {
    entity_exceptions(sim, ctx, Kind::Image, "imageSha")
}

pub(super) fn container_exceptions(sim: &Sim, ctx: &Ctx) -> R {
    entity_exceptions(sim, ctx, Kind::Container, "containerSha")
}

/// P39, P41: ASSIGN or DEASSIGN exceptions to the image or container the path's UUID names.
fn update_entity_exceptions(sim: &Sim, ctx: &Ctx, kind: Kind, param: &str) -> R {
    let id = ctx.param(param);
    let b = ctx.json_obj()?;
    let event = b["exceptionEvent"].as_str().unwrap_or("");
    if !matches!(event, "ASSIGN" | "DEASSIGN") {
        return Err(bad("Invalid exceptionEvent: ASSIGN or DEASSIGN"));
    }
    let wanted = ids(&b["exceptionIds"]);
    if wanted.is_empty() {
        return Err(bad("exceptionIds is required"));
    }
    let Some(e) = find_by_uuid(sim, id, kind) else {
        // The sha of an existing entity is the usual mistake: say what the path takes.
        let hint = if find(sim, id, kind).is_some() {
            format!("; {id} is not a UUID (the path takes the UUID, not the sha)")
        } else {
            String::new()
        };
        return Err(not_found(format!(
            "{} with UUID {id} not found{hint}",
            what(kind)
        )));
    };
    let uuid = e.uuid(sim);
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    for x_id in &wanted {
        let x = st
            .exceptions
            .iter()
            .find(|x| {
                x["exceptionId"]
                    .as_str()
                    .map(str::to_ascii_lowercase)
                    .as_ref()
                    == Some(x_id)
            })
            .ok_or_else(|| not_found(format!("Exception {x_id} not found")))?;
        if x["scope"].as_str() != Some(scope(kind)) {
            return Err(bad(format!(
                "Exception {x_id} has scope {}, not {}",
                x["scope"].as_str().unwrap_or(""),
                scope(kind)
            )));
        }
    }
    for x in st.exceptions.iter_mut() {
        let x_id = x["exceptionId"].as_str().unwrap_or("").to_ascii_lowercase();
        if !wanted.contains(&x_id) {
            continue;
        }
        let (mut assigned, mut removed) = (ids(&x[ASSIGNED]), ids(&x[REMOVED]));
        if event == "ASSIGN" {
            assigned.insert(uuid.clone());
            removed.remove(&uuid);
        } else {
            assigned.remove(&uuid);
            removed.insert(uuid.clone());
        }
        x[ASSIGNED] = json!(assigned);
        x[REMOVED] = json!(removed);
    }
    Ok(match kind {
        Kind::Image => ok(&json!({ "imageUuid": uuid }))?,
        // The guide's answer has a capital C.
        Kind::Container => ok(&json!({ "ContainerUuid": uuid }))?,
    })
}

pub(super) fn image_update_exceptions(sim: &Sim, ctx: &Ctx) -> R {
    update_entity_exceptions(sim, ctx, Kind::Image, "imageId")
}

pub(super) fn container_update_exceptions(sim: &Sim, ctx: &Ctx) -> R {
    update_entity_exceptions(sim, ctx, Kind::Container, "containerId")
}

/// S42's list without the QIDs of the exceptions in force for the image, unless the request says
/// `applyException=false`.
pub(super) fn without_excepted(sim: &Sim, ctx: &Ctx, vulns: Vec<Value>) -> Vec<Value> {
    if ctx
        .q("applyException")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"))
    {
        return vulns;
    }
    let Some(e) = find(sim, ctx.param("imageSha"), Kind::Image) else {
        return vulns;
    };
    let now = now_ms();
    let hidden: BTreeSet<u64> = in_store(sim)
        .iter()
        .filter(|x| applies(sim, x, &e, now))
        .flat_map(|x| x["qids"].as_array().cloned().unwrap_or_default())
        .filter_map(|q| q.as_u64())
        .collect();
    if hidden.is_empty() {
        return vulns;
    }
    vulns
        .into_iter()
        .filter(|v| !v["qid"].as_u64().is_some_and(|q| hidden.contains(&q)))
        .collect()
}
