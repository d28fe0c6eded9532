//! The `Accept` each call sends fits what its endpoint answers: a report download (200
//! `application/octet-stream` in the OpenAPI description) against a gateway strict about it.

mod common;

use common::{args, raw_http, sim, sim_client};
use qualys_cs::Output;
use qualys_cs_sim::SimConfig;
use serde_json::json;

#[tokio::test]
async fn report_download_asks_for_octet_stream_and_a_strict_gateway_serves_it() {
    let sim = sim(SimConfig::default().strict_accept(true)).await;
    let client = sim_client(&sim).build().unwrap();
    let Output::Json(created) = client
        .call(
            "S09",
            args(json!({"body": {"name": "dl", "templateName": "CS_IMAGE_VULNERABILITY"}})),
        )
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
    let sent = sim
        .requests()
        .into_iter()
        .rfind(|r| r.endpoint.as_deref() == Some("P23"))
        .unwrap();
    let accept = sent.header("accept").unwrap();
    assert!(accept.starts_with("application/octet-stream"), "{accept}");
    // JSON stays acceptable: errors are JSON on every endpoint.
    assert!(accept.contains("application/json"), "{accept}");

    // What the client sent before: JSON only. The strict gateway refuses it, with the usual body.
    let url = format!("{}/csapi/v1.3/reports/{uuid}/download", sim.url());
    let r = raw_http()
        .get(&url)
        .basic_auth("qualys", Some("qualys"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["errorCode"].as_str().unwrap().starts_with("406"), "{e}");
    // A raw request to the download's path sends the table's Accept too.
    let raw = client
        .request(
            "GET",
            &format!("/csapi/v1.3/reports/{uuid}/download"),
            &[],
            None,
            None,
        )
        .await;
    assert!(raw.is_ok(), "{raw:?}");
}
