//! Auth, rate limits, faults, latency and the request log.

mod common;

use base64::Engine;
use common::{T, client, json};
use qualys_cs_sim::{Fault, FaultKind, FaultRates, RateLimits, SimConfig, Simulator};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn basic_auth() {
    let t = T::new(SimConfig::default()).await;
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 200);
    let r =
        t.c.get(t.url("/csapi/v1.3/images"))
            .basic_auth("qualys", Some("wrong"))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 401);
    let e = json(&r.text().await.unwrap());
    assert_eq!(e["errorCode"], "401 UNAUTHORIZED");
    assert!(e["timestamp"].is_u64());
    assert_eq!(
        t.c.get(t.url("/csapi/v1.3/images"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Control endpoints need no auth.
    assert_eq!(
        t.c.get(t.url("/__sim/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn jwt_issue_use_and_expiry() {
    let t = T::new(SimConfig::default().token_ttl(Duration::from_secs(1))).await;
    let r =
        t.c.post(t.url("/auth"))
            .form(&[
                ("username", "qualys"),
                ("password", "qualys"),
                ("token", "true"),
                ("permissions", "true"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 201);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let jwt = r.text().await.unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(payload["sub"], "qualys");
    assert!(payload["exp"].is_u64());
    let ok =
        t.c.get(t.url("/csapi/v1.3/images?pageSize=1"))
            .bearer_auth(&jwt)
            .send()
            .await
            .unwrap();
    assert_eq!(ok.status(), 200);
    let forged = format!("{}.{}.AAAA", parts[0], parts[1]);
    assert_eq!(
        t.c.get(t.url("/csapi/v1.3/images"))
            .bearer_auth(forged)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r =
        t.c.get(t.url("/csapi/v1.3/images"))
            .bearer_auth(&jwt)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        json(&r.text().await.unwrap())["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let r =
        t.c.post(t.url("/auth"))
            .form(&[("username", "qualys"), ("password", "x"), ("token", "true")])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn rate_limits_send_headers_and_429() {
    let mut rl = RateLimits::uniform(1000, Duration::from_secs(60));
    rl.families.insert(
        "images/list".into(),
        qualys_cs_sim::Limit {
            calls: 3,
            window: Duration::from_secs(2),
        },
    );
    rl.retry_after = true;
    let t = T::new(SimConfig::default().rate_limits(rl)).await;
    for left in [2, 1, 0] {
        let r = t.get("/csapi/v1.3/images/list?limit=1").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(r.headers()["x-ratelimit-window-sec"], "2");
        assert_eq!(
            r.headers()["x-ratelimit-remaining"],
            left.to_string().as_str()
        );
    }
    let r = t.get("/csapi/v1.3/images/list?limit=1").await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["x-ratelimit-towait-sec"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait));
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        json(&r.text().await.unwrap())["errorCode"],
        "429 TOO_MANY_REQUESTS"
    );
    // Other families have their own windows; unlimited ones carry no headers.
    let r = t.get("/csapi/v1.3/images?pageSize=1").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-limit"], "1000");
    assert!(
        !t.get("/csapi/v1.3/reports")
            .await
            .headers()
            .contains_key("x-ratelimit-limit")
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(t.get("/csapi/v1.3/images/list?limit=1").await.status(), 200);
    // Off by default.
    let t = T::new(SimConfig::default()).await;
    assert!(
        !t.get("/csapi/v1.3/images")
            .await
            .headers()
            .contains_key("x-ratelimit-limit")
    );
    // Scaled: same rate, shorter windows.
    let s = RateLimits::scaled(30.0);
    assert_eq!(
        s.families["images/list"],
        qualys_cs_sim::Limit {
            calls: 4,
            window: Duration::from_secs(2)
        }
    );
}

#[tokio::test]
async fn injected_faults() {
    let t = T::new(SimConfig::default()).await;
    // Status, twice, only on matching paths.
    t.sim
        .inject(Fault::status(503).path_contains("/images").times(2));
    assert_eq!(t.get("/csapi/v1.3/containers").await.status(), 200);
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 503);
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 503);
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 200);
    // Through the control endpoint, with a custom body.
    let r = t
        .c
        .post(t.url("/__sim/faults"))
        .json(&json!({"kind": "status", "status": 502, "body": "<html>Bad Gateway</html>", "method": "GET"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t.get("/csapi/v1.3/sensors").await;
    assert_eq!(r.status(), 502);
    assert_eq!(r.text().await.unwrap(), "<html>Bad Gateway</html>");
    // Drop: no response at all.
    t.sim.inject(Fault::new(FaultKind::Drop));
    let e = t.get_raw("/csapi/v1.3/images").await;
    assert!(e.is_err(), "dropped connection must fail");
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 200);
    // Malformed: 200 and not JSON.
    t.sim.inject(Fault::new(FaultKind::Malformed));
    let r = t.get("/csapi/v1.3/images").await;
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).is_err());
    // Truncate: the body read fails.
    t.sim.inject(Fault::new(FaultKind::Truncate));
    let r = t.get("/csapi/v1.3/images").await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err());
    // Delay and slow body.
    t.sim
        .inject(Fault::new(FaultKind::Delay(Duration::from_millis(300))));
    let start = Instant::now();
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    t.sim
        .inject(Fault::new(FaultKind::SlowBody(Duration::from_millis(100))));
    let start = Instant::now();
    let r = t.get("/csapi/v1.3/images").await;
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["count"], 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let faults: Vec<Option<String>> = t.sim.requests().into_iter().map(|r| r.fault).collect();
    for k in [
        "status",
        "drop",
        "malformed",
        "truncate",
        "delay",
        "slow_body",
    ] {
        assert!(
            faults.iter().any(|f| f.as_deref() == Some(k)),
            "{k} not logged"
        );
    }
    // Bad fault JSON.
    let r =
        t.c.post(t.url("/__sim/faults"))
            .json(&json!({"kind": "nope"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
}

impl T {
    async fn get_raw(&self, path: &str) -> Result<bytes::Bytes, reqwest::Error> {
        let r = self.req(Method::GET, path).send().await?;
        r.bytes().await
    }
}

#[tokio::test]
async fn random_faults_and_latency() {
    let cfg = SimConfig::default().faults(FaultRates {
        error_rate: 1.0,
        ..Default::default()
    });
    let t = T::new(cfg).await;
    let mut statuses = std::collections::BTreeSet::new();
    let mut html = false;
    for _ in 0..30 {
        let r = t.get("/csapi/v1.3/images").await;
        statuses.insert(r.status().as_u16());
        html |= r.text().await.unwrap().starts_with("<html>");
    }
    assert!(
        statuses.iter().all(|s| [500, 502, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.len() > 1 && html);
    // Injected faults win over the random ones.
    t.sim.inject(Fault::status(418));
    assert_eq!(t.get("/csapi/v1.3/images").await.status(), 418);

    let cfg = SimConfig::default().faults(FaultRates {
        drop_rate: 0.5,
        ..Default::default()
    });
    let t = T::new(cfg).await;
    let mut failed = 0;
    for _ in 0..40 {
        if t.get_raw("/csapi/v1.3/controls").await.is_err() {
            failed += 1;
        }
    }
    assert!((5..=35).contains(&failed), "{failed}");

    let t = T::new(SimConfig::default().latency(Duration::from_millis(150))).await;
    let start = Instant::now();
    t.get("/csapi/v1.3/images").await;
    assert!(start.elapsed() >= Duration::from_millis(150));
    t.sim.set_latency(Duration::ZERO);
    let start = Instant::now();
    t.get("/csapi/v1.3/images").await;
    assert!(start.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn request_log() {
    let t = T::new(SimConfig::default()).await;
    let img = t.first_image().await;
    let sha = img["sha"].as_str().unwrap();
    t.req(
        Method::DELETE,
        &format!(
            "/csapi/v1.3/images?imageIds={}&imageIds=b%20c&filter=a%3Ab",
            img["uuid"].as_str().unwrap()
        ),
    )
    .send()
    .await
    .unwrap();
    t.req(
        Method::POST,
        &format!("/csapi/v1.3/images/{sha}/instrument"),
    )
    .json(&json!({"pushTag": "x"}))
    .send()
    .await
    .unwrap();
    t.get("/csapi/v1.3/registry/%61ws-base").await;
    let log = t.sim.requests();
    assert_eq!(log.len(), 4);
    let d = &log[1];
    assert_eq!(d.method, "DELETE");
    assert_eq!(d.endpoint.as_deref(), Some("S40"));
    assert_eq!(
        d.query_params("imageIds"),
        [img["uuid"].as_str().unwrap(), "b c"]
    );
    assert_eq!(d.query_param("filter"), Some("a:b"));
    assert!(d.query.contains("b%20c"));
    assert_eq!(d.header("authorization"), Some("Basic ***"));
    assert_eq!(d.status, 200);
    let p = &log[2];
    assert_eq!(p.body, Some(json!({"pushTag": "x"})));
    assert_eq!(p.content_type.as_deref(), Some("application/json"));
    let raw = &log[3];
    assert_eq!(raw.path, "/csapi/v1.3/registry/%61ws-base");
    assert_eq!(raw.decoded_path, "/csapi/v1.3/registry/aws-base");
    // The same log over HTTP, then cleared.
    let v: serde_json::Value =
        t.c.get(t.url("/__sim/requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert_eq!(v[1]["query_pairs"][0][0], "imageIds");
    t.c.delete(t.url("/__sim/requests")).send().await.unwrap();
    assert!(t.sim.requests().is_empty());
    t.sim.set_request_log(false);
    t.get("/csapi/v1.3/images").await;
    assert!(t.sim.requests().is_empty());
    // Off from the start.
    let t = T::new(SimConfig::default().request_log(0)).await;
    t.get("/csapi/v1.3/images").await;
    assert!(t.sim.requests().is_empty());
}

#[test]
fn spawn_without_a_runtime() {
    let sim = Simulator::spawn(SimConfig::default().images(10)).unwrap();
    let url = sim.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let v: serde_json::Value = rt.block_on(async {
        client()
            .get(format!("{url}/csapi/v1.3/images"))
            .basic_auth("qualys", Some("qualys"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(v["count"], 10);
    let clone = sim.clone();
    drop(sim);
    assert!(
        rt.block_on(client().get(format!("{url}/__sim/health")).send())
            .is_ok()
    );
    clone.shutdown();
    assert!(
        rt.block_on(client().get(format!("{url}/__sim/health")).send())
            .is_err()
    );
    assert!(format!("{:?}", SimConfig::default()).contains("password: \"***\""));
}

/// Generated lists are computed on the blocking pool: with the simulator on a one-thread runtime,
/// a cheap call still answers while a slow images page (a sort over every image) is computed.
#[tokio::test]
async fn slow_generated_pages_do_not_stall_other_requests() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let sim = Simulator::start(SimConfig::default().images(1_000_000).request_log(0))
                .await
                .expect("start");
            let _ = tx.send(sim.clone());
            let _ = stop_rx.await;
            sim.shutdown();
        });
    });
    let sim = rx.await.expect("simulator started");
    let c = client();
    let get = |path: &str| {
        c.get(format!("{}{path}", sim.url()))
            .basic_auth("qualys", Some("qualys"))
            .send()
    };
    let t0 = Instant::now();
    let heavy = get("/csapi/v1.3/images?pageSize=10&sort=size:desc");
    let slow = tokio::spawn(async move {
        let r = heavy.await.expect("send");
        (r.status(), t0.elapsed())
    });
    // Long enough for the images request to reach its handler first.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let r = get("/csapi/v1.3/sensors?pageSize=1").await.expect("send");
    assert_eq!(r.status(), 200);
    let cheap = t0.elapsed();
    let (status, heavy) = slow.await.expect("join");
    assert_eq!(status, 200);
    // Inline, both answers leave together once the page is done (the cheap one just after it);
    // on the blocking pool the cheap one is back long before. The margin only absorbs jitter: the
    // page itself takes well over 100 ms on this machine kind, idle or loaded.
    assert!(
        cheap + Duration::from_millis(20) < heavy,
        "the sensors call waited for the images page: {cheap:?} vs {heavy:?}"
    );
    let _ = stop_tx.send(());
    server.join().expect("server thread");
}
