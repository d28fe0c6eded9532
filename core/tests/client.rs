//! The client against the simulator: auth, retries and faults, rate limits, pagination.

mod common;

use common::{args, first_sha, sim, sim_client};
use futures::{StreamExt, TryStreamExt};
use qualys_cs::api::{ImagesBulkListParams, ImagesListParams};
use qualys_cs::{AuthMode, Error, ErrorKind, Output};
use qualys_cs_sim::{Fault, FaultKind, SimConfig};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn auth_calls(sim: &qualys_cs_sim::SimHandle) -> usize {
    sim.requests().iter().filter(|r| r.path == "/auth").count()
}

#[tokio::test]
async fn jwt_is_fetched_once_for_concurrent_calls_and_sent_as_bearer() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let calls = (0..20).map(|_| client.call("P14", Default::default()));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(
        auth_calls(&sim),
        1,
        "single-flight: one POST /auth for 20 concurrent calls"
    );
    let log = sim.requests();
    let auth = log.iter().find(|r| r.path == "/auth").unwrap();
    assert_eq!(auth.method, "POST");
    assert!(
        auth.content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("application/x-www-form-urlencoded")
    );
    let call = log
        .iter()
        .find(|r| r.path == "/csapi/v1.3/activationkey")
        .unwrap();
    let authz = call
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str());
    assert_eq!(authz, Some("Bearer ***"));
}

#[tokio::test]
async fn jwt_is_refreshed_before_it_expires() {
    // The server refuses a token 2 s after issuing it; the client refreshes 1 s before its `exp`.
    let sim = sim(SimConfig::default().token_ttl(Duration::from_secs(2))).await;
    let client = sim_client(&sim)
        .token_refresh_skew(Duration::from_secs(1))
        .build()
        .unwrap();
    client.call("P14", Default::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    client.call("P14", Default::default()).await.unwrap();
    assert_eq!(auth_calls(&sim), 2, "refreshed from exp");
    assert!(
        sim.requests().iter().all(|r| r.status != 401),
        "before the server refused it"
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    sim.inject(Fault::status(401).path_contains("/activationkey"));
    client.call("P14", Default::default()).await.unwrap();
    assert_eq!(auth_calls(&sim), 2);
    // A server that keeps refusing: one refresh, then the 401 surfaces.
    sim.inject(Fault::status(401).path_contains("/activationkey").times(5));
    let err = client.call("P14", Default::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(auth_calls(&sim), 3);
}

#[tokio::test]
async fn basic_auth_and_bad_credentials() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).auth_mode(AuthMode::Basic).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    let log = sim.requests();
    assert_eq!(auth_calls(&sim), 0);
    assert!(
        log[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Basic ***")
    );
    let bad = sim_client(&sim)
        .credentials("qualys", "wrong")
        .auth_mode(AuthMode::Basic)
        .build()
        .unwrap();
    let err = bad.call("P14", Default::default()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let api = err.api().unwrap();
    assert!(api.error_code.is_some() && !api.message.is_empty());
    assert!(
        !err.to_string().contains("wrong"),
        "the password never shows: {err}"
    );
    let bad_jwt = sim_client(&sim)
        .credentials("qualys", "wrong")
        .build()
        .unwrap();
    let err = bad_jwt.call("P14", Default::default()).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.request()),
        (ErrorKind::Authentication, Some(("POST", "/auth")))
    );
}

#[tokio::test]
async fn a_fixed_token_and_a_token_provider() {
    let sim = sim(SimConfig::default()).await;
    let jwt = common::raw_http()
        .post(format!("{}/auth", sim.url()))
        .form(&[
            ("username", "qualys"),
            ("password", "qualys"),
            ("token", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(jwt.status(), 201);
    let token = jwt.text().await.unwrap();
    let fixed = qualys_cs::Client::builder()
        .base_url(sim.url())
        .token(token.clone())
        .build()
        .unwrap();
    fixed.call("P14", Default::default()).await.unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = calls.clone();
    let provider = move || {
        let t = token.clone();
        c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move { Ok::<_, String>(t) }
    };
    let client = qualys_cs::Client::builder()
        .base_url(sim.url())
        .token_provider(std::sync::Arc::new(provider))
        .build()
        .unwrap();
    client.call("P14", Default::default()).await.unwrap();
    client.call("P14", Default::default()).await.unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn idempotent_calls_retry_5xx_and_dropped_connections() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    sim.inject(Fault::status(503).path_contains("/activationkey").times(2));
    let (_, meta) = client
        .call_with(
            qualys_cs::table::by_id("P14").unwrap(),
            Default::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(meta.attempts, 3);
    sim.inject(Fault::new(FaultKind::Drop).path_contains("/activationkey"));
    client.call("P14", Default::default()).await.unwrap();
    sim.inject(Fault::new(FaultKind::Truncate).path_contains("/activationkey"));
    client.call("P14", Default::default()).await.unwrap();
    // Retries run out: the last error surfaces, typed.
    sim.inject(Fault::status(502).path_contains("/activationkey").times(10));
    let err = client
        .with_options(qualys_cs::RequestOptions {
            max_retries: Some(1),
            ..Default::default()
        })
        .call("P14", Default::default())
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(502)));
}

#[tokio::test]
async fn non_idempotent_calls_are_not_retried_on_5xx() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    sim.clear_requests();
    sim.inject(Fault::status(500).path_contains("/reports").method("POST"));
    let body = json!({"name": "r", "templateName": "CS_IMAGE_VULNERABILITY"});
    let err = client
        .call("S09", args(json!({"body": body})))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.path == "/csapi/v1.3/reports")
            .count(),
        1
    );
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors_with_an_excerpt() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    sim.inject(Fault::new(FaultKind::Malformed).path_contains("/activationkey"));
    match client.call("P14", Default::default()).await.unwrap_err() {
        Error::Decode { path, excerpt, .. } => {
            assert_eq!(path, "/csapi/v1.3/activationkey");
            assert!(!excerpt.is_empty());
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn timeouts_are_typed() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).max_retries(0).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    sim.inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(3))).path_contains("/activationkey"),
    );
    let opts = qualys_cs::RequestOptions {
        timeout: Some(Duration::from_millis(300)),
        ..Default::default()
    };
    let started = Instant::now();
    let err = client
        .with_options(opts)
        .call("P14", Default::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_429_is_waited_out_as_the_server_asks() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    client.call("P14", Default::default()).await.unwrap();
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("X-RateLimit-ToWait-Sec".to_string(), "1".to_string());
    sim.inject(
        Fault::new(FaultKind::Status {
            status: 429,
            body: None,
            headers,
        })
        .path_contains("/images/"),
    );
    let started = Instant::now();
    client
        .images()
        .vulnerability_count("abc")
        .await
        .map(|_| ())
        .or_else(|e| {
            if e.status() == Some(404) {
                Ok(())
            } else {
                Err(e)
            }
        })
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    // A wait longer than the client accepts surfaces as a rate-limit error carrying retry_after.
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("X-RateLimit-ToWait-Sec".to_string(), "3600".to_string());
    sim.inject(
        Fault::new(FaultKind::Status {
            status: 429,
            body: None,
            headers,
        })
        .path_contains("/activationkey"),
    );
    let err = client.call("P14", Default::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(
        err.api().unwrap().retry_after,
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn the_client_keeps_under_the_servers_rate_limit() {
    let limits = qualys_cs_sim::RateLimits::uniform(5, Duration::from_secs(1));
    let sim = sim(SimConfig::default().rate_limits(limits)).await;
    let client = sim_client(&sim).max_concurrency(8).build().unwrap();
    let sha = first_sha(&client).await;
    let started = Instant::now();
    let calls = (0..14).map(|_| client.images().vulnerability_count(&sha));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    // 15 calls at 5/s: at least two more windows, and the server never had to refuse one.
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.requests().iter().filter(|r| r.status == 429).count(), 0);
}

#[tokio::test]
async fn a_call_that_reached_the_server_late_still_counts_in_its_window() {
    // Qualys windows are fixed and start at the first call after the last one ended. When that call
    // spends a while on the way, the window starts late: a limiter that frees its place one window
    // after sending it lets the next call in early and draws a 429. Ours counts from the answer.
    let limits = qualys_cs_sim::RateLimits::uniform(2, Duration::from_secs(1));
    let sim = sim(SimConfig::default().rate_limits(limits)).await;
    let client = sim_client(&sim).build().unwrap();
    let sha = first_sha(&client).await;
    // Learn the family's limit, then let its window end.
    client.images().vulnerability_count(&sha).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The next window starts with a call that reaches the server 300 ms after it was sent.
    sim.inject(Fault::new(FaultKind::Delay(Duration::from_millis(300))).path_contains("/vuln"));
    for _ in 0..4 {
        client.images().vulnerability_count(&sha).await.unwrap();
    }
    let refused = sim.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(refused, 0, "no call was sent into a full window");
}

#[tokio::test]
async fn page_numbered_lists_cross_page_boundaries() {
    let sim = sim(SimConfig::default().images(95)).await;
    let client = sim_client(&sim).build().unwrap();
    let pager = client
        .images()
        .list(ImagesListParams::default().page_size(10))
        .unwrap();
    let pages: Vec<_> = pager.pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 10);
    assert!(pages.iter().all(|p| p.total == Some(95)));
    assert_eq!(
        pages.iter().map(|p| p.number.unwrap()).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    let shas: HashSet<String> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| i.sha.as_deref().unwrap().to_owned())
        .collect();
    assert_eq!(shas.len(), 95);
    let sent: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/csapi/v1.3/images")
        .filter_map(|r| {
            r.query_pairs
                .iter()
                .find(|(k, _)| k == "pageNumber")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(sent.len(), 10, "no page fetched twice or past the end");
    // A filter narrows the list and is sent as given.
    let filtered: Vec<Value> = client
        .paginate("S17", args(json!({"filter": "vulnerabilities.severity:5"})))
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert!(!filtered.is_empty() && filtered.len() < 95);
    assert!(
        filtered
            .iter()
            .all(|i| i["vulnerabilities"]["severity5Count"].as_u64().unwrap_or(0) > 0)
    );
}

#[tokio::test]
async fn every_paginated_endpoint_pages() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let registry = client.call("S22", Default::default()).await.unwrap();
    let Output::Json(registry) = registry else {
        panic!()
    };
    let registry_id = registry["data"][0]["registryUuid"]
        .as_str()
        .unwrap()
        .to_owned();
    // A tenant's sensor profiles are the ones created on it: make a few to page through.
    for n in 0..3 {
        client
            .sensor_profiles()
            .create(
                &json!({"profileName": format!("p{n}"), "profileType": "General",
                "associatedRegistryIds": [], "associatedSensorIds": []}),
            )
            .await
            .unwrap();
    }
    for e in qualys_cs::table::endpoints()
        .iter()
        .filter(|e| e.pagination.is_some())
    {
        let mut a = json!({});
        if !e.path_params.is_empty() {
            a["registry_id"] = json!(registry_id);
        }
        let size = &e.pagination.as_ref().unwrap().size_param;
        let size_arg = if size == "limit" {
            "limit"
        } else {
            "page_size"
        };
        a[size_arg] = json!(2);
        let all: Vec<Value> = client
            .paginate_with(e, args(a.clone()), None, None)
            .unwrap()
            .collect()
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let pages = sim
            .requests()
            .iter()
            .filter(|r| r.endpoint.as_deref() == Some(e.id.as_str()))
            .count();
        assert!(
            all.len() > 2 && pages >= 2,
            "{}: {} items in {pages} requests",
            e.id,
            all.len()
        );
        let unique: HashSet<String> = all.iter().map(|v| v.to_string()).collect();
        assert_eq!(unique.len(), all.len(), "{}: duplicates across pages", e.id);
    }
}

#[tokio::test]
async fn cursor_lists_follow_the_link_header_on_our_own_host() {
    let sim = sim(SimConfig::default().images(53).containers(41)).await;
    let client = sim_client(&sim).build().unwrap();
    let images = client
        .images()
        .bulk_list(ImagesBulkListParams::default().limit(10))
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(images.len(), 53);
    let uuids: HashSet<&str> = images.iter().map(|i| i.uuid.as_deref().unwrap()).collect();
    assert_eq!(uuids.len(), 53);
    let log = sim.requests();
    let calls: Vec<_> = log
        .iter()
        .filter(|r| r.path == "/csapi/v1.3/images/list")
        .collect();
    assert_eq!(calls.len(), 6);
    assert!(
        calls[1..]
            .iter()
            .all(|r| r.query_pairs.iter().any(|(k, _)| k == "paginationQuery"))
    );
    let containers: Vec<Value> = client
        .paginate("P01", args(json!({"limit": 7})))
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(containers.len(), 41);
}

#[tokio::test]
async fn the_10000_record_cap_is_explained() {
    let sim = sim(SimConfig::default().images(10_450)).await;
    let client = sim_client(&sim).build().unwrap();
    let mut items = client
        .images()
        .list(ImagesListParams::default().page_size(1000))
        .unwrap()
        .items();
    let mut n = 0;
    let err = loop {
        match items.next().await {
            Some(Ok(_)) => n += 1,
            Some(Err(e)) => break e,
            None => panic!("the list ended without explaining the cap"),
        }
    };
    assert_eq!(n, 10_000);
    match err {
        Error::RecordCap {
            cap,
            total,
            alternative,
            ..
        } => {
            assert_eq!((cap, total), (10_000, 10_450));
            assert!(alternative.contains("bulk_list"), "{alternative}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn escape_hatch_uses_the_same_auth_retries_and_errors() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    sim.inject(Fault::status(503).path_contains("/activationkey"));
    let (out, meta) = client
        .request("get", "/csapi/v1.3/activationkey", &[], None, None)
        .await
        .unwrap();
    assert!(matches!(out, Output::Json(_)));
    assert_eq!((meta.status, meta.attempts), (200, 2));
    let err = client
        .request("GET", "/csapi/v1.3/images/nope-not-a-sha", &[], None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = client
        .request("GET", "https://elsewhere.example/x", &[], None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }));
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let err = client.images().get("a/../b?c#d").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let log = sim.requests();
    let req = log
        .iter()
        .find(|r| r.path.starts_with("/csapi/v1.3/images/"))
        .unwrap();
    assert_eq!(req.path, "/csapi/v1.3/images/a%2F..%2Fb%3Fc%23d");
    assert!(req.query_pairs.is_empty());
}

#[tokio::test]
async fn report_downloads_stream_to_a_file_or_come_back_as_bytes() {
    let sim = sim(SimConfig::default()).await;
    let client = sim_client(&sim).build().unwrap();
    let body = json!({"name": "dl", "templateName": "CS_IMAGE_VULNERABILITY"});
    let Output::Json(created) = client
        .call("S09", args(json!({"body": body})))
        .await
        .unwrap()
    else {
        panic!("report create answers JSON")
    };
    let uuid = created["reportUuid"].as_str().unwrap().to_owned();
    let Output::Bytes(bytes) = client
        .reports()
        .download(&uuid, Default::default())
        .await
        .unwrap()
    else {
        panic!("a download without a path is bytes")
    };
    assert!(!bytes.is_empty());
    let dir = std::env::temp_dir().join(format!("qualys-cs-dl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("report.csv");
    let target_s = target.to_str().unwrap();
    let out = client
        .call("P23", args(json!({"report_uuid": uuid, "path": target_s})))
        .await
        .unwrap();
    assert_eq!(
        out,
        Output::Json(json!({"path": target_s, "size": bytes.len()}))
    );
    assert_eq!(std::fs::read(&target).unwrap(), bytes.to_vec());
    assert!(!dir.join("report.csv.part").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_cold_burst_waits_for_the_first_answer_instead_of_drawing_429s() {
    let limits = qualys_cs_sim::RateLimits::uniform(5, Duration::from_secs(1));
    let sim = sim(SimConfig::default().rate_limits(limits)).await;
    // Another script of the same subscription already used part of the window.
    let other = sim_client(&sim).build().unwrap();
    let sha = first_sha(&other).await;
    // A fresh client fans out at once: its first call probes, the rest follow the server's headers.
    let client = sim_client(&sim).max_concurrency(16).build().unwrap();
    let calls = (0..12).map(|_| client.images().vulnerability_count(&sha));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    let refused = sim.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(
        refused, 0,
        "the limiter kept the burst under the server's limit"
    );
}
