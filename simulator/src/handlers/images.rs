//! Images (generated): the page-numbered and bulk lists, details, vulnerabilities, software,
//! associations, deletes.

use super::ctx::{Ctx, R, ok, ok_text};
use super::generated::{
    SOFTWARE_SPEC, VULN_SPEC, generated_delete, image_idx, software_template, vuln_template,
};
use super::list::{bulk_list, ctr_known, filter_sort, generated_list, parse_filter};
use super::loaded::{self, RecF};
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

/// The loaded image the path's `imageSha` names, if it names one.
fn loaded_image(sim: &Sim, ctx: &Ctx) -> Option<Value> {
    loaded::get(sim, ctx.param("imageSha"), Kind::Image)
}

pub(super) fn image_get(sim: &Sim, ctx: &Ctx) -> R {
    let st = || sim.stored.read().unwrap_or_else(|p| p.into_inner());
    if let Some(v) = loaded_image(sim, ctx) {
        return ok(&loaded::with_tags(&st(), &v));
    }
    let i = image_idx(sim, ctx)?;
    let ins = sim
        .deleted
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .instrumented
        .contains(&i);
    let mut v = data::img_details(&sim.world, i, ins);
    // Only a tagged item carries `tags` (see `loaded::splice_tags`).
    let tags = loaded::tags_of(&st(), &sim.world.img_uuid(i));
    if tags.as_array().is_some_and(|a| !a.is_empty()) {
        v["tags"] = tags;
    }
    ok(&v)
}

pub(super) fn image_compliance(sim: &Sim, ctx: &Ctx) -> R {
    if let Some(v) = loaded_image(sim, ctx) {
        return ok(&loaded::compliance(sim, &v));
    }
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
    let all = match loaded_image(sim, ctx) {
        Some(v) => loaded::vulns(sim, &v),
        None => {
            let i = image_idx(sim, ctx)?;
            let w = &sim.world;
            data::vulns(
                w.seed,
                salt::IMG,
                i,
                w.img_sev(i),
                w.img_created(i),
                &w.img_software(i),
            )
        }
    };
    let all = super::exceptions::without_excepted(sim, ctx, all);
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
    let c = match loaded_image(sim, ctx) {
        Some(v) => loaded::counts(&v),
        None => sim.world.img_sev(image_idx(sim, ctx)?),
    };
    ok(
        &json!({"severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3], "severity1Count": c[0], "severity2Count": c[1]}),
    )
}

pub(super) fn image_software(sim: &Sim, ctx: &Ctx) -> R {
    let all = match loaded_image(sim, ctx) {
        Some(v) => loaded::software(&loaded::vulns(sim, &v)),
        None => {
            let i = image_idx(sim, ctx)?;
            let w = &sim.world;
            let sw = w.img_software(i);
            let vulns = data::vulns(w.seed, salt::IMG, i, w.img_sev(i), w.img_created(i), &sw);
            data::software_list(&sw, &vulns)
        }
    };
    let list = filter_sort(ctx, all, &SOFTWARE_SPEC, &software_template())?;
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
    let w = &sim.world;
    let filter = parse_filter(ctx, &ctr_known)?;
    let ty = ctx.q("type").unwrap_or("ALL").to_ascii_uppercase();
    let want = |t: &str| ty == "ALL" || ty == t;
    if let Some(img) = loaded_image(sim, ctx) {
        // The loaded containers that name this image (imageSha, imageUuid or imageId).
        let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
        let ours = |c: &Value| {
            ["imageSha", "imageUuid", "imageId"].iter().any(|k| {
                let key = match *k {
                    "imageSha" => "sha",
                    "imageUuid" => "uuid",
                    _ => "imageId",
                };
                c[*k].is_string() && c[*k] == img[key]
            })
        };
        let cs: Vec<&Value> = l
            .containers
            .iter()
            .filter(|c| ours(c))
            .filter(|v| {
                filter.as_ref().is_none_or(|e| {
                    e.eval(&RecF {
                        v,
                        kind: Kind::Container,
                    })
                })
            })
            .collect();
        let containers: Vec<Value> = cs
            .iter()
            .map(|c| json!({"uuid": c["uuid"], "sha": c["sha"], "containerId": c["containerId"], "name": c["name"], "state": c["state"], "created": c["created"], "host": c["host"]}))
            .collect();
        let mut hosts: Vec<Value> = Vec::new();
        for c in &cs {
            if !c["host"].is_null() && !hosts.contains(&c["host"]) {
                hosts.push(c["host"].clone());
            }
        }
        return ok(&json!({
            "containers": if want("CONTAINER") { Value::Array(containers) } else { json!([]) },
            "driftContainers": [],
            "hosts": if want("HOST") { Value::Array(hosts) } else { json!([]) },
        }));
    }
    let i = image_idx(sim, ctx)?;
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
    ok(&json!({
        "containers": if want("CONTAINER") { Value::Array(containers) } else { json!([]) },
        "driftContainers": [],
        "hosts": if want("HOST") { Value::Array(hosts) } else { json!([]) },
    }))
}

pub(super) fn image_registries(sim: &Sim, ctx: &Ctx) -> R {
    if let Some(v) = loaded_image(sim, ctx) {
        let reg_uuid = v["registryUuid"]
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null);
        let out: Vec<Value> = v["repo"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| json!({"registry": r["registry"], "registryUuid": reg_uuid, "repo": r["repository"], "tag": r["tag"]}))
            .collect();
        return ok(&Value::Array(out));
    }
    let i = image_idx(sim, ctx)?;
    let w = &sim.world;
    let (r, repo, tag) = w.img_repo(i);
    let uri = w.registry_uri(r);
    let host = uri.split("://").nth(1).unwrap_or(&uri).to_string();
    ok(&json!([{"registry": host, "registryUuid": w.registry_uuid(r), "repo": repo, "tag": tag}]))
}

pub(super) fn image_instrument(sim: &Sim, ctx: &Ctx) -> R {
    if let Some(k) = loaded::find(sim, ctx.param("imageSha"), Kind::Image) {
        let _body = ctx.json_obj()?;
        let mut l = sim.loaded.write().unwrap_or_else(|p| p.into_inner());
        let v = &mut l.images[k];
        v["isInstrumented"] = json!(true);
        v["instrumentationState"] = json!("INSTRUMENTED");
        v["instrumentedFrom"] = json!("REGISTRY");
        return ok_text(v["sha"].as_str().unwrap_or("").to_string());
    }
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
