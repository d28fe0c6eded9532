//! Every endpoint of the table through the client against the simulator: a success with real ids
//! and a valid body, then error paths (bad credentials → 401 on every endpoint; an unknown id → 404
//! where the path names one).

mod common;

use common::{args, sim, sim_client};
use qualys_cs::{Client, ErrorKind, Output, table};
use qualys_cs_sim::SimConfig;
use serde_json::{Map, Value, json};
use std::path::PathBuf;

fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

async fn json(client: &Client, id: &str, a: Value) -> Value {
    match client
        .call(id, args(a))
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"))
    {
        Output::Json(v) => v,
        other => panic!("{id}: expected JSON, got {other:?}"),
    }
}

fn first(v: &Value, key: &str) -> String {
    let item = v.get("data").map_or(v, |d| &d[0]);
    let item = if item.is_array() { &item[0] } else { item };
    match &item[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("no {key} in {item}: {other}"),
    }
}

/// Real ids for every path parameter, read from the simulator's own data.
async fn samples(client: &Client) -> Map<String, Value> {
    let mut s = Map::new();
    let images = json(client, "S17", json!({"page_size": 1})).await;
    s.insert("image_sha".into(), json!(first(&images, "sha")));
    let containers = json(client, "S16", json!({"page_size": 1})).await;
    s.insert("container_sha".into(), json!(first(&containers, "sha")));
    // The exception assignments take UUIDs where the reads take shas.
    s.insert("image_uuid".into(), json!(first(&images, "uuid")));
    s.insert("container_uuid".into(), json!(first(&containers, "uuid")));
    let mut cx = fixture("public/exception_create.request.json");
    cx["scope"] = json!("CONTAINER");
    let cx = json(client, "P35", json!({"body": cx})).await;
    s.insert("container_exception_id".into(), cx["exceptionId"].clone());
    let defs = json(client, "P47", json!({"page_size": 1})).await;
    s.insert("vuln_uuid".into(), json!(first(&defs, "uuid")));
    let registries = json(client, "S22", json!({})).await;
    let registry_id = first(&registries, "registryUuid");
    s.insert("registry_id".into(), json!(registry_id));
    let schedules = json(
        client,
        "S32",
        json!({"registry_id": registry_id, "page_size": 100}),
    )
    .await;
    // Not running (S003: a Running schedule can be neither updated nor deleted); S13 updates the
    // automatic schedule S12 creates instead.
    let idle = schedules["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| !matches!(x["status"].as_str(), Some("Running" | "Queued")))
        .unwrap_or_else(|| panic!("no idle schedule in {schedules}"));
    s.insert("schedule_id".into(), idle["scheduleUuid"].clone());
    s.insert(
        "running_schedule_id".into(),
        json!(first(&schedules, "scheduleUuid")),
    );
    let sensors = json(client, "S21", json!({})).await;
    s.insert("sensor_id".into(), json!(first(&sensors, "sensorId")));
    let controls = json(client, "P11", json!({})).await;
    s.insert("control_id".into(), json!(first(&controls, "id")));
    let postures = json(client, "P27", json!({})).await;
    s.insert(
        "posture_control_id".into(),
        json!(first(&postures, "controlId")),
    );
    let clusters = json(client, "P32", json!({})).await;
    s.insert("cluster_uid".into(), json!(first(&clusters, "clusterUid")));
    let reports = json(client, "S08", json!({})).await;
    let done = reports["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == json!("COMPLETED"));
    s.insert(
        "report_uuid".into(),
        done.expect("a COMPLETED report to download")["reportUuid"].clone(),
    );
    let policy = json(
        client,
        "S06",
        json!({"body": fixture("000/centralized_policy_cicd_create.request.json")}),
    )
    .await;
    s.insert("policy_id".into(), policy["uuid"].clone());
    let aws = json(client, "S25", json!({})).await;
    let arn = first(&aws, "arn");
    s.insert("aws_account".into(), json!(arn.split(':').nth(4).unwrap()));
    s.insert(
        "acr_id".into(),
        json!(first(
            &json(client, "P17", json!({})).await,
            "acrConnectorId"
        )),
    );
    s.insert(
        "gcp_id".into(),
        json!(first(
            &json(client, "P20", json!({})).await,
            "gcpConnectorId"
        )),
    );
    s
}

fn call_args(id: &str, s: &Map<String, Value>) -> Value {
    let sv = |k: &str| s[k].clone();
    let body = |v: Value| json!({ "body": v });
    let with = |mut a: Value, k: &str, v: Value| {
        a[k] = v;
        a
    };
    let image = json!({"sha": sv("image_sha")});
    let container = json!({"sha": sv("container_sha")});
    let registry = json!({"registry_id": sv("registry_id")});
    let schedule = json!({"registry_id": sv("registry_id"), "schedule_id": sv("schedule_id")});
    // A filter that matches nothing keeps bulk writes harmless for the other calls of this test.
    let nothing = "name:does-not-exist";
    match id {
        "S01" | "S19" | "S42" | "P06" | "P07" | "P09" | "P10" => image,
        "P08" => with(
            image,
            "body",
            json!({"pushRepository": "r", "pushTag": "t"}),
        ),
        "S18" | "S43" | "P02" | "P03" | "P04" => container,
        "S40" => json!({"filter": "imageId:000000000000"}),
        "S41" => json!({"filter": "containerId:000000000000"}),
        "S39" => json!({"filter": "hostname:does-not-exist"}),
        "S02" => body(
            json!({"entitySha": sv("image_sha"), "entityType": "IMAGE", "tagsToAdd": [{"tagName": "prod"}]}),
        ),
        // S02 (earlier in table order) created the tag `prod`: S03 updates it, S04 deletes it.
        "S03" => {
            let mut b = fixture("000/tag_update_add.request.json");
            b["name"] = json!("prod");
            body(b)
        }
        "S04" => json!({"tag_name": "prod"}),
        "P25" => body(fixture("public/tag_create.request.json")),
        "P26" => body(json!({"tagName": "sample"})),
        "S05" => json!({"policy_id": sv("policy_id")}),
        "S06" => body(fixture("000/centralized_policy_k8s_create.request.json")),
        "S07" => with(
            body(fixture("000/centralized_policy_cicd_update.request.json")),
            "policy_id",
            sv("policy_id"),
        ),
        "P24" => json!({"policy_type": "CICD"}),
        "S09" => body(fixture("000/reports_create.request.json")),
        "S10" => body(fixture("000/report_schedule_create.request.json")),
        "S11" => with(
            body(fixture("000/report_schedule_update.request.json")),
            "schedule_id",
            sv("report_schedule_id"),
        ),
        "P22" => json!({"report_uuids": [sv("new_report_uuid")]}),
        "P23" => json!({"report_uuid": sv("report_uuid")}),
        "S12" => with(
            registry,
            "body",
            fixture("001/registry_schedule_create_interval7.request.json"),
        ),
        "S13" => with(
            json!({"registry_id": sv("registry_id"), "schedule_id": sv("new_schedule_id")}),
            "body",
            fixture("001/registry_schedule_update_daily.request.json"),
        ),
        "S14" | "S15" => with(registry, "filter", json!(nothing)),
        "S37" => schedule,
        "P15" => {
            json!({"registry_id": sv("registry_id"), "schedule_id": sv("running_schedule_id")})
        }
        "S38" => with(
            registry,
            "schedule_ids",
            json!(["00000000-0000-0000-0000-000000000000"]),
        ),
        "S23" | "S31" | "S32" => registry,
        "S30" => json!({
            "registry_id": sv("new_registry_id"),
            "body": {"registryType": "V2", "registryUri": "https://new.example:5000", "credentialType": "BasicAuth",
                     "credential": {"username": "Y21zLWF1dGg=", "password": "YWJjZDEyMzQ="}},
        }),
        "S35" => json!({"registry_id": sv("new_registry_id")}),
        "S28" => body(
            json!({"registryType": "V2", "registryUri": "https://r.example:5000", "credentialType": "None"}),
        ),
        "S29" => body(
            json!({"registryType": "V2", "registryUri": "https://new.example:5000", "credentialType": "None"}),
        ),
        "S36" => json!({"registry_ids": ["00000000-0000-0000-0000-000000000000"]}),
        "S26" => json!({"id": sv("aws_account")}),
        "S27" => {
            // The seed's arn is one the simulator already holds (CMS-1504): a new one.
            let mut b = fixture("003/registry_aws_connector_create.request.json");
            b["arn"] = json!("arn:aws:iam::111122223333:role/qualys-cs-test");
            body(b)
        }
        "P16" => body(
            json!({"name": "acr", "applicationId": "a", "clientSecret": "s", "connectorId": "c"}),
        ),
        "P18" => json!({"id": sv("acr_id")}),
        "P19" => {
            json!({"name": "gcp", "service_account_json": {"type": "service_account", "project_id": "demo"}})
        }
        "P21" => json!({"id": sv("gcp_id")}),
        "P12" => json!({"control_id": sv("control_id")}),
        "P29" | "P30" => json!({"control_id": sv("posture_control_id")}),
        "P13" => json!({"sensor_id": sv("sensor_id")}),
        "P33" => json!({"cluster_uid": sv("cluster_uid")}),
        "P35" => body(fixture("public/exception_create.request.json")),
        "P36" => json!({"exception_id": sv("exception_id"),
                        "body": fixture("public/exception_create_dynamic.request.json")}),
        "P37" => json!({"exception_id": sv("exception_id"), "include_qids": true}),
        "P38" => image,
        "P40" => container,
        "P39" => json!({"image_uuid": sv("image_uuid"),
                        "body": {"exceptionEvent": "ASSIGN", "exceptionIds": [sv("exception_id")]}}),
        "P41" => json!({"container_uuid": sv("container_uuid"),
                        "body": {"exceptionEvent": "ASSIGN", "exceptionIds": [sv("container_exception_id")]}}),
        "P43" => body(fixture("public/sensor_profile_create.request.json")),
        "P44" => json!({"profile_id": sv("profile_id"), "is_vuln_propagation": true,
                        "body": fixture("public/sensor_profile_create.request.json")}),
        "P46" => json!({"group_by": "severity"}),
        "P48" => json!({"uuid": sv("vuln_uuid")}),
        _ => json!({}),
    }
}

#[tokio::test]
async fn every_endpoint_answers_and_fails_cleanly() {
    // Strict about `Accept`: each success also proves the client asked for what the endpoint sends.
    let sim = sim(SimConfig::default().strict_accept(true)).await;
    let client = sim_client(&sim).build().unwrap();
    let mut s = samples(&client).await;
    let bad = sim_client(&sim)
        .credentials("qualys", "not-the-password")
        .auth_mode(qualys_cs::AuthMode::Basic)
        .build()
        .unwrap();
    let mut covered = 0;
    for ep in table::endpoints().iter().filter(|e| e.resource != "auth") {
        let a = call_args(ep.id.as_str(), &s);
        let result = if ep.pagination.is_some() {
            use futures::TryStreamExt;
            let pager = client
                .paginate_with::<Value>(ep, args(a.clone()), None, None)
                .unwrap();
            pager
                .pages()
                .try_next()
                .await
                .map(|p| Output::Json(json!(p.unwrap().items)))
        } else {
            client
                .call_with(ep, args(a.clone()), None)
                .await
                .map(|(o, _)| o)
        };
        let out = result.unwrap_or_else(|e| panic!("{} {}: {e}", ep.id, ep.qualified_name()));
        match ep.response.kind {
            table::ResponseKind::Bytes => assert!(
                matches!(out, Output::Bytes(ref b) if !b.is_empty()),
                "{}",
                ep.id
            ),
            table::ResponseKind::Text => {
                assert!(matches!(out, Output::Text(_)), "{}: {out:?}", ep.id)
            }
            table::ResponseKind::JsonObject
            | table::ResponseKind::Page
            | table::ResponseKind::BareArray => {
                assert!(matches!(out, Output::Json(_)), "{}: {out:?}", ep.id)
            }
            _ => {}
        }
        // Later calls (table order) work on what earlier ones created.
        match (&out, ep.id.as_str()) {
            (Output::Json(v), "S10") => {
                drop(s.insert("report_schedule_id".into(), v["scheduleUuid"].clone()))
            }
            (Output::Json(v), "S09") => {
                drop(s.insert("new_report_uuid".into(), v["reportUuid"].clone()))
            }
            (Output::Json(v), "S29") => {
                drop(s.insert("new_registry_id".into(), v["registryUuid"].clone()))
            }
            (Output::Json(v), "P35") => {
                drop(s.insert("exception_id".into(), v["exceptionId"].clone()))
            }
            (Output::Json(v), "P43") => {
                drop(s.insert("profile_id".into(), v["sensorProfileId"].clone()))
            }
            (Output::Json(v), "S12") => {
                drop(s.insert("new_schedule_id".into(), v["scheduleUuid"].clone()))
            }
            _ => {}
        }
        let logged = sim
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.endpoint.as_deref() == Some(ep.id.as_str()));
        assert_eq!(
            logged.map(|r| r.method),
            Some(ep.http.as_str().to_owned()),
            "{}",
            ep.id
        );

        // Error path 1: refused credentials, typed as authentication, naming the request.
        let err = bad.call_with(ep, args(a.clone()), None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{}: {err}", ep.id);
        assert_eq!(
            err.request().map(|(m, _)| m.to_owned()),
            Some(ep.http.as_str().to_owned()),
            "{}",
            ep.id
        );

        // Error path 2: an id the server does not know.
        if let Some(p) = ep.path_params.first().filter(|p| p.arg != "policy_type") {
            let mut unknown = a.clone();
            unknown[&p.arg] = json!("ffffffff-ffff-ffff-ffff-ffffffffffff");
            let err = client.call_with(ep, args(unknown), None).await.unwrap_err();
            // Numeric ids (controls) answer 400 for a malformed id, the others 404.
            assert!(
                matches!(err.kind(), ErrorKind::NotFound | ErrorKind::BadRequest),
                "{}: {err}",
                ep.id
            );
            let api = err.api().unwrap();
            assert!(
                api.error_code.is_some() && api.timestamp.is_some(),
                "{}: Qualys error body: {api:?}",
                ep.id
            );
        }
        covered += 1;
    }
    assert_eq!(covered, 88);
}
