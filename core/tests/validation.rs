//! Validation happens before anything is sent: these clients point at a closed port, so a request
//! that got through would fail with a connection error instead of the validation error asserted.

use qualys_cs::{Args, Client, Error};
use serde_json::{Value, json};

fn client() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials("u", "p")
        .max_retries(0)
        .build()
        .unwrap()
}

async fn err(id: &str, args: Value) -> (String, String, String) {
    let args = Args(args.as_object().cloned().unwrap());
    match client().call(id, args).await {
        Err(Error::Validation {
            field,
            rule,
            message,
        }) => (field, rule, message),
        other => panic!("{id}: expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn schedule_rules_from_the_seeds() {
    let base = json!({"registry_id": "r1"});
    let with = |body: Value| {
        let mut a = base.clone();
        a["body"] = body;
        a
    };
    let (f, r, m) = err(
        "S12",
        with(json!({"onDemand": false, "scheduleScanIntervalInDays": 400})),
    )
    .await;
    assert_eq!(
        (f.as_str(), r.as_str()),
        ("scheduleScanIntervalInDays", "range")
    );
    assert!(m.contains("1") && m.contains("365"), "{m}");
    let (f, r, _) = err(
        "S12",
        with(json!({"onDemand": false, "scheduleScanIntervalInDays": 7, "schedule": "19:30"})),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("schedule", "only_if"));
    let mut update =
        with(json!({"onDemand": false, "scheduleScanIntervalInDays": 3, "forceScan": true}));
    update["schedule_id"] = json!("s1");
    let (f, r, _) = err("S13", update).await;
    assert_eq!((f.as_str(), r.as_str()), ("forceScan", "only_if"));
    let (f, r, _) = err(
        "S12",
        with(json!({"scheduleScanIntervalInDays": 1, "schedule": "25:00"})),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("schedule", "only_if"));
    let (f, r, _) = err(
        "S12",
        with(json!({"onDemand": true, "filters": [{"repoTags": [], "days": 9}]})),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("filters[0].days", "enum"));
}

#[tokio::test]
async fn enums_and_either_or_rules() {
    let (f, r, _) = err(
        "S02",
        json!({"body": {"entitySha": "x", "entityType": "POD", "tagsToAdd": [{"tagName": "a"}]}}),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("entityType", "enum"));
    let (f, r, _) = err(
        "S02",
        json!({"body": {"entityType": "IMAGE", "tagsToAdd": [{"tagName": "a"}]}}),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("body", "at_least_one_of"));
    let (f, r, _) = err("S02", json!({"body": {"entitySha": "x", "entityType": "IMAGE", "tagsToAdd": [{"isCascadeToContainer": true}]}})).await;
    assert_eq!(
        (f.as_str(), r.as_str()),
        ("tagsToAdd[0]", "at_least_one_of")
    );
    let (f, r, _) = err(
        "S06",
        json!({"body": {"policyName": "p", "policyType": "IMAGESCAN"}}),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("policyType", "enum"));
    let (f, r, _) = err("S03", json!({"body": {"name": "t", "entityTypeToAdd": [], "entityTypeRuleToUpdate": {"image": "x"}}})).await;
    assert_eq!((f.as_str(), r.as_str()), ("body", "exactly_one_of"));
    let (f, r, _) = err(
        "S03",
        json!({"body": {"name": "t", "entityTypeRuleToUpdate": {"pod": "x"}}}),
    )
    .await;
    assert_eq!(
        (f.as_str(), r.as_str()),
        ("entityTypeRuleToUpdate.pod", "keys_in")
    );
    let (f, _, _) = err(
        "S09",
        json!({"body": {"name": "n", "templateName": "T", "expireAfter": 3}}),
    )
    .await;
    assert_eq!(f, "expireAfter");
    let (f, r, _) = err(
        "S10",
        json!({"body": {"name": "n", "templateName": "T", "eventTime": "2026-03-20 11:41"}}),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("eventTime", "format"));
    let (f, r, _) = err("S29", json!({"body": {"registryType": "V2", "registryUri": "u", "credentialType": "BasicAuth", "credential": {"username": "not base64!", "password": "YQ=="}}})).await;
    assert_eq!((f.as_str(), r.as_str()), ("credential.username", "format"));
}

#[tokio::test]
async fn query_rules() {
    let (f, r, _) = err("S40", json!({})).await;
    assert_eq!((f.as_str(), r.as_str()), ("query", "at_least_one_of"));
    let (f, r, _) = err("S14", json!({"registry_id": "r", "schedule_ids": []})).await;
    assert_eq!((f.as_str(), r.as_str()), ("query", "at_least_one_of"));
    let (f, r, _) = err("S42", json!({"sha": "abc", "type": "EVERYTHING"})).await;
    assert_eq!((f.as_str(), r.as_str()), ("type", "enum"));
    let (f, r, _) = err("S04", json!({})).await;
    assert_eq!((f.as_str(), r.as_str()), ("tag_name", "required"));
    let (f, r, _) = err("P22", json!({"report_uuids": []})).await;
    assert_eq!((f.as_str(), r.as_str()), ("report_uuids", "min_items"));
    let (f, r, _) = err("S36", json!({"registry_ids": []})).await;
    assert_eq!((f.as_str(), r.as_str()), ("registry_ids", "min_items"));
    let (f, r, _) = err("S43", json!({"sha": "abc", "is_drift": "yes"})).await;
    assert_eq!((f.as_str(), r.as_str()), ("is_drift", "type"));
}

#[tokio::test]
async fn path_params_cannot_change_the_path() {
    let (f, r, _) = err("S19", json!({"sha": ".."})).await;
    assert_eq!((f.as_str(), r.as_str()), ("sha", "path_segment"));
    let (f, r, _) = err("S19", json!({"sha": "  "})).await;
    assert_eq!((f.as_str(), r.as_str()), ("sha", "non_empty"));
    let (f, r, _) = err("S19", json!({})).await;
    assert_eq!((f.as_str(), r.as_str()), ("sha", "required"));
}

#[tokio::test]
async fn unknown_arguments_are_named_and_camel_case_is_accepted() {
    let (f, r, m) = err("S17", json!({"pagesize": 10})).await;
    assert_eq!((f.as_str(), r.as_str()), ("pagesize", "unknown_argument"));
    assert!(m.contains("page_size"), "{m}");
    // camelCase reaches the same argument: the range rule of pageSize fires, named as the caller spelled it.
    let (f, r, _) = err("S17", json!({"pageSize": 5000})).await;
    assert_eq!((f.as_str(), r.as_str()), ("pageSize", "range"));
    let (f, r, _) = err("S17", json!({"page_size": 0})).await;
    assert_eq!((f.as_str(), r.as_str()), ("page_size", "range"));
}

#[tokio::test]
async fn valid_input_reaches_the_network() {
    // Same client, valid arguments: now the failure is the closed port, proving the checks above
    // stopped the requests before sending.
    let args = Args(json!({"registry_id": "r1", "body": {"onDemand": false, "scheduleScanIntervalInDays": 1, "schedule": "19:30"}}).as_object().cloned().unwrap());
    match client().call("S12", args).await {
        Err(Error::Connection { .. }) => {}
        other => panic!("expected a connection error, got {other:?}"),
    }
}

#[test]
fn secrets_stay_out_of_debug() {
    let c = Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials("alice", "hunter2-secret")
        .build()
        .unwrap();
    let shown = format!("{c:?}");
    assert!(
        shown.contains("alice") && !shown.contains("hunter2"),
        "{shown}"
    );
    let t = Client::builder()
        .base_url("http://127.0.0.1:9")
        .token("tok-abcdef")
        .build()
        .unwrap();
    assert!(!format!("{t:?}").contains("tok-abcdef"));
}

#[test]
fn every_platform_has_server_and_gateway_urls() {
    use qualys_cs::Platform;
    let ids: Vec<&str> = Platform::all().map(|p| p.id()).collect();
    for id in [
        "US1", "US2", "US3", "US4", "EU1", "EU2", "EU3", "IN1", "CA1", "AE1", "UK1", "AU1", "KSA1",
    ] {
        assert!(ids.contains(&id), "{id}");
        let p: Platform = id.to_lowercase().parse().unwrap();
        assert!(
            p.server_url().starts_with("https://")
                && p.gateway_url().starts_with("https://gateway.")
        );
    }
    assert_eq!(
        "US2".parse::<Platform>().unwrap().gateway_url(),
        "https://gateway.qg2.apps.qualys.com"
    );
    assert!(matches!(
        "XX9".parse::<Platform>(),
        Err(Error::Validation { .. })
    ));
    // JWT (default) goes to the gateway, Basic to the API server URL.
    let jwt = Client::builder()
        .platform(Platform::Us2)
        .credentials("u", "p")
        .build()
        .unwrap();
    assert_eq!(jwt.base_url(), "https://gateway.qg2.apps.qualys.com");
    let basic = Client::builder()
        .platform(Platform::Us2)
        .credentials("u", "p")
        .auth_mode(qualys_cs::AuthMode::Basic)
        .build()
        .unwrap();
    assert_eq!(basic.base_url(), "https://qualysguard.qg2.apps.qualys.com");
}

#[tokio::test]
async fn a_text_query_argument_must_be_text() {
    // `images.list(filter=123)` used to go out as `filter=123` and come back as a server 400.
    for bad in [json!(123), json!(true), json!(1.5)] {
        let (f, r, m) = err("S17", json!({ "filter": bad })).await;
        assert_eq!((f.as_str(), r.as_str()), ("filter", "type"), "{m}");
        assert!(m.contains("must be a string"), "{m}");
    }
    let (f, r, _) = err("S17", json!({"sort": 5})).await;
    assert_eq!((f.as_str(), r.as_str()), ("sort", "type"));
}

#[tokio::test]
async fn a_long_value_in_any_script_is_quoted_cut_in_the_message() {
    // The message quotes the value cut after 60 bytes: inside a two-byte character it panicked.
    let long = "é".repeat(40);
    let (f, r, m) = err(
        "S02",
        json!({"body": {"entitySha": "x", "entityType": long, "tagsToAdd": [{"tagName": "a"}]}}),
    )
    .await;
    assert_eq!((f.as_str(), r.as_str()), ("entityType", "enum"));
    assert!(m.ends_with(&format!("got \"{}…", "é".repeat(29))), "{m}");
}
