//! Loaded images and containers: their filter fields (the generated ones' names and value
//! types, so one QQL term means the same on both), lookups, the tags assigned to them, and the
//! answers their detail endpoints give.

use crate::data;
use crate::filter::Gen as Kind;
use crate::qql::{FVal, Fields, walk};
use crate::records::Stored;
use crate::state::Sim;
use crate::synth::{h, salt};
use serde_json::{Value, json};

/// Software the vulnerabilities of a loaded record point at (a record carries no package list).
pub(super) const SOFTWARE: &[(&str, &str, &str)] = &[
    ("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12"),
    ("zlib1g", "1:1.2.11.dfsg-2ubuntu9", ""),
    ("libc6", "2.35-0ubuntu3.1", "2.35-0ubuntu3.4"),
];

/// A loaded record seen by a filter or sort, under the field names of `ImgF`/`CtrF`.
pub(crate) struct RecF<'a> {
    pub v: &'a Value,
    pub kind: Kind,
}

impl Fields for RecF<'_> {
    fn field(&self, name: &str) -> Option<FVal<'_>> {
        let (prefix, aliases): (&str, &[(&str, &str)]) = match self.kind {
            Kind::Image => (
                "image.",
                &[("os", "operatingSystem"), ("imagesInUse", "lastUsedDate")],
            ),
            Kind::Container => (
                "container.",
                &[
                    ("hostname", "host.hostname"),
                    ("sensorUuid", "host.sensorUuid"),
                ],
            ),
        };
        let n = name.strip_prefix(prefix).unwrap_or(name);
        let n = aliases.iter().find(|(a, _)| *a == n).map_or(n, |(_, t)| *t);
        if n == "vulnerabilities.severity" {
            // The severities present, as the generated items derive them from their counts.
            let c = counts(self.v);
            return Some(FVal::List(
                (0..5)
                    .filter(|&k| c[k] > 0)
                    .map(|k| FVal::Num(k as f64 + 1.0))
                    .collect(),
            ));
        }
        let segs: Vec<&str> = n.split('.').collect();
        // A key the record lacks reads as null (generated items always have every field).
        Some(walk(self.v, &segs).unwrap_or(FVal::Null))
    }
}

pub(super) fn counts(v: &Value) -> [u64; 5] {
    let mut c = [0; 5];
    for (k, slot) in c.iter_mut().enumerate() {
        *slot = v["vulnerabilities"][format!("severity{}Count", k + 1)]
            .as_u64()
            .unwrap_or(0);
    }
    c
}

pub(super) fn epoch(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap_or(0),
        v => v.as_u64().unwrap_or(0),
    }
}

fn norm(id: &str) -> String {
    id.trim().trim_start_matches("sha256:").to_ascii_lowercase()
}

/// Whether a loaded record answers to this id (uuid, sha, or the sha's 12-digit short form).
pub(super) fn is(v: &Value, id: &str, short_key: &str) -> bool {
    let id = norm(id);
    if id.is_empty() {
        return false;
    }
    v["uuid"]
        .as_str()
        .is_some_and(|u| u.eq_ignore_ascii_case(&id))
        || v["sha"]
            .as_str()
            .is_some_and(|s| s == id || (id.len() >= 12 && s.starts_with(&id)))
        || v[short_key]
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case(&id))
}

/// The position of the loaded image or container answering to `id`.
pub(super) fn find(sim: &Sim, id: &str, kind: Kind) -> Option<usize> {
    let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    match kind {
        Kind::Image => l.images.iter().position(|v| is(v, id, "imageId")),
        Kind::Container => l.containers.iter().position(|v| is(v, id, "containerId")),
    }
}

/// A copy of the loaded record answering to `id`.
pub(super) fn get(sim: &Sim, id: &str, kind: Kind) -> Option<Value> {
    let k = find(sim, id, kind)?;
    let l = sim.loaded.read().unwrap_or_else(|p| p.into_inner());
    match kind {
        Kind::Image => l.images.get(k).cloned(),
        Kind::Container => l.containers.get(k).cloned(),
    }
}

/// The tags assigned to an entity (by `tag/assign`), as `[{tagId, name}]`; a deleted tag is gone.
pub(super) fn tags_of(st: &Stored, uuid: &str) -> Value {
    let Some(names) = st.assignments.get(uuid) else {
        return json!([]);
    };
    let mut out = Vec::new();
    for n in names {
        if let Some(t) = st.tags.iter().find(|t| t["name"] == n.as_str())
            && !out.iter().any(|o: &Value| o["name"] == t["name"])
        {
            out.push(json!({"tagId": t["tagId"], "name": t["name"]}));
        }
    }
    Value::Array(out)
}

/// `,"tags":[...]}` in place of an item's closing brace, for the byte-written list items.
pub(super) fn splice_tags(out: &mut Vec<u8>, st: &Stored, uuid: impl FnOnce() -> String) {
    // Only an item with tags assigned carries the key: neither the seeds nor the spec show it, so
    // an untagged item stays exactly as they do (and a list costs nothing until a tag is assigned).
    if st.assignments.is_empty() || out.last() != Some(&b'}') {
        return;
    }
    let tags = tags_of(st, &uuid());
    if tags.as_array().is_none_or(|a| a.is_empty()) {
        return;
    }
    out.pop();
    out.extend_from_slice(b",\"tags\":");
    out.extend_from_slice(tags.to_string().as_bytes());
    out.push(b'}');
}

/// A loaded record with its assigned tags, as the lists and `get` serve it.
pub(super) fn with_tags(st: &Stored, v: &Value) -> Value {
    let mut v = v.clone();
    let uuid = v["uuid"].as_str().unwrap_or("").to_string();
    if let Some(o) = v.as_object_mut() {
        // A record that brought its own `tags` keeps them, with the assigned ones after.
        let mut tags = match o.get("tags") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![],
        };
        for t in tags_of(st, &uuid).as_array().into_iter().flatten() {
            if !tags.iter().any(|x| x["name"] == t["name"]) {
                tags.push(t.clone());
            }
        }
        if !tags.is_empty() || o.contains_key("tags") {
            o.insert("tags".into(), Value::Array(tags));
        }
    }
    v
}

/// A stable number per record for the generated parts of its answers (vulnerabilities...).
fn x_of(v: &Value) -> u64 {
    v["sha"]
        .as_str()
        .and_then(|s| u64::from_str_radix(s.get(..16)?, 16).ok())
        .unwrap_or(0)
}

/// The vulnerabilities of a loaded record, consistent with its severity counts.
pub(super) fn vulns(sim: &Sim, v: &Value) -> Vec<Value> {
    data::vulns(
        sim.cfg.seed,
        salt::IMG ^ 0x10AD,
        x_of(v),
        counts(v),
        epoch(&v["created"]),
        SOFTWARE,
    )
}

pub(super) fn compliance(sim: &Sim, v: &Value) -> Value {
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    data::compliance(
        &sim.world,
        s("uuid"),
        s("sha"),
        epoch(&v["created"]),
        epoch(&v["updated"]),
        h(sim.cfg.seed, salt::IMG ^ 0x10AD, x_of(v), 40),
    )
}

pub(super) fn software(v: &[Value]) -> Vec<Value> {
    data::software_list(SOFTWARE, v)
}

/// The bulk lists' form: `vulnerabilities` as `{qid, result, software}` items, `softwares`.
pub(super) fn bulk(sim: &Sim, st: &Stored, v: &Value) -> Value {
    let mut out = with_tags(st, v);
    let list: Vec<Value> = vulns(sim, v)
        .into_iter()
        .map(|x| json!({"qid": x["qid"], "result": x["result"], "software": x["software"]}))
        .collect();
    out["vulnerabilities"] = Value::Array(list);
    if out.get("softwares").is_none() {
        out["softwares"] = json!(SOFTWARE
            .iter()
            .map(|(n, ver, f)| json!({"name": n, "version": ver, "fixVersion": if f.is_empty() { Value::Null } else { json!(f) }, "packagePath": null}))
            .collect::<Vec<_>>());
    }
    out
}
