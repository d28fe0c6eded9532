//! The hot paths: list and bulk items of generated images and containers written straight to
//! JSON bytes.
//!
//! `data.rs` builds the same objects as `serde_json::Value`s (still used for the single-object
//! endpoints, and kept as the reference in tests); here every item is a borrowed
//! `#[derive(Serialize)]` struct whose identifiers are formatted into stack buffers (`txt`),
//! each value computed once per item, and serialised with `serde_json::to_writer` into the
//! page's one buffer. The output is byte-for-byte what serialising the `Value` gives (same
//! keys, order and values); the tests at the bottom check it.

use crate::synth::{self, OSES, QIDS, SOFTWARE, World, h, pick, salt};
use crate::txt::{
    Txt, hex12, ip, mac, ms, registry_host, sensor_hostname, sha_for, sha256_hex64, uuid_for,
    uuid_from,
};
use serde::{Serialize, Serializer};
use std::sync::LazyLock;

/// A sensor as images and containers show it.
struct Sensor {
    uuid: Txt,
    hostname: Txt,
    ip: Txt,
    host_uuid: Txt,
}

impl Sensor {
    fn of(w: &World, s: u64) -> Sensor {
        Sensor {
            uuid: uuid_for(w.seed, salt::SENSOR, s),
            hostname: sensor_hostname(w, s),
            ip: ip(h(w.seed, salt::SENSOR, s, 2)),
            host_uuid: uuid_for(w.seed, salt::SENSOR ^ 0xff, s),
        }
    }
}

type Soft = (&'static str, &'static str, &'static str);

/// `World::img_software` without the allocation.
fn img_software(w: &World, i: u64) -> ([Soft; 7], usize) {
    let x = h(w.seed, salt::IMG, i, 9);
    let n = 3 + (x % 5) as usize;
    let mut out = [SOFTWARE[0]; 7];
    for (k, o) in out.iter_mut().enumerate().take(n) {
        *o = SOFTWARE[((x >> 8) as usize + k * 3) % SOFTWARE.len()];
    }
    (out, n)
}

/// The per-image values several keys share, computed once.
struct Img<'w> {
    w: &'w World,
    created: u64,
    updated: u64,
    reg: u64,
    repo: &'static str,
    tag: &'static str,
    sev: [u64; 5],
    source: &'static str,
    sw: [Soft; 7],
    nsw: usize,
}

impl<'w> Img<'w> {
    fn of(w: &'w World, i: u64) -> Img<'w> {
        let (created, updated) = w.img_times(i);
        let (reg, repo, tag) = w.img_repo(i);
        let (sw, nsw) = img_software(w, i);
        Img {
            w,
            created,
            updated,
            reg,
            repo,
            tag,
            sev: w.img_sev(i),
            source: w.img_source(i),
            sw,
            nsw,
        }
    }
    fn software(&self) -> &[Soft] {
        &self.sw[..self.nsw]
    }
    fn registry_uuid(&self) -> Option<Txt> {
        (self.source == "REGISTRY").then(|| uuid_for(self.w.seed, salt::REG, self.reg))
    }
}

// ------------------------------------------------------------------ shared shapes

/// A sequence produced on the fly while serialising.
struct SeqOf<F>(F);

impl<F, I> Serialize for SeqOf<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// `[]` or `[x]`.
struct OneOrNone<T>(Option<T>);

impl<T: Serialize> Serialize for OneOrNone<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// `data::sev_json`.
#[derive(Serialize)]
struct Sev {
    #[serde(rename = "severity5Count")]
    s5: Option<u64>,
    #[serde(rename = "severity3Count")]
    s3: Option<u64>,
    #[serde(rename = "severity4Count")]
    s4: Option<u64>,
    #[serde(rename = "severity1Count")]
    s1: Option<u64>,
    #[serde(rename = "severity2Count")]
    s2: Option<u64>,
}

impl Sev {
    fn of(c: Option<[u64; 5]>) -> Sev {
        Sev {
            s5: c.map(|c| c[4]),
            s3: c.map(|c| c[2]),
            s4: c.map(|c| c[3]),
            s1: c.map(|c| c[0]),
            s2: c.map(|c| c[1]),
        }
    }
}

#[derive(Serialize)]
struct RepoTag<'a> {
    registry: &'a str,
    tag: &'static str,
    repository: &'static str,
}

#[derive(Serialize)]
struct RepoDigest<'a> {
    registry: &'a str,
    repository: &'static str,
    digest: &'a str,
}

#[derive(Serialize)]
struct KeyValue<'a> {
    key: &'static str,
    value: &'a str,
}

/// `lastFoundOnHost`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LastFound<'a> {
    hostname: &'a str,
    ip_address: &'a str,
    sensor_uuid: &'a str,
    uuid: &'a str,
}

/// `World::host_json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HostJson<'a> {
    sensor_uuid: &'a str,
    hostname: &'a str,
    ip_address: &'a str,
    uuid: &'a str,
}

/// An entry of `softwares`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Software {
    name: &'static str,
    version: &'static str,
    fix_version: Option<&'static str>,
    package_path: (),
}

/// `softwares`: the image's software list.
struct Softwares<'a>(&'a [Soft]);

impl Serialize for Softwares<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&(name, version, f)| Software {
            name,
            version,
            fix_version: (!f.is_empty()).then_some(f),
            package_path: (),
        }))
    }
}

/// The software of a vulnerability.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VulnSoftware {
    name: &'static str,
    version: &'static str,
    fix_version: Option<&'static str>,
}

/// A bulk vulnerability: `qid`, `result`, `software` of `data::vulns`.
#[derive(Serialize)]
struct BulkVuln {
    qid: u64,
    result: &'static str,
    software: Option<[VulnSoftware; 1]>,
}

static RESULTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    OSES.iter()
        .map(|os| format!("Detected on {os}\\n"))
        .collect()
});

/// The bulk vulnerabilities of image `i` with counts `sev` (as `data::vulns`, reduced).
fn bulk_vulns<'a>(
    seed: u64,
    i: u64,
    sev: [u64; 5],
    sw: &'a [Soft],
) -> impl Iterator<Item = BulkVuln> + 'a {
    let results: &'static [String] = &RESULTS;
    (0..5usize).flat_map(move |si| {
        let pool = QIDS[si];
        (0..sev[si]).map(move |k| {
            let x = h(seed, salt::IMG ^ 0x7011, i, (si as u64) * 16 + k);
            let qid = pool[((x + k) % pool.len() as u64) as usize].0;
            let software = (si >= 2).then(|| {
                let (name, version, f) = sw[(x % sw.len() as u64) as usize];
                [VulnSoftware {
                    name,
                    version,
                    fix_version: (!f.is_empty()).then_some(f),
                }]
            });
            BulkVuln {
                qid,
                result: results[(x % results.len() as u64) as usize].as_str(),
                software,
            }
        })
    })
}

// ------------------------------------------------------------------ images

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImgListItem<'a> {
    created: Txt,
    sha: Txt,
    repo: [RepoTag<'a>; 1],
    uuid: Txt,
    size: u64,
    vulnerabilities: Sev,
    image_id: Txt,
    associated_containers_count: u64,
    associated_hosts_count: u64,
    last_scanned: Txt,
    registry_uuid: OneOrNone<Txt>,
    source: [&'static str; 1],
    updated: Txt,
    author: &'static str,
    repo_digests: [RepoDigest<'a>; 1],
    is_docker_hub_official: bool,
    is_instrumented: bool,
    instrumented_from: Option<&'static str>,
    instrumentation_state: Option<&'static str>,
    scan_type: &'static str,
    scan_types: [&'static str; 1],
    scan_error_code: (),
    scan_status: &'static str,
    last_found_on_host: LastFound<'a>,
    last_used_date: Option<Txt>,
    last_vm_scan_date: (),
}

/// `data::img_list`, appended to `out`.
pub(crate) fn img_list(out: &mut Vec<u8>, w: &World, i: u64, instrumented: bool) {
    let g = Img::of(w, i);
    let reg = registry_host(w, g.reg);
    let digest = sha256_hex64(w.seed, salt::IMG ^ 0xd1, i);
    let sensor = Sensor::of(w, w.img_sensor(i));
    let n = w.img_containers(i);
    let updated = ms(g.updated);
    let item = ImgListItem {
        created: ms(g.created),
        sha: sha_for(w.seed, salt::IMG_SHORT, salt::IMG, i),
        repo: [RepoTag {
            registry: reg.as_str(),
            tag: g.tag,
            repository: g.repo,
        }],
        uuid: uuid_for(w.seed, salt::IMG_UUID, i),
        size: w.img_size(i),
        vulnerabilities: Sev::of(Some(g.sev)),
        image_id: hex12(synth::scramble(w.seed, salt::IMG_SHORT, i)),
        associated_containers_count: n,
        associated_hosts_count: u64::from(n > 0),
        last_scanned: updated,
        registry_uuid: OneOrNone(g.registry_uuid()),
        source: [g.source],
        updated,
        author: "",
        repo_digests: [RepoDigest {
            registry: reg.as_str(),
            repository: g.repo,
            digest: digest.as_str(),
        }],
        is_docker_hub_official: g.repo.starts_with("library/"),
        is_instrumented: instrumented,
        instrumented_from: instrumented.then_some("REGISTRY"),
        instrumentation_state: instrumented.then_some("INSTRUMENTED"),
        scan_type: "STATIC",
        scan_types: ["STATIC"],
        scan_error_code: (),
        scan_status: "SUCCESS",
        last_found_on_host: LastFound {
            hostname: sensor.hostname.as_str(),
            ip_address: sensor.ip.as_str(),
            sensor_uuid: sensor.uuid.as_str(),
            uuid: sensor.host_uuid.as_str(),
        },
        last_used_date: (n > 0).then_some(updated),
        last_vm_scan_date: (),
    };
    serde_json::to_writer(out, &item).expect("serialising to a Vec cannot fail");
}

const LAYER_CMDS: [&str; 6] = [
    "/bin/sh -c #(nop) ADD file:1234 in / ",
    "/bin/sh -c apt-get update",
    "/bin/sh -c #(nop) COPY app /app",
    "/bin/sh -c #(nop)  CMD [\"/app\"]",
    "/bin/sh -c #(nop) EXPOSE 8080",
    "/bin/sh -c useradd app",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Layer {
    comment: (),
    created: Txt,
    created_by: &'static str,
    id: (),
    sha: Txt,
    size: u64,
    tags: (),
}

fn layers(w: &World, i: u64, created: u64) -> impl Iterator<Item = Layer> + '_ {
    let k = 3 + h(w.seed, salt::IMG, i, 20) % 4;
    (0..k).map(move |l| Layer {
        comment: (),
        created: ms(created - (k - l) * 60_000),
        created_by: LAYER_CMDS[l as usize % LAYER_CMDS.len()],
        id: (),
        sha: sha256_hex64(w.seed, salt::IMG ^ (0x100 + l), i),
        size: h(w.seed, salt::IMG, i, 30 + l) % 50_000_000,
        tags: (),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImgBulkItem<'a, L, V, S> {
    created: Txt,
    updated: Txt,
    author: &'static str,
    repo: [RepoTag<'a>; 1],
    repo_digests: [RepoDigest<'a>; 1],
    label: [KeyValue<'static>; 1],
    uuid: Txt,
    sha: Txt,
    operating_system: &'static str,
    customer_uuid: &'a str,
    docker_version: &'static str,
    size: u64,
    layers: L,
    architecture: &'static str,
    image_id: Txt,
    registry_uuid: OneOrNone<Txt>,
    source: [&'static str; 1],
    vulnerabilities: V,
    users: [&'static str; 1],
    instrumentation_state: Option<&'static str>,
    instrumented_from: Option<&'static str>,
    is_docker_hub_official: bool,
    is_instrumented: bool,
    scan_type: &'static str,
    scan_error_code: (),
    scan_status: &'static str,
    last_scanned: Txt,
    last_found_on_host: LastFound<'a>,
    softwares: S,
}

/// `data::img_bulk`, appended to `out`.
pub(crate) fn img_bulk(out: &mut Vec<u8>, w: &World, i: u64, instrumented: bool) {
    let g = Img::of(w, i);
    let reg = registry_host(w, g.reg);
    let digest = sha256_hex64(w.seed, salt::IMG ^ 0xd1, i);
    let sensor = Sensor::of(w, w.img_sensor(i));
    let updated = ms(g.updated);
    let sw = g.software();
    let item = ImgBulkItem {
        created: ms(g.created),
        updated,
        author: "",
        repo: [RepoTag {
            registry: reg.as_str(),
            tag: g.tag,
            repository: g.repo,
        }],
        repo_digests: [RepoDigest {
            registry: reg.as_str(),
            repository: g.repo,
            digest: digest.as_str(),
        }],
        label: [KeyValue {
            key: "maintainer",
            value: "ops@example.com",
        }],
        uuid: uuid_for(w.seed, salt::IMG_UUID, i),
        sha: sha_for(w.seed, salt::IMG_SHORT, salt::IMG, i),
        operating_system: w.img_os(i),
        customer_uuid: &w.customer_uuid,
        docker_version: "24.0.7",
        size: w.img_size(i),
        layers: SeqOf(|| layers(w, i, g.created)),
        architecture: "amd64",
        image_id: hex12(synth::scramble(w.seed, salt::IMG_SHORT, i)),
        registry_uuid: OneOrNone(g.registry_uuid()),
        source: [g.source],
        vulnerabilities: SeqOf(|| bulk_vulns(w.seed, i, g.sev, sw)),
        users: ["root"],
        instrumentation_state: instrumented.then_some("INSTRUMENTED"),
        instrumented_from: instrumented.then_some("REGISTRY"),
        is_docker_hub_official: g.repo.starts_with("library/"),
        is_instrumented: instrumented,
        scan_type: "STATIC",
        scan_error_code: (),
        scan_status: "SUCCESS",
        last_scanned: updated,
        last_found_on_host: LastFound {
            hostname: sensor.hostname.as_str(),
            ip_address: sensor.ip.as_str(),
            sensor_uuid: sensor.uuid.as_str(),
            uuid: sensor.host_uuid.as_str(),
        },
        softwares: Softwares(sw),
    };
    serde_json::to_writer(out, &item).expect("serialising to a Vec cannot fail");
}

// ------------------------------------------------------------------ containers

/// `World::ctr_name` (`adj_name`).
fn ctr_name(w: &World, j: u64, sep: u8) -> Txt {
    let x = h(w.seed, salt::CTR, j, 4);
    *Txt::new()
        .push(pick(synth::ADJ, x).as_bytes())
        .push(&[sep])
        .push(pick(synth::NAMES, x >> 16).as_bytes())
}

/// The per-container values several keys share, computed once.
struct Ctr {
    i: u64,
    created: u64,
    updated: u64,
    state: &'static str,
    sev: Option<[u64; 5]>,
    x: u64,
    sensor: Sensor,
}

impl Ctr {
    fn of(w: &World, j: u64) -> Ctr {
        let i = w.ctr_image(j);
        let (created, updated) = w.ctr_times(j);
        let state = w.ctr_state(j);
        Ctr {
            i,
            created,
            updated,
            state,
            // data::ctr_sev
            sev: (state != "CREATED" || j.is_multiple_of(2)).then(|| w.img_sev(i)),
            x: h(w.seed, salt::CTR, j, 9),
            sensor: Sensor::of(w, w.ctr_sensor(j)),
        }
    }
    fn host(&self) -> HostJson<'_> {
        HostJson {
            sensor_uuid: self.sensor.uuid.as_str(),
            hostname: self.sensor.hostname.as_str(),
            ip_address: self.sensor.ip.as_str(),
            uuid: self.sensor.host_uuid.as_str(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Compliance {
    pass_count: u64,
    fail_count: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CtrListItem<'a> {
    image_id: Txt,
    created: Txt,
    sha: Txt,
    uuid: Txt,
    name: Txt,
    host: HostJson<'a>,
    state: &'static str,
    image_uuid: Txt,
    image_sha: Txt,
    container_id: Txt,
    state_changed: Txt,
    last_scanned: Option<Txt>,
    vulnerabilities: Sev,
    updated: Txt,
    is_root: bool,
    is_instrumented: bool,
    last_vm_scan_date: (),
    compliance: Compliance,
    last_compliance_scanned: Txt,
}

/// `data::ctr_list`, appended to `out`.
pub(crate) fn ctr_list(out: &mut Vec<u8>, w: &World, j: u64) {
    let c = Ctr::of(w, j);
    let updated = ms(c.updated);
    let item = CtrListItem {
        image_id: hex12(synth::scramble(w.seed, salt::IMG_SHORT, c.i)),
        created: ms(c.created),
        sha: sha_for(w.seed, salt::CTR_SHORT, salt::CTR, j),
        uuid: uuid_for(w.seed, salt::CTR_UUID, j),
        name: ctr_name(w, j, b'_'),
        host: c.host(),
        state: c.state,
        image_uuid: uuid_for(w.seed, salt::IMG_UUID, c.i),
        image_sha: sha_for(w.seed, salt::IMG_SHORT, salt::IMG, c.i),
        container_id: hex12(synth::scramble(w.seed, salt::CTR_SHORT, j)),
        state_changed: updated,
        last_scanned: c.sev.map(|_| updated),
        vulnerabilities: Sev::of(c.sev),
        updated,
        is_root: c.x.is_multiple_of(3),
        is_instrumented: false,
        last_vm_scan_date: (),
        compliance: Compliance {
            pass_count: 2 + c.x % 3,
            fail_count: c.x % 4,
        },
        last_compliance_scanned: ms(c.updated + 1000),
    };
    serde_json::to_writer(out, &item).expect("serialising to a Vec cannot fail");
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortMapping {
    host_ip: &'static str,
    host_port: u64,
    port: u64,
    protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pod<'a> {
    name: &'a str,
    uuid: &'a str,
    namespace: &'static str,
    label: [u8; 0],
    controller: [u8; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Node<'a> {
    name: &'a str,
    is_master: bool,
}

#[derive(Serialize)]
struct K8s<'a> {
    project: (),
    pod: Pod<'a>,
    node: Node<'a>,
}

#[derive(Serialize)]
struct Cluster<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    k8s: K8s<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CtrBulkItem<'a, V, S> {
    arguments: [&'static str; 2],
    command: &'static str,
    container_id: Txt,
    created: Txt,
    updated: Txt,
    customer_uuid: &'a str,
    drift: [u8; 0],
    environment: [&'static str; 1],
    host: HostJson<'a>,
    hostname: Txt,
    image_id: Txt,
    image_sha: Txt,
    image_uuid: Txt,
    ipv4: Txt,
    ipv6: (),
    is_drift: bool,
    is_instrumented: bool,
    is_root: bool,
    label: [KeyValue<'static>; 1],
    label_scanned: (),
    mac_address: Txt,
    name: Txt,
    operating_system: &'static str,
    path: &'static str,
    port_mapping: [PortMapping; 1],
    privileged: bool,
    sensor_uuid: &'a str,
    services: [u8; 0],
    sha: Txt,
    softwares: S,
    source: &'static str,
    state: &'static str,
    state_changed: Txt,
    last_scanned: Option<Txt>,
    users: [&'static str; 1],
    uuid: Txt,
    vulnerabilities: V,
    cluster: Option<Cluster<'a>>,
}

/// `data::ctr_bulk`, appended to `out`.
pub(crate) fn ctr_bulk(out: &mut Vec<u8>, w: &World, j: u64) {
    let c = Ctr::of(w, j);
    let i = c.i;
    let x = c.x;
    let (sw, nsw) = img_software(w, i);
    let sw = &sw[..nsw];
    let updated = ms(c.updated);
    let pod_name = *ctr_name(w, j, b'-').push(b"-").hex(x & 0xfffff, 5);
    let pod_uuid = uuid_from(x);
    let item = CtrBulkItem {
        arguments: ["--port", "8080"],
        command: "/docker-entrypoint.sh",
        container_id: hex12(synth::scramble(w.seed, salt::CTR_SHORT, j)),
        created: ms(c.created),
        updated,
        customer_uuid: &w.customer_uuid,
        drift: [],
        environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        host: c.host(),
        hostname: hex12(x),
        image_id: hex12(synth::scramble(w.seed, salt::IMG_SHORT, i)),
        image_sha: sha_for(w.seed, salt::IMG_SHORT, salt::IMG, i),
        image_uuid: uuid_for(w.seed, salt::IMG_UUID, i),
        ipv4: ip(x),
        ipv6: (),
        is_drift: false,
        is_instrumented: false,
        is_root: x.is_multiple_of(3),
        label: [KeyValue {
            key: "app",
            value: w.img_repo(i).1,
        }],
        label_scanned: (),
        mac_address: mac(x),
        name: ctr_name(w, j, b'_'),
        operating_system: w.img_os(i),
        path: "/docker-entrypoint.sh",
        port_mapping: [PortMapping {
            host_ip: "0.0.0.0",
            host_port: 30000 + x % 1000,
            port: 8080,
            protocol: "tcp",
        }],
        privileged: x.is_multiple_of(11),
        sensor_uuid: c.sensor.uuid.as_str(),
        services: [],
        sha: sha_for(w.seed, salt::CTR_SHORT, salt::CTR, j),
        softwares: Softwares(sw),
        source: "GENERAL",
        state: c.state,
        state_changed: updated,
        last_scanned: c.sev.map(|_| updated),
        users: ["root"],
        uuid: uuid_for(w.seed, salt::CTR_UUID, j),
        vulnerabilities: SeqOf(|| {
            c.sev
                .into_iter()
                .flat_map(move |sev| bulk_vulns(w.seed, i, sev, sw))
        }),
        cluster: x.is_multiple_of(2).then(|| Cluster {
            kind: "kubernetes",
            version: "1.29",
            k8s: K8s {
                project: (),
                pod: Pod {
                    name: pod_name.as_str(),
                    uuid: pod_uuid.as_str(),
                    namespace: "default",
                    label: [],
                    controller: [],
                },
                node: Node {
                    name: c.sensor.hostname.as_str(),
                    is_master: false,
                },
            },
        }),
    };
    serde_json::to_writer(out, &item).expect("serialising to a Vec cannot fail");
}

/// Typical serialised sizes, to size a page's buffer once.
pub(crate) const IMG_LIST_BYTES: usize = 1200;
pub(crate) const IMG_BULK_BYTES: usize = 3300;
pub(crate) const CTR_LIST_BYTES: usize = 850;
pub(crate) const CTR_BULK_BYTES: usize = 2600;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data;

    fn worlds() -> Vec<World> {
        vec![
            // Few images, many containers: images in use, several containers each.
            World::new(42, 200, 3000, 20, 6),
            // The defaults.
            World::new(0, 200, 300, 20, 6),
            // Large and sparse, odd counts, a huge seed.
            World::new(u64::MAX - 7, 1_000_000, 1_000_000, 1, 1),
            World::new(7, 1_000_003, 333, 500, 17),
        ]
    }

    fn indices(n: u64) -> Vec<u64> {
        let mut v: Vec<u64> = (0..n.min(400)).collect();
        v.extend([n / 3, n / 2, n.saturating_sub(1)]);
        v.extend((0..200).map(|k| synth::splitmix(k) % n.max(1)));
        v
    }

    fn same(what: &str, i: u64, fast: Vec<u8>, reference: serde_json::Value) {
        let want = serde_json::to_vec(&reference).expect("json");
        if fast != want {
            panic!(
                "{what} {i} differs:\n fast: {}\n want: {}",
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&want)
            );
        }
    }

    #[test]
    fn items_match_the_value_builders_byte_for_byte() {
        for w in worlds() {
            for i in indices(w.images) {
                for instrumented in [false, true] {
                    let mut b = Vec::new();
                    img_list(&mut b, &w, i, instrumented);
                    same("img_list", i, b, data::img_list(&w, i, instrumented));
                    let mut b = Vec::new();
                    img_bulk(&mut b, &w, i, instrumented);
                    same("img_bulk", i, b, data::img_bulk(&w, i, instrumented));
                }
            }
            for j in indices(w.containers) {
                let mut b = Vec::new();
                ctr_list(&mut b, &w, j);
                same("ctr_list", j, b, data::ctr_list(&w, j));
                let mut b = Vec::new();
                ctr_bulk(&mut b, &w, j);
                same("ctr_bulk", j, b, data::ctr_bulk(&w, j));
            }
        }
    }

    #[test]
    fn per_item_values_match_synth() {
        let w = World::new(3, 10, 10, 10, 40);
        for i in 0..10 {
            assert_eq!(w.img_times(i), (w.img_created(i), w.img_updated(i)));
            assert_eq!(w.ctr_times(i), (w.ctr_created(i), w.ctr_updated(i)));
            let (sw, n) = img_software(&w, i);
            assert_eq!(&sw[..n], &w.img_software(i)[..]);
        }
    }
}
