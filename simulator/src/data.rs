//! Object shapes of the generated images and containers (and the vulnerabilities, software and
//! compliance they carry), following the fixtures (same keys, same value types: epoch-ms
//! strings, int sizes...). The stored collections' shapes are in `collections`.

use crate::qql::{FVal, Fields};
use crate::synth::{self, NOW_MS, QIDS, World, h, ms, pick, salt};
use serde_json::{Value, json};
use std::borrow::Cow;

fn host_of(uri: &str) -> String {
    uri.split("://")
        .nth(1)
        .unwrap_or(uri)
        .trim_end_matches('/')
        .to_string()
}

fn sev_json(c: Option<[u64; 5]>) -> Value {
    match c {
        Some(c) => json!({
            "severity5Count": c[4], "severity3Count": c[2], "severity4Count": c[3],
            "severity1Count": c[0], "severity2Count": c[1],
        }),
        None => json!({
            "severity5Count": null, "severity3Count": null, "severity4Count": null,
            "severity1Count": null, "severity2Count": null,
        }),
    }
}

// ------------------------------------------------------------------ images

pub(crate) fn img_registry_uuid(w: &World, i: u64) -> Option<String> {
    (w.img_source(i) == "REGISTRY").then(|| w.registry_uuid(w.img_repo(i).0))
}

fn img_repo_json(w: &World, i: u64) -> (Value, Value) {
    let (r, repo, tag) = w.img_repo(i);
    let reg = host_of(&w.registry_uri(r));
    let digest = format!("sha256:{}", synth::hex64(w.seed, salt::IMG ^ 0xd1, i));
    (
        json!([{"registry": reg, "tag": tag, "repository": repo}]),
        json!([{"registry": reg, "repository": repo, "digest": digest}]),
    )
}

fn last_found(w: &World, i: u64) -> Value {
    let s = w.img_sensor(i);
    json!({
        "hostname": w.sensor_hostname(s),
        "ipAddress": w.sensor_ip(s),
        "sensorUuid": w.sensor_uuid(s),
        "uuid": synth::uuid_for(w.seed, salt::SENSOR ^ 0xff, s),
    })
}

fn instrumentation(instrumented: bool) -> (Value, Value) {
    if instrumented {
        (json!("INSTRUMENTED"), json!("REGISTRY"))
    } else {
        (Value::Null, Value::Null)
    }
}

/// An images-list item (S17): the S002 keys first, then the v1.3 additions. The server writes
/// it with `fast::img_list`; this `Value` form is the reference its tests compare against.
#[cfg(test)]
pub(crate) fn img_list(w: &World, i: u64, instrumented: bool) -> Value {
    let (repo, digests) = img_repo_json(w, i);
    let n = w.img_containers(i);
    let (state, from) = instrumentation(instrumented);
    let updated = w.img_updated(i);
    json!({
        "created": ms(w.img_created(i)),
        "sha": w.img_sha(i),
        "repo": repo,
        "uuid": w.img_uuid(i),
        "size": w.img_size(i),
        "vulnerabilities": sev_json(Some(w.img_sev(i))),
        "imageId": w.img_short(i),
        "associatedContainersCount": n,
        "associatedHostsCount": if n > 0 { 1 } else { 0 },
        "lastScanned": ms(updated),
        "registryUuid": img_registry_uuid(w, i).into_iter().collect::<Vec<_>>(),
        "source": [w.img_source(i)],
        "updated": ms(updated),
        "author": "",
        "repoDigests": digests,
        "isDockerHubOfficial": w.img_repo(i).1.starts_with("library/"),
        "isInstrumented": instrumented,
        "instrumentedFrom": from,
        "instrumentationState": state,
        "scanType": "STATIC",
        "scanTypes": ["STATIC"],
        "scanErrorCode": null,
        "scanStatus": "SUCCESS",
        "lastFoundOnHost": last_found(w, i),
        "lastUsedDate": if n > 0 { Value::String(ms(updated)) } else { Value::Null },
        "lastVmScanDate": null,
    })
}

const LAYER_CMDS: [&str; 6] = [
    "/bin/sh -c #(nop) ADD file:1234 in / ",
    "/bin/sh -c apt-get update",
    "/bin/sh -c #(nop) COPY app /app",
    "/bin/sh -c #(nop)  CMD [\"/app\"]",
    "/bin/sh -c #(nop) EXPOSE 8080",
    "/bin/sh -c useradd app",
];

fn layers(w: &World, i: u64) -> Value {
    let k = 3 + h(w.seed, salt::IMG, i, 20) % 4;
    let created = w.img_created(i);
    Value::Array(
        (0..k)
            .map(|l| {
                json!({
                    "comment": null,
                    "created": ms(created - (k - l) * 60_000),
                    "createdBy": LAYER_CMDS[l as usize % LAYER_CMDS.len()],
                    "id": null,
                    "sha": format!("sha256:{}", synth::hex64(w.seed, salt::IMG ^ (0x100 + l), i)),
                    "size": h(w.seed, salt::IMG, i, 30 + l) % 50_000_000,
                    "tags": null,
                })
            })
            .collect(),
    )
}

fn softwares(w: &World, i: u64) -> Value {
    Value::Array(
        w.img_software(i)
            .into_iter()
            .map(|(n, v, f)| {
                json!({"name": n, "version": v, "fixVersion": if f.is_empty() { Value::Null } else { Value::String(f.into()) }, "packagePath": null})
            })
            .collect(),
    )
}

/// Image details (S19).
pub(crate) fn img_details(w: &World, i: u64, instrumented: bool) -> Value {
    let (repo, digests) = img_repo_json(w, i);
    let (state, from) = instrumentation(instrumented);
    let sev = w.img_sev(i);
    let updated = w.img_updated(i);
    let hosts: Vec<Value> = w
        .img_container_ids(i)
        .take(1)
        .map(|j| {
            let s = w.ctr_sensor(j);
            json!({"sensorUuid": w.sensor_uuid(s), "hostname": w.sensor_hostname(s), "ipAddress": w.sensor_ip(s)})
        })
        .collect();
    json!({
        "created": ms(w.img_created(i)),
        "updated": ms(updated),
        "author": "",
        "repo": repo,
        "repoDigests": digests,
        "label": [{"key": "maintainer", "value": "ops@example.com"}],
        "uuid": w.img_uuid(i),
        "sha": w.img_sha(i),
        "operatingSystem": w.img_os(i),
        "customerUuid": w.customer_uuid,
        "dockerVersion": "24.0.7",
        "size": w.img_size(i),
        "layers": layers(w, i),
        "host": hosts,
        "architecture": "amd64",
        "imageId": w.img_short(i),
        "registryUuid": img_registry_uuid(w, i).into_iter().collect::<Vec<_>>(),
        "source": [w.img_source(i)],
        "totalVulnCount": sev.iter().sum::<u64>(),
        "vulnerabilities": sev_json(Some(sev)),
        "users": ["root"],
        "instrumentationState": state,
        "instrumentedFrom": from,
        "isDockerHubOfficial": w.img_repo(i).1.starts_with("library/"),
        "isInstrumented": instrumented,
        "scanType": "STATIC",
        "scanErrorCode": null,
        "scanStatus": "SUCCESS",
        "lastScanned": ms(updated),
        "lastFoundOnHost": last_found(w, i),
        "isContinuouslyAssessed": w.img_source(i) == "CONTINUOUS_ASSESSMENT",
        "lastAssessed": ms(updated),
    })
}

/// A bulk images-list item (P05): vulnerabilities carry only `qid`, `result`, `software`.
/// Served by `fast::img_bulk`; this is the tests' reference.
#[cfg(test)]
pub(crate) fn img_bulk(w: &World, i: u64, instrumented: bool) -> Value {
    let mut v = img_details(w, i, instrumented);
    let o = v.as_object_mut().expect("object");
    for k in [
        "host",
        "totalVulnCount",
        "isContinuouslyAssessed",
        "lastAssessed",
    ] {
        o.shift_remove(k);
    }
    o.insert("softwares".into(), softwares(w, i));
    let vulns: Vec<Value> = vulns(
        w.seed,
        salt::IMG,
        i,
        w.img_sev(i),
        w.img_created(i),
        &w.img_software(i),
    )
    .into_iter()
    .map(|v| json!({"qid": v["qid"], "result": v["result"], "software": v["software"]}))
    .collect();
    o.insert("vulnerabilities".into(), Value::Array(vulns));
    v
}

/// Full vulnerability objects (S42/S43 `details`), consistent with the severity counts.
pub(crate) fn vulns(
    seed: u64,
    s: u64,
    i: u64,
    sev: [u64; 5],
    created: u64,
    sw: &[(&str, &str, &str)],
) -> Vec<Value> {
    let mut out = Vec::new();
    for (si, &n) in sev.iter().enumerate() {
        let pool = QIDS[si];
        for k in 0..n {
            let x = h(seed, s ^ 0x7011, i, (si as u64) * 16 + k);
            let (qid, title, cat, cve) = pool[((x + k) % pool.len() as u64) as usize];
            let severity = si as u64 + 1;
            let published = 1_141_200_000_000 + (qid * 7919 % 500) * 86_400_000 * 9;
            let affected = (severity >= 3)
                .then(|| sw[(x % sw.len().max(1) as u64) as usize % sw.len().max(1)]);
            let soft = match affected {
                Some((n, v, f)) => {
                    json!([{"name": n, "version": v, "fixVersion": if f.is_empty() { Value::Null } else { Value::String(f.into()) }}])
                }
                None => Value::Null,
            };
            // A patch is available exactly when the affected package has a fixed version: the
            // finding's fields agree with each other (a report shows the patch and the upgrade
            // side by side).
            let patch = affected.is_some_and(|(_, _, f)| !f.is_empty());
            out.push(json!({
                "vulnerability": null,
                "result": format!("Detected on {}\\n", pick(synth::OSES, x)),
                "lastFound": ms(created + 3_600_000),
                "firstFound": ms(created + 60_000),
                "fixed": null,
                "severity": severity,
                "customerSeverity": severity,
                "port": null,
                "typeDetected": if x.is_multiple_of(5) { "POTENTIAL" } else { "CONFIRMED" },
                "status": null,
                "nonRunningKernel": null,
                "nonExploitableConfig": null,
                "runningService": null,
                "risk": severity * 10,
                "category": cat,
                "os": null,
                "discoveryType": ["REMOTE"],
                "authType": [],
                "supportedBy": ["VM", "CS"],
                "product": [],
                "vendor": [],
                "cveids": if cve.is_empty() { json!([]) } else { json!([cve]) },
                "threatIntel": {
                    "activeAttacks": null, "zeroDay": null, "publicExploit": if severity == 5 { Value::Bool(true) } else { Value::Null },
                    "highLateralMovement": null, "easyExploit": true, "highDataLoss": null, "noPatch": !patch,
                    "denialOfService": null, "malware": null, "exploitKit": null, "publicExploitNames": null,
                    "malwareNames": null, "exploitKitNames": null,
                },
                "qid": qid,
                "title": title,
                "cvssInfo": {"baseScore": format!("{:.1}", 2.0 + severity as f64 * 1.5), "temporalScore": format!("{:.1}", 1.8 + severity as f64 * 1.4), "accessVector": "Network"},
                "cvss3Info": {"baseScore": format!("{:.1}", 2.8 + severity as f64 * 1.4), "temporalScore": format!("{:.1}", 2.5 + severity as f64 * 1.3)},
                "patchAvailable": patch,
                "published": published,
                "ageInDays": (NOW_MS - published) / 86_400_000,
                "software": soft,
                "layerSha": null,
            }));
        }
    }
    out
}

pub(crate) fn vuln_summary(list: &[Value]) -> Value {
    let mut conf = [0u64; 5];
    let mut pot = [0u64; 5];
    let mut conf_patch = [0u64; 5];
    let mut pot_patch = [0u64; 5];
    for v in list {
        let s = v["severity"].as_u64().unwrap_or(1).clamp(1, 5) as usize - 1;
        let patchable = v["patchAvailable"] == true;
        if v["typeDetected"] == "POTENTIAL" {
            pot[s] += 1;
            pot_patch[s] += u64::from(patchable);
        } else {
            conf[s] += 1;
            conf_patch[s] += u64::from(patchable);
        }
    }
    // The OpenAPI description (csapi v1.3) names `patchAvailability`'s keys `confirmed` and
    // `potential`, objects like the top-level ones: here the severity counts of the vulns of each
    // kind that have a patch.
    json!({
        "confirmed": sev_json(Some(conf)),
        "potential": sev_json(Some(pot)),
        "patchAvailability": {
            "confirmed": sev_json(Some(conf_patch)),
            "potential": sev_json(Some(pot_patch)),
        },
    })
}

pub(crate) fn software_list(sw: &[(&str, &str, &str)], vulns: &[Value]) -> Vec<Value> {
    sw.iter()
        .map(|(n, v, f)| {
            let vs: Vec<Value> = vulns
                .iter()
                .filter(|x| {
                    x["software"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|s| s["name"] == *n))
                })
                .map(|x| json!({"qid": x["qid"], "severity": x["severity"], "title": x["title"]}))
                .collect();
            json!({
                "name": n,
                "version": v,
                "fixVersion": if f.is_empty() { Value::Null } else { Value::String((*f).into()) },
                "packagePath": null,
                "vulnerabilities": vs,
                "lifecycle": {"eol": null, "eos": null, "stage": "GA"},
            })
        })
        .collect()
}

pub(crate) fn count_by_severity(list: &[Value]) -> Value {
    let mut c = [0u64; 5];
    for s in list {
        for v in s["vulnerabilities"].as_array().into_iter().flatten() {
            let k = v["severity"].as_u64().unwrap_or(1).clamp(1, 5) as usize - 1;
            c[k] += 1;
        }
    }
    sev_json(Some(c))
}

pub(crate) fn compliance(
    w: &World,
    uuid: String,
    sha: String,
    created: u64,
    updated: u64,
    x: u64,
) -> Value {
    let ids = [19388u64, 19386, 10826, 19511, 19378];
    let crit = ["MEDIUM", "MEDIUM", "MEDIUM", "MEDIUM", "HIGH"];
    let findings = [
        "USER not created",
        "update instruction found in layer #3",
        "HEALTHCHECK not configured",
        "",
        "",
    ];
    let policy = synth::uuid_from(w.seed ^ 0xC0_11C7);
    let controls: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let fail = (x >> k) & 1 == 1 && !findings[k].is_empty();
            json!({
                "controlId": id,
                "policyUuid": policy,
                "technologyId": 283,
                "criticality": crit[k],
                "posture": if fail { "FAIL" } else { "PASS" },
                "lastEvaluated": ms(updated + k as u64 * 250),
                "datapoints": [],
                "statement": null,
                "findings": if fail { json!([findings[k]]) } else { json!([]) },
            })
        })
        .collect();
    json!({
        "uuid": uuid,
        "sha": sha,
        "customerUuid": w.customer_uuid,
        "created": ms(created),
        "updated": ms(updated),
        "controls": controls,
        "lastComplianceScanned": ms(updated + 2000),
    })
}

/// Filter fields of a generated image (with or without the `image.` prefix).
pub(crate) struct ImgF<'a> {
    pub w: &'a World,
    pub i: u64,
}

pub(crate) const IMG_FIELDS: &[&str] = &[
    "created",
    "updated",
    "lastScanned",
    "sha",
    "imageId",
    "uuid",
    "size",
    "operatingSystem",
    "os",
    "repo.registry",
    "repo.repository",
    "repo.tag",
    "registryUuid",
    "source",
    "vulnerabilities.severity",
    "associatedContainersCount",
    "scanStatus",
    "scanType",
    "architecture",
    "author",
    "isInstrumented",
    "isDockerHubOfficial",
    "imagesInUse",
    "lastUsedDate",
    "vulnerabilities.severity5Count",
    "vulnerabilities.severity4Count",
    "vulnerabilities.severity3Count",
    "vulnerabilities.severity2Count",
    "vulnerabilities.severity1Count",
];

fn strip<'a>(name: &'a str, prefix: &str) -> &'a str {
    name.strip_prefix(prefix).unwrap_or(name)
}

impl Fields for ImgF<'_> {
    fn field(&self, name: &str) -> Option<FVal<'_>> {
        let (w, i) = (self.w, self.i);
        let s = |v: String| Some(FVal::Str(Cow::Owned(v)));
        let n = |v: u64| Some(FVal::Num(v as f64));
        match strip(name, "image.") {
            "created" => n(w.img_created(i)),
            "updated" | "lastScanned" => n(w.img_updated(i)),
            "sha" => s(w.img_sha(i)),
            "imageId" => s(w.img_short(i)),
            "uuid" => s(w.img_uuid(i)),
            "size" => n(w.img_size(i)),
            "operatingSystem" | "os" => Some(FVal::Str(Cow::Borrowed(w.img_os(i)))),
            "repo.registry" => s(host_of(&w.registry_uri(w.img_repo(i).0))),
            "repo.repository" => Some(FVal::Str(Cow::Borrowed(w.img_repo(i).1))),
            "repo.tag" => Some(FVal::Str(Cow::Borrowed(w.img_repo(i).2))),
            "registryUuid" => Some(match img_registry_uuid(w, i) {
                Some(u) => FVal::List(vec![FVal::Str(Cow::Owned(u))]),
                None => FVal::List(vec![]),
            }),
            "source" => Some(FVal::Str(Cow::Borrowed(w.img_source(i)))),
            "vulnerabilities.severity" => {
                let c = w.img_sev(i);
                Some(FVal::List(
                    (0..5)
                        .filter(|&k| c[k] > 0)
                        .map(|k| FVal::Num(k as f64 + 1.0))
                        .collect(),
                ))
            }
            "associatedContainersCount" => n(w.img_containers(i)),
            "scanStatus" => Some(FVal::Str("SUCCESS".into())),
            "scanType" => Some(FVal::Str("STATIC".into())),
            "architecture" => Some(FVal::Str("amd64".into())),
            "author" => Some(FVal::Str("".into())),
            "isInstrumented" => Some(FVal::Bool(false)),
            "isDockerHubOfficial" => Some(FVal::Bool(w.img_repo(i).1.starts_with("library/"))),
            "imagesInUse" | "lastUsedDate" => {
                if w.img_containers(i) > 0 {
                    n(w.img_updated(i))
                } else {
                    Some(FVal::Null)
                }
            }
            f => {
                let k = f
                    .strip_prefix("vulnerabilities.severity")?
                    .strip_suffix("Count")?
                    .parse::<usize>()
                    .ok()?;
                (1..=5)
                    .contains(&k)
                    .then(|| FVal::Num(w.img_sev(i)[k - 1] as f64))
            }
        }
    }
}

// ------------------------------------------------------------------ containers

fn ctr_sev(w: &World, j: u64) -> Option<[u64; 5]> {
    // API.md §3.3: counts may be null (never-scanned containers).
    (w.ctr_state(j) != "CREATED" || j.is_multiple_of(2)).then(|| w.img_sev(w.ctr_image(j)))
}

fn ctr_last_scanned(w: &World, j: u64) -> Value {
    match ctr_sev(w, j) {
        Some(_) => Value::String(ms(w.ctr_updated(j))),
        None => Value::Null,
    }
}

/// A containers-list item (S16): the S002 keys, then the v1.3 additions. Served by
/// `fast::ctr_list`; this is the tests' reference.
#[cfg(test)]
pub(crate) fn ctr_list(w: &World, j: u64) -> Value {
    let i = w.ctr_image(j);
    let updated = w.ctr_updated(j);
    let x = h(w.seed, salt::CTR, j, 9);
    json!({
        "imageId": w.img_short(i),
        "created": ms(w.ctr_created(j)),
        "sha": w.ctr_sha(j),
        "uuid": w.ctr_uuid(j),
        "name": w.ctr_name(j),
        "host": w.host_json(w.ctr_sensor(j)),
        "state": w.ctr_state(j),
        "imageUuid": w.img_uuid(i),
        "imageSha": w.img_sha(i),
        "containerId": w.ctr_short(j),
        "stateChanged": ms(updated),
        "lastScanned": ctr_last_scanned(w, j),
        "vulnerabilities": sev_json(ctr_sev(w, j)),
        "updated": ms(updated),
        "isRoot": x.is_multiple_of(3),
        "isInstrumented": false,
        "lastVmScanDate": null,
        // P-swagger only names `compliance`; its inner keys are this simulator's choice.
        "compliance": {"passCount": 2 + x % 3, "failCount": x % 4},
        "lastComplianceScanned": ms(updated + 1000),
    })
}

/// Container details (S18).
pub(crate) fn ctr_details(w: &World, j: u64) -> Value {
    let i = w.ctr_image(j);
    let s = w.ctr_sensor(j);
    let x = h(w.seed, salt::CTR, j, 9);
    let updated = w.ctr_updated(j);
    let sw = softwares(w, i);
    json!({
        "arguments": ["--port", "8080"],
        "command": "/docker-entrypoint.sh",
        "containerId": w.ctr_short(j),
        "created": ms(w.ctr_created(j)),
        "updated": ms(updated),
        "customerUuid": w.customer_uuid,
        "drift": {"category": [], "reason": [], "software": [], "vulnerability": []},
        "environment": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "host": w.host_json(s),
        "hostname": format!("{:012x}", x & 0xffff_ffff_ffff),
        "imageId": w.img_short(i),
        "imageSha": w.img_sha(i),
        "imageUuid": w.img_uuid(i),
        "ipv4": synth::ip(x),
        "ipv6": null,
        "isDrift": false,
        "isInstrumented": false,
        "isRoot": x.is_multiple_of(3),
        "label": [{"key": "app", "value": w.img_repo(i).1}],
        "labelScanned": null,
        "macAddress": synth::mac(x),
        "name": w.ctr_name(j),
        "operatingSystem": w.img_os(i),
        "path": "/docker-entrypoint.sh",
        "portMapping": [{"hostIp": "0.0.0.0", "hostPort": 30000 + x % 1000, "port": 8080, "protocol": "tcp"}],
        "privileged": x.is_multiple_of(11),
        "sensorUuid": w.sensor_uuid(s),
        "services": [],
        "sha": w.ctr_sha(j),
        "softwares": sw,
        "source": "GENERAL",
        "state": w.ctr_state(j),
        "stateChanged": ms(updated),
        "lastScanned": ctr_last_scanned(w, j),
        "users": ["root"],
        "uuid": w.ctr_uuid(j),
        // The OpenAPI description's `ContainerDetails.vulnerabilities` is a list of vulns (the
        // list answer's is severity counts); no seed shows container details.
        "vulnerabilities": ctr_vulns(w, j),
        "cluster": if x.is_multiple_of(2) { json!({
            "type": "kubernetes", "version": "1.29",
            "k8s": {
                "project": null,
                "pod": {"name": format!("{}-{:05x}", w.ctr_name(j).replace('_', "-"), x & 0xfffff), "uuid": synth::uuid_from(x), "namespace": "default", "label": [], "controller": []},
                "node": {"name": w.sensor_hostname(s), "isMaster": false},
            }
        }) } else { Value::Null },
    })
}

/// A bulk containers-list item (P01). Served by `fast::ctr_bulk`; this is the tests' reference.
#[cfg(test)]
pub(crate) fn ctr_bulk(w: &World, j: u64) -> Value {
    let mut v = ctr_details(w, j);
    let i = w.ctr_image(j);
    let vs: Vec<Value> = match ctr_sev(w, j) {
        Some(sev) => vulns(
            w.seed,
            salt::IMG,
            i,
            sev,
            w.img_created(i),
            &w.img_software(i),
        )
        .into_iter()
        .map(|v| json!({"qid": v["qid"], "result": v["result"], "software": v["software"]}))
        .collect(),
        None => vec![],
    };
    let o = v.as_object_mut().expect("object");
    o.insert("drift".into(), json!([]));
    o.insert("vulnerabilities".into(), Value::Array(vs));
    v
}

pub(crate) fn ctr_vulns(w: &World, j: u64) -> Vec<Value> {
    let i = w.ctr_image(j);
    match ctr_sev(w, j) {
        Some(sev) => vulns(
            w.seed,
            salt::IMG,
            i,
            sev,
            w.img_created(i),
            &w.img_software(i),
        ),
        None => vec![],
    }
}

pub(crate) struct CtrF<'a> {
    pub w: &'a World,
    pub j: u64,
}

pub(crate) const CTR_FIELDS: &[&str] = &[
    "created",
    "updated",
    "sha",
    "uuid",
    "name",
    "state",
    "imageId",
    "imageUuid",
    "imageSha",
    "containerId",
    "host.hostname",
    "host.ipAddress",
    "host.sensorUuid",
    "hostname",
    "sensorUuid",
    "stateChanged",
    "lastScanned",
    "vulnerabilities.severity",
    "isRoot",
];

impl Fields for CtrF<'_> {
    fn field(&self, name: &str) -> Option<FVal<'_>> {
        let (w, j) = (self.w, self.j);
        let s = |v: String| Some(FVal::Str(Cow::Owned(v)));
        let n = |v: u64| Some(FVal::Num(v as f64));
        match strip(name, "container.") {
            "created" => n(w.ctr_created(j)),
            "updated" | "stateChanged" => n(w.ctr_updated(j)),
            "lastScanned" => match ctr_sev(w, j) {
                Some(_) => n(w.ctr_updated(j)),
                None => Some(FVal::Null),
            },
            "sha" => s(w.ctr_sha(j)),
            "uuid" => s(w.ctr_uuid(j)),
            "name" => s(w.ctr_name(j)),
            "state" => Some(FVal::Str(Cow::Borrowed(w.ctr_state(j)))),
            "imageId" => s(w.img_short(w.ctr_image(j))),
            "imageUuid" => s(w.img_uuid(w.ctr_image(j))),
            "imageSha" => s(w.img_sha(w.ctr_image(j))),
            "containerId" => s(w.ctr_short(j)),
            "host.hostname" | "hostname" => s(w.sensor_hostname(w.ctr_sensor(j))),
            "host.ipAddress" => s(w.sensor_ip(w.ctr_sensor(j))),
            "host.sensorUuid" | "sensorUuid" => s(w.sensor_uuid(w.ctr_sensor(j))),
            "vulnerabilities.severity" => Some(match ctr_sev(w, j) {
                Some(c) => FVal::List(
                    (0..5)
                        .filter(|&k| c[k] > 0)
                        .map(|k| FVal::Num(k as f64 + 1.0))
                        .collect(),
                ),
                None => FVal::List(vec![]),
            }),
            "isRoot" => Some(FVal::Bool(h(w.seed, salt::CTR, j, 9).is_multiple_of(3))),
            _ => None,
        }
    }
}
