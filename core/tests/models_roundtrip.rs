//! The typed models against the fixtures: every response fixture decodes into the model that the
//! endpoint table names for its endpoint (`response.model`) and re-encodes to equal JSON; the
//! quirk accessors; the table's model names against the response kinds.

use qualys_cs::models::*;
use qualys_cs::table::ENDPOINTS_JSON;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::LazyLock;

/// `endpoints.json` read as plain JSON (id, response kind, pagination style), independent of the
/// typed table.
static ENDPOINTS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let table: Value = serde_json::from_str(ENDPOINTS_JSON).expect("endpoints.json");
    table["endpoints"].as_array().expect("endpoints").clone()
});

fn endpoint(id: &str) -> &'static Value {
    ENDPOINTS
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in endpoints.json"))
}

fn response_kind(ep: &Value) -> &str {
    ep["response"]["kind"].as_str().expect("response.kind")
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn read_fixture(name: &str) -> String {
    let path = fixtures_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Rust type an endpoint's success decodes into, by name, as the table says: its model, or
/// what its response kind implies when it names none.
fn type_name(endpoint_id: &str) -> &'static str {
    let ep = qualys_cs::table::by_id(endpoint_id)
        .unwrap_or_else(|| panic!("{endpoint_id} not in endpoints.json"));
    match (&ep.response.model, response_kind(endpoint(endpoint_id))) {
        (Some(m), "bare_array") => Box::leak(format!("Vec<{m}>").into_boxed_str()),
        (Some(m), _) => m.as_str(),
        (None, "text" | "empty_or_text") => "String",
        (None, "bytes") => "bytes::Bytes",
        (None, _) => "serde_json::Value",
    }
}

/// How a model is wrapped for an endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wrap {
    One,
    Vec,
    Page,
    Bulk,
}

/// The (type name, wrapper) an endpoint's response decodes into.
fn model_of(endpoint_id: &str) -> (&'static str, Wrap) {
    let ty = type_name(endpoint_id);
    let ep = endpoint(endpoint_id);
    match response_kind(ep) {
        "page" => {
            let style = ep["pagination"]["style"]
                .as_str()
                .expect("page without pagination");
            if style == "cursor" {
                (ty, Wrap::Bulk)
            } else {
                (ty, Wrap::Page)
            }
        }
        "bare_array" => {
            let inner = ty
                .strip_prefix("Vec<")
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or_else(|| panic!("{endpoint_id}: bare_array but {ty}"));
            (inner, Wrap::Vec)
        }
        _ => (ty, Wrap::One),
    }
}

/// Decodes `text` as `T`, checks that no object at any depth left fields in its `extra` map
/// (i.e. the models name every field of the fixture), and re-encodes.
fn reencode<T>(text: &str) -> Value
where
    T: DeserializeOwned + Serialize + std::fmt::Debug,
{
    let model: T = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("decode as {}: {e}", std::any::type_name::<T>()));
    // Every model's `extra` map prints as `extra: {}` when empty.
    let debug = format!("{model:?}");
    assert!(
        !debug.contains("extra: {\""),
        "{}: fields not modelled: {debug}",
        std::any::type_name::<T>()
    );
    serde_json::to_value(&model).expect("encode")
}

/// Decodes `text` into the model named `ty` (wrapped as `wrap`) and re-encodes it.
fn reencode_as(ty: &str, wrap: Wrap, text: &str) -> Value {
    macro_rules! dispatch {
        ($($name:ident),* $(,)?) => {
            match ty {
                $(stringify!($name) => match wrap {
                    Wrap::One => reencode::<$name>(text),
                    Wrap::Vec => reencode::<Vec<$name>>(text),
                    Wrap::Page => reencode::<Page<$name>>(text),
                    Wrap::Bulk => reencode::<BulkPage<$name>>(text),
                },)*
                "serde_json::Value" => match wrap {
                    Wrap::Page => reencode::<Page<Value>>(text),
                    Wrap::Bulk => reencode::<BulkPage<Value>>(text),
                    _ => reencode::<Value>(text),
                },
                other => panic!("no decoder for model type {other}"),
            }
        };
    }
    dispatch!(
        ActivationKey,
        AcrConnector,
        AssociatedRegistry,
        Associations,
        AwsBase,
        AwsConnector,
        BulkContainer,
        BulkImage,
        Compliance,
        Container,
        ContainerExceptionsUpdated,
        ContainerDetails,
        ContainerVulnerabilities,
        Control,
        DeletedRegistries,
        DeletedSchedules,
        EntityExceptions,
        ErrorBody,
        ExceptionCreated,
        Event,
        GcpConnector,
        Image,
        ImageDetails,
        ImageExceptionsUpdated,
        ImageVulnerabilities,
        JobStarted,
        K8sPosture,
        KubernetesCluster,
        Message,
        Policy,
        PolicyCreated,
        PolicyUpdated,
        Registry,
        RegistryCreated,
        RegistryDetails,
        Report,
        ReportCreated,
        ReportsDeleted,
        Repository,
        Schedule,
        ScheduleCreated,
        Sensor,
        SensorProfile,
        SoftwareList,
        Tag,
        TagAssigned,
        VulnDefinition,
        VulnException,
        VulnFinding,
        VulnViewCount,
        VulnerabilityCount,
        VulnerabilityView,
    )
}

/// Fixture-index endpoint ids that are v1.1 twins of table entries (API.md §3.1).
fn table_id(fixture_endpoint: &str) -> &str {
    match fixture_endpoint {
        "S33" => "S12",
        "S34" => "S13",
        other => other,
    }
}

fn fixture_index() -> Vec<(String, String)> {
    let index: Value = serde_json::from_str(&read_fixture("index.json")).expect("index.json");
    index
        .as_object()
        .expect("index is an object")
        .iter()
        .map(|(name, entry)| {
            let id = entry["sample"]["endpoint"].as_str().expect("endpoint id");
            (name.clone(), table_id(id).to_string())
        })
        .collect()
}

#[test]
fn every_response_fixture_round_trips_through_its_model() {
    let mut checked = 0;
    for (name, id) in fixture_index() {
        let is_error = name.contains("error");
        if !(name.ends_with(".response.json") || name.ends_with(".error_response.json")) {
            continue;
        }
        let text = read_fixture(&name);
        let original: Value = serde_json::from_str(&text).unwrap();
        let (ty, wrap) = if is_error {
            ("ErrorBody", Wrap::One)
        } else {
            model_of(&id)
        };
        assert_ne!(
            ty, "serde_json::Value",
            "{name}: {id} has a fixture but no model"
        );
        let again = reencode_as(ty, wrap, &text);
        assert_eq!(
            again, original,
            "{name} ({id} as {ty}, {wrap:?}) changed in a round trip"
        );
        checked += 1;
    }
    assert!(checked >= 39, "only {checked} response fixtures checked");
}

#[test]
fn text_fixture_is_a_string_endpoint() {
    let text = read_fixture("000/tag_delete.response.txt");
    assert_eq!(text.trim(), "Tag deleted successfully");
    assert_eq!(model_of("S04"), ("String", Wrap::One));
}

#[test]
fn request_bodies_round_trip_through_the_models() {
    for (name, id) in fixture_index() {
        if !name.ends_with(".request.json") {
            continue;
        }
        let text = read_fixture(&name);
        let original: Value = serde_json::from_str(&text).unwrap();
        let again = match id.as_str() {
            "S05" | "S06" | "S07" => reencode::<Policy>(&text),
            "S12" | "S13" => reencode::<Schedule>(&text),
            _ => continue,
        };
        assert_eq!(again, original, "{name}");
    }
}

#[test]
fn the_table_names_a_model_for_every_decoded_endpoint() {
    let table_ids: HashSet<&str> = ENDPOINTS
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(table_ids.len(), 91);
    for ep in qualys_cs::table::endpoints() {
        let decoded = matches!(
            ep.response.kind,
            qualys_cs::table::ResponseKind::Page | qualys_cs::table::ResponseKind::BareArray
        );
        // Every list and bare array has a typed item; untyped JSON objects are only those whose
        // shape no source shows (the `json_or_text` answers and a few writes).
        assert!(
            !decoded || ep.response.model.is_some(),
            "{}: a list without an item model",
            ep.id
        );
    }
}

#[test]
fn response_models_match_the_response_kinds() {
    for ep in ENDPOINTS.iter() {
        let id = ep["id"].as_str().unwrap();
        let ty = type_name(id);
        match response_kind(ep) {
            "text" | "empty_or_text" => assert_eq!(ty, "String", "{id}"),
            "bytes" => assert_eq!(ty, "bytes::Bytes", "{id}"),
            "json_or_text" => assert_eq!(ty, "serde_json::Value", "{id}"),
            "bare_array" => assert!(ty.starts_with("Vec<"), "{id}: {ty}"),
            "json_object" | "page" => {
                assert!(!ty.starts_with("Vec<"), "{id}: {ty}");
                // The name resolves to a decoder: a minimal object / page decodes and re-encodes.
                let (ty, wrap) = model_of(id);
                let minimal = match wrap {
                    Wrap::Page => r#"{"data": [{}], "count": 1}"#,
                    Wrap::Bulk => r#"{"limit": 1, "data": [{}]}"#,
                    _ => "{}",
                };
                let again = reencode_as(ty, wrap, minimal);
                assert_eq!(
                    again,
                    serde_json::from_str::<Value>(minimal).unwrap(),
                    "{id}"
                );
            }
            other => panic!("{id}: unknown response kind {other}"),
        }
    }
}

// ---- absent vs null, unknown fields ----

#[test]
fn absent_and_null_stay_distinct() {
    let host: Host = serde_json::from_value(json!({"hostname": "h", "uuid": null})).unwrap();
    assert!(host.uuid.is_null());
    assert!(host.sensor_uuid.is_absent());
    assert_eq!(host.hostname.as_deref(), Some("h"));
    assert_eq!(host.uuid.get(), None);
    assert_eq!(
        serde_json::to_value(&host).unwrap(),
        json!({"hostname": "h", "uuid": null})
    );
    let empty = Host::default();
    assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));
}

#[test]
fn unknown_fields_are_kept_in_order_through_a_round_trip() {
    let input = json!({
        "zeta": 1,
        "sha": "abc",
        "newBlock": {"nested": [1, 2, {"x": null}]},
        "repo": [{"registry": "r", "repository": "x", "tag": "t", "digestNew": "d"}],
        "alpha": null
    });
    let image: Image = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(image.sha.as_deref(), Some("abc"));
    assert_eq!(
        image.extra.keys().collect::<Vec<_>>(),
        ["zeta", "newBlock", "alpha"]
    );
    assert_eq!(image.repo.get().unwrap()[0].extra["digestNew"], json!("d"));
    assert_eq!(serde_json::to_value(&image).unwrap(), input);
    // What `reencode` looks for to detect unmodelled fields.
    assert!(format!("{image:?}").contains("extra: {\""));
}

// ---- quirks ----

fn policy_fixture(name: &str) -> Policy {
    serde_json::from_str(&read_fixture(name)).unwrap()
}

#[test]
fn metadata_object_and_string_forms_give_the_same_value() {
    let cicd = policy_fixture("000/centralized_policy_cicd_get.response.json");
    let k8s = policy_fixture("000/centralized_policy_k8s_get.response.json");
    let cicd_rule = &cicd.centralized_policy_rules.get().unwrap()[0];
    let k8s_rule = &k8s.centralized_policy_rules.get().unwrap()[0];
    let cicd_md = cicd_rule.meta_data.get().unwrap();
    let k8s_md = k8s_rule.meta_data.get().unwrap();
    assert!(!cicd_md.is_encoded());
    assert!(k8s_md.is_encoded());
    assert_eq!(
        k8s_md.value().unwrap(),
        json!({"values": [10826, 19388, 19511]})
    );
    assert!(cicd_md.value().unwrap()["values"].is_array());

    // The same metadata in both forms decodes to the same value.
    let object = json!({"operator": "GREATER_THAN", "threshold": 1, "value": "MEDIUM"});
    let as_object: MetaData = serde_json::from_value(object.clone()).unwrap();
    let as_string: MetaData = serde_json::from_value(Value::String(object.to_string())).unwrap();
    assert_eq!(as_object.value().unwrap(), as_string.value().unwrap());
    assert_eq!(
        k8s.centralized_policy_rules.get().unwrap()[1]
            .meta_data_value()
            .unwrap()
            .unwrap(),
        object
    );
    // The original form is what gets re-encoded; to_object_form converts for a request.
    assert_eq!(
        serde_json::to_value(&as_string).unwrap(),
        Value::String(object.to_string())
    );
    assert_eq!(
        serde_json::to_value(as_string.to_object_form().unwrap()).unwrap(),
        object
    );
    // An invalid string form is an error from value(), not from decoding.
    let bad: MetaData = serde_json::from_value(json!("not json")).unwrap();
    assert!(bad.value().is_err());
}

#[test]
fn rule_position_reads_order_or_sort_order() {
    let cicd = policy_fixture("000/centralized_policy_cicd_get.response.json");
    let k8s = policy_fixture("000/centralized_policy_k8s_get.response.json");
    let c = &cicd.centralized_policy_rules.get().unwrap()[0];
    assert!(c.order.is_value() && c.sort_order.is_absent());
    assert_eq!(c.position(), Some(0));
    let k = &k8s.centralized_policy_rules.get().unwrap()[0];
    assert!(k.order.is_absent() && k.sort_order.is_value());
    assert_eq!(k.position(), Some(0));
    let rule: PolicyRule = serde_json::from_value(json!({"sortOrder": 3})).unwrap();
    assert_eq!(rule.position(), Some(3));
    assert_eq!(rule.r#type.get(), None);
    assert_eq!(cicd.rules().count(), 3);
}

#[test]
fn policy_updated_id_under_each_key() {
    let text = read_fixture("000/centralized_policy_cicd_update.response.json");
    let updated: PolicyUpdated = serde_json::from_str(&text).unwrap();
    assert_eq!(updated.id(), Some("f0c6ebef-1246-4d61-be1b-0c11075aaebb"));
    assert!(updated.policy_uuid.is_absent());
    let out = serde_json::to_value(&updated).unwrap();
    assert!(
        out.get("policyUUID ").is_some(),
        "trailing-space key kept: {out}"
    );
    for key in ["policyUUID", "uuid"] {
        let p: PolicyUpdated = serde_json::from_value(json!({ key: "id-1" })).unwrap();
        assert_eq!(p.id(), Some("id-1"), "{key}");
        assert_eq!(serde_json::to_value(&p).unwrap(), json!({ key: "id-1" }));
    }
    assert_eq!(PolicyUpdated::default().id(), None);
}

#[test]
fn job_id_from_cancel_or_deletion_key() {
    let cancel: JobStarted =
        serde_json::from_str(&read_fixture("004/registry_schedule_cancel.response.json")).unwrap();
    let all: JobStarted = serde_json::from_str(&read_fixture(
        "004/registry_schedule_cancel_all.response.json",
    ))
    .unwrap();
    assert!(cancel.cancel_job_id.is_value() && cancel.deletion_job_id.is_absent());
    assert!(all.deletion_job_id.is_value() && all.cancel_job_id.is_absent());
    assert_eq!(
        cancel.job_id(),
        Some("1b54a117-b413-4aa8-8511-61860487619c")
    );
    assert_eq!(cancel.job_id(), all.job_id());
    assert_eq!(
        serde_json::to_value(&cancel).unwrap(),
        json!({"CancelJobId": "1b54a117-b413-4aa8-8511-61860487619c"})
    );
}

#[test]
fn criticality_old_names_map_to_new() {
    use qualys_cs::models::criticality::{HIGH, LOW, MEDIUM, normalize};
    for (name, want) in [
        ("MINIMAL", LOW),
        ("LOW", LOW),
        ("MEDIUM", MEDIUM),
        ("SERIOUS", MEDIUM),
        ("CRITICAL", HIGH),
        ("URGENT", HIGH),
        ("HIGH", HIGH),
        ("urgent", HIGH),
    ] {
        assert_eq!(normalize(name), Some(want), "{name}");
    }
    assert_eq!(normalize("SEVERE"), None);

    let compliance: Compliance =
        serde_json::from_str(&read_fixture("000/images_compliance.response.json")).unwrap();
    let levels: Vec<_> = compliance
        .controls()
        .iter()
        .map(|c| c.criticality_level())
        .collect();
    assert_eq!(
        levels,
        [Some(MEDIUM); 4]
            .into_iter()
            .chain([Some(HIGH)])
            .collect::<Vec<_>>()
    );
    assert_eq!(compliance.failed().count(), 3);
    let old: ComplianceControl = serde_json::from_value(json!({"criticality": "SERIOUS"})).unwrap();
    assert_eq!(old.criticality_level(), Some(MEDIUM));
    // The name itself is kept as sent.
    assert_eq!(old.criticality.as_deref(), Some("SERIOUS"));
    let control: Control = serde_json::from_value(json!({"criticality": "MINIMAL"})).unwrap();
    assert_eq!(control.criticality_level(), Some(LOW));
}

#[test]
fn bulk_page_data_as_list_or_single_object() {
    let list = json!({"limit": 2, "data": [{"sha": "a"}, {"sha": "b"}]});
    let single = json!({"limit": 1, "data": {"sha": "c", "newKey": true}});
    let page: BulkPage<BulkImage> = serde_json::from_value(list.clone()).unwrap();
    assert_eq!(page.items().len(), 2);
    assert_eq!(serde_json::to_value(&page).unwrap(), list);
    let page: BulkPage<BulkImage> = serde_json::from_value(single.clone()).unwrap();
    assert!(matches!(page.data.get(), Some(OneOrMany::One(_))));
    assert_eq!(page.items().len(), 1);
    assert_eq!(page.items()[0].sha.as_deref(), Some("c"));
    assert_eq!(serde_json::to_value(&page).unwrap(), single);
    let containers: BulkPage<BulkContainer> =
        serde_json::from_value(json!({"limit": 50, "data": {"uuid": "u"}})).unwrap();
    assert_eq!(containers.into_items().len(), 1);
    let empty: BulkPage<BulkImage> =
        serde_json::from_value(json!({"limit": 5, "data": null})).unwrap();
    assert!(empty.items().is_empty());
}

#[test]
fn page_count_and_optional_groups() {
    let reports: Page<Report> =
        serde_json::from_str(&read_fixture("000/reports_list.response.json")).unwrap();
    assert!(reports.groups.is_absent());
    assert_eq!(reports.total(), Some(1));
    let report = &reports.items()[0];
    assert_eq!(report.is_scheduled.get(), Some(&0));
    assert_eq!(report.expire_after.get(), Some(&json!(7)));
    assert_eq!(
        report.filter_value().unwrap().unwrap()["secondFilter"],
        json!("not software.lifecycle.eol is null")
    );
    let registries: Page<Registry> =
        serde_json::from_str(&read_fixture("003/registry_list.response.json")).unwrap();
    assert_eq!(registries.groups.get(), Some(&json!({})));
    assert_eq!(registries.total(), Some(6));
    assert_eq!(registries.items().len(), 2);
}

#[test]
fn tag_ids_as_strings_or_objects() {
    let cicd = policy_fixture("000/centralized_policy_cicd_get.response.json");
    assert_eq!(cicd.tag_uuids().len(), 3);
    let with_objects = json!({
        "tagIds": [
            {"uuid": "u-1", "id": 42, "name": "prod", "backgroundColor": "#fff",
             "foregroundColor": null, "icon": null, "criticalityScore": 3, "tagType": "STATIC"},
            "u-2"
        ]
    });
    let policy: Policy = serde_json::from_value(with_objects.clone()).unwrap();
    assert_eq!(policy.tag_uuids(), ["u-1", "u-2"]);
    assert!(matches!(policy.tag_ids.get().unwrap()[0], TagRef::Tag(_)));
    assert_eq!(serde_json::to_value(&policy).unwrap(), with_objects);
    let k8s = policy_fixture("000/centralized_policy_k8s_get.response.json");
    assert!(k8s.tag_ids.is_null());
    assert!(k8s.tag_uuids().is_empty());
}

#[test]
fn k8s_filters_either_spelling() {
    let k8s = policy_fixture("000/centralized_policy_k8s_get.response.json");
    assert_eq!(
        k8s.k8s_filter_list()[0]
            .cluster
            .get()
            .unwrap()
            .cluster_name
            .as_deref(),
        Some("surtest-ekstest")
    );
    let capital = json!({"policyType": "K8S_ADMISSION_CONTROLLER",
        "K8sFilters": [{"cluster": {"clusterUid": "c", "clusterName": "n"}, "namespace": null}]});
    let policy: Policy = serde_json::from_value(capital.clone()).unwrap();
    assert!(policy.k8s_filters.is_absent());
    assert_eq!(policy.k8s_filter_list().len(), 1);
    assert_eq!(serde_json::to_value(&policy).unwrap(), capital);
    let cicd = policy_fixture("000/centralized_policy_cicd_get.response.json");
    assert!(cicd.k8s_filters.is_null());
    assert!(cicd.k8s_filter_list().is_empty());
}

#[test]
fn tag_rule_trailing_space_kept() {
    let tag: Tag = serde_json::from_str(&read_fixture("000/tag_update_add.response.json")).unwrap();
    let infos = tag.entity_tag_info.get().unwrap();
    assert_eq!(
        infos[0].dynamic_tag_rule.as_deref(),
        Some("image.source:GENERAL ")
    );
    assert_eq!(tag.tag_id.get(), Some(&163606266));
    assert!(tag.background_color.is_null());
}

#[test]
fn vuln_details_list_or_split_and_vunl_summary() {
    let image: ImageVulnerabilities =
        serde_json::from_str(&read_fixture("003/image_vuln_v1_1.response.json")).unwrap();
    assert!(matches!(image.details.get(), Some(VulnDetails::List(_))));
    let v = &image.vulns()[0];
    assert_eq!(v.qid.get(), Some(&38510));
    assert_eq!(v.published.get(), Some(&1141200000000));
    assert_eq!(
        v.threat_intel.get().unwrap().easy_exploit.get(),
        Some(&true)
    );
    assert_eq!(
        v.cvss3_info.get().unwrap().base_score.as_deref(),
        Some("7.8")
    );

    let container = json!({
        "details": {"vulns": [{"qid": 1}], "driftVulns": [{"qid": 2}, {"qid": 3}]},
        "VunlSummary": {"confirmed": {"5": 1}, "potential": {}, "patchAvailability": {}}
    });
    let c: ContainerVulnerabilities = serde_json::from_value(container.clone()).unwrap();
    assert_eq!(c.vulns().len(), 1);
    assert_eq!(c.drift_vulns().len(), 2);
    assert!(c.vuln_summary.is_absent());
    assert_eq!(c.summary().unwrap().confirmed.get(), Some(&json!({"5": 1})));
    assert_eq!(serde_json::to_value(&c).unwrap(), container);
    let spelt: ContainerVulnerabilities =
        serde_json::from_value(json!({"vulnSummary": {"potential": {}}})).unwrap();
    assert!(spelt.summary().is_some());

    let split_image: ImageVulnerabilities =
        serde_json::from_value(json!({"details": {"vulns": [{"qid": 9}]}})).unwrap();
    assert_eq!(split_image.vulns()[0].qid.get(), Some(&9));
}

#[test]
fn vulnerability_count_flat_or_wrapped() {
    let flat: VulnerabilityCount =
        serde_json::from_str(&read_fixture("public/image_vuln_count.response.json")).unwrap();
    assert_eq!(flat.severity(2), Some(2));
    assert_eq!(flat.total(), 2);
    let wrapped_json = json!({"data": {"severity5Count": 4, "severity1Count": null}});
    let wrapped: VulnerabilityCount = serde_json::from_value(wrapped_json.clone()).unwrap();
    assert_eq!(wrapped.severity(5), Some(4));
    assert_eq!(wrapped.severity(1), None);
    assert_eq!(wrapped.total(), 4);
    assert_eq!(serde_json::to_value(&wrapped).unwrap(), wrapped_json);
}

#[test]
fn error_body_fields() {
    let body: ErrorBody =
        serde_json::from_str(&read_fixture("003/registry_validate.error_response.json")).unwrap();
    assert_eq!(body.error_code.as_deref(), Some("CMS-1504"));
    assert_eq!(body.timestamp.get(), Some(&1536744107711));
    let other: ErrorBody = serde_json::from_value(json!({"status": 502})).unwrap();
    assert!(other.error_code.is_absent());
    assert_eq!(other.extra["status"], json!(502));
}

#[test]
fn values_kept_as_sent() {
    let images: Page<Image> =
        serde_json::from_str(&read_fixture("002/images_list_v1_1.response.json")).unwrap();
    let image = &images.items()[0];
    assert_eq!(image.created.as_deref(), Some("1543882937000"));
    assert_eq!(image.size.get(), Some(&json!(198618695)));
    assert_eq!(image.vulnerabilities.get().unwrap().total(), 0);
    let containers: Page<Container> =
        serde_json::from_str(&read_fixture("002/containers_list_v1_1.response.json")).unwrap();
    let c = &containers.items()[0];
    assert_eq!(c.state.as_deref(), Some("CREATED"));
    assert!(c.host.get().unwrap().uuid.is_null());
    assert!(c.last_scanned.is_null());
    let base: AwsBase =
        serde_json::from_str(&read_fixture("003/registry_aws_base.response.json")).unwrap();
    assert_eq!(base.external_id.get(), Some(&277380000));
    let schedules: Page<Schedule> =
        serde_json::from_str(&read_fixture("003/registry_schedules.response.json")).unwrap();
    let filters = schedules.items()[1].filters.get().unwrap();
    assert_eq!(filters[0].days.get(), Some(&7));
    assert!(
        schedules.items()[0].filters.get().unwrap()[0]
            .repo_tags
            .get()
            .unwrap()[0]
            .tag
            .is_null()
    );
}
