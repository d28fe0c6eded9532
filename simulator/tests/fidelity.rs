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
            assert_eq!(pa[kind][format!("severity{sev}Count")], want, "{kind} {sev}");
        }
    }
}
