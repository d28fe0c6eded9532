//! Images (generated): the page-numbered and bulk lists, details, vulnerabilities, software,
//! associations, deletes.

use super::ctx::{Ctx, R, ok, ok_text};
use super::generated::{
    SOFTWARE_SPEC, VULN_SPEC, generated_delete, image_idx, software_template, vuln_template,
};
use super::list::{bulk_list, ctr_known, filter_sort, generated_list, parse_filter};
use crate::data::{self, CtrF};
use crate::filter::Gen as Kind;
use crate::state::Sim;
use crate::synth::{self, ms, salt};
use serde_json::{Value, json};

pub(super) fn images_list(sim: &Sim, ctx: &Ctx) -> R {
    generated_list(sim, ctx, Kind::Image)
}

pub(super) fn images_bulk_list(sim: &Sim, ctx: &Ctx) -> R {
    bulk_list(sim, ctx, Kind::Image)
}

pub(super) fn image_get(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let ins = sim
        .deleted
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .instrumented
        .contains(&i);
    ok(&data::img_details(&sim.world, i, ins))
}

pub(super) fn image_compliance(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn image_vulns(sim: &Sim, ctx: &Ctx) -> R {
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

/// API.md open question 16: flat counts for both images and containers.
pub(super) fn image_vuln_count(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let c = sim.world.img_sev(i);
    ok(
        &json!({"severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3], "severity1Count": c[0], "severity2Count": c[1]}),
    )
}

pub(super) fn image_software(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn image_associations(sim: &Sim, ctx: &Ctx) -> R {
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

pub(super) fn image_registries(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let (r, repo, tag) = w.img_repo(i);
    let uri = w.registry_uri(r);
    let host = uri.split("://").nth(1).unwrap_or(&uri).to_string();
    ok(&json!([{"registry": host, "registryUuid": w.registry_uuid(r), "repo": repo, "tag": tag}]))
}

pub(super) fn image_instrument(sim: &Sim, ctx: &Ctx) -> R {
    let i = image_idx(sim, ctx)?;
    let _body = ctx.json_obj()?;
    sim.deleted
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .instrumented
        .insert(i);
    ok_text(sim.world.img_sha(i))
}

pub(super) fn images_delete(sim: &Sim, ctx: &Ctx) -> R {
    generated_delete(sim, ctx, Kind::Image)
}
