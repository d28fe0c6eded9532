//! Containers (generated): the page-numbered and bulk lists, details, vulnerabilities, software,
//! deletes.

use super::ctx::{Ctx, R, ok};
use super::generated::{
    SOFTWARE_SPEC, VULN_SPEC, container_idx, generated_delete, software_template, vuln_template,
};
use super::list::{bulk_list, filter_sort, generated_list};
use super::loaded;
use crate::data;
use crate::filter::Gen as Kind;
use crate::state::Sim;
use crate::synth::{self, salt};
use serde_json::{Value, json};

/// The loaded container the path's `containerSha` names, if it names one.
fn loaded_container(sim: &Sim, ctx: &Ctx) -> Option<Value> {
    loaded::get(sim, ctx.param("containerSha"), Kind::Container)
}

pub(super) fn containers_list(sim: &Sim, ctx: &Ctx) -> R {
    generated_list(sim, ctx, Kind::Container)
}

pub(super) fn containers_bulk_list(sim: &Sim, ctx: &Ctx) -> R {
    bulk_list(sim, ctx, Kind::Container)
}

pub(super) fn container_get(sim: &Sim, ctx: &Ctx) -> R {
    let st = || sim.stored.read().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = loaded_container(sim, ctx) {
        // Details list the vulnerabilities (the list item has counts).
        let mut d = loaded::with_tags(&st(), &v);
        d["vulnerabilities"] = Value::Array(loaded::vulns(sim, &v));
        return ok(&d);
    }
    let j = container_idx(sim, ctx)?;
    let mut v = data::ctr_details(&sim.world, j);
    // Only a tagged item carries `tags` (see `loaded::splice_tags`).
    let tags = loaded::tags_of(&st(), &sim.world.ctr_uuid(j));
    if tags.as_array().is_some_and(|a| !a.is_empty()) {
        v["tags"] = tags;
    }
    ok(&v)
}

pub(super) fn container_compliance(sim: &Sim, ctx: &Ctx) -> R {
    if let Some(v) = loaded_container(sim, ctx) {
        return ok(&loaded::compliance(sim, &v));
    }
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

pub(super) fn container_vulns(sim: &Sim, ctx: &Ctx) -> R {
    let drift_only = ctx
        .q("isDrift")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all = match loaded_container(sim, ctx) {
        Some(_) if drift_only => vec![],
        Some(v) => loaded::vulns(sim, &v),
        None => {
            let j = container_idx(sim, ctx)?;
            if drift_only {
                vec![]
            } else {
                data::ctr_vulns(&sim.world, j)
            }
        }
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

pub(super) fn container_vuln_count(sim: &Sim, ctx: &Ctx) -> R {
    let list = match loaded_container(sim, ctx) {
        Some(v) => loaded::vulns(sim, &v),
        None => data::ctr_vulns(&sim.world, container_idx(sim, ctx)?),
    };
    let mut c = [0u64; 5];
    for v in &list {
        c[v["severity"].as_u64().unwrap_or(1).clamp(1, 5) as usize - 1] += 1;
    }
    ok(
        &json!({"severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3], "severity1Count": c[0], "severity2Count": c[1]}),
    )
}

pub(super) fn container_software(sim: &Sim, ctx: &Ctx) -> R {
    let drift_only = ctx
        .q("isDrift")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let all = match loaded_container(sim, ctx) {
        Some(_) if drift_only => vec![],
        Some(v) => loaded::software(&loaded::vulns(sim, &v)),
        None => {
            let j = container_idx(sim, ctx)?;
            let w = &sim.world;
            let sw = w.img_software(w.ctr_image(j));
            if drift_only {
                vec![]
            } else {
                data::software_list(&sw, &data::ctr_vulns(w, j))
            }
        }
    };
    let list = filter_sort(ctx, all, &SOFTWARE_SPEC, &software_template())?;
    let by_sev = data::count_by_severity(&list);
    ok(&json!({"count": list.len(), "data": list, "softwareCountBySeverity": by_sev}))
}

pub(super) fn containers_delete(sim: &Sim, ctx: &Ctx) -> R {
    generated_delete(sim, ctx, Kind::Container)
}
