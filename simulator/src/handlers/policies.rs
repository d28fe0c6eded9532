//! Image and admission-controller policies (stored, versioned).

use super::ctx::{Ctx, R, bad, not_found, ok};
use super::list::{ListSpec, value_page};
use crate::clock::now_ms;
use crate::records::Policy;
use crate::state::Sim;
use crate::synth::ms;
use axum::response::Response;
use serde_json::{Value, json};

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

const POLICY_SPEC: ListSpec = ListSpec {
    prefix: "policy.",
    aliases: &[("name", "policyName"), ("type", "policyType")],
    default_sort: None,
    groups: false,
};

/// P34: every policy at its latest version, rendered as S05 renders one (unverified in shape:
/// Qualys' own CLI reads this path as a page-numbered list of policies).
pub(super) fn policies_list(sim: &Sim, ctx: &Ctx) -> R {
    let items: Vec<Value> = {
        let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
        st.policies
            .iter()
            .map(|p| render_policy(p.versions.last().expect("a version")))
            .collect()
    };
    let tpl = items.first().cloned().unwrap_or_default();
    value_page(ctx, items, &POLICY_SPEC, &tpl)
}

pub(super) fn policy_get(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn policy_default(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn policy_create(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn policy_update(sim: &Sim, ctx: &Ctx) -> R {
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
