//! Object shapes of the stored collections (sensors, schedules, registries, policies, reports,
//! tags, controls, events, postures, clusters) and the initial store, following the fixtures as
//! `data` does for the generated images and containers. Nothing here depends on those: a stored
//! record names generated items by id only.

use crate::config::SimConfig;
use crate::records::{Policy, Registry, Stored};
use crate::synth::{self, NOW_MS, SPAN_MS, World, h, ms, pick, salt};
use serde_json::{Value, json};

fn sensor(w: &World, k: u64) -> Value {
    let x = h(w.seed, salt::SENSOR, k, 7);
    let created = NOW_MS - SPAN_MS + x % (SPAN_MS / 2);
    let status = ["RUNNING", "RUNNING", "RUNNING", "STOPPED", "UNKNOWN"][(x % 5) as usize];
    let typ = ["GENERAL", "REGISTRY", "CICD", "CLUSTER"][((x >> 8) % 4) as usize];
    json!({
        "activationUuid": synth::uuid_from(w.seed ^ 0xAC7),
        "binaryVersion": "1.36.0.0-12",
        "configurationProfile": null,
        "containerIpv4": synth::ip(x >> 3),
        "containerIpv6": null,
        "containerMacAddress": synth::mac(x >> 5),
        "created": ms(created),
        "customerUuid": w.customer_uuid,
        "dockerVersion": "24.0.7",
        "hostUuid": synth::uuid_for(w.seed, salt::SENSOR ^ 0xff, k),
        "hostname": w.sensor_hostname(k),
        "imageId": format!("{:012x}", x & 0xffff_ffff_ffff),
        "imageSha": synth::hex64(w.seed, salt::SENSOR, k),
        "ipv4": w.sensor_ip(k),
        "ipv6": null,
        // The OpenAPI description gives a sensor's `label` as one `{key, value}` object and
        // `privileged` as a string (unlike a container's list and boolean); no seed shows a sensor.
        "label": {"key": "sensorType", "value": typ},
        "lastCheckedIn": ms(NOW_MS - x % 3_600_000),
        "macAddress": synth::mac(x),
        "name": format!("qualys-container-sensor-{}", k + 1),
        "os": pick(synth::OSES, x >> 12),
        "platform": "Docker",
        "privileged": "true",
        "registry": null,
        "sensorId": format!("{:012x}", (x >> 16) & 0xffff_ffff_ffff),
        "sensorType": typ,
        "sensorVersion": "1.36.0",
        "sha": synth::hex64(w.seed, salt::SENSOR ^ 1, k),
        "status": status,
        "uuid": w.sensor_uuid(k),
        "vulnSigVersion": "2.6.102-3",
        "cluster": null,
    })
}

pub(crate) fn schedule(uuid: String, created: u64, body: &Value, status: &str) -> Value {
    let on_demand = body["onDemand"].as_bool().unwrap_or(false);
    json!({
        "scheduleUuid": uuid,
        "onDemand": on_demand,
        "created": ms(created),
        "updated": ms(created),
        "jobStartDate": if status == "Queued" { Value::Null } else { Value::String(ms(created + 125)) },
        "jobCompletionDate": if matches!(status, "Completed" | "Finished" | "Canceled" | "Error") { Value::String(ms(created + 4010)) } else { Value::Null },
        "name": body.get("name").cloned().unwrap_or(Value::Null),
        "errors": if status == "Error" { json!([{"errorCode": "CMS-2001", "errorMessage": "Registry unreachable", "contextParams": {}}]) } else { Value::Null },
        "schedule": body.get("schedule").cloned().unwrap_or(Value::Null),
        "filters": body.get("filters").cloned().unwrap_or(json!([])),
        "status": status,
        "scheduleScanIntervalInDays": body.get("scheduleScanIntervalInDays").cloned().unwrap_or(Value::Null),
        "forceScan": body.get("forceScan").cloned().unwrap_or(Value::Bool(false)),
        "jobListingStartDate": null,
        "jobListingCompletionDate": null,
        "jobScanningStartDate": null,
        "jobScanningCompletionDate": null,
    })
}

pub(crate) fn registry_list_item(r: &Registry) -> Value {
    let mut statuses = serde_json::Map::new();
    for s in &r.schedules {
        let k = s["status"].as_str().unwrap_or("Unknown").to_string();
        let n = statuses.get(&k).and_then(Value::as_u64).unwrap_or(0) + 1;
        statuses.insert(k, n.into());
    }
    let total: u64 = r
        .repos
        .iter()
        .map(|x| x["totalImages"].as_u64().unwrap_or(0))
        .sum();
    let scanned: u64 = r
        .repos
        .iter()
        .map(|x| x["totalScannedImages"].as_u64().unwrap_or(0))
        .sum();
    let vuln: u64 = r
        .repos
        .iter()
        .map(|x| x["totalVulnerableImages"].as_u64().unwrap_or(0))
        .sum();
    let mut v = json!({
        "registryUuid": r.uuid,
        "registryUri": r.uri,
        "registryType": r.rtype,
        "repoCount": r.repos.len(),
        "totalImages": total,
        "totalScannedImages": scanned,
        "totalVulnerableImages": vuln,
        "lastScanned": r.last_scanned.map(ms),
        "scheduleStatusList": statuses,
        "created": ms(r.created),
        "updated": ms(r.updated),
        "dockerHubOrg": r.docker_hub_org,
        "providerType": r.provider_type,
        "awsAccountId": r.aws.get("accountId").cloned().unwrap_or(Value::Null),
        "awsRegion": r.aws.get("region").cloned().unwrap_or(Value::Null),
    });
    // A loaded registry's own keys, as given.
    if let Some(o) = v.as_object_mut() {
        for (k, x) in &r.extra {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

pub(crate) fn registry_details(r: &Registry, connectors: &[Value]) -> Value {
    let mut v = registry_list_item(r);
    let o = v.as_object_mut().expect("object");
    o.shift_remove("awsAccountId");
    o.shift_remove("awsRegion");
    let last = o.shift_remove("lastScanned").unwrap_or(Value::Null);
    let dho = o.shift_remove("dockerHubOrg").unwrap_or(Value::Null);
    let pt = o.shift_remove("providerType").unwrap_or(Value::Null);
    o.insert("lastScanned".into(), last);
    o.insert("dockerHubOrg".into(), dho);
    o.insert("providerType".into(), pt);
    let arn = r.aws.get("arn").and_then(Value::as_str);
    let conn: Vec<Value> = connectors
        .iter()
        .filter(|c| arn.is_some() && c["arn"].as_str() == arn)
        .cloned()
        .collect();
    o.insert(
        "aws".into(),
        if r.aws.is_null() {
            Value::Null
        } else {
            let c = conn.first();
            json!({
                "accountId": r.aws.get("accountId").cloned().unwrap_or(Value::Null),
                "arn": arn,
                "description": c.map(|c| c["description"].clone()).unwrap_or(Value::Null),
                "name": c.map(|c| c["name"].clone()).unwrap_or(Value::Null),
                "region": r.aws.get("region").cloned().unwrap_or(Value::Null),
            })
        },
    );
    o.insert(
        "credential".into(),
        match &r.username {
            Some(u) => json!({"username": u}),
            None => Value::Null,
        },
    );
    o.insert(
        "connectors".into(),
        if conn.is_empty() {
            Value::Null
        } else {
            Value::Array(conn)
        },
    );
    v
}

fn repo(name: &str, x: u64) -> Value {
    let total = 1 + x % 12;
    let scanned = total - (x >> 8) % (total + 1) / 3;
    json!({
        "repoName": name,
        "totalImages": total,
        "totalScannedImages": scanned,
        "totalVulnerableImages": scanned / 2 + (x >> 16) % 2 * (scanned % 2),
    })
}

fn default_policy(w: &World, ptype: &str) -> Value {
    let k8s = ptype == "K8S_ADMISSION_CONTROLLER";
    let created = NOW_MS - SPAN_MS / 3;
    json!({
        "uuid": synth::uuid_from(w.seed ^ if k8s { 0xDEF8 } else { 0xDEFC }),
        "policyName": if k8s { "Default K8S Admission Controller Policy" } else { "Default CICD Policy" },
        "policyType": ptype,
        "policyMode": "ACTIVE",
        "policyBehavior": if k8s { Value::String("BLOCK".into()) } else { Value::Null },
        "description": "System default policy",
        "createdBy": "system",
        "created": ms(created),
        "updatedBy": "system",
        "updated": ms(created),
        "centralizedPolicyRules": [
            {"name": "Limit vulnerabilities by severity", "type": "IMAGESCAN_VULN_SEVERITYCOUNT", "isEnabled": true, "stopProcessing": false, "order": 0, "kind": "IMAGE_SECURITY", "metaData": {"operator": "GREATER_THAN", "severityLevel": 5, "threshold": 0}, "action": "FAIL"}
        ],
        "exclusionPolicyRules": [],
        "isDefault": true,
        "tagIds": null,
        "excludedTagIds": null,
        "k8sFilters": if k8s { Value::Null } else { json!([]) },
        "excludedK8sFilters": null,
    })
}

fn custom_policy(w: &World, k: u64) -> Value {
    let k8s = k % 2 == 1;
    let created = NOW_MS - SPAN_MS / 4 + k * 86_400_000;
    let mut v = json!({
        "uuid": synth::uuid_from(w.seed ^ 0x9011C1 ^ (k << 20)),
        "policyName": format!("{} policy {}", if k8s { "K8S" } else { "CICD" }, k + 1),
        "policyType": if k8s { "K8S_ADMISSION_CONTROLLER" } else { "CICD" },
        "policyMode": "ACTIVE",
        "description": "generated policy",
        "createdBy": "quaysxpb14",
        "created": ms(created),
        "updatedBy": "quaysxpb14",
        "updated": ms(created),
        "centralizedPolicyRules": [
            {"name": "Block known compliance using Controls", "type": "IMAGESCAN_VULN_RESTRICTED_CIDS", "isEnabled": true, "stopProcessing": false, "order": 0, "kind": "IMAGE_SECURITY", "metaData": {"values": [10826, 19378, 19386]}, "action": "FAIL"},
            {"name": "Limit Compliance using Criticality", "type": "IMAGESCAN_VULN_CONTROL_CRITICALITYCOUNT", "isEnabled": true, "stopProcessing": false, "order": 0, "kind": "IMAGE_SECURITY", "metaData": {"value": "MEDIUM", "operator": "GREATER_THAN", "threshold": 1}, "action": "FAIL"}
        ],
        "exclusionPolicyRules": [
            {"isEnabled": true, "order": 0, "sortOrder": 0, "stopProcessing": false, "kind": "EXCLUSION", "action": "FAIL", "metaData": {"values": [19386]}, "name": "Exclude CIDs", "type": "EX_IMAGESCAN_VULN_CIDS"}
        ],
        "isDefault": false,
        "tagIds": null,
        "excludedTagIds": null,
        "k8sFilters": [],
        "excludedK8sFilters": null,
    });
    if k8s {
        v["policyBehavior"] = json!("BLOCK");
        v["k8sFilters"] = json!([{"cluster": {"clusterUid": synth::uuid_from(w.seed ^ 0xC1), "clusterName": "prod-eks"}, "namespace": null, "deployment": null}]);
    }
    v
}

pub(crate) fn report(
    uuid: String,
    created: u64,
    body: &Value,
    status: &str,
    scheduled: bool,
) -> Value {
    let expire = body["expireAfter"].as_u64().unwrap_or(7);
    json!({
        "reportUuid": uuid,
        "createdAt": synth::iso(created),
        "reportName": body["name"],
        "description": body.get("description").cloned().unwrap_or(json!("")),
        "fileFormat": body.get("format").cloned().unwrap_or(json!("csv")),
        "templateName": body["templateName"],
        "status": status,
        "isScheduled": if scheduled { 1 } else { 0 },
        "filter": body.get("filter").cloned().unwrap_or(json!("{\"filter\": \"\"}")),
        "displayColumns": body.get("displayColumns").cloned().unwrap_or(json!(["imageId", "imageSha"])),
        "expireOn": synth::iso(created + expire * 86_400_000),
        "emailNotification": body.get("emailNotification").cloned().unwrap_or(json!(0)),
        "recipient": body.get("recipient").cloned().unwrap_or(json!("")),
        "emailSubject": body.get("emailSubject").cloned().unwrap_or(json!("")),
        "customMessage": body.get("customMessage").cloned().unwrap_or(json!("")),
        "sendAsAttachment": body.get("sendAsAttachment").cloned().unwrap_or(json!(0)),
        "fileZipped": body.get("zip").cloned().unwrap_or(json!(0)),
        "expireAfter": expire,
    })
}

pub(crate) fn tag(id: u64, name: &str, rules: &[(String, String)]) -> Value {
    json!({
        "tagId": id,
        "name": name,
        "backgroundColor": null,
        "foregroundColor": null,
        "icon": null,
        "criticalityScore": null,
        "entityTagInfo": rules.iter().map(|(t, r)| json!({"entityType": t, "dynamicTagRule": r})).collect::<Vec<_>>(),
        "uuid": synth::uuid_from(id),
    })
}

pub(crate) fn initial(cfg: &SimConfig, w: &World) -> Stored {
    let c = &cfg.counts;
    let mut st = Stored {
        next_tag_id: 52_310_803,
        ..Default::default()
    };
    st.sensors = (0..c.sensors).map(|k| sensor(w, k)).collect();
    st.aws_connectors = vec![
        json!({"arn": "arn:aws:iam::205767712438:role/abcd", "name": "AWSC1", "description": "AWS connector 1"}),
        json!({"arn": "arn:aws:iam::205767712438:role/testabcd", "name": "AWSC2", "description": "AWS connector 2"}),
        json!({"arn": "arn:aws:iam::383031258652:role/testabcd", "name": "AWSC3", "description": "AWS connector 3"}),
    ];
    st.acr_connectors = vec![
        json!({"name": "ACR1", "acrConnectorId": synth::uuid_from(w.seed ^ 0xAC1), "description": "Azure connector 1"}),
    ];
    st.gcp_connectors = vec![json!({
        "name": "GCP1", "description": "GCP connector 1", "location": "us-central1",
        "gcpConnectorId": synth::uuid_from(w.seed ^ 0x6C1), "gcpProjectId": "acme-prod-123456",
    })];
    for r in 0..c.registries {
        let x = h(w.seed, salt::REG, r, 3);
        let created = NOW_MS - SPAN_MS + x % (SPAN_MS / 2);
        let rtype = w.registry_type(r).to_string();
        let aws = if rtype == "AWS" {
            let uri = w.registry_uri(r);
            let acct = uri
                .trim_start_matches("https://")
                .split('.')
                .next()
                .unwrap_or("")
                .to_string();
            json!({"accountId": acct, "arn": format!("arn:aws:iam::{acct}:role/cs-scan"), "region": "us-east-2"})
        } else {
            Value::Null
        };
        let repos = (0..c.repositories_per_registry)
            .map(|k| {
                let name = synth::REPOS[((x >> 4) + k) as usize % synth::REPOS.len()];
                let name = if k as usize >= synth::REPOS.len() {
                    format!("{name}-{k}")
                } else {
                    name.to_string()
                };
                repo(&name, h(w.seed, salt::REG, r, 100 + k))
            })
            .collect();
        let schedules = (0..c.schedules_per_registry)
            .map(|k| {
                let y = h(w.seed, salt::REG, r, 200 + k);
                let status = ["Completed", "Completed", "Finished", "Running", "Queued", "Error", "Canceled"][(y % 7) as usize];
                let on_demand = y.is_multiple_of(2);
                let body = json!({
                    "name": if k.is_multiple_of(3) { Value::Null } else { Value::String(format!("schedule-{}", k + 1)) },
                    "onDemand": on_demand,
                    "filters": [{"repoTags": [{"repo": if k.is_multiple_of(2) { ".*" } else { "qualys/cms/cms-api-service" }, "tag": if on_demand { Value::String("1.2.0.0".into()) } else { Value::Null }}], "days": if on_demand { json!(7) } else { Value::Null }}],
                    "schedule": if on_demand { Value::Null } else { Value::String("00:00".into()) },
                    "scheduleScanIntervalInDays": if on_demand { Value::Null } else { json!(1) },
                });
                schedule(synth::uuid_from(y), created + k * 3_600_000, &body, status)
            })
            .collect();
        st.registries.push(Registry {
            uuid: w.registry_uuid(r),
            uri: w.registry_uri(r),
            credential_type: match rtype.as_str() {
                "AWS" => "AWS",
                "DockerHub" => "DockerHub",
                "V2_PRIVATE" => "BasicAuth",
                _ => "None",
            }
            .to_string(),
            provider_type: (rtype == "DockerHub").then(|| "DockerHub".to_string()),
            docker_hub_org: None,
            username: (rtype == "V2_PRIVATE").then(|| "anonymous".to_string()),
            rtype,
            created,
            updated: created,
            last_scanned: Some(created + 3_600_000),
            aws,
            repos,
            schedules,
            extra: Default::default(),
        });
    }
    st.policies.push(Policy {
        versions: vec![default_policy(w, "CICD")],
    });
    st.policies.push(Policy {
        versions: vec![default_policy(w, "K8S_ADMISSION_CONTROLLER")],
    });
    for k in 0..c.policies {
        st.policies.push(Policy {
            versions: vec![custom_policy(w, k)],
        });
    }
    let templates = [
        "CS_IMAGE_SOFTWARE_DETAILS",
        "CS_IMAGE_VULNERABILITY",
        "CS_CONTAINER_VULNERABILITY",
    ];
    for k in 0..c.reports {
        let x = h(w.seed, salt::MISC, k, 1);
        let body = json!({
            "name": if k == 0 { "Post_API_test".to_string() } else { format!("report_{}", k + 1) },
            "description": "test",
            "templateName": templates[(k % 3) as usize],
            "filter": "{\"filter\": \"\",\"secondFilter\": \"not software.lifecycle.eol is null\"}",
            "expireAfter": 7,
            "displayColumns": ["name", "version", "fixVersion", "eolDate", "eosDate", "imageId", "imageSha"],
        });
        let status = if k % 4 == 3 { "FAILED" } else { "COMPLETED" };
        st.reports.push(report(
            synth::uuid_from(x),
            NOW_MS - (k + 1) * 86_400_000,
            &body,
            status,
            false,
        ));
    }
    for k in 0..c.tags {
        let id = st.next_tag_id;
        st.next_tag_id += 1;
        let rules = vec![(
            "image".to_string(),
            format!(
                "image.repo.repository:{}",
                synth::REPOS[k as usize % synth::REPOS.len()]
            ),
        )];
        st.tags.push(tag(id, &format!("tag_{}", k + 1), &rules));
    }
    st
}

const CRIT: [&str; 3] = ["LOW", "MEDIUM", "HIGH"];
const SUBCAT: [&str; 3] = ["Dockerfile", "File Permissions", "User"];

pub(crate) fn controls(w: &World, n: u64) -> Vec<Value> {
    let known: [(u64, &str); 5] = [
        (19388, "Ensure a user for the container has been created"),
        (
            19386,
            "Ensure update instructions are not used alone in the Dockerfile",
        ),
        (
            10826,
            "Ensure HEALTHCHECK instructions have been added to container images",
        ),
        (19511, "Ensure setuid and setgid permissions are removed"),
        (
            19378,
            "Ensure that COPY is used instead of ADD in Dockerfiles",
        ),
    ];
    (0..n)
        .map(|k| {
            let (id, statement) = match known.get(k as usize) {
                Some(&(id, s)) => (id, s.to_string()),
                None => (20_000 + k, format!("Ensure container control {} is satisfied", 20_000 + k)),
            };
            let x = h(w.seed, salt::MISC, k, 2);
            json!({
                "id": id,
                "statement": statement,
                "criticality": CRIT[(x % 3) as usize],
                "comments": null,
                // A string in the OpenAPI description's `PcControl`; no seed shows a control.
                "deprecated": if k % 17 == 16 { "true" } else { "false" },
                "category": "Container Image Security",
                "subCategory": SUBCAT[((x >> 4) % 3) as usize],
                "technologies": [{"technologyId": 283, "technologyName": "Docker Image", "rational": "Reduces the attack surface.", "remediation": "Update the Dockerfile and rebuild the image."}],
            })
        })
        .collect()
}

/// Events (S20): no public source shows their shape; these keys are invented.
pub(crate) fn events(w: &World, n: u64) -> Vec<Value> {
    let kinds = [
        "CONTAINER_CREATED",
        "CONTAINER_STARTED",
        "CONTAINER_STOPPED",
        "IMAGE_PULLED",
        "IMAGE_SCANNED",
    ];
    (0..n)
        .map(|k| {
            let x = h(w.seed, salt::MISC, k, 3);
            let j = if w.containers > 0 { x % w.containers } else { 0 };
            let s = w.ctr_sensor(j);
            json!({
                "uuid": synth::uuid_from(x),
                "eventType": kinds[(x % 5) as usize],
                "eventOccurred": ms(NOW_MS - (n - k) * 600_000),
                "containerUuid": if w.containers > 0 { Value::String(w.ctr_uuid(j)) } else { Value::Null },
                "imageUuid": if w.images > 0 { Value::String(w.img_uuid(w.ctr_image(j))) } else { Value::Null },
                "hostname": w.sensor_hostname(s),
                "sensorUuid": w.sensor_uuid(s),
                "description": format!("{} on {}", kinds[(x % 5) as usize].to_lowercase().replace('_', " "), w.sensor_hostname(s)),
            })
        })
        .collect()
}

/// Kubernetes posture controls (P27..P30): the Release 1.38 notes name the APIs only; these
/// shapes are invented (CIS-benchmark-like).
pub(crate) fn postures(w: &World, n: u64) -> Vec<Value> {
    (0..n)
        .map(|k| {
            let x = h(w.seed, salt::MISC, k, 4);
            let fail = x % 5;
            json!({
                "controlId": 5000 + k,
                "title": format!("CIS 5.{}.{}: Ensure Kubernetes control {} is configured", k / 10 + 1, k % 10 + 1, 5000 + k),
                "criticality": CRIT[(x % 3) as usize],
                "category": "CIS Kubernetes Benchmark",
                "section": format!("5.{}", k / 10 + 1),
                "posture": if fail > 0 { "FAIL" } else { "PASS" },
                "passCount": 3 + (x >> 8) % 20,
                "failCount": fail,
                "cluster": {"clusterUid": synth::uuid_from(w.seed ^ 0xC1), "clusterName": "prod-eks"},
                "lastEvaluated": ms(NOW_MS - x % 86_400_000),
            })
        })
        .collect()
}

/// The Kubernetes clusters (P32, P33). No sample or schema of these answers is published: the
/// keys are `clusterUid` and `clusterName` as policies' `k8sFilters[].cluster` spells them (S000),
/// then this simulator's choice. The first is the cluster the K8s postures name.
pub(crate) fn clusters(w: &World) -> Vec<Value> {
    let names = ["prod-eks", "staging-aks", "dev-gke"];
    let platforms = ["EKS", "AKS", "GKE"];
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let x = h(w.seed, salt::MISC, k as u64, 6);
            let uid = if k == 0 {
                synth::uuid_from(w.seed ^ 0xC1)
            } else {
                synth::uuid_from(x)
            };
            json!({
                "clusterUid": uid,
                "clusterName": name,
                "platform": platforms[k],
                "k8sVersion": format!("1.{}", 27 + k),
                "nodeCount": 3 + x % 5,
                "status": "ACTIVE",
                "created": ms(NOW_MS - SPAN_MS + x % (SPAN_MS / 2)),
                "updated": ms(NOW_MS - x % 86_400_000),
            })
        })
        .collect()
}
