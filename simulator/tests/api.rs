//! The simulator's API surface: routes from the table, shapes, writes (lists: `lists.rs`).

mod common;

use common::{T, fixture, json};
use qualys_cs_sim::{Limit, RateLimits, SimConfig, Subscription};
use qualys_cs_spec::{BodyKind, RateFamily, endpoints};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

fn keys_superset(what: &str, got: &Value, want: &Value) {
    // v1.1 list fixtures carry `groups`; v1.3 lists do not (API.md open question 15).
    let mut want = want.clone();
    if let Some(o) = want.as_object_mut()
        && o.contains_key("data")
    {
        o.remove("groups");
    }
    let want = &want;
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                let gv = g
                    .get(k)
                    .unwrap_or_else(|| panic!("{what}: missing key {k:?} in {got}"));
                let both_typed = !wv.is_null() && !gv.is_null();
                if both_typed {
                    assert_eq!(
                        std::mem::discriminant(gv),
                        std::mem::discriminant(wv),
                        "{what}.{k}: type differs: {gv} vs fixture {wv}"
                    );
                    keys_superset(&format!("{what}.{k}"), gv, wv);
                }
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if let (Some(g0), Some(w0)) = (g.first(), w.first()) {
                keys_superset(&format!("{what}[0]"), g0, w0);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_table_entry_is_routed() {
    // Each family its own call count, so a response's `x-ratelimit-limit` names the family that
    // counted the call.
    let mut rl = RateLimits::uniform(1, Duration::from_secs(600));
    for (k, fam) in RateFamily::LIMITED.iter().enumerate() {
        rl.families.insert(
            fam.name().unwrap().into(),
            Limit {
                calls: 1000 + k as u32,
                window: Duration::from_secs(600),
            },
        );
    }
    let t = T::new(SimConfig::default().rate_limits(rl)).await;
    let img = t.first_image().await;
    let ctr = t.first_container().await;
    let reg = t.get_json("/csapi/v1.3/registry?pageSize=1").await["data"][0].clone();
    let rid = reg["registryUuid"].as_str().unwrap().to_string();
    let sched = t
        .get_json(&format!("/csapi/v1.3/registry/{rid}/schedule"))
        .await["data"][0]["scheduleUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let report = t.get_json("/csapi/v1.3/reports").await["data"][0]["reportUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, rs) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/reports/schedule",
            &fixture("000/report_schedule_create.request"),
        )
        .await;
    let rsid = json(&rs)["scheduleUuid"].as_str().unwrap().to_string();
    let acr = t.get_json("/csapi/v1.3/registry/acr/connectors").await[0]["acrConnectorId"]
        .as_str()
        .unwrap()
        .to_string();
    let gcp = t.get_json("/csapi/v1.3/registry/gcp/connectors").await[0]["gcpConnectorId"]
        .as_str()
        .unwrap()
        .to_string();
    let sensor = t.get_json("/csapi/v1.3/sensors").await["data"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let policy = t
        .get_json("/csapi/v1.3/centralizedPolicy/defaultPolicy/CICD")
        .await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let control = t.get_json("/csapi/v1.3/controls").await["data"][0]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let posture = t.get_json("/csapi/v1.3/k8s_postures/list").await["data"][0]["controlId"]
        .as_u64()
        .unwrap()
        .to_string();
    let cluster = t.get_json("/csapi/v1.3/k8sClusters").await["data"][0]["clusterUid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(endpoints().len(), 91);
    for ep in endpoints() {
        let mut path = ep.path.clone();
        for p in &ep.path_params {
            let v = match p.name.as_str() {
                "imageSha" => img["sha"].as_str().unwrap().to_string(),
                "containerSha" => ctr["sha"].as_str().unwrap().to_string(),
                "registryId" => rid.clone(),
                "scheduleId" => sched.clone(),
                "reportUuid" => report.clone(),
                "reportingScheduleID" => rsid.clone(),
                "accountId" => "205767712438".into(),
                "connectorId" if ep.path.contains("/acr/") => acr.clone(),
                "connectorId" => gcp.clone(),
                "sensorId" => sensor.clone(),
                "policyId" => policy.clone(),
                "policyType" => "CICD".into(),
                "controlId" if ep.path.contains("k8s") => posture.clone(),
                "controlId" => control.clone(),
                "clusterUid" => cluster.clone(),
                // The exception assignments take UUIDs where the reads take shas.
                "imageId" => img["uuid"].as_str().unwrap().to_string(),
                "containerId" => ctr["uuid"].as_str().unwrap().to_string(),
                "exceptionId" | "sensorProfileId" | "uuid" => {
                    "00000000-0000-0000-0000-000000000000".into()
                }
                other => panic!("{}: no value for {other}", ep.id),
            };
            path = path.replace(&format!("{{{}}}", p.name), &v);
        }
        let m = Method::from_bytes(ep.http.as_str().as_bytes()).unwrap();
        let mut rb = t.req(m.clone(), &path);
        if let Some(b) = &ep.body {
            rb = match b.kind {
                BodyKind::JsonObject => rb.json(&json!({})),
                BodyKind::JsonArray => rb.json(&json!(["00000000-0000-0000-0000-000000000000"])),
                BodyKind::Form => rb.form(&[
                    ("username", "qualys"),
                    ("password", "qualys"),
                    ("token", "true"),
                ]),
                BodyKind::Multipart => {
                    rb.multipart(reqwest::multipart::Form::new().text("serviceAccountJson", "{}"))
                }
            };
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let limit = r
            .headers()
            .get("x-ratelimit-limit")
            .map(|v| v.to_str().unwrap().parse::<usize>().unwrap());
        let family = RateFamily::LIMITED
            .iter()
            .position(|f| *f == ep.rate_family)
            .map(|k| 1000 + k);
        assert_eq!(limit, family, "{}: counted under another family", ep.id);
        let text = r.text().await.unwrap();
        assert!(
            status != 405 && status != 501,
            "{} {} {path}: {status} {text}",
            ep.id,
            ep.http
        );
        assert!(
            !(status == 404 && text.contains("No endpoint")),
            "{} {} {path}: not routed: {text}",
            ep.id,
            ep.http
        );
        if status >= 400 {
            let e = json(&text);
            assert!(
                e["errorCode"].is_string() && e["timestamp"].is_number(),
                "{}: error body {text}",
                ep.id
            );
        }
    }
    // The request log knows which entry each request hit.
    let ids: std::collections::BTreeSet<String> = t
        .sim
        .requests()
        .into_iter()
        .filter_map(|r| r.endpoint)
        .collect();
    assert_eq!(ids.len(), 91, "{ids:?}");
}

#[tokio::test]
async fn static_segments_win_over_params() {
    let t = T::new(SimConfig::default()).await;
    let r = t.get("/csapi/v1.3/images/list?limit=1").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        t.sim.requests().last().unwrap().endpoint.as_deref(),
        Some("P05")
    );
    let v = t.get_json("/csapi/v1.3/registry/aws-base").await;
    assert!(v["accountId"].is_string() && v["externalId"].is_i64());
    let r = t.get("/csapi/v1.3/nope").await;
    assert_eq!(r.status(), 404);
    assert_eq!(json(&r.text().await.unwrap())["errorCode"], "404 NOT_FOUND");
}

#[tokio::test]
async fn generated_objects_have_the_fixture_keys() {
    let t = T::new(SimConfig::default()).await;
    let img = t.first_image().await;
    keys_superset(
        "image",
        &img,
        &fixture("002/images_list_v1_1.response")["data"][0],
    );
    let ctr = t.first_container().await;
    keys_superset(
        "container",
        &ctr,
        &fixture("002/containers_list_v1_1.response")["data"][0],
    );
    let sha = img["sha"].as_str().unwrap();
    keys_superset(
        "compliance",
        &t.get_json(&format!("/csapi/v1.3/images/{sha}/compliance"))
            .await,
        &fixture("000/images_compliance.response"),
    );
    let vulns = t.get_json(&format!("/csapi/v1.3/images/{sha}/vuln")).await;
    assert!(vulns["details"].is_array() && vulns["vulnSummary"].is_object());
    if vulns["details"][0].is_object() {
        keys_superset(
            "vuln",
            &vulns["details"][0],
            &fixture("003/image_vuln_v1_1.response")["details"][0],
        );
    }
    keys_superset(
        "vulncount",
        &t.get_json(&format!("/csapi/v1.3/images/{sha}/vuln/count"))
            .await,
        &fixture("public/image_vuln_count.response"),
    );
    let regs = t.get_json("/csapi/v1.3/registry").await;
    keys_superset(
        "registry list",
        &regs,
        &fixture("003/registry_list.response"),
    );
    let rid = regs["data"][0]["registryUuid"].as_str().unwrap();
    keys_superset(
        "registry",
        &t.get_json(&format!("/csapi/v1.3/registry/{rid}")).await,
        &fixture("003/registry_get.response"),
    );
    keys_superset(
        "repos",
        &t.get_json(&format!("/csapi/v1.3/registry/{rid}/repository"))
            .await,
        &fixture("003/registry_repositories.response"),
    );
    keys_superset(
        "schedules",
        &t.get_json(&format!("/csapi/v1.3/registry/{rid}/schedule"))
            .await,
        &fixture("003/registry_schedules.response"),
    );
    keys_superset(
        "aws",
        &t.get_json("/csapi/v1.3/registry/aws/connectors").await,
        &fixture("003/registry_aws_connectors.response"),
    );
    keys_superset(
        "aws-base",
        &t.get_json("/csapi/v1.3/registry/aws-base").await,
        &fixture("003/registry_aws_base.response"),
    );
    let reports = t.get_json("/csapi/v1.3/reports").await;
    keys_superset("reports", &reports, &fixture("000/reports_list.response"));
    assert!(reports.get("groups").is_none());
    // Policies render per type: CICD with object metaData and `order`, K8S with string metaData and `sortOrder`.
    let (s, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/centralizedPolicy",
            &fixture("000/centralized_policy_cicd_create.request"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    keys_superset(
        "create",
        &json(&b),
        &fixture("000/centralized_policy_cicd_create.response"),
    );
    let id = json(&b)["uuid"].as_str().unwrap().to_string();
    let p = t
        .get_json(&format!("/csapi/v1.3/centralizedPolicy/{id}"))
        .await;
    keys_superset(
        "cicd policy",
        &p,
        &fixture("000/centralized_policy_cicd_get.response"),
    );
    let (_, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/centralizedPolicy",
            &fixture("000/centralized_policy_k8s_create.request"),
        )
        .await;
    let id = json(&b)["uuid"].as_str().unwrap().to_string();
    let p = t
        .get_json(&format!("/csapi/v1.3/centralizedPolicy/{id}"))
        .await;
    let mut want = fixture("000/centralized_policy_k8s_get.response");
    want["k8sFilters"][0]["cluster"] = Value::Null; // the create sample filters by namespace
    keys_superset("k8s policy", &p, &want);
    let meta = p["centralizedPolicyRules"][0]["metaData"]
        .as_str()
        .expect("K8S metaData is a JSON string");
    assert!(json(meta).is_object());
    assert!(p["centralizedPolicyRules"][0]["sortOrder"].is_number());
    let (s, b) = t
        .send_json(
            Method::PUT,
            &format!("/csapi/v1.3/centralizedPolicy/{id}"),
            &fixture("000/centralized_policy_k8s_update.request"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(json(&b)["policyUUID "], id.as_str());
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/centralizedPolicy/{id}"))
            .await["version"],
        2
    );
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/centralizedPolicy/{id}?version=1"))
            .await["version"],
        1
    );
    // Tags.
    let (s, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/tag/create",
            &fixture("public/tag_create.request"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    keys_superset("tag", &json(&b), &fixture("public/tag_create.response"));
    assert_eq!(json(&b)["entityTagInfo"][0]["entityType"], "image");
}

#[tokio::test]
async fn registry_lifecycle() {
    let t = T::new(SimConfig::default()).await;
    let body = fixture("003/registry_validate.request");
    let (s, b) = t
        .send_json(Method::POST, "/csapi/v1.3/registry/validate", &body)
        .await;
    assert_eq!((s, b.as_str()), (200, "true"));
    let (s, b) = t
        .send_json(Method::POST, "/csapi/v1.3/registry", &body)
        .await;
    assert_eq!(s, 200, "{b}");
    let id = json(&b)["registryUuid"].as_str().unwrap().to_string();
    let (s, b) = t
        .send_json(Method::POST, "/csapi/v1.3/registry/validate", &body)
        .await;
    assert_eq!(s, 400);
    let e = json(&b);
    assert_eq!(e["errorCode"], "CMS-1504");
    assert_eq!(
        e["message"],
        "Registry arn:aws:iam::383031258652:role/testabcd already exists in system."
    );
    let r = t.get_json(&format!("/csapi/v1.3/registry/{id}")).await;
    assert_eq!(r["registryType"], "AWS");
    assert_eq!(r["aws"]["arn"], "arn:aws:iam::383031258652:role/testabcd");
    assert_eq!(r["repoCount"], 0);
    // Schedules.
    let (s, b) = t
        .send_json(
            Method::POST,
            &format!("/csapi/v1.3/registry/{id}/schedule"),
            &fixture("001/registry_schedule_create_interval7.request"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let sid = json(&b)["scheduleUuid"].as_str().unwrap().to_string();
    let mut bad = fixture("001/registry_schedule_create_interval7.request");
    bad["scheduleScanIntervalInDays"] = json!(366);
    assert_eq!(
        t.send_json(
            Method::POST,
            &format!("/csapi/v1.3/registry/{id}/schedule"),
            &bad
        )
        .await
        .0,
        400
    );
    bad["scheduleScanIntervalInDays"] = json!(7);
    bad["schedule"] = json!("13:00");
    assert_eq!(
        t.send_json(
            Method::POST,
            &format!("/csapi/v1.3/registry/{id}/schedule"),
            &bad
        )
        .await
        .0,
        400
    );
    let (s, b) = t
        .send_json(
            Method::PUT,
            &format!("/csapi/v1.3/registry/{id}/schedule/{sid}"),
            &fixture("001/registry_schedule_update_daily.request"),
        )
        .await;
    assert_eq!((s, b.as_str()), (200, sid.as_str()));
    let r = t
        .req(
            Method::POST,
            &format!("/csapi/v1.3/registry/{id}/schedule/cancel?scheduleIds={sid}"),
        )
        .send()
        .await
        .unwrap();
    assert!(json(&r.text().await.unwrap())["CancelJobId"].is_string());
    let r = t
        .req(
            Method::POST,
            &format!(
                "/csapi/v1.3/registry/{id}/schedule/cancel?scheduleIds=&filter=scheduleUuid%3A%2A"
            ),
        )
        .send()
        .await
        .unwrap();
    assert!(json(&r.text().await.unwrap())["deletionJobId"].is_string());
    let list = t
        .get_json(&format!("/csapi/v1.3/registry/{id}/schedule"))
        .await;
    assert_eq!(list["data"][0]["status"], "Canceled");
    let r = t
        .req(
            Method::DELETE,
            &format!("/csapi/v1.3/registry/{id}/schedule"),
        )
        .json(&json!([sid]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(&r.text().await.unwrap())["deletedScheduleUuids"],
        json!([sid])
    );
    // Delete, then it is gone.
    let r = t
        .req(Method::DELETE, &format!("/csapi/v1.3/registry/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), id);
    assert_eq!(
        t.get(&format!("/csapi/v1.3/registry/{id}")).await.status(),
        404
    );
    // Bulk delete with a bare array body.
    let ids: Vec<String> = t.get_json("/csapi/v1.3/registry").await["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scheduleStatusList"].get("Running").is_none())
        .map(|r| r["registryUuid"].as_str().unwrap().to_string())
        .take(2)
        .collect();
    let r = t
        .req(Method::DELETE, "/csapi/v1.3/registry")
        .json(&ids)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json(&r.text().await.unwrap())["deletedRegistryUuids"],
        json!(ids)
    );
    // Malformed JSON is a 400.
    let r = t
        .req(Method::POST, "/csapi/v1.3/registry")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // GCP connector: multipart with a file part.
    let form = reqwest::multipart::Form::new().part(
        "serviceAccountJson",
        reqwest::multipart::Part::bytes(br#"{"project_id":"p1"}"#.to_vec()).file_name("sa.json"),
    );
    let r = t
        .req(Method::POST, "/csapi/v1.3/registry/gcp/connector?name=g2")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cid = r.text().await.unwrap();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/registry/gcp/connector/{cid}"))
            .await["gcpProjectId"],
        "p1"
    );
}

#[tokio::test]
async fn deletions_and_tags() {
    let t = T::new(SimConfig::default()).await;
    let all = t.get_json("/csapi/v1.3/images?pageSize=1000").await;
    let items = all["data"].as_array().unwrap();
    let free: Vec<&str> = items
        .iter()
        .filter(|i| i["associatedContainersCount"] == 0)
        .map(|i| i["uuid"].as_str().unwrap())
        .take(2)
        .collect();
    let used = items
        .iter()
        .find(|i| i["associatedContainersCount"].as_u64() > Some(0))
        .unwrap()["uuid"]
        .as_str()
        .unwrap();
    let r = t
        .req(
            Method::DELETE,
            &format!(
                "/csapi/v1.3/images?imageIds={}&imageIds={}&imageIds={used}",
                free[0], free[1]
            ),
        )
        .send()
        .await
        .unwrap();
    assert!(json(&r.text().await.unwrap())["deletionJobId"].is_string());
    assert_eq!(
        t.get_json("/csapi/v1.3/images?pageSize=1").await["count"],
        198
    );
    assert_eq!(
        t.get(&format!("/csapi/v1.3/images/{}", free[0]))
            .await
            .status(),
        404
    );
    assert_eq!(
        t.get(&format!("/csapi/v1.3/images/{used}")).await.status(),
        200
    );
    // The v1.1 body form.
    let c = t.first_container().await;
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/containers",
            &json!({"containerIds": [c["uuid"]]}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        t.get_json("/csapi/v1.3/containers?pageSize=1").await["count"],
        299
    );
    assert_eq!(
        t.req(Method::DELETE, "/csapi/v1.3/sensors")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    let (s, _) = t
        .send_json(
            Method::DELETE,
            "/csapi/v1.3/sensors",
            &json!({"filter": "status:UNKNOWN"}),
        )
        .await;
    assert_eq!(s, 200);
    let left = t
        .get_json("/csapi/v1.3/sensors?filter=status%3AUNKNOWN")
        .await;
    assert_eq!(left["count"], 0);
    // Tags: create via assign (top-level tagName), update, delete.
    let img = t.first_image().await;
    let (s, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/tag/assign",
            &json!({"entitySha": img["sha"], "entityType": "IMAGE", "tagName": "prod"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(json(&b)["entityUUID"], img["uuid"]);
    let (s, _) = t.send_json(Method::POST, "/csapi/v1.3/tag/assign", &json!({"entityUUID": img["uuid"], "entityType": "IMAGE", "tagsToAdd": [{"tagName": "prod2", "isCascadeToContainer": true}]})).await;
    assert_eq!(s, 200);
    let (s, b) = t.send_json(Method::PUT, "/csapi/v1.3/tag/update", &json!({"name": "prod", "reevaluate": true, "entityTypeToAdd": [{"entityType": "CONTAINER", "rule": "container.state:RUNNING"}]})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(json(&b)["entityTagInfo"][0]["entityType"], "container");
    let (s, _) = t
        .send_json(
            Method::PUT,
            "/csapi/v1.3/tag/update",
            &fixture("000/tag_update_rules.request"),
        )
        .await;
    assert_eq!(s, 404);
    let r = t
        .req(Method::DELETE, "/csapi/v1.3/tag/delete?tagName=prod")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.text().await.unwrap(), "Tag deleted successfully");
    assert_eq!(
        t.req(Method::DELETE, "/csapi/v1.3/tag/delete?tagName=prod")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn reports_and_the_free_subscription() {
    let t = T::new(SimConfig::default()).await;
    let (s, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/reports",
            &fixture("000/reports_create.request"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = json(&b)["reportUuid"].as_str().unwrap().to_string();
    let r = t.get(&format!("/csapi/v1.3/reports/{id}/download")).await;
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("name,version,fixVersion,eolDate,eosDate,imageId,imageSha\n"),
        "{csv}"
    );
    let mut bad = fixture("000/reports_create.request");
    bad["expireAfter"] = json!(8);
    assert_eq!(
        t.send_json(Method::POST, "/csapi/v1.3/reports", &bad)
            .await
            .0,
        400
    );
    let (_, b) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/reports/schedule",
            &fixture("000/report_schedule_create.request"),
        )
        .await;
    let sid = json(&b)["scheduleUuid"].as_str().unwrap().to_string();
    let (s, b) = t
        .send_json(
            Method::PUT,
            &format!("/csapi/v1.3/reports/schedule/{sid}"),
            &fixture("000/report_schedule_update.request"),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        json(&b)["message"],
        format!("Details updated successfully for reportScheduleId {sid}")
    );
    let r = t
        .req(
            Method::DELETE,
            &format!("/csapi/v1.3/reports?reportUuids={id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(json(&r.text().await.unwrap())["data"], json!([id]));

    let free = T::new(SimConfig::default().subscription(Subscription::Free)).await;
    for (m, p) in [
        (Method::GET, "/csapi/v1.3/reports"),
        (Method::POST, "/csapi/v1.3/reports"),
        (Method::DELETE, "/csapi/v1.3/reports?reportUuids=x"),
        (Method::POST, "/csapi/v1.3/reports/schedule"),
        (Method::PUT, "/csapi/v1.3/reports/schedule/x"),
        (Method::GET, "/csapi/v1.3/reports/x/download"),
    ] {
        let r = free.req(m, p).json(&json!({})).send().await.unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(json(&r.text().await.unwrap())["errorCode"], "409 CONFLICT");
    }
    assert_eq!(free.get("/csapi/v1.3/images").await.status(), 200);
}
