//! Tags and tag assignments (stored).

use super::ctx::{Ctx, R, bad, not_found, ok, ok_text};
use super::loaded;
use crate::collections;
use crate::filter::Gen as Kind;
use crate::state::Sim;
use axum::response::Response;
use serde_json::{Value, json};

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

pub(super) fn tag_create(sim: &Sim, ctx: &Ctx) -> R {
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
    let t = collections::tag(id, name, &rules);
    st.tags.push(t.clone());
    ok(&render_tag(&t))
}

pub(super) fn tag_update(sim: &Sim, ctx: &Ctx) -> R {
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
    let nt = collections::tag(t["tagId"].as_u64().unwrap_or(0), &name, &rules);
    *t = nt.clone();
    ok(&render_tag(&nt))
}

pub(super) fn tag_delete(sim: &Sim, ctx: &Ctx) -> R {
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
    // Off every image and container too, so a new tag of the same name starts unassigned.
    for names in st.assignments.values_mut() {
        names.retain(|n| n != name);
    }
    ok_text("Tag deleted successfully")
}

pub(super) fn tag_assign(sim: &Sim, ctx: &Ctx) -> R {
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
        .and_then(|u| sim.find_generated(u, kind))
        .or_else(|| sha.and_then(|s| sim.find_generated(s, kind)));
    let entity_uuid = match idx {
        Some(i) if kind == Kind::Image => sim.world.img_uuid(i),
        Some(i) => sim.world.ctr_uuid(i),
        None => {
            let rec = uuid
                .and_then(|u| loaded::get(sim, u, kind))
                .or_else(|| sha.and_then(|s| loaded::get(sim, s, kind)));
            match rec.as_ref().and_then(|v| v["uuid"].as_str()) {
                Some(u) => u.to_string(),
                None => {
                    return Err(not_found(format!(
                        "{} {} not found",
                        et,
                        uuid.or(sha).unwrap_or("")
                    )));
                }
            }
        }
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
                st.tags.push(collections::tag(id, &n, &[]));
            }
            names.push(n);
        }
    }
    let assigned = st.assignments.entry(entity_uuid.clone()).or_default();
    for n in names {
        if !assigned.contains(&n) {
            assigned.push(n);
        }
    }
    ok(&json!({"entityUUID": entity_uuid}))
}

pub(super) fn tag_evaluate(sim: &Sim, ctx: &Ctx) -> R {
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
