//! The inventory's vulnerability views (P45..P48, observed on tenants): every view is computed
//! from the images' own vulnerabilities (S42 with `applyException=false`, P10), so that the
//! counts by severity are the sums over the live images and each finding is an image's row.

use super::ctx::{Ctx, R, not_found, ok};
use super::list::{ListSpec, value_page};
use super::loaded;
use crate::data;
use crate::state::Sim;
use crate::synth::{self, salt};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The salt of a vulnerability's view uuid (one per QID).
const VULN_UUID: u64 = 0x7011_D0C5;
/// The salt of a finding's uuid (one per row of an image's list: an image may list a QID twice,
/// and the uuid keeps those rows apart, so that pages never repeat).
const FINDING_UUID: u64 = 0xF1_D1C5;
/// A finding's index: the loaded flag, the image's position, and the row (12 bits).
const LOADED_BIT: u64 = 1 << 40;
const ROW_BITS: u32 = 12;

const DEF_SPEC: ListSpec = ListSpec {
    prefix: "",
    aliases: &[],
    default_sort: None,
    groups: false,
};

/// A live image: generated (by index) or loaded (a copy).
enum Img {
    Gen(u64),
    /// Its position among the loaded images, and the record.
    Loaded(u64, Value),
}

fn images(sim: &Sim) -> Vec<Img> {
    let mut out: Vec<Img> = (0..sim.world.images)
        .filter(|&i| sim.image_live(i))
        .map(Img::Gen)
        .collect();
    let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    out.extend(
        l.images
            .iter()
            .cloned()
            .enumerate()
            .map(|(k, v)| Img::Loaded(k as u64, v)),
    );
    out
}

fn finding_uuid(sim: &Sim, img: &Img, row: usize) -> String {
    let key = match img {
        Img::Gen(i) => i << ROW_BITS,
        Img::Loaded(k, _) => LOADED_BIT | (k << ROW_BITS),
    } | row as u64;
    synth::uuid_for(sim.cfg.seed, FINDING_UUID, key)
}

/// The image and row a finding's uuid names, if it names a live one.
fn finding(sim: &Sim, uuid: &str) -> Option<(Img, Value)> {
    let uuid = uuid.to_ascii_lowercase();
    let key = synth::index_of_uuid(sim.cfg.seed, FINDING_UUID, &uuid)?;
    if synth::uuid_for(sim.cfg.seed, FINDING_UUID, key) != uuid {
        return None;
    }
    let (pos, row) = (
        (key & !LOADED_BIT) >> ROW_BITS,
        (key & ((1 << ROW_BITS) - 1)) as usize,
    );
    let img = if key & LOADED_BIT != 0 {
        let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
        Img::Loaded(pos, l.images.get(pos as usize)?.clone())
    } else {
        sim.image_live(pos).then_some(Img::Gen(pos))?
    };
    let v = img.vulns(sim).into_iter().nth(row)?;
    Some((img, v))
}

impl Img {
    /// `(imageId, uuid, sha)`.
    fn ids(&self, sim: &Sim) -> (Value, Value, Value) {
        let w = &sim.world;
        match self {
            Img::Gen(i) => (
                json!(w.img_short(*i)),
                json!(w.img_uuid(*i)),
                json!(w.img_sha(*i)),
            ),
            Img::Loaded(_, v) => (v["imageId"].clone(), v["uuid"].clone(), v["sha"].clone()),
        }
    }

    /// Severity counts, as P10 answers them for the image.
    fn counts(&self, sim: &Sim) -> [u64; 5] {
        match self {
            Img::Gen(i) => sim.world.img_sev(*i),
            Img::Loaded(_, v) => loaded::counts(v),
        }
    }

    /// The image's vulnerabilities, as S42 answers them with `applyException=false`.
    fn vulns(&self, sim: &Sim) -> Vec<Value> {
        match self {
            Img::Gen(i) => {
                let w = &sim.world;
                data::vulns(
                    w.seed,
                    salt::IMG,
                    *i,
                    w.img_sev(*i),
                    w.img_created(*i),
                    &w.img_software(*i),
                )
            }
            Img::Loaded(_, v) => loaded::vulns(sim, v),
        }
    }
}

fn severity_counts(c: [u64; 5]) -> Value {
    json!({"severity5Count": c[4], "severity4Count": c[3], "severity3Count": c[2], "severity2Count": c[1], "severity1Count": c[0]})
}

fn vuln_uuid(sim: &Sim, qid: u64) -> String {
    synth::uuid_for(sim.cfg.seed, VULN_UUID, qid)
}

fn page_params(ctx: &Ctx) -> (u64, u64) {
    let n = |k: &str, d: u64| {
        ctx.q(k)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&v| v >= 1)
            .unwrap_or(d)
    };
    (n("pageNumber", 1), n("pageSize", 50))
}

/// P45: one item per vulnerability found on an image, in image order; `groupBy=imageId`: one
/// item per image with its counts. Only the images on the page are expanded.
pub(super) fn vuln_list(sim: &Sim, ctx: &Ctx) -> R {
    let imgs = images(sim);
    if ctx
        .q("groupBy")
        .is_some_and(|g| g.eq_ignore_ascii_case("imageId"))
    {
        let items: Vec<Value> = imgs
            .iter()
            .map(|img| {
                let (id, uuid, sha) = img.ids(sim);
                let c = img.counts(sim);
                json!({"imageId": id, "imageUuid": uuid, "imageSha": sha, "vulnCount": c.iter().sum::<u64>(), "severityCounts": severity_counts(c)})
            })
            .collect();
        return value_page(ctx, items, &DEF_SPEC, &json!({}));
    }
    let (page, size) = page_params(ctx);
    let total: u64 = imgs
        .iter()
        .map(|img| img.counts(sim).iter().sum::<u64>())
        .sum();
    let start = (page - 1).saturating_mul(size);
    let mut data = Vec::new();
    let mut seen = 0u64;
    for img in &imgs {
        let n: u64 = img.counts(sim).iter().sum();
        if seen + n <= start {
            seen += n;
            continue;
        }
        let (id, uuid, sha) = img.ids(sim);
        for (row, v) in img.vulns(sim).into_iter().enumerate() {
            if seen >= start && (data.len() as u64) < size {
                data.push(json!({
                    "uuid": finding_uuid(sim, img, row), "vulnUuid": v["qid"].as_u64().map(|q| vuln_uuid(sim, q)),
                    "qid": v["qid"], "severity": v["severity"], "title": v["title"], "cveIds": v["cveids"],
                    "patchAvailable": v["patchAvailable"], "category": v["category"], "published": v["published"],
                    "imageId": id, "imageUuid": uuid, "imageSha": sha,
                }));
            }
            seen += 1;
        }
        if data.len() as u64 >= size {
            break;
        }
    }
    ok(&json!({"data": data, "count": total}))
}

/// P46: the number of findings; `groupBy=severity` adds the counts by severity (the sums of P10
/// over the live images).
pub(super) fn vuln_count(sim: &Sim, ctx: &Ctx) -> R {
    let mut c = [0u64; 5];
    for img in images(sim) {
        for (k, n) in img.counts(sim).into_iter().enumerate() {
            c[k] += n;
        }
    }
    let mut out = json!({"count": c.iter().sum::<u64>()});
    if ctx
        .q("groupBy")
        .is_some_and(|g| g.eq_ignore_ascii_case("severity"))
    {
        for (k, v) in severity_counts(c).as_object().expect("object") {
            out[k] = v.clone();
        }
    }
    ok(&out)
}

/// Every QID of the inventory: its definition (from the first image that has it) and the images
/// that have it, in QID order.
fn definitions(sim: &Sim) -> BTreeMap<u64, (Value, Vec<Value>)> {
    let mut out: BTreeMap<u64, (Value, Vec<Value>)> = BTreeMap::new();
    for img in images(sim) {
        let (id, uuid, sha) = img.ids(sim);
        for v in img.vulns(sim) {
            let Some(qid) = v["qid"].as_u64() else {
                continue;
            };
            let entry = out.entry(qid).or_insert_with(|| {
                let def = json!({
                    "uuid": vuln_uuid(sim, qid), "qid": qid, "severity": v["severity"], "title": v["title"],
                    "category": v["category"], "cveIds": v["cveids"], "patchAvailable": v["patchAvailable"],
                    "published": v["published"],
                });
                (def, Vec::new())
            });
            let found = json!({"imageId": id, "imageUuid": uuid, "imageSha": sha});
            // An image that lists a QID twice is one affected image.
            if !entry.1.contains(&found) {
                entry.1.push(found);
            }
        }
    }
    out
}

fn with_count(def: &Value, images: &[Value]) -> Value {
    let mut d = def.clone();
    d["imageCount"] = json!(images.len());
    d
}

/// P47: one item per QID of the inventory, with the number of images that have it.
pub(super) fn vuln_definitions(sim: &Sim, ctx: &Ctx) -> R {
    let items: Vec<Value> = definitions(sim)
        .values()
        .map(|(def, imgs)| with_count(def, imgs))
        .collect();
    value_page(ctx, items, &DEF_SPEC, &json!({}))
}

/// P48 (release 1.43 "Vulnerability Details for an image"): a finding's uuid (P45) gives its
/// QID's definition and the finding on its image; a definition's uuid (P47) gives the definition
/// and every image that has it.
pub(super) fn vuln_get(sim: &Sim, ctx: &Ctx) -> R {
    let id = ctx.param("uuid");
    let defs = definitions(sim);
    if let Some((img, v)) = finding(sim, id) {
        let qid = v["qid"].as_u64().unwrap_or(0);
        let (def, imgs) = defs.get(&qid).expect("a finding's QID is defined");
        let (image_id, uuid, sha) = img.ids(sim);
        return ok(&json!({
            "vulnDef": with_count(def, imgs),
            "vulnerabilityDetailDTO": {
                "uuid": id, "qid": qid, "imageId": image_id, "imageUuid": uuid, "imageSha": sha,
                "result": v["result"], "software": v["software"], "firstFound": v["firstFound"],
                "lastFound": v["lastFound"], "typeDetected": v["typeDetected"],
            },
        }));
    }
    defs.values()
        .find(|(def, _)| def["uuid"].as_str().is_some_and(|u| u.eq_ignore_ascii_case(id)))
        .map(|(def, imgs)| {
            ok(&json!({
                "vulnDef": with_count(def, imgs),
                "vulnerabilityDetailDTO": {"qid": def["qid"], "imageCount": imgs.len(), "images": imgs},
            }))
        })
        .unwrap_or_else(|| Err(not_found(format!("Vulnerability {id} not found"))))
}
