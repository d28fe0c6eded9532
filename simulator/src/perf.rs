//! Serve-time measurements of the generated list pages, without HTTP (run in release):
//! `cargo test --release -p qualys-cs-sim --lib perf -- --ignored --nocapture`.

use crate::config::SimConfig;
use crate::handlers::{self, Ctx};
use crate::state::Sim;
use bytes::Bytes;
use std::time::{Duration, Instant};

fn ctx(id: &str, query: &str) -> Ctx {
    Ctx {
        ep: qualys_cs_spec::by_id(id).expect("endpoint"),
        params: vec![],
        query: form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        body: Bytes::new(),
        content_type: None,
        user: "qualys".into(),
    }
}

/// Median and body size of `runs` calls.
fn time(sim: &Sim, id: &str, query: &str, runs: usize) -> (Duration, usize) {
    let c = ctx(id, query);
    let mut ts = Vec::with_capacity(runs);
    let mut len = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let resp = handlers::handle(sim, &c);
        assert!(
            resp.status().is_success(),
            "{id} {query}: {}",
            resp.status()
        );
        let body = futures::executor::block_on(axum::body::to_bytes(resp.into_body(), usize::MAX))
            .expect("body");
        ts.push(t.elapsed());
        len = body.len();
    }
    ts.sort();
    (ts[runs / 2], len)
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn perf_pages() {
    let sim = Sim::new(
        SimConfig::default()
            .images(1_000_000)
            .containers(1_000_000)
            .request_log(0),
    );
    let cases: &[(&str, &str, &str, usize)] = &[
        ("images pageSize=100", "S17", "pageSize=100", 50),
        ("images pageSize=1000", "S17", "pageSize=1000", 10),
        (
            "images pageSize=100 page 50",
            "S17",
            "pageSize=100&pageNumber=50",
            50,
        ),
        ("images bulk limit=250", "P05", "limit=250", 20),
        ("containers pageSize=100", "S16", "pageSize=100", 50),
        ("containers pageSize=1000", "S16", "pageSize=1000", 10),
        ("containers bulk limit=250", "P01", "limit=250", 20),
        (
            "images filter os",
            "S17",
            "pageSize=100&filter=operatingSystem:Alpine",
            3,
        ),
        (
            "images filter sev5",
            "S17",
            "pageSize=100&filter=vulnerabilities.severity:5",
            3,
        ),
        (
            "images filter repo",
            "S17",
            "pageSize=100&filter=repo.repository:library/nginx",
            3,
        ),
        ("images sort size", "S17", "pageSize=100&sort=size:desc", 3),
        (
            "containers filter state",
            "S16",
            "pageSize=100&filter=state:RUNNING",
            3,
        ),
        (
            "images bulk filter os",
            "P05",
            "limit=250&filter=operatingSystem:Alpine",
            3,
        ),
    ];
    // The second bulk page, as the Link header of the first one gives it.
    let w = &sim.world;
    let cursor = format!(
        "limit=250&paginationQuery={}",
        form_urlencoded::byte_serialize(
            format!(
                "updated>={} AND not uuid: [{}]",
                w.img_updated(249),
                w.img_uuid(249)
            )
            .as_bytes()
        )
        .collect::<String>()
    );
    let cases: Vec<_> = cases
        .iter()
        .copied()
        .chain([("images bulk cursor page 2", "P05", cursor.as_str(), 20)])
        .collect();
    for (name, id, q, runs) in &cases {
        let (d, len) = time(&sim, id, q, *runs);
        println!(
            "{name:32} {:>9.3} ms  {len:>8} bytes",
            d.as_secs_f64() * 1e3
        );
    }
}

/// The same pages over HTTP on loopback (server, hyper and the client's read included).
#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn perf_http() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sim = crate::Simulator::start(
            SimConfig::default()
                .images(1_000_000)
                .containers(1_000_000)
                .request_log(0),
        )
        .await
        .expect("start");
        let c = reqwest::Client::new();
        for (name, path, runs) in [
            ("images pageSize=100", "/csapi/v1.3/images?pageSize=100", 50),
            (
                "images pageSize=1000",
                "/csapi/v1.3/images?pageSize=1000",
                20,
            ),
            (
                "images bulk limit=250",
                "/csapi/v1.3/images/list?limit=250",
                30,
            ),
            (
                "containers bulk limit=250",
                "/csapi/v1.3/containers/list?limit=250",
                30,
            ),
        ] {
            let mut ts = Vec::with_capacity(runs);
            let mut len = 0;
            for _ in 0..runs {
                let t = Instant::now();
                let r = c
                    .get(format!("{}{path}", sim.url()))
                    .basic_auth("qualys", Some("qualys"))
                    .send()
                    .await
                    .expect("send");
                assert!(r.status().is_success(), "{path}: {}", r.status());
                len = r.bytes().await.expect("body").len();
                ts.push(t.elapsed());
            }
            ts.sort();
            println!(
                "http {name:27} {:>9.3} ms  {len:>8} bytes",
                ts[runs / 2].as_secs_f64() * 1e3
            );
        }
    });
}
