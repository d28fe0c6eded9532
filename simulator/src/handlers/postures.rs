//! Kubernetes postures (stored; read-only for the API, records can be loaded).

use super::ctx::{Ctx, R, bad, not_found, ok};
use super::list::{ListSpec, value_page};
use crate::state::Sim;
use serde_json::{Value, json};

const POSTURE_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[("cluster.name", "cluster.clusterName")],
    default_sort: None,
    groups: false,
};

pub(super) fn postures_list(sim: &Sim, ctx: &Ctx) -> R {
    let items = sim
        .stored
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .postures
        .clone();
    let tpl = items
        .first()
        .cloned()
        .unwrap_or_else(|| json!({"controlId": 0, "posture": ""}));
    value_page(ctx, items, &POSTURE_SPEC, &tpl)
}

pub(super) fn postures_count(sim: &Sim) -> R {
    // Shape not documented anywhere public: invented.
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let failed = st
        .postures
        .iter()
        .filter(|p| p["posture"] == "FAIL")
        .count();
    let total = st.postures.len();
    ok(&json!({"totalControls": total, "passed": total - failed, "failed": failed, "error": 0}))
}

pub(super) fn posture_control(sim: &Sim, ctx: &Ctx, evidence: bool) -> R {
    let raw = ctx.param("controlId");
    let id: u64 = raw
        .parse()
        .map_err(|_| bad(format!("Invalid controlId '{raw}'")))?;
    let st = sim.stored.read().unwrap_or_else(|p| p.into_inner());
    let p = st
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
    drop(st);
    let Some(o) = v.as_object_mut() else {
        return ok(&v);
    };
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
