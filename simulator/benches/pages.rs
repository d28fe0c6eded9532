//! Serve time of the generated list pages: the handlers alone (`direct`), then the same pages over
//! HTTP on loopback (`http`: server, hyper and the client's read included). Run in release:
//!
//! ```sh
//! cargo bench -p qualys-cs-sim --bench pages                       # both, 1,000,000 images and containers
//! cargo bench -p qualys-cs-sim --bench pages -- direct --size 10000
//! ```

use qualys_cs_sim::bench::Direct;
use qualys_cs_sim::{SimConfig, Simulator};
use qualys_cs_spec::EndpointId;
use std::time::{Duration, Instant};

/// Median and body size of `runs` calls.
fn time(d: &Direct, id: EndpointId, query: &str, runs: usize) -> (Duration, usize) {
    let mut ts = Vec::with_capacity(runs);
    let mut len = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let a = d.call(id, query);
        assert!((200..300).contains(&a.status), "{id} {query}: {}", a.status);
        ts.push(t.elapsed());
        len = a.body.len();
    }
    ts.sort();
    (ts[runs / 2], len)
}

fn config(size: u64) -> SimConfig {
    SimConfig::default()
        .images(size)
        .containers(size)
        .request_log(0)
}

fn direct(size: u64) {
    let d = Direct::new(config(size));
    let cases: &[(&str, EndpointId, &str, usize)] = &[
        ("images pageSize=100", EndpointId::S17, "pageSize=100", 50),
        ("images pageSize=1000", EndpointId::S17, "pageSize=1000", 10),
        (
            "images pageSize=100 page 50",
            EndpointId::S17,
            "pageSize=100&pageNumber=50",
            50,
        ),
        ("images bulk limit=250", EndpointId::P05, "limit=250", 20),
        (
            "containers pageSize=100",
            EndpointId::S16,
            "pageSize=100",
            50,
        ),
        (
            "containers pageSize=1000",
            EndpointId::S16,
            "pageSize=1000",
            10,
        ),
        (
            "containers bulk limit=250",
            EndpointId::P01,
            "limit=250",
            20,
        ),
        (
            "images filter os",
            EndpointId::S17,
            "pageSize=100&filter=operatingSystem:Alpine",
            3,
        ),
        (
            "images filter sev5",
            EndpointId::S17,
            "pageSize=100&filter=vulnerabilities.severity:5",
            3,
        ),
        (
            "images filter repo",
            EndpointId::S17,
            "pageSize=100&filter=repo.repository:library/nginx",
            3,
        ),
        (
            "images sort size",
            EndpointId::S17,
            "pageSize=100&sort=size:desc",
            3,
        ),
        (
            "containers filter state",
            EndpointId::S16,
            "pageSize=100&filter=state:RUNNING",
            3,
        ),
        (
            "images bulk filter os",
            EndpointId::P05,
            "limit=250&filter=operatingSystem:Alpine",
            3,
        ),
    ];
    // The second bulk page, as the Link header of the first one gives it:
    // `<https://host/csapi/v1.3/images/list?limit=250&paginationQuery=...<;rel=next`.
    let link = d
        .call(EndpointId::P05, "limit=250")
        .link
        .expect("a next link");
    let cursor = link
        .split_once('?')
        .and_then(|(_, q)| q.rsplit_once(";rel=next"))
        .map(|(q, _)| q.trim_end_matches(['<', '>']).to_string())
        .expect("a next link with a query");
    let cases: Vec<_> = cases
        .iter()
        .copied()
        .chain([(
            "images bulk cursor page 2",
            EndpointId::P05,
            cursor.as_str(),
            20,
        )])
        .collect();
    for (name, id, q, runs) in &cases {
        let (t, len) = time(&d, *id, q, *runs);
        println!(
            "{name:32} {:>9.3} ms  {len:>8} bytes",
            t.as_secs_f64() * 1e3
        );
    }
}

fn http(size: u64) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let sim = Simulator::start(config(size)).await.expect("start");
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

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut which, mut size) = (Vec::new(), 1_000_000u64);
    while let Some(a) = args.next() {
        match a.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--size" => size = args.next().and_then(|s| s.parse().ok()).expect("--size N"),
            "direct" | "http" => which.push(a),
            other => panic!("unknown argument {other}: direct, http, --size N"),
        }
    }
    if which.is_empty() || which.iter().any(|w| w == "direct") {
        direct(size);
    }
    if which.is_empty() || which.iter().any(|w| w == "http") {
        http(size);
    }
}
