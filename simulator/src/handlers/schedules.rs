//! Registry scan schedules (stored inside their registry).

use super::ctx::{Ctx, R, bad, id_array, not_found, ok, ok_text};
use super::list::{ListSpec, ValF, parse_filter_str, value_page};
use super::registries::find_reg;
use crate::clock::now_ms;
use crate::collections;
use crate::qql::Fields;
use crate::records::Registry;
use crate::state::Sim;
use crate::synth::ms;
use axum::response::Response;
use serde_json::{Value, json};

const SCHEDULE_SPEC: ListSpec = ListSpec {
    prefix: "schedule.",
    aliases: &[("uuid", "scheduleUuid")],
    default_sort: Some("created:desc"),
    groups: false,
};

fn schedule_template() -> Value {
    collections::schedule(
        String::new(),
        0,
        &json!({"filters": [{"repoTags": [{"repo": "", "tag": ""}], "days": 1}]}),
        "Queued",
    )
}

pub(super) fn schedules_list(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn schedule_create(sim: &Sim, ctx: &Ctx) -> R {
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
        .push(collections::schedule(uuid.clone(), now_ms(), &b, status));
    ok(&json!({"scheduleUuid": uuid}))
}

fn find_schedule(r: &Registry, id: &str) -> Result<usize, Response> {
    r.schedules
        .iter()
        .position(|s| s["scheduleUuid"] == id)
        .ok_or_else(|| not_found(format!("Schedule {id} not found")))
}

pub(super) fn schedule_update(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn schedules_bulk(sim: &Sim, ctx: &Ctx, cancel: bool) -> R {
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

pub(super) fn schedule_delete(sim: &Sim, ctx: &Ctx) -> R {
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let k = find_reg(&st.registries, ctx.param("registryId"))?;
    let s = find_schedule(&st.registries[k], ctx.param("scheduleId"))?;
    if st.registries[k].schedules[s]["status"] == "Running" {
        return Err(bad("A Running schedule cannot be deleted"));
    }
    st.registries[k].schedules.remove(s);
    ok_text(ctx.param("scheduleId").to_string())
}

pub(super) fn schedules_delete(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn schedule_cancel(sim: &Sim, ctx: &Ctx) -> R {
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
