//! What Qualys' own OpenAPI description (csapi v1.3) and the peers' behaviour say the API does:
//! error bodies on every answer, the `link` header's variants, shapes the description names.

mod common;

use common::{T, json};
use qualys_cs_sim::SimConfig;
use reqwest::Method;

/// Every answer carries the Qualys error body, a 405 for a verb the path lacks and a 404 for an
/// unknown path alike, and every one is in the request log.
#[tokio::test]
async fn unrouted_requests_get_the_qualys_error_body_and_are_logged() {
    let t = T::new(SimConfig::default().images(3).containers(3)).await;
    let cases = [
        // Fits `/images/{imageSha}`, which only has GET.
        (Method::POST, "/csapi/v1.3/images/delete", 405, "GET"),
        (Method::POST, "/csapi/v1.3/images", 405, "DELETE"),
        (Method::PATCH, "/csapi/v1.3/images", 405, "GET"),
        (Method::GET, "/csapi/v1.3/nothing/here", 404, ""),
    ];
    for (m, path, want, allow) in &cases {
        let r = t.req(m.clone(), path).send().await.unwrap();
        assert_eq!(r.status().as_u16(), *want, "{m} {path}");
        let allow_header = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            r.headers()["content-type"],
            "application/json",
            "{m} {path}"
        );
        let e = json(&r.text().await.unwrap());
        assert!(
            e["errorCode"]
                .as_str()
                .unwrap()
                .starts_with(&want.to_string())
        );
        assert!(
            e["message"].is_string() && e["timestamp"].is_number(),
            "{e}"
        );
        if *want == 405 {
            assert!(allow_header.unwrap().contains(allow), "{m} {path}");
        }
    }
    let log = t.sim.requests();
    assert_eq!(log.len(), cases.len());
    for (entry, (m, path, want, _)) in log.iter().zip(&cases) {
        assert_eq!(entry.method, m.as_str());
        assert_eq!(entry.path, *path);
        assert_eq!(entry.status, *want);
        assert_eq!(entry.endpoint, None);
    }
}

/// The vulnerability summary's `patchAvailability` has the description's keys (`confirmed`,
/// `potential`), each the severity counts of the vulns of that kind with a patch.
#[tokio::test]
async fn patch_availability_has_the_descriptions_keys() {
    let t = T::new(SimConfig::default().images(20).containers(20)).await;
    let img = t.get_json("/csapi/v1.3/images?pageSize=20").await;
    let sha = img["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["vulnerabilities"]["severity5Count"].as_u64() > Some(0))
        .expect("an image with vulns")["sha"]
        .as_str()
        .unwrap()
        .to_string();
    let v = t.get_json(&format!("/csapi/v1.3/images/{sha}/vuln")).await;
    let details = v["details"].as_array().unwrap();
    let pa = &v["vulnSummary"]["patchAvailability"];
    let keys: Vec<&String> = pa.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["confirmed", "potential"]);
    for (kind, detected) in [("confirmed", "CONFIRMED"), ("potential", "POTENTIAL")] {
        for sev in 1..=5u64 {
            let want = details
                .iter()
                .filter(|d| {
                    d["severity"] == sev
                        && d["patchAvailable"] == true
                        && (d["typeDetected"] == "POTENTIAL") == (detected == "POTENTIAL")
                })
                .count() as u64;
            assert_eq!(
                pa[kind][format!("severity{sev}Count")],
                want,
                "{kind} {sev}"
            );
        }
    }
}

/// A finding's patch fields agree with its software: `patchAvailable` exactly when the affected
/// package has a `fixVersion`, and `threatIntel.noPatch` the opposite.
#[tokio::test]
async fn a_patch_is_available_exactly_when_the_software_has_a_fixed_version() {
    let t = T::new(SimConfig::default().images(40)).await;
    let img = t.get_json("/csapi/v1.3/images?pageSize=40").await;
    let (mut with_fix, mut without) = (0, 0);
    for i in img["data"].as_array().unwrap() {
        let sha = i["sha"].as_str().unwrap();
        let v = t.get_json(&format!("/csapi/v1.3/images/{sha}/vuln")).await;
        for d in v["details"].as_array().unwrap() {
            let fixed = d["software"]
                .as_array()
                .is_some_and(|s| s.iter().any(|p| p["fixVersion"].is_string()));
            assert_eq!(d["patchAvailable"], fixed, "{sha} {}", d["qid"]);
            assert_eq!(d["threatIntel"]["noPatch"], !fixed, "{sha} {}", d["qid"]);
            if d["software"].is_array() {
                if fixed { with_fix += 1 } else { without += 1 }
            }
        }
    }
    // Both kinds occur, so the rule is exercised both ways.
    assert!(
        with_fix > 0 && without > 0,
        "{with_fix} with a fix, {without} without"
    );
}

/// The `link` header as written on the wire (reqwest folds names to lower case, so this reads
/// the raw answer): the name's case and the last page's marker follow the config.
#[tokio::test]
async fn link_header_case_and_end_marker_follow_the_config() {
    use qualys_cs_sim::{LinkCase, LinkEnd, Simulator};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    async fn head(url: &str, target: &str) -> String {
        let addr = url.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic cXVhbHlzOnF1YWx5cw==\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(std::time::Duration::from_secs(30), s.read_to_end(&mut out))
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        text.split("\r\n\r\n").next().unwrap().to_string()
    }
    for case in [LinkCase::Lower, LinkCase::Title] {
        for end in [LinkEnd::Null, LinkEnd::Absent, LinkEnd::Empty] {
            let sim = Simulator::start(SimConfig::default().images(3).link_header(case, end))
                .await
                .unwrap();
            let name = if case == LinkCase::Title {
                "Link"
            } else {
                "link"
            };
            let more = head(&sim.url(), "/csapi/v1.3/images/list?limit=2").await;
            assert!(
                more.lines().any(|l| l.starts_with(&format!("{name}: <"))),
                "{case:?}/{end:?}: {more}"
            );
            let last = head(&sim.url(), "/csapi/v1.3/images/list?limit=5").await;
            let link: Vec<&str> = last
                .lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("link:"))
                .collect();
            let want: Vec<String> = match end {
                LinkEnd::Null => vec![format!("{name}: null")],
                LinkEnd::Empty => vec![format!("{name}: ")],
                LinkEnd::Absent => vec![],
            };
            assert_eq!(link, want, "{case:?}/{end:?}: {last}");
        }
    }
}

/// Strict about `Accept`: a success whose content type the request does not accept is a 406 with
/// the Qualys body; no `Accept`, `*/*`, a matching type or range are served.
#[tokio::test]
async fn strict_accept_answers_406_when_the_answer_does_not_fit() {
    let t = T::new(SimConfig::default().images(3).strict_accept(true)).await;
    let report = t.get_json("/csapi/v1.3/reports").await["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "COMPLETED")
        .expect("a completed report")["reportUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let dl = format!("/csapi/v1.3/reports/{report}/download");
    for (path, accept, want) in [
        (dl.as_str(), Some("application/json"), 406),
        (dl.as_str(), Some("application/octet-stream;q=0"), 406),
        (
            dl.as_str(),
            Some("application/octet-stream, application/json"),
            200,
        ),
        (dl.as_str(), Some("application/*"), 200),
        (dl.as_str(), Some("*/*"), 200),
        (dl.as_str(), None, 200),
        ("/csapi/v1.3/images", Some("application/json"), 200),
        ("/csapi/v1.3/images", Some("text/csv"), 406),
    ] {
        let mut rb = t.req(Method::GET, path);
        if let Some(a) = accept {
            rb = rb.header("accept", a);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status().as_u16(), want, "{path} {accept:?}");
        if want == 406 {
            let e = json(&r.text().await.unwrap());
            assert_eq!(e["errorCode"], "406 NOT_ACCEPTABLE");
        }
    }
    // Off by default.
    let t = T::new(SimConfig::default().images(3)).await;
    let r = t
        .req(Method::GET, "/csapi/v1.3/images")
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// The endpoints Qualys' own CLI calls: the k8s clusters (a page-numbered list and one by uid)
/// and the policies as a page-numbered list, which shows a policy created a moment ago.
#[tokio::test]
async fn k8s_clusters_and_the_policies_list() {
    let t = T::new(SimConfig::default().images(3)).await;
    let page = t
        .get_json("/csapi/v1.3/k8sClusters?pageNumber=1&pageSize=2")
        .await;
    assert_eq!(page["count"], 3);
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let last = t
        .get_json("/csapi/v1.3/k8sClusters?pageNumber=2&pageSize=2")
        .await;
    assert_eq!(last["data"].as_array().unwrap().len(), 1);
    let filtered = t
        .get_json("/csapi/v1.3/k8sClusters?filter=clusterName:staging-aks")
        .await;
    assert_eq!(filtered["count"], 1);
    let uid = page["data"][0]["clusterUid"].as_str().unwrap();
    // The postures name the first cluster.
    let posture = t.get_json("/csapi/v1.3/k8s_postures/list").await;
    assert_eq!(posture["data"][0]["cluster"]["clusterUid"], uid);
    let one = t.get_json(&format!("/csapi/v1.3/k8sClusters/{uid}")).await;
    assert_eq!(one, page["data"][0]);
    let r = t.get("/csapi/v1.3/k8sClusters/nope").await;
    assert_eq!(r.status().as_u16(), 404);
    assert!(json(&r.text().await.unwrap())["errorCode"].is_string());

    let before = t.get_json("/csapi/v1.3/centralizedPolicy").await;
    let n = before["count"].as_u64().unwrap();
    let (status, created) = t
        .send_json(
            Method::POST,
            "/csapi/v1.3/centralizedPolicy",
            &common::fixture("000/centralized_policy_cicd_create.request"),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let uuid = json(&created)["uuid"].as_str().unwrap().to_string();
    let after = t
        .get_json("/csapi/v1.3/centralizedPolicy?pageSize=1000")
        .await;
    assert_eq!(after["count"].as_u64().unwrap(), n + 1);
    let listed = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uuid"] == uuid.as_str())
        .expect("the new policy is listed")
        .clone();
    let single = t
        .get_json(&format!("/csapi/v1.3/centralizedPolicy/{uuid}"))
        .await;
    assert_eq!(listed, single);
}
