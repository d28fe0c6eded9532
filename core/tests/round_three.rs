//! The 2026 endpoints against the simulator: exceptions (and how they hide vulnerabilities),
//! sensor profiles, the vulnerability views, and the 1.43 policy rule types. Each checks the
//! request on the wire as the guide shows it and that the answer decodes without loss.

mod common;

use common::{args, first_sha, sim, sim_client};
use qualys_cs::api::{
    ExceptionsGetParams, ImagesVulnerabilitiesParams, SensorProfilesListParams,
    SensorProfilesUpdateParams, VulnerabilitiesCountParams, VulnerabilitiesDefinitionsParams,
    VulnerabilitiesListParams,
};
use qualys_cs::{Client, ErrorKind, Output};
use qualys_cs_sim::{SimConfig, SimHandle};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The last request the simulator logged for an endpoint id.
fn last(sim: &SimHandle, id: &str) -> qualys_cs_sim::LoggedRequest {
    sim.requests()
        .into_iter()
        .rev()
        .find(|r| r.endpoint.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no {id} request"))
}

/// The raw JSON answer of an endpoint (the reference a typed decode must re-encode to).
async fn raw(client: &Client, id: &str, a: Value) -> Value {
    match client.call(id, args(a)).await.unwrap() {
        Output::Json(v) => v,
        other => panic!("{id}: not JSON: {other:?}"),
    }
}

fn lossless<T: Serialize>(typed: &T, raw: &Value) {
    assert_eq!(&serde_json::to_value(typed).unwrap(), raw);
}

/// An image's `(uuid, sha)` and the QIDs of its vulnerabilities (exceptions not applied).
async fn image(client: &Client) -> (String, String, Vec<u64>) {
    let sha = first_sha(client).await;
    let d = raw(client, "S19", json!({"sha": sha})).await;
    let v = raw(client, "S42", json!({"sha": sha, "apply_exception": false})).await;
    let qids = v["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["qid"].as_u64().unwrap())
        .collect();
    (d["uuid"].as_str().unwrap().to_owned(), sha, qids)
}

fn exception_body(scope: &str, ids: &[&str], qids: &[u64]) -> Value {
    // The guide's sample ("Create an Exception"), with the simulator's stand-in for the search
    // list's QIDs.
    json!({
        "name": "VulException1",
        "reason": "RISK_ACCEPTED",
        "explanation": "Testing API",
        "scope": scope,
        "listId": "5e586467-af10-47b8-ab26-509ac3b823b2",
        "exceptionType": "VULNERABILITY",
        "entityAssignmentRequest": {"idsToAdd": ids, "additionFilter": null},
        "startDate": "1687777225000",
        "endDate": "4102358400000",
        "qids": qids,
    })
}

async fn vuln_qids(client: &Client, sha: &str, apply: Option<bool>) -> BTreeSet<u64> {
    let mut p = ImagesVulnerabilitiesParams::default();
    if let Some(a) = apply {
        p = p.apply_exception(a);
    }
    let v = client.images().vulnerabilities(sha, p).await.unwrap();
    serde_json::to_value(&v).unwrap()["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["qid"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn exceptions_go_on_the_wire_as_documented_and_decode_losslessly() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let (uuid, _, qids) = image(&client).await;
    let body = exception_body("IMAGE", &[&uuid], &qids[..1]);
    let created = client.exceptions().create(&body).await.unwrap();
    let r = last(&sim, "P35");
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/csapi/v1.3/exception")
    );
    assert_eq!(r.body.as_ref(), Some(&body));
    assert!(r.content_type.unwrap().starts_with("application/json"));
    let id = created.exception_id.get().unwrap().clone();

    let got = client
        .exceptions()
        .get(&id, ExceptionsGetParams::default().include_qids(true))
        .await
        .unwrap();
    let r = last(&sim, "P37");
    assert_eq!(r.path, format!("/csapi/v1.3/exception/{id}"));
    assert_eq!(r.query, "includeQids=true");
    assert_eq!(got.qids.get(), Some(&vec![qids[0] as i64]));
    assert_eq!(got.name.get().map(String::as_str), Some("VulException1"));
    lossless(
        &got,
        &raw(
            &client,
            "P37",
            json!({"exception_id": id, "include_qids": true}),
        )
        .await,
    );
    // Without includeQids the QIDs stay out.
    let plain = client
        .exceptions()
        .get(&id, ExceptionsGetParams::default())
        .await
        .unwrap();
    assert!(plain.qids.is_absent());

    let mut renamed = body.clone();
    renamed["name"] = json!("VulException1-updated");
    let updated = client.exceptions().update(&id, &renamed).await.unwrap();
    assert_eq!(updated.exception_id.get(), Some(&id));
    let r = last(&sim, "P36");
    assert_eq!(
        (r.method.as_str(), r.path.clone()),
        ("PUT", format!("/csapi/v1.3/exception/{id}"))
    );
    assert_eq!(r.body.as_ref(), Some(&renamed));

    // A rule of the table is checked before sending: nothing reaches the server.
    let before = sim.requests().len();
    let mut bad = body.clone();
    bad["scope"] = json!("HOST");
    let e = client.exceptions().create(&bad).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let mut dynamic = body.clone();
    dynamic["entityAssignmentType"] = json!("DYNAMIC");
    let e = client.exceptions().create(&dynamic).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
    assert!(e.to_string().contains("dynamicFilter"), "{e}");
    assert_eq!(sim.requests().len(), before);
}

#[tokio::test]
async fn assignments_take_the_uuid_not_the_sha() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let (uuid, sha, qids) = image(&client).await;
    let x = client
        .exceptions()
        .create(&exception_body("IMAGE", &[], &qids[..1]))
        .await
        .unwrap();
    let xid = x.exception_id.get().unwrap().clone();
    let assign = json!({"exceptionEvent": "ASSIGN", "exceptionIds": [xid]});

    let e = client
        .images()
        .update_exceptions(&sha, &assign)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    assert!(e.to_string().contains("UUID"), "{e}");

    let ok = client
        .images()
        .update_exceptions(&uuid, &assign)
        .await
        .unwrap();
    assert_eq!(ok.image_uuid.get(), Some(&uuid));
    let r = last(&sim, "P39");
    assert_eq!(
        (r.method.as_str(), r.path.clone()),
        ("PUT", format!("/csapi/v1.3/images/{uuid}/exceptions"))
    );
    assert_eq!(r.body.as_ref(), Some(&assign));

    // The read takes the sha, and shows the assigned exception.
    let list = client.images().exceptions(&sha).await.unwrap();
    assert_eq!(
        last(&sim, "P38").path,
        format!("/csapi/v1.3/images/{sha}/exceptions")
    );
    assert_eq!(list.count.get(), Some(&1));
    assert_eq!(list.data.get().unwrap()[0].exception_id.get(), Some(&xid));
    lossless(&list, &raw(&client, "P38", json!({"sha": sha})).await);

    // Containers: a CONTAINER exception by the container's UUID; the answer's key keeps its
    // capital C.
    let ctr = raw(&client, "S16", json!({"page_size": 1})).await["data"][0].clone();
    let (c_uuid, c_sha) = (
        ctr["uuid"].as_str().unwrap().to_owned(),
        ctr["sha"].as_str().unwrap().to_owned(),
    );
    let cx = client
        .exceptions()
        .create(&exception_body("CONTAINER", &[], &[]))
        .await
        .unwrap();
    let cxid = cx.exception_id.get().unwrap().clone();
    let cassign = json!({"exceptionEvent": "ASSIGN", "exceptionIds": [cxid]});
    let e = client
        .containers()
        .update_exceptions(&c_sha, &cassign)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let done = client
        .containers()
        .update_exceptions(&c_uuid, &cassign)
        .await
        .unwrap();
    assert_eq!(done.container_uuid_documented.get(), Some(&c_uuid));
    assert!(done.container_uuid.is_absent());
    let encoded = serde_json::to_value(&done).unwrap();
    assert_eq!(encoded, json!({"ContainerUuid": c_uuid}));
    assert_eq!(
        last(&sim, "P41").path,
        format!("/csapi/v1.3/containers/{c_uuid}/exceptions")
    );
    let clist = client.containers().exceptions(&c_sha).await.unwrap();
    let ids: Vec<&String> = clist
        .data
        .get()
        .unwrap()
        .iter()
        .filter_map(|x| x.exception_id.get())
        .collect();
    assert!(ids.contains(&&cxid), "{ids:?}");
    lossless(&clist, &raw(&client, "P40", json!({"sha": c_sha})).await);
}

#[tokio::test]
async fn an_exception_hides_its_qids_until_deassigned() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let (uuid, sha, qids) = image(&client).await;
    let qid = qids[0];
    assert!(vuln_qids(&client, &sha, None).await.contains(&qid));

    let x = client
        .exceptions()
        .create(&exception_body("IMAGE", &[], &[qid]))
        .await
        .unwrap();
    let xid = x.exception_id.get().unwrap().clone();
    // Created but not assigned: nothing changes.
    assert!(vuln_qids(&client, &sha, None).await.contains(&qid));

    let assign = |event: &str| json!({"exceptionEvent": event, "exceptionIds": [xid]});
    client
        .images()
        .update_exceptions(&uuid, &assign("ASSIGN"))
        .await
        .unwrap();
    assert!(!vuln_qids(&client, &sha, None).await.contains(&qid));
    assert!(!vuln_qids(&client, &sha, Some(true)).await.contains(&qid));
    assert!(vuln_qids(&client, &sha, Some(false)).await.contains(&qid));
    assert_eq!(last(&sim, "S42").query, "applyException=false");
    // The summary agrees with the list it summarises.
    let v = raw(&client, "S42", json!({"sha": sha})).await;
    let listed = v["details"].as_array().unwrap().len() as u64;
    let summed: u64 = v["vulnSummary"]["confirmed"]
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).sum())
        .unwrap_or(listed);
    let summed_potential: u64 = v["vulnSummary"]["potential"]
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    if v["vulnSummary"]["confirmed"].is_object() {
        assert_eq!(summed + summed_potential, listed);
    }

    client
        .images()
        .update_exceptions(&uuid, &assign("DEASSIGN"))
        .await
        .unwrap();
    assert!(vuln_qids(&client, &sha, None).await.contains(&qid));
    assert_eq!(
        client.images().exceptions(&sha).await.unwrap().count.get(),
        Some(&0)
    );
}

#[tokio::test]
async fn dynamic_and_dated_exceptions() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let (_, sha, qids) = image(&client).await;
    let img = raw(&client, "S19", json!({"sha": sha})).await;
    let tag = img["repo"][0]["tag"].as_str().unwrap().to_owned();
    let repo = img["repo"][0]["repository"].as_str().unwrap().to_owned();

    // DYNAMIC: chosen by the filter, no assignment call.
    let mut body = exception_body("IMAGE", &[], &[qids[0]]);
    body["entityAssignmentType"] = json!("DYNAMIC");
    body["dynamicFilter"] = json!(format!("repo.repository:\"{repo}\" and repo.tag:\"{tag}\""));
    client.exceptions().create(&body).await.unwrap();
    assert!(!vuln_qids(&client, &sha, None).await.contains(&qids[0]));
    assert_eq!(
        client.images().exceptions(&sha).await.unwrap().count.get(),
        Some(&1)
    );

    // Out of its dates, an assigned exception does nothing.
    let last_qid = *qids.last().unwrap();
    let d = raw(&client, "S19", json!({"sha": sha})).await;
    let uuid = d["uuid"].as_str().unwrap();
    let mut expired = exception_body("IMAGE", &[uuid], &[last_qid]);
    expired["endDate"] = json!("1700000000000");
    client.exceptions().create(&expired).await.unwrap();
    if last_qid != qids[0] {
        assert!(vuln_qids(&client, &sha, None).await.contains(&last_qid));
    }
    assert_eq!(
        client.images().exceptions(&sha).await.unwrap().count.get(),
        Some(&1)
    );
}

#[tokio::test]
async fn an_image_exception_cascades_to_its_containers() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let (uuid, sha, qids) = image(&client).await;
    let assoc = raw(&client, "P06", json!({"sha": sha})).await;
    let Some(ctr) = assoc["containers"]
        .as_array()
        .and_then(|a| a.first())
        .cloned()
    else {
        return; // the first image runs no container in this world
    };
    let x = client
        .exceptions()
        .create(&exception_body("IMAGE", &[&uuid], &qids[..1]))
        .await
        .unwrap();
    let list = client
        .containers()
        .exceptions(ctr["sha"].as_str().unwrap())
        .await
        .unwrap();
    let ids: Vec<&String> = list
        .data
        .get()
        .unwrap()
        .iter()
        .filter_map(|x| x.exception_id.get())
        .collect();
    assert_eq!(ids, vec![x.exception_id.get().unwrap()]);
}

#[tokio::test]
async fn sensor_profiles_list_what_was_created() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let body = json!({
        "profileName": "registry-scanners",
        "description": "scans the prod registry",
        "profileType": "Registry",
        "associatedRegistryIds": ["0f9f2d6a-4f4c-4b5c-9c57-5a0f2fd4b6a1"],
        "associatedSensorIds": [],
        "config": {"vulnerabilityManagement": {"containerScanningInterval": 24, "globalScanningFlag": true}},
    });
    let Output::Json(created) = client.sensor_profiles().create(&body).await.unwrap() else {
        panic!("a JSON answer")
    };
    let r = last(&sim, "P43");
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/csapi/v1.3/sensorProfile")
    );
    assert_eq!(r.body.as_ref(), Some(&body));
    let id = created["sensorProfileId"].as_str().unwrap().to_owned();

    let mut changed = body.clone();
    changed["profileName"] = json!("registry-scanners-2");
    client
        .sensor_profiles()
        .update(
            &id,
            &changed,
            SensorProfilesUpdateParams::default().is_vuln_propagation(true),
        )
        .await
        .unwrap();
    let r = last(&sim, "P44");
    assert_eq!(r.path, format!("/csapi/v1.3/sensorProfile/{id}"));
    assert_eq!(r.query, "isVulnPropagation=true");
    assert_eq!(r.body.as_ref(), Some(&changed));

    let listed = client
        .sensor_profiles()
        .list(SensorProfilesListParams::default())
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].profile_name.get().map(String::as_str),
        Some("registry-scanners-2")
    );
    assert_eq!(listed[0].is_vuln_propagation.get(), Some(&true));
    assert!(last(&sim, "P42").query.contains("pageNumber=1"));
    let page = raw(&client, "P42", json!({})).await;
    lossless(&listed[0], &page["data"][0]);

    // The table's enum for the scanning interval is checked before sending.
    let mut bad = body.clone();
    bad["config"]["vulnerabilityManagement"]["containerScanningInterval"] = json!(36);
    let e = client.sensor_profiles().create(&bad).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn vulnerability_views_agree_with_the_images() {
    let sim = sim(SimConfig::default().images(30)).await;
    let client = sim_client(&sim).build().unwrap();
    // The images' own counts (P10), summed.
    let images = raw(&client, "S17", json!({"page_size": 100})).await;
    let mut sum = [0u64; 5];
    let mut pairs = 0u64;
    for img in images["data"].as_array().unwrap() {
        let sha = img["sha"].as_str().unwrap();
        let c = raw(&client, "P10", json!({"sha": sha})).await;
        for (k, slot) in sum.iter_mut().enumerate() {
            *slot += c[format!("severity{}Count", k + 1)].as_u64().unwrap();
        }
        let v = raw(&client, "S42", json!({"sha": sha})).await;
        let distinct: BTreeSet<u64> = v["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["qid"].as_u64().unwrap())
            .collect();
        pairs += distinct.len() as u64;
    }
    let total: u64 = sum.iter().sum();

    let count = client
        .vulnerabilities()
        .count(VulnerabilitiesCountParams::default().group_by("severity"))
        .await
        .unwrap();
    assert_eq!(last(&sim, "P46").query, "groupBy=severity");
    assert_eq!(count.count.get(), Some(&(total as i64)));
    assert_eq!(count.severity5_count.get(), Some(&(sum[4] as i64)));
    assert_eq!(count.severity1_count.get(), Some(&(sum[0] as i64)));
    lossless(
        &count,
        &raw(&client, "P46", json!({"group_by": "severity"})).await,
    );

    // Every finding, paged by the one paginator.
    let findings = client
        .vulnerabilities()
        .list(VulnerabilitiesListParams::default().page_size(100))
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(findings.len() as u64, total);
    let mut by_sev: HashMap<i64, u64> = HashMap::new();
    for f in &findings {
        *by_sev.entry(*f.severity.get().unwrap()).or_default() += 1;
    }
    for (k, s) in sum.iter().enumerate() {
        assert_eq!(by_sev.get(&(k as i64 + 1)).copied().unwrap_or(0), *s);
    }
    let page = raw(&client, "P45", json!({"page_size": 100})).await;
    lossless(&findings[0], &page["data"][0]);
    assert_eq!(page["count"], json!(total));

    let grouped = raw(
        &client,
        "P45",
        json!({"group_by": "imageId", "page_size": 100}),
    )
    .await;
    assert_eq!(grouped["count"], images["count"]);

    let defs = client
        .vulnerabilities()
        .definitions(VulnerabilitiesDefinitionsParams::default().page_size(10))
        .unwrap()
        .collect()
        .await
        .unwrap();
    let affected: i64 = defs.iter().map(|d| *d.image_count.get().unwrap()).sum();
    assert_eq!(affected as u64, pairs);
    let one = &defs[0];
    let view = client
        .vulnerabilities()
        .get(one.uuid.get().unwrap())
        .await
        .unwrap();
    assert_eq!(
        last(&sim, "P48").path,
        format!("/csapi/v1.3/vulnerability/{}", one.uuid.get().unwrap())
    );
    assert_eq!(view.vuln_def.get(), Some(one));
    lossless(
        &view,
        &raw(&client, "P48", json!({"uuid": one.uuid.get().unwrap()})).await,
    );
    // A finding's uuid gives the details of that finding on its image.
    let f = &findings[0];
    let detail = client
        .vulnerabilities()
        .get(f.uuid.get().unwrap())
        .await
        .unwrap();
    assert_eq!(detail.vuln_def.get().unwrap().qid.get(), f.qid.get());
    assert_eq!(detail.vuln_def.get().unwrap().uuid.get(), f.vuln_uuid.get());
    let dto = detail.vulnerability_detail.get().unwrap();
    assert_eq!(
        dto.get("imageSha"),
        f.image_sha.get().map(|s| json!(s)).as_ref()
    );
    let e = client
        .vulnerabilities()
        .get("not-a-vulnerability")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn the_1_43_policy_rule_types_are_accepted() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    for t in [
        "IMAGESCAN_VULN_RESTRICTED_CIDS",
        "IMAGESCAN_VULN_CONTROL_CRITICALITYCOUNT",
        "IMAGESCAN_VULN_RESTRICTED_malware_IMAGES",
    ] {
        let body = json!({
            "policyName": format!("p-{t}"),
            "policyType": "CICD",
            "policyMode": "ACTIVE",
            "centralizedPolicyRules": [{"name": t, "type": t, "action": "FAIL", "metaData": {}}],
        });
        let created = client.policies().create(&body).await.unwrap();
        let id = created.uuid.get().unwrap().clone();
        let got = raw(&client, "S05", json!({"policy_id": id})).await;
        assert_eq!(got["centralizedPolicyRules"][0]["type"], json!(t));
    }
}
