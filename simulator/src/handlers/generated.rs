//! What the image and container handlers share: the item a path names (by uuid or sha, through
//! `Sim::find_generated`), deleting by ids or filter, and the vulnerability and software list
//! specs.

use super::ctx::{Ctx, R, bad, delete_selection, not_found, ok};
use super::list::{ListSpec, ctr_known, img_known, parse_filter_str};
use super::loaded::{self, RecF};
use crate::data::{self, CtrF, ImgF};
use crate::filter::Gen as Kind;
use crate::state::Sim;
use axum::response::Response;
use serde_json::{Value, json};

pub(super) fn image_idx(sim: &Sim, ctx: &Ctx) -> Result<u64, Response> {
    let id = ctx.param("imageSha");
    sim.find_generated(id, Kind::Image)
        .ok_or_else(|| not_found(format!("Image {id} not found")))
}

pub(super) fn container_idx(sim: &Sim, ctx: &Ctx) -> Result<u64, Response> {
    let id = ctx.param("containerSha");
    sim.find_generated(id, Kind::Container)
        .ok_or_else(|| not_found(format!("Container {id} not found")))
}

pub(super) const VULN_SPEC: ListSpec = ListSpec {
    prefix: "vulnerabilities.",
    aliases: &[("cve", "cveids"), ("cveId", "cveids")],
    default_sort: Some("qid:asc"),
    groups: false,
};

pub(super) fn vuln_template() -> Value {
    data::vulns(0, 0, 0, [0, 0, 0, 0, 1], 0, &[("a", "1", "")]).remove(0)
}

pub(super) const SOFTWARE_SPEC: ListSpec = ListSpec {
    prefix: "software.",
    aliases: &[],
    default_sort: None,
    groups: false,
};

pub(super) fn software_template() -> Value {
    data::software_list(&[("a", "1", "2")], &[]).remove(0)
}

pub(super) fn generated_delete(sim: &Sim, ctx: &Ctx, kind: Kind) -> R {
    let key = if kind == Kind::Image {
        "imageIds"
    } else {
        "containerIds"
    };
    let (ids, filter) = delete_selection(ctx, key)?;
    let w = &sim.world;
    let mut targets = Vec::new();
    // Loaded records selected (by position), removed with the generated ones.
    let mut picked: Vec<usize> = Vec::new();
    let known: &dyn Fn(&str) -> bool = if kind == Kind::Image {
        &img_known
    } else {
        &ctr_known
    };
    let expr = match (&ids[..], &filter) {
        ([], Some(f)) => Some(parse_filter_str(f, known)?.ok_or_else(|| bad("Invalid filter"))?),
        _ => None,
    };
    {
        let short = if kind == Kind::Image {
            "imageId"
        } else {
            "containerId"
        };
        let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
        let recs = if kind == Kind::Image {
            &l.images
        } else {
            &l.containers
        };
        for (k, v) in recs.iter().enumerate() {
            let hit = if ids.is_empty() {
                expr.as_ref().is_some_and(|e| e.eval(&RecF { v, kind }))
            } else {
                ids.iter().any(|id| loaded::is(v, id, short))
            };
            if hit {
                picked.push(k);
            }
        }
    }
    if !ids.is_empty() {
        for id in &ids {
            if let Some(i) = sim.find_generated(id, kind) {
                targets.push(i);
            }
        }
        if targets.is_empty() && picked.is_empty() {
            return Err(not_found(format!("None of the given {key} exist")));
        }
    } else if let Some(e) = expr {
        let n = if kind == Kind::Image {
            w.images
        } else {
            w.containers
        };
        let del = sim.deleted.read().unwrap_or_else(|p| p.into_inner());
        let d = if kind == Kind::Image {
            &del.images
        } else {
            &del.containers
        };
        targets = (0..n)
            .filter(|i| !d.contains(i))
            .filter(|&i| {
                if kind == Kind::Image {
                    e.eval(&ImgF { w, i })
                } else {
                    e.eval(&CtrF { w, j: i })
                }
            })
            .collect();
    }
    if !picked.is_empty() {
        let mut l = sim.loaded.write().unwrap_or_else(|p| p.into_inner());
        let mut k = 0;
        if kind == Kind::Image {
            // As for generated images: one with active loaded containers is skipped.
            let active: Vec<Value> = l
                .containers
                .iter()
                .filter(|c| c["state"] != "DELETED")
                .map(|c| c["imageSha"].clone())
                .collect();
            l.images.retain(|v| {
                let gone = picked.contains(&k) && !active.contains(&v["sha"]);
                k += 1;
                !gone
            });
        } else {
            l.containers.retain(|_| {
                let gone = picked.contains(&k);
                k += 1;
                !gone
            });
        }
    }
    let mut del = sim.deleted.write().unwrap_or_else(|p| p.into_inner());
    for i in targets {
        match kind {
            Kind::Image => {
                // Images with active (CREATED, RUNNING, STOPPED, PAUSED) containers are skipped.
                let in_use = w
                    .img_container_ids(i)
                    .any(|j| !del.containers.contains(&j) && w.ctr_state(j) != "DELETED");
                if !in_use {
                    del.images.insert(i);
                }
            }
            Kind::Container => {
                del.containers.insert(i);
            }
        }
    }
    drop(del);
    ok(&json!({"deletionJobId": sim.new_uuid()}))
}
