//! The fault matrix for the Rust client: every fault of `matrix.json` x every shape, against the
//! fault server in this process. The Python and Node suites run the same table.

use futures::StreamExt;
use qualys_cs::{Args, Client, Error};
use qualys_cs_faults::{FAULT_PAGE, FaultServer, ITEMS, PAGE_SIZE, sha};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// No cell may take longer than this, whatever the fault (the slowest fault's cell needs about
/// two timeouts of one second).
const CELL_BOUND: Duration = Duration::from_secs(60);

fn table() -> Value {
    serde_json::from_str(include_str!("../matrix.json")).expect("matrix.json is JSON")
}

fn args(v: Value) -> Args {
    Args(v.as_object().cloned().expect("an object"))
}

/// A cell's expectation: the fault's `expect` with the shape's override on top.
fn expectation(fault: &Value, shape: &str) -> Value {
    let mut e = fault["expect"].clone();
    if let Some(o) = fault.get("shapes").and_then(|s| s.get(shape)) {
        for (k, v) in o.as_object().expect("an override is an object") {
            e[k] = v.clone();
        }
    }
    e
}

fn client(server: &FaultServer, key: &str, fault: &Value, table: &Value) -> Client {
    let mut conf = table["client"].clone();
    if let Some(o) = fault.get("client") {
        for (k, v) in o.as_object().expect("client options are an object") {
            conf[k] = v.clone();
        }
    }
    let ms = |v: &Value| Duration::from_millis(v.as_u64().expect("milliseconds"));
    let mut b = Client::builder();
    if let Some(w) = conf.get("max_retry_wait_ms") {
        b = b.max_retry_wait(ms(w));
    }
    if let Some(n) = conf.get("max_response_bytes").and_then(Value::as_u64) {
        b = b.max_response_bytes(n);
    }
    b.base_url(server.base_url(key, fault["fault"].as_str().unwrap()))
        .credentials("faults", "faults")
        .max_retries(conf["max_retries"].as_u64().unwrap() as u32)
        .timeout(ms(&conf["timeout_ms"]))
        .backoff(ms(&conf["backoff_ms"][0]), ms(&conf["backoff_ms"][1]))
        .build()
        .expect("the client builds")
}

/// What a call gave: the items (for a list, those yielded before an error) and an error code.
struct Outcome {
    items: Vec<String>,
    error: Option<String>,
    /// Each fan-out call's own result: its sha or error code.
    each: Vec<Result<String, String>>,
}

fn code(e: &Error) -> String {
    e.kind().code().to_owned()
}

fn sha_of(v: &Value) -> String {
    v["sha"].as_str().unwrap_or("<no sha>").to_owned()
}

async fn run_shape(c: &Client, shape: &str, fanout: usize) -> Outcome {
    let mut out = Outcome {
        items: vec![],
        error: None,
        each: vec![],
    };
    match shape {
        "single" => match c.call("S19", args(json!({"sha": sha(7)}))).await {
            Ok(qualys_cs::Output::Json(v)) => out.items.push(sha_of(&v)),
            Ok(other) => out.items.push(format!("<not JSON: {other:?}>")),
            Err(e) => out.error = Some(code(&e)),
        },
        "list" | "cursor" => {
            let (id, size) = if shape == "list" {
                ("S17", json!({"page_size": PAGE_SIZE}))
            } else {
                ("P05", json!({"limit": PAGE_SIZE}))
            };
            let mut items = c
                .paginate::<Value>(id, args(size))
                .expect("valid list arguments")
                .items();
            while let Some(item) = items.next().await {
                match item {
                    Ok(v) => out.items.push(sha_of(&v)),
                    Err(e) => {
                        out.error = Some(code(&e));
                        break;
                    }
                }
            }
        }
        "fanout" => {
            let calls = (0..fanout).map(|i| c.call("S19", args(json!({"sha": sha(i)}))));
            for r in futures::future::join_all(calls).await {
                out.each.push(match r {
                    Ok(qualys_cs::Output::Json(v)) => Ok(sha_of(&v)),
                    Ok(other) => Ok(format!("<not JSON: {other:?}>")),
                    Err(e) => Err(code(&e)),
                });
            }
        }
        other => panic!("unknown shape {other}"),
    }
    out
}

/// Check one cell; every mismatch is a line of the returned list.
fn check(
    shape: &str,
    expect: &Value,
    out: &Outcome,
    stats: &BTreeMap<String, u64>,
    fanout: usize,
) -> Vec<String> {
    let mut bad = vec![];
    let want_error = expect.get("error").and_then(Value::as_str);
    // An exact count, or a lower bound (a storm waited out until a time budget is spent).
    let (attempts, at_least) = match expect.get("attempts_at_least") {
        Some(n) => (n.as_u64().unwrap(), true),
        None => (expect["attempts"].as_u64().expect("attempts"), false),
    };
    let tries = |n: u64| {
        if at_least {
            n >= attempts
        } else {
            n == attempts
        }
    };
    let count = |t: &str| stats.get(t).copied().unwrap_or(0);
    // A list yields every item, or those before the fault (unless the table says how many).
    let leading = expect.get("items").and_then(Value::as_u64).map_or(
        if want_error.is_some() {
            (FAULT_PAGE - 1) * PAGE_SIZE
        } else {
            ITEMS
        },
        |n| n as usize,
    );
    let want_items: Vec<String> = (0..leading).map(sha).collect();
    match shape {
        "single" => {
            if out.error.as_deref() != want_error {
                bad.push(format!("error {:?}, want {want_error:?}", out.error));
            }
            if want_error.is_none() && out.items != [sha(7)] {
                bad.push(format!("result {:?}", out.items));
            }
            if !tries(count(&format!("get:{}", sha(7)))) {
                bad.push(format!("{attempts} attempts expected, stats {stats:?}"));
            }
        }
        "list" | "cursor" => {
            if out.error.as_deref() != want_error {
                bad.push(format!("error {:?}, want {want_error:?}", out.error));
            }
            if out.items != want_items {
                bad.push(format!("items {:?}, want {want_items:?}", out.items));
            }
            let prefix = if shape == "list" { "page" } else { "cursor" };
            let pages = ITEMS.div_ceil(PAGE_SIZE);
            for p in 1..=pages {
                let n = count(&format!("{prefix}:{p}"));
                if p == FAULT_PAGE && !tries(n) {
                    bad.push(format!("page {p}: {n} requests, want {attempts}"));
                }
                // A page before the fault is asked once; after it, at most once (prefetch may or
                // may not have reached it when the list failed), and exactly once on success.
                let ok = match (p.cmp(&FAULT_PAGE), want_error) {
                    (std::cmp::Ordering::Equal, _) => true,
                    (std::cmp::Ordering::Less, _) | (_, None) => n == 1,
                    (std::cmp::Ordering::Greater, Some(_)) => n <= 1,
                };
                if !ok {
                    bad.push(format!("page {p}: {n} requests"));
                }
            }
        }
        "fanout" => {
            // The requests of the whole fan-out, where calls behind the first may fail unsent.
            let total = expect.get("fanout_requests").and_then(Value::as_u64);
            for (i, r) in out.each.iter().enumerate() {
                let want = match want_error {
                    Some(e) => Err(e.to_owned()),
                    None => Ok(sha(i)),
                };
                if r != &want {
                    bad.push(format!("call {i}: {r:?}, want {want:?}"));
                }
                let n = count(&format!("get:{}", sha(i)));
                if !(if total.is_some() {
                    n <= attempts
                } else {
                    tries(n)
                }) {
                    bad.push(format!("call {i}: {n} requests, want {attempts}"));
                }
            }
            let sent: u64 = (0..fanout).map(|i| count(&format!("get:{}", sha(i)))).sum();
            if let Some(t) = total
                && sent != t
            {
                bad.push(format!("{sent} requests in all, want {t}"));
            }
            if out.each.len() != fanout {
                bad.push(format!("{} results", out.each.len()));
            }
        }
        _ => unreachable!(),
    }
    if shape != "fanout"
        && let Some(auth) = expect.get("auth").and_then(Value::as_u64)
        && count("auth") != auth
    {
        bad.push(format!("{} POST /auth, want {auth}", count("auth")));
    }
    bad
}

/// The server on a runtime of its own, so that busy clients cannot starve its accept loop (a
/// retry that reaches it late would read as a timeout).
fn server() -> FaultServer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async {
            let server = FaultServer::start().await.expect("the fault server starts");
            tx.send(server).expect("the test waits for the server");
            std::future::pending::<()>().await
        })
    });
    rx.recv().expect("the server thread starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let table = table();
    let server = server();
    let fanout = table["fanout"].as_u64().unwrap() as usize;
    let mut cells = vec![];
    for fault in table["faults"].as_array().unwrap() {
        for shape in table["shapes"].as_array().unwrap() {
            let shape = shape.as_str().unwrap();
            let name = fault["fault"].as_str().unwrap();
            if fault.get("skip").and_then(|s| s.get(shape)).is_some() {
                continue;
            }
            let key = format!("rust-{name}-{shape}");
            let c = client(&server, &key, fault, &table);
            let expect = expectation(fault, shape);
            let server = &server;
            cells.push(async move {
                let started = std::time::Instant::now();
                let out = tokio::time::timeout(CELL_BOUND, run_shape(&c, shape, fanout)).await;
                if started.elapsed() > Duration::from_secs(5) {
                    eprintln!("slow cell: {name} x {shape}: {:?}", started.elapsed());
                }
                let bad = match out {
                    Err(_) => vec![format!("no outcome within {CELL_BOUND:?}")],
                    Ok(out) => check(shape, &expect, &out, &server.stats(&key), fanout),
                };
                bad.into_iter()
                    .map(|b| format!("{name} x {shape}: {b}"))
                    .collect::<Vec<_>>()
            });
        }
    }
    // The cells run concurrently (each has its own key, so its own counters), a few at a time:
    // all at once would make a loaded machine slow enough to turn answers into timeouts.
    let failures: Vec<String> = futures::stream::iter(cells)
        .buffer_unordered(12)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing cells:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
