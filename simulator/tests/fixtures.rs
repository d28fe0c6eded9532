//! Loaded records (fixtures): mixed with and instead of generated data, filtered, sorted, paged,
//! fetched and deleted like generated ones; writes that change what reads return.

mod common;

use common::T;
use qualys_cs_sim::{Fixtures, Resource, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;

fn sha(k: u64) -> String {
    format!("{:064x}", 0xf1c5_0000_0000u64 + k)
}

/// Ten images: sizes 1..=10 MB, Alpine for even k, created ascending with k.
fn images(n: u64) -> Vec<Value> {
    (0..n)
        .map(|k| {
            json!({
                "sha": sha(k),
                "size": (k + 1) * 1_000_000,
                "operatingSystem": if k % 2 == 0 { "Alpine Linux 3.19" } else { "Debian GNU/Linux 12" },
                "created": (1_750_000_000_000u64 + k * 86_400_000).to_string(),
                "repo": [{"registry": "registry.fixture.test", "repository": format!("team/app{k}"), "tag": "v1"}],
                "vulnerabilities": {"severity5Count": k % 3, "severity4Count": 1},
                "teamOwner": format!("team-{k}"),
            })
        })
        .collect()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every page of a page-numbered list, concatenated.
async fn all_pages(t: &T, path: &str, query: &str, size: u64) -> (Vec<Value>, u64) {
    let mut out = Vec::new();
    let mut count = 0;
    for page in 1.. {
        let r = t
            .get_json(&format!("{path}?pageSize={size}&pageNumber={page}{query}"))
            .await;
        count = r["count"].as_u64().unwrap();
        let data = r["data"].as_array().unwrap().clone();
        if data.is_empty() {
            break;
        }
        out.extend(data);
    }
    (out, count)
}

fn uuids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["uuid"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn loaded_images_mix_with_generated_ones_in_filter_sort_and_paging() {
    let t = T::new(
        SimConfig::default()
            .images(40)
            .fixtures(Fixtures::new().images(images(10))),
    )
    .await;
    let r = t.get_json("/csapi/v1.3/images?pageSize=1").await;
    assert_eq!(r["count"], 50);
    // A filter on a field only the loaded records match.
    let q = format!(
        "&filter={}",
        enc("repo.registry:registry.fixture.test AND os:Alpine")
    );
    let (items, count) = all_pages(&t, "/csapi/v1.3/images", &q, 2).await;
    assert_eq!(count, 5);
    let mut got: Vec<&str> = items.iter().map(|v| v["sha"].as_str().unwrap()).collect();
    got.sort();
    let want: Vec<String> = (0..10).step_by(2).map(sha).collect();
    assert_eq!(got, want);
    // Unknown keys come back as given, missing ones are filled.
    let first = &items[0];
    assert!(first["teamOwner"].as_str().unwrap().starts_with("team-"));
    assert_eq!(first["imageId"], first["sha"].as_str().unwrap()[..12]);
    assert_eq!(first["vulnerabilities"]["severity1Count"], 0);
    // No tag assigned: no `tags` key, as the seeds show an image.
    assert!(first.get("tags").is_none());
    // Every sort key orders loaded and generated items together; pages neither drop nor repeat.
    for (sort, key) in [
        ("", "created"),
        ("&sort=size%3Aasc", "size"),
        ("&sort=size%3Adesc", "size"),
        ("&sort=created%3Aasc", "created"),
        (
            "&sort=vulnerabilities.severity5Count%3Adesc",
            "vulnerabilities",
        ),
    ] {
        let (items, count) = all_pages(&t, "/csapi/v1.3/images", sort, 7).await;
        assert_eq!(count, 50, "{sort}");
        let ids = uuids(&items);
        assert_eq!(ids.len(), 50, "{sort}");
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            50,
            "{sort}: repeats"
        );
        let num = |v: &Value| -> f64 {
            let x = if key == "vulnerabilities" {
                &v["vulnerabilities"]["severity5Count"]
            } else {
                &v[key]
            };
            match x {
                Value::String(s) => s.parse().unwrap(),
                x => x.as_f64().unwrap(),
            }
        };
        let desc = sort.is_empty() || sort.contains("desc");
        for w in items.windows(2) {
            let (a, b) = (num(&w[0]), num(&w[1]));
            assert!(if desc { a >= b } else { a <= b }, "{sort}: {a} then {b}");
        }
        let loaded = items
            .iter()
            .filter(|v| v["repo"][0]["registry"] == "registry.fixture.test")
            .count();
        assert_eq!(loaded, 10, "{sort}");
    }
    // Smallest first: the loaded 1 MB image beats every generated one.
    let r = t
        .get_json("/csapi/v1.3/images?pageSize=1&sort=size%3Aasc")
        .await;
    assert_eq!(r["data"][0]["sha"], sha(0));
}

#[tokio::test]
async fn loaded_images_answer_get_detail_endpoints_and_delete() {
    let t = T::new(
        SimConfig::default()
            .images(5)
            .containers(5)
            .fixtures(Fixtures::new().images(images(3)).containers([json!({
                "sha": sha(100),
                "imageSha": sha(1),
                "name": "fixture_web",
                "state": "RUNNING",
                "host": {"hostname": "node-a", "ipAddress": "10.1.2.3", "sensorUuid": "5e75a1b0-0000-4000-8000-000000000001"},
            })])),
    )
    .await;
    let s0 = sha(0);
    let d = t.get_json(&format!("/csapi/v1.3/images/{s0}")).await;
    assert_eq!(d["sha"], s0);
    assert_eq!(d["teamOwner"], "team-0");
    // By uuid and by the short id too.
    let uuid = d["uuid"].as_str().unwrap().to_string();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/images/{uuid}")).await["sha"],
        s0
    );
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/images/{}", &s0[..12]))
            .await["sha"],
        s0
    );
    // Vulnerabilities agree with the counts.
    let s2 = sha(2);
    let c = t
        .get_json(&format!("/csapi/v1.3/images/{s2}/vuln/count"))
        .await;
    assert_eq!(c["severity5Count"], 2);
    assert_eq!(c["severity4Count"], 1);
    let v = t.get_json(&format!("/csapi/v1.3/images/{s2}/vuln")).await;
    assert_eq!(v["details"].as_array().unwrap().len(), 3);
    assert_eq!(
        t.get(&format!("/csapi/v1.3/images/{s2}/software"))
            .await
            .status(),
        200
    );
    assert_eq!(
        t.get(&format!("/csapi/v1.3/images/{s2}/compliance"))
            .await
            .status(),
        200
    );
    let regs = t
        .get_json(&format!("/csapi/v1.3/images/{s2}/associatedRegistries"))
        .await;
    assert_eq!(regs[0]["repo"], "team/app2");
    // The loaded container names loaded image 1.
    let a = t
        .get_json(&format!("/csapi/v1.3/images/{}/association", sha(1)))
        .await;
    assert_eq!(a["containers"][0]["name"], "fixture_web");
    assert_eq!(a["hosts"][0]["hostname"], "node-a");
    let ctr = t
        .get_json(&format!("/csapi/v1.3/containers/{}", sha(100)))
        .await;
    assert_eq!(ctr["imageId"], sha(1)[..12]);
    assert!(ctr["vulnerabilities"].is_array());
    let f = format!(
        "/csapi/v1.3/containers?filter={}",
        enc("host.hostname:node-a")
    );
    assert_eq!(t.get_json(&f).await["count"], 1);
    // Delete by id and by filter.
    let (s, body) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/images",
            &json!({"imageIds": [s0]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        t.get(&format!("/csapi/v1.3/images/{s0}")).await.status(),
        404
    );
    // Image 1 has a running loaded container: skipped, as generated images are.
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/images",
            &json!({"filter": "repo.registry:registry.fixture.test"}),
        )
        .await;
    assert_eq!(s, 200);
    let left = t
        .get_json(&format!(
            "/csapi/v1.3/images?filter={}",
            enc("repo.registry:registry.fixture.test")
        ))
        .await;
    assert_eq!(left["count"], 1);
    assert_eq!(left["data"][0]["sha"], sha(1));
    assert_eq!(
        t.get_json("/csapi/v1.3/images?pageSize=1").await["count"],
        6
    );
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/containers",
            &json!({"containerIds": [sha(100)]}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        t.get(&format!("/csapi/v1.3/containers/{}", sha(100)))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn instead_of_generated_data_and_records_added_at_run_time() {
    let t = T::new(
        SimConfig::default()
            .generated(false)
            .fixtures(Fixtures::new().images(images(4))),
    )
    .await;
    let r = t.get_json("/csapi/v1.3/images").await;
    assert_eq!(r["count"], 4);
    assert_eq!(t.get_json("/csapi/v1.3/containers").await["count"], 0);
    assert_eq!(t.get_json("/csapi/v1.3/registry").await["count"], 0);
    assert_eq!(t.get_json("/csapi/v1.3/sensors").await["count"], 0);
    let added = t
        .sim
        .add_images(&[json!({"sha": sha(50), "operatingSystem": "Alpine Linux 3.20"})])
        .unwrap();
    assert_eq!(added, 1);
    let f = format!(
        "/csapi/v1.3/images?filter={}",
        enc("operatingSystem:'Alpine Linux 3.20'")
    );
    assert_eq!(t.get_json(&f).await["data"][0]["sha"], sha(50));
    // All or none: the bad second record keeps the first out too.
    let e = t
        .sim
        .add_images(&[json!({"sha": sha(60)}), json!({"size": "big"})])
        .unwrap_err();
    assert_eq!(e.index, Some(1));
    assert_eq!(
        e.to_string(),
        "images: record 1: size must be a non-negative integer"
    );
    assert_eq!(t.get_json("/csapi/v1.3/images").await["count"], 5);
    let e = t.sim.add_images(&[json!({"sha": sha(0)})]).unwrap_err();
    assert!(e.message.contains("already taken"), "{e}");
    // Sensors and registries, added and listed with filters.
    t.sim
        .add(
            Resource::Sensors,
            &[
                json!({"hostname": "edge-1", "status": "UNKNOWN"}),
                json!({"hostname": "edge-2"}),
            ],
        )
        .unwrap();
    let s = t
        .get_json(&format!(
            "/csapi/v1.3/sensors?filter={}",
            enc("status:UNKNOWN")
        ))
        .await;
    assert_eq!(s["count"], 1);
    assert_eq!(s["data"][0]["hostname"], "edge-1");
    t.sim
        .add_registries(&[
            json!({"registryUri": "https://r.fixture.test", "registryType": "V2", "owner": "ops"}),
        ])
        .unwrap();
    let regs = t
        .get_json("/csapi/v1.3/registry?filter=registryType%3AV2")
        .await;
    assert_eq!(regs["count"], 1);
    assert_eq!(regs["data"][0]["owner"], "ops");
    let id = regs["data"][0]["registryUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let d = t.get_json(&format!("/csapi/v1.3/registry/{id}")).await;
    assert_eq!(d["registryUri"], "https://r.fixture.test");
    let e = t
        .sim
        .add_registries(&[json!({"registryUri": "https://r.fixture.test"})])
        .unwrap_err();
    assert!(e.message.contains("registryUri"), "{e}");
}

#[tokio::test]
async fn a_bad_record_in_the_config_fails_the_start_naming_it() {
    let cfg = SimConfig::default().fixtures(
        Fixtures::new()
            .images(images(2))
            .containers([json!({"sha": sha(1)}), json!({"host": "node-a"})]),
    );
    let e = qualys_cs_sim::Simulator::start(cfg).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        e.to_string(),
        "containers: record 1: host must be an object {sensorUuid, hostname, ipAddress}"
    );
    // A loaded record may not take a generated one's id.
    let probe = T::new(SimConfig::default().images(3)).await;
    let taken = probe.first_image().await["sha"].clone();
    let cfg = SimConfig::default()
        .images(3)
        .fixtures(Fixtures::new().images([json!({"sha": taken})]));
    let e = qualys_cs_sim::Simulator::start(cfg).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("is already taken by a generated image"),
        "{e}"
    );
}

/// Follows a bulk list's `link` to the end; the uuids in order.
async fn follow(t: &T, path: &str, close: char, limit: u64) -> Vec<Value> {
    let mut url = format!("{path}?limit={limit}");
    let mut out = Vec::new();
    loop {
        let r = t.get(&url).await;
        assert_eq!(r.status(), 200);
        let link = r.headers()["link"].to_str().unwrap().to_string();
        let body: Value = r.json().await.unwrap();
        out.extend(body["data"].as_array().unwrap().iter().cloned());
        if link == "null" {
            return out;
        }
        let q = link.split("paginationQuery=").nth(1).unwrap();
        let q = q.strip_suffix(&format!("{close};rel=next")).unwrap();
        url = format!("{path}?limit={limit}&paginationQuery={q}");
    }
}

#[tokio::test]
async fn cursor_lists_walk_generated_and_loaded_records_in_update_order() {
    // Loaded records updated among the generated ones, and two at the very same time.
    let probe = T::new(SimConfig::default().images(30).containers(30)).await;
    let gen_imgs = follow(&probe, "/csapi/v1.3/images/list", '<', 250).await;
    let upd = |k: usize| gen_imgs[k]["updated"].as_str().unwrap().to_string();
    let recs: Vec<Value> = [0usize, 3, 3, 17, 29]
        .iter()
        .enumerate()
        .map(|(n, &k)| json!({"sha": sha(n as u64), "updated": upd(k), "created": upd(k)}))
        .chain([json!({"sha": sha(9), "updated": "1"})])
        .collect();
    let ctrs: Vec<Value> = (0..4)
        .map(|k| json!({"sha": sha(200 + k), "updated": (k * 1_000_000_000_000).to_string()}))
        .collect();
    let t = T::new(
        SimConfig::default()
            .images(30)
            .containers(30)
            .fixtures(Fixtures::new().images(recs).containers(ctrs)),
    )
    .await;
    for (path, close, total) in [
        ("/csapi/v1.3/images/list", '<', 36),
        ("/csapi/v1.3/containers/list", '>', 34),
    ] {
        for limit in [1, 4, 7, 250] {
            let items = follow(&t, path, close, limit).await;
            let ids = uuids(&items);
            assert_eq!(ids.len(), total, "{path} limit {limit}");
            assert_eq!(
                ids.iter().collect::<HashSet<_>>().len(),
                total,
                "{path} limit {limit}: repeats"
            );
            let times: Vec<u64> = items
                .iter()
                .map(|v| v["updated"].as_str().unwrap().parse().unwrap())
                .collect();
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{path}: {times:?}");
            assert!(items.iter().all(|v| v["vulnerabilities"].is_array()));
        }
    }
    // A filter travels in the cursor over loaded records too.
    let f = enc(&format!("sha:{}", sha(3)));
    let r = t
        .get_json(&format!("/csapi/v1.3/images/list?limit=1&filter={f}"))
        .await;
    assert_eq!(r["data"][0]["sha"], sha(3));
}

#[tokio::test]
async fn an_assigned_tag_shows_on_the_image_until_the_tag_is_deleted() {
    let t = T::new(
        SimConfig::default().images(10).fixtures(
            Fixtures::new()
                .images(images(1))
                .tags([json!({"name": "pci", "tagId": 7})]),
        ),
    )
    .await;
    let generated = t.first_image().await;
    assert!(generated.get("tags").is_none());
    let gen_uuid = generated["uuid"].as_str().unwrap().to_string();
    for body in [
        json!({"entityUUID": gen_uuid, "entityType": "IMAGE", "tagsToAdd": [{"tagName": "prod"}, {"tagName": "pci"}]}),
        json!({"entitySha": sha(0), "entityType": "IMAGE", "tagsToAdd": [{"tagName": "pci"}]}),
    ] {
        let (s, b) = t
            .send_json(Method::POST, "/csapi/v1.3/tag/assign", &body)
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let d = t.get_json(&format!("/csapi/v1.3/images/{gen_uuid}")).await;
    let names: Vec<&str> = d["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod", "pci"]);
    assert_eq!(d["tags"][1]["tagId"], 7);
    assert_eq!(t.first_image().await["tags"], d["tags"]);
    let l = t.get_json(&format!("/csapi/v1.3/images/{}", sha(0))).await;
    assert_eq!(l["tags"], json!([{"tagId": 7, "name": "pci"}]));
    let bulk = t.get_json("/csapi/v1.3/images/list?limit=250").await;
    let it = bulk["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["uuid"] == gen_uuid.as_str())
        .unwrap();
    assert_eq!(it["tags"], d["tags"]);
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/tag/delete?tagName=pci",
            &json!(null),
        )
        .await;
    assert_eq!(s, 200);
    let d = t.get_json(&format!("/csapi/v1.3/images/{gen_uuid}")).await;
    assert_eq!(d["tags"].as_array().unwrap().len(), 1);
    let l = t.get_json(&format!("/csapi/v1.3/images/{}", sha(0))).await;
    assert!(l.get("tags").is_none(), "{l}");
}

#[tokio::test]
async fn writes_change_what_reads_return() {
    let t = T::new(SimConfig::default()).await;
    let before = t.get_json("/csapi/v1.3/registry").await["count"]
        .as_u64()
        .unwrap();
    let (s, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/registry",
            &json!({"registryType": "V2", "registryUri": "https://new.example.test", "credentialType": "None"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let uuid = serde_json::from_str::<Value>(&b).unwrap()["registryUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let f = format!(
        "/csapi/v1.3/registry?filter={}",
        enc(&format!("registryUuid:{uuid}"))
    );
    let r = t.get_json(&f).await;
    assert_eq!(r["count"], 1);
    assert_eq!(r["data"][0]["registryUri"], "https://new.example.test");
    assert_eq!(
        t.get_json("/csapi/v1.3/registry").await["count"]
            .as_u64()
            .unwrap(),
        before + 1
    );
    let (s, _) = t
        .send_json(
            Method::DELETE,
            &format!("/csapi/v1.3/registry/{uuid}"),
            &json!(null),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(t.get_json(&f).await["count"], 0);
    // A generated image deleted is gone from the list, get and cursor list.
    let img = t.first_image().await;
    let sha = img["sha"].as_str().unwrap().to_string();
    let n = t.get_json("/csapi/v1.3/images?pageSize=1").await["count"]
        .as_u64()
        .unwrap();
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/images",
            &json!({"imageIds": [sha]}),
        )
        .await;
    assert_eq!(s, 200);
    let after = t.get_json("/csapi/v1.3/images?pageSize=1").await["count"]
        .as_u64()
        .unwrap();
    // Images with active containers are skipped by the API; either way the count agrees.
    let gone = t.get(&format!("/csapi/v1.3/images/{sha}")).await.status() == 404;
    assert_eq!(after, if gone { n - 1 } else { n });
}

#[tokio::test]
async fn every_other_list_resource_takes_records_too() {
    let f = Fixtures::from_value(&json!({
        "reports": {"data": [{"reportName": "weekly", "status": "QUEUED", "owner": "sec"}]},
        "policies": [{"policyName": "No criticals", "policyType": "CICD"}],
        "controls": [{"criticality": "HIGH", "statement": "Fixture control"}, {"id": 7, "criticality": "LOW"}],
        "events": [{"eventType": "fixture.seen", "detail": "x"}],
        "k8s_postures": [{"posture": "FAIL", "cluster": {"clusterName": "lab"}}],
        "k8s_clusters": [{"clusterName": "lab", "nodes": 3}],
    }))
    .unwrap();
    let t = T::new(SimConfig::default().fixtures(f)).await;
    let enc = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let r = t
        .get_json(&format!(
            "/csapi/v1.3/reports?filter={}",
            enc("status:QUEUED")
        ))
        .await;
    assert_eq!(r["count"], 1);
    assert_eq!(r["data"][0]["owner"], "sec");
    let p = t
        .get_json("/csapi/v1.3/centralizedPolicy?pageSize=100")
        .await;
    let mine = p["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["policyName"] == "No criticals")
        .expect("the loaded policy is listed")
        .clone();
    let id = mine["uuid"].as_str().unwrap();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/centralizedPolicy/{id}"))
            .await["policyName"],
        "No criticals"
    );
    // A control without an id is numbered after the highest one held.
    let c = t
        .get_json(&format!(
            "/csapi/v1.3/controls?pageSize=100&filter={}",
            enc("statement:'Fixture control'")
        ))
        .await;
    assert_eq!(c["count"], 1);
    let cid = c["data"][0]["id"].as_u64().unwrap();
    assert!(cid > 7, "{cid}");
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/controls/{cid}")).await["criticality"],
        "HIGH"
    );
    assert_eq!(
        t.get_json("/csapi/v1.3/controls/7").await["criticality"],
        "LOW"
    );
    let e = t.get_json("/csapi/v1.1/events?pageSize=200").await;
    assert!(
        e["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["eventType"] == "fixture.seen")
    );
    let k = t
        .get_json(&format!(
            "/csapi/v1.3/k8s_postures/list?filter={}",
            enc("cluster.name:lab")
        ))
        .await;
    assert_eq!(k["count"], 1);
    let pid = k["data"][0]["controlId"].as_u64().unwrap();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/k8s_postures/control/{pid}"))
            .await["posture"],
        "FAIL"
    );
    let cl = t
        .get_json(&format!(
            "/csapi/v1.3/k8sClusters?filter={}",
            enc("clusterName:lab")
        ))
        .await;
    assert_eq!(cl["count"], 1);
    let uid = cl["data"][0]["clusterUid"].as_str().unwrap();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/k8sClusters/{uid}")).await["nodes"],
        3
    );
    // Ids are unique per resource.
    let e = t
        .sim
        .add(Resource::Controls, &[json!({"id": 7})])
        .unwrap_err();
    assert!(e.message.contains("already taken"), "{e}");
    let e = t
        .sim
        .add(
            Resource::Policies,
            &[json!({"policyName": "x", "policyType": "K8S"})],
        )
        .unwrap_err();
    assert!(
        e.message
            .contains("policyType must be CICD or K8S_ADMISSION_CONTROLLER"),
        "{e}"
    );
}
