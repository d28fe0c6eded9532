//! A dry run describes the request a call would send, with every secret-looking body value
//! hidden: what a `--dry-run` prints may end up in a CI log.

use super::*;
use crate::error::ErrorKind;
use serde_json::json;

fn client(validate: bool) -> Client {
    Client::builder()
        .base_url("https://csapi.test")
        .token("tok-0000")
        .validate(validate)
        .build()
        .unwrap()
}

fn body_of(body: Value) -> Value {
    let ep = crate::table::lookup("S28").unwrap();
    let d = client(false)
        .dry_run(ep, Args::new().set("body", body))
        .unwrap();
    assert_eq!(d.method, "POST");
    assert_eq!(d.url, "https://csapi.test/csapi/v1.3/registry/validate");
    d.body.expect("a JSON body")
}

#[test]
fn secret_looking_values_are_hidden_at_any_depth() {
    let shown = body_of(json!({
        "registryUri": "https://r.example",
        "password": "p1",
        "clientSecret": 7,
        "sessionToken": null,
        "accessKey": true,
        "credentialType": "BasicAuth",
        "credential": {"username": "u", "password": "p2", "nested": {"a": 1}},
        "tokens": ["t1", {"t": "t2"}],
        "registries": [{"name": "n", "secretKey": "s"}, "plain"],
        "meta": {"inner": {"passwd": "p3", "count": 3}},
    }));
    assert_eq!(
        shown,
        json!({
            "registryUri": "https://r.example",
            "password": "***",
            "clientSecret": "***",
            "sessionToken": "***",
            "accessKey": "***",
            "credentialType": "BasicAuth",
            "credential": {"username": "***", "password": "***", "nested": "***"},
            "tokens": ["***", "***"],
            "registries": [{"name": "n", "secretKey": "***"}, "plain"],
            "meta": {"inner": {"passwd": "***", "count": 3}},
        })
    );
}

#[test]
fn secret_key_names_are_matched_without_case_and_types_are_kept() {
    for k in [
        "PASSWORD",
        "dbPasswd",
        "Secret",
        "apiToken",
        "privateKey",
        "Credentials",
    ] {
        assert!(is_secret_key(k), "{k}");
    }
    for k in [
        "credentialType",
        "tokenType",
        "KEYTYPE",
        "registryUri",
        "name",
    ] {
        assert!(!is_secret_key(k), "{k}");
    }
}

#[test]
fn the_url_carries_the_query_only_when_there_is_one() {
    let c = client(true);
    let list = crate::table::lookup("S17").unwrap();
    let d = c
        .dry_run(list, Args::new().set("filter", "repo:a b"))
        .unwrap();
    assert_eq!(d.method, "GET");
    assert_eq!(
        d.url,
        "https://csapi.test/csapi/v1.3/images?filter=repo%3Aa+b"
    );
    assert_eq!(d.body, None);
    let d = c.dry_run(list, Args::new()).unwrap();
    assert_eq!(d.url, "https://csapi.test/csapi/v1.3/images");
}

#[test]
fn a_dry_run_is_validated_as_a_call_is() {
    let get = crate::table::lookup("S19").unwrap();
    let e = client(true)
        .dry_run(get, Args::new().set("sha", ""))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
}
