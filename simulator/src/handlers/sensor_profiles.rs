//! Sensor profiles (P42..P44): created and updated as the guide documents, and listed (the list
//! is observed on tenants) with what was created.

use super::ctx::{Ctx, R, bad, not_found, ok};
use super::list::{ListSpec, value_page};
use crate::clock::now_ms;
use crate::state::Sim;
use crate::synth::ms;
use axum::response::Response;
use serde_json::{Value, json};

const PROFILE_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[],
    default_sort: None,
    groups: false,
};

const TYPES: [&str; 5] = ["Registry", "General", "CICD", "Cluster", "RUNTIME"];

fn check(b: &Value) -> Result<(), Response> {
    for k in [
        "profileName",
        "profileType",
        "associatedRegistryIds",
        "associatedSensorIds",
    ] {
        if b[k].is_null() {
            return Err(bad(format!("{k} is required")));
        }
    }
    let t = b["profileType"].as_str().unwrap_or("");
    if !TYPES.contains(&t) {
        return Err(bad(format!(
            "Invalid profileType '{t}': one of {}",
            TYPES.join(", ")
        )));
    }
    let interval = &b["config"]["vulnerabilityManagement"]["containerScanningInterval"];
    if !interval.is_null() && ![12, 24, 48].iter().any(|n| interval == n) {
        return Err(bad(
            "Invalid containerScanningInterval: one of 12, 24, 48 (hours)",
        ));
    }
    Ok(())
}

pub(super) fn profiles_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .sensor_profiles
        .clone();
    let tpl = items
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"sensorProfileId": "", "profileName": "", "profileType": ""}));
    value_page(ctx, items, &PROFILE_SPEC, &tpl)
}

/// `isVulnPropagation` (1.42) comes beside the path id; a body that carries it is taken too.
fn vuln_propagation(ctx: &Ctx, b: &Value) -> Value {
    match ctx.q("isVulnPropagation") {
        Some(v) => json!(v.eq_ignore_ascii_case("true")),
        None => b.get("isVulnPropagation").cloned().unwrap_or(json!(false)),
    }
}

pub(super) fn profile_create(sim: &Sim, ctx: &Ctx) -> R {
    let mut b = ctx.json_obj()?;
    check(&b)?;
    let now = ms(now_ms());
    let prop = vuln_propagation(ctx, &b);
    let o = b.as_object_mut().expect("checked object");
    o.insert("sensorProfileId".into(), json!(sim.new_uuid()));
    o.insert("isVulnPropagation".into(), prop);
    for (k, v) in [
        ("createdBy", json!(ctx.user)),
        ("created", json!(now)),
        ("updatedBy", json!(ctx.user)),
        ("updated", json!(now)),
    ] {
        o.insert(k.into(), v);
    }
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    st.sensor_profiles.push(b.clone());
    ok(&b)
}

pub(super) fn profile_update(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("sensorProfileId");
    let mut b = ctx.json_obj()?;
    check(&b)?;
    let prop = vuln_propagation(ctx, &b);
    let mut st = sim.stored.write().unwrap_or_else(|p| p.into_inner());
    let p = st
        .sensor_profiles
        .iter_mut()
        .find(|p| {
            p["sensorProfileId"]
                .as_str()
                .is_some_and(|p| p.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| not_found(format!("Sensor profile {id} not found")))?;
    let o = b.as_object_mut().expect("checked object");
    for k in ["sensorProfileId", "createdBy", "created"] {
        o.insert(k.into(), p[k].clone());
    }
    o.insert("isVulnPropagation".into(), prop);
    o.insert("updatedBy".into(), json!(ctx.user));
    o.insert("updated".into(), json!(ms(now_ms())));
    *p = b;
    ok(p)
}
