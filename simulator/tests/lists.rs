//! The simulator's list endpoints: page-numbered and cursor paging, the record cap, filters and
//! sort, page sizes from the table, and a million generated images.

mod common;

use common::{T, json};
use qualys_cs_sim::SimConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn empty_or_blank_sorts_take_the_default_order() {
    let t = T::new(SimConfig::default()).await;
    for path in [
        "/csapi/v1.3/images?sort=",
        "/csapi/v1.3/containers?sort=",
        "/csapi/v1.3/images?sort=%0D",
        "/csapi/v1.3/containers?sort=%20%0A",
    ] {
        let r = t.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(json(&r.text().await.unwrap())["data"].is_array(), "{path}");
    }
}

#[tokio::test]
async fn page_numbered_lists_and_the_10000_cap() {
    let t = T::new(SimConfig::default().images(25_000)).await;
    let p1 = t
        .get_json("/csapi/v1.3/images?pageNumber=1&pageSize=100")
        .await;
    assert_eq!(p1["count"], 25_000);
    assert_eq!(p1["data"].as_array().unwrap().len(), 100);
    assert!(p1.get("groups").is_none());
    let p2 = t.get_json("/csapi/v1.3/images?pageNo=2&pageSize=100").await;
    assert_ne!(p1["data"][0]["uuid"], p2["data"][0]["uuid"]);
    // Default sort created:desc.
    let c0: u64 = p1["data"][0]["created"].as_str().unwrap().parse().unwrap();
    let c1: u64 = p1["data"][99]["created"].as_str().unwrap().parse().unwrap();
    assert!(c0 > c1);
    let last = t
        .get_json("/csapi/v1.3/images?pageNumber=10&pageSize=1000")
        .await;
    assert_eq!(last["data"].as_array().unwrap().len(), 1000);
    let r = t
        .get("/csapi/v1.3/images?pageNumber=11&pageSize=1000")
        .await;
    assert_eq!(r.status(), 400);
    let msg = json(&r.text().await.unwrap())["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("10000") && msg.contains("/csapi/v1.3/images/list"),
        "{msg}"
    );
    assert_eq!(
        t.get("/csapi/v1.3/images?pageSize=1001").await.status(),
        400
    );
    assert_eq!(t.get("/csapi/v1.3/images?pageNumber=0").await.status(), 400);
    assert_eq!(
        t.get("/csapi/v1.3/containers?pageSize=abc").await.status(),
        400
    );
    // Events are v1.1: pageNo and groups.
    let ev = t.get_json("/csapi/v1.1/events?pageNo=2&pageSize=30").await;
    assert_eq!(ev["count"], 100);
    assert_eq!(ev["data"].as_array().unwrap().len(), 30);
    assert_eq!(ev["groups"], json!({}));
    // Past the end: empty page, same count.
    let r = t
        .get_json("/csapi/v1.3/registry?pageNumber=9&pageSize=50")
        .await;
    assert_eq!(r["data"], json!([]));
    assert_eq!(r["count"], 6);
}

fn next_query(link: &str, close: char) -> String {
    let q = link.split("paginationQuery=").nth(1).unwrap();
    let end = format!("{close};rel=next");
    let enc = q
        .strip_suffix(end.as_str())
        .unwrap_or_else(|| panic!("link does not close with {end}: {link}"));
    form_urlencoded::parse(format!("q={enc}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn cursor_lists_page_through_everything() {
    let t = T::new(SimConfig::default().images(1_000).containers(120)).await;
    for (path, close, total) in [
        ("/csapi/v1.3/images/list", '<', 1000usize),
        ("/csapi/v1.3/containers/list", '>', 120),
    ] {
        let mut seen = std::collections::HashSet::new();
        let mut url = format!("{path}?limit=250");
        let mut pages = 0;
        loop {
            let r = t.get(&url).await;
            assert_eq!(r.status(), 200);
            let link = r
                .headers()
                .get("link")
                .expect("link header")
                .to_str()
                .unwrap()
                .to_string();
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["limit"], 250);
            for item in body["data"].as_array().unwrap() {
                assert!(
                    seen.insert(item["uuid"].as_str().unwrap().to_string()),
                    "duplicate"
                );
                let v = &item["vulnerabilities"];
                assert!(v.is_array());
                for x in v.as_array().unwrap() {
                    let keys: Vec<&String> = x.as_object().unwrap().keys().collect();
                    assert_eq!(keys, ["qid", "result", "software"]);
                }
                assert!(item["lastFoundOnHost"].is_object() || path.contains("containers"));
            }
            pages += 1;
            if link == "null" {
                break;
            }
            assert!(
                link.starts_with("<http://qualysapi.qualys.com/csapi/v1.3/"),
                "{link}"
            );
            let q = next_query(&link, close);
            assert!(
                q.starts_with("updated>=") && q.contains(" AND not uuid: ["),
                "{q}"
            );
            let enc: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            url = format!("{path}?limit=250&paginationQuery={enc}");
        }
        assert_eq!(seen.len(), total, "{path}");
        assert_eq!(pages, total.div_ceil(250), "{path}");
    }
    assert_eq!(
        t.get("/csapi/v1.3/images/list?limit=251").await.status(),
        400
    );
    // A filter travels inside the cursor.
    let mut url =
        "/csapi/v1.3/images/list?limit=10&filter=vulnerabilities.severity%3A5".to_string();
    let mut n = 0;
    loop {
        let r = t.get(&url).await;
        let link = r.headers()["link"].to_str().unwrap().to_string();
        let body: Value = r.json().await.unwrap();
        for item in body["data"].as_array().unwrap() {
            let sha = item["sha"].as_str().unwrap();
            let c = t
                .get_json(&format!("/csapi/v1.3/images/{sha}/vuln/count"))
                .await;
            assert!(c["severity5Count"].as_u64().unwrap() > 0);
            n += 1;
        }
        if link == "null" {
            break;
        }
        let enc: String =
            form_urlencoded::byte_serialize(next_query(&link, '<').as_bytes()).collect();
        url = format!("/csapi/v1.3/images/list?limit=10&paginationQuery={enc}");
    }
    let count = t
        .get_json("/csapi/v1.3/images?pageSize=1&filter=vulnerabilities.severity%3A5")
        .await["count"]
        .as_u64()
        .unwrap();
    assert_eq!(n, count);
}

#[tokio::test]
async fn filters_and_sort() {
    let t = T::new(SimConfig::default()).await;
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let all = t.get_json("/csapi/v1.3/images?pageSize=1000").await;
    let sev5 = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["vulnerabilities"]["severity5Count"].as_u64() > Some(0))
        .count();
    let f = t
        .get_json(&format!(
            "/csapi/v1.3/images?pageSize=1000&filter={}",
            enc("vulnerabilities.severity:5")
        ))
        .await;
    assert_eq!(f["count"], sev5 as u64);
    let f = t
        .get_json(&format!(
            "/csapi/v1.3/images?pageSize=1000&filter={}",
            enc("repo.repository:library/* AND NOT vulnerabilities.severity:5")
        ))
        .await;
    for i in f["data"].as_array().unwrap() {
        assert!(
            i["repo"][0]["repository"]
                .as_str()
                .unwrap()
                .starts_with("library/")
        );
        assert_eq!(i["vulnerabilities"]["severity5Count"], 0);
    }
    let s = t
        .get_json("/csapi/v1.3/images?pageSize=50&sort=size%3Aasc")
        .await;
    let sizes: Vec<u64> = s["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]));
    let c = t
        .get_json(&format!(
            "/csapi/v1.3/containers?pageSize=1000&filter={}",
            enc("state:RUNNING")
        ))
        .await;
    assert!(c["count"].as_u64().unwrap() > 0);
    assert!(
        c["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["state"] == "RUNNING")
    );
    let r = t
        .get_json(&format!(
            "/csapi/v1.3/reports?filter={}",
            enc("report.name:Post_API_test")
        ))
        .await;
    assert_eq!(r["count"], 1);
    assert_eq!(r["data"][0]["reportName"], "Post_API_test");
    let r = t
        .get_json(&format!(
            "/csapi/v1.3/registry?filter={}",
            enc("registryType:'AWS' OR registryType:\"V2\"")
        ))
        .await;
    assert!(
        r["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["registryType"] == "AWS" || x["registryType"] == "V2")
    );
    assert_eq!(r["count"], 3);
    let s = t
        .get_json(&format!(
            "/csapi/v1.3/sensors?filter={}&sort=hostname%3Adesc",
            enc("hostname:cms")
        ))
        .await;
    assert!(
        s["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["hostname"].as_str().unwrap().starts_with("cms"))
    );
    let rid = t.get_json("/csapi/v1.3/registry").await["data"][0]["registryUuid"]
        .as_str()
        .unwrap()
        .to_string();
    let all = t
        .get_json(&format!(
            "/csapi/v1.3/registry/{rid}/schedule?filter={}",
            enc("scheduleUuid:*")
        ))
        .await;
    assert_eq!(all["count"], 5);
    let f = t
        .get_json(&format!(
            "/csapi/v1.3/images?filter={}",
            enc("created:[now-400d ... now]")
        ))
        .await;
    assert!(f["count"].as_u64().unwrap() > 0 && f["count"].as_u64().unwrap() < 200);
    for bad in ["nosuchfield:1", "status:'unterminated", "AND"] {
        let r = t
            .get(&format!("/csapi/v1.3/images?filter={}", enc(bad)))
            .await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    assert_eq!(
        t.get("/csapi/v1.3/images?sort=nosuch%3Aasc").await.status(),
        400
    );
    assert_eq!(
        t.get("/csapi/v1.3/images?sort=size%3Asideways")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn scales_to_a_million_images() {
    let t = T::new(SimConfig::default().images(1_000_000).containers(1_000_000)).await;
    let p = t
        .get_json("/csapi/v1.3/images?pageSize=100&pageNumber=100")
        .await;
    assert_eq!(p["count"], 1_000_000);
    let sha = p["data"][0]["sha"].as_str().unwrap();
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/images/{sha}")).await["sha"],
        sha
    );
    let short = &sha[..12];
    assert_eq!(
        t.get_json(&format!("/csapi/v1.3/images/{short}/vuln/count"))
            .await
            .as_object()
            .unwrap()
            .len(),
        5
    );
    let r = t.get("/csapi/v1.3/containers/list?limit=5").await;
    assert!(
        r.headers()["link"]
            .to_str()
            .unwrap()
            .ends_with(">;rel=next")
    );
}

/// Page sizes, their defaults and the bulk list a capped list points to, as the endpoint table
/// documents them.
#[tokio::test]
async fn list_sizes_and_bulk_pointers_follow_the_table() {
    let t = T::new(SimConfig::default().images(300).containers(12_000)).await;
    // The bulk lists' `limit` defaults to 50, and the next link carries it.
    let r = t.get("/csapi/v1.3/images/list").await;
    assert_eq!(r.status(), 200);
    let link = r.headers()["link"].to_str().unwrap().to_string();
    let v = json(&r.text().await.unwrap());
    assert_eq!(v["limit"], 50);
    assert_eq!(v["data"].as_array().unwrap().len(), 50);
    assert!(link.contains("?limit=50&paginationQuery="), "{link}");
    let r = t.get("/csapi/v1.3/containers/list?limit=0").await;
    assert_eq!(r.status(), 400);
    let msg = json(&r.text().await.unwrap())["message"].to_string();
    assert!(msg.contains("between 1 and 250"), "{msg}");
    // Page-numbered lists default to 50.
    let v = t.get_json("/csapi/v1.3/containers").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 50);
    // The containers list's cap points at the containers bulk list.
    let r = t
        .get("/csapi/v1.3/containers?pageNumber=11&pageSize=1000")
        .await;
    assert_eq!(r.status(), 400);
    let msg = json(&r.text().await.unwrap())["message"].to_string();
    assert!(msg.contains("/csapi/v1.3/containers/list"), "{msg}");
    // k8s postures take `limit` as their page size.
    let v = t.get_json("/csapi/v1.3/k8s_postures/list?limit=3").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
}
