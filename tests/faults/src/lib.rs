//! A hostile csapi server for the fault suite: it serves a small images API (a single get, a
//! page-numbered list with `count`, a cursor list with a `link` header, `POST /auth`) and
//! misbehaves on purpose, per request, as the URL asks.
//!
//! A client is pointed at `http://127.0.0.1:PORT/f/<key>/<scenario>`: `<key>` names one test
//! (its counters are its own), `<scenario>` the fault. The fault hits the *target* requests only:
//! every single get (`GET .../images/{sha}`), page [`FAULT_PAGE`] of the page-numbered list and
//! page [`FAULT_PAGE`] of the cursor list; every other request is answered normally, so a test
//! can tell exactly which page was retried and whether any item was lost or repeated.
//!
//! Scenarios are `<fault>` (every target request) or `<fault>x<n>` (the first `n` requests of
//! each target, then normal answers). `GET /_stats/<key>` returns how many requests each target
//! got, by name: `auth`, `get:<sha>`, `page:<n>`, `cursor:<n>`.
//!
//! Built on raw tokio sockets rather than an HTTP library so that it can break HTTP: cut a body,
//! lie about its length, never answer, trickle bytes, send headers no library would send.

use base64::Engine;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Items in the lists (not a multiple of [`PAGE_SIZE`]: the last page is short).
pub const ITEMS: usize = 23;
/// The page size the suite lists with.
pub const PAGE_SIZE: usize = 5;
/// The page (1-based) of either list that the fault hits.
pub const FAULT_PAGE: usize = 3;
/// How long a `latency` answer or a `slow` body takes: far past any timeout the suite sets.
pub const STALL: Duration = Duration::from_secs(30);

/// The sha of item `i`.
pub fn sha(i: usize) -> String {
    format!("sha-{i:02}")
}

/// A running server; it stops when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    state: Arc<State>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Default)]
struct State {
    /// Requests per key and target.
    counts: Mutex<HashMap<String, BTreeMap<String, u64>>>,
    /// Where a cross-origin redirect points: the same server under another loopback address.
    other_origin: Mutex<String>,
}

impl FaultServer {
    /// Listen on an ephemeral port of 127.0.0.1 (and the same port of 127.0.0.2 when the system
    /// allows it, as "another origin" for redirects).
    pub async fn start() -> std::io::Result<FaultServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let mut tasks = vec![tokio::spawn(serve(listener, state.clone()))];
        let other = match TcpListener::bind(("127.0.0.2", addr.port())).await {
            Ok(l) => {
                tasks.push(tokio::spawn(serve(l, state.clone())));
                format!("http://127.0.0.2:{}", addr.port())
            }
            // Another loopback port is still another origin.
            Err(_) => {
                let l = TcpListener::bind("127.0.0.1:0").await?;
                let port = l.local_addr()?.port();
                tasks.push(tokio::spawn(serve(l, state.clone())));
                format!("http://127.0.0.1:{port}")
            }
        };
        *state.other_origin.lock().unwrap() = other;
        Ok(FaultServer { addr, state, tasks })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The base URL a client uses for one test and one scenario.
    pub fn base_url(&self, key: &str, scenario: &str) -> String {
        format!("http://{}/f/{key}/{scenario}", self.addr)
    }

    /// Requests per target for `key`.
    pub fn stats(&self, key: &str) -> BTreeMap<String, u64> {
        self.state
            .counts
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            // A client that hangs up early is part of the game: errors end the connection only.
            let _ = handle(stream, state).await;
        });
    }
}

struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
}

/// Read one request (headers and a `Content-Length` body); `None` on a malformed one.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return Ok(None);
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target)) = (first.next(), first.next()) else {
        return Ok(None);
    };
    let mut length = 0usize;
    for line in lines {
        if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    // Drain the body so the client never sees a reset while it is still sending.
    let mut have = buf.len() - head_end - 4;
    while have < length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let parsed = url::Url::parse(&format!("http://x{target}")).ok();
    let Some(u) = parsed else { return Ok(None) };
    Ok(Some(Request {
        method: method.to_owned(),
        path: u.path().to_owned(),
        query: u.query_pairs().into_owned().collect(),
    }))
}

/// The answer to write, before a fault bends it.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, v: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(v).expect("a JSON value serialises"),
        }
    }

    fn error(status: u16, code: &str, message: &str) -> Answer {
        Answer::json(
            status,
            &json!({"errorCode": code, "message": message, "timestamp": 1_700_000_000_000_i64}),
        )
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Other",
    }
}

fn head(a: &Answer, length: Option<usize>) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", a.status, reason(a.status));
    for (k, v) in &a.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = length {
        out.push_str(&format!("Content-Length: {n}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

async fn write(stream: &mut TcpStream, a: &Answer) -> std::io::Result<()> {
    stream.write_all(&head(a, Some(a.body.len()))).await?;
    stream.write_all(&a.body).await?;
    stream.flush().await
}

fn jwt() -> String {
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    // exp 2100-01-01: the token never needs a refresh unless the server refuses it.
    format!(
        "{}.{}.sig",
        b(r#"{"alg":"none"}"#),
        b(r#"{"exp":4102444800}"#)
    )
}

fn image(i: usize) -> Value {
    json!({
        "sha": sha(i),
        "uuid": format!("00000000-0000-4000-8000-{i:012}"),
        "created": (1_700_000_000_000_u64 + i as u64).to_string(),
        "unknownField": {"kept": true},
    })
}

/// What the request asks for: its target name and the normal answer.
fn route(req: &Request, rest: &str) -> (String, Answer) {
    let q = |name: &str| {
        req.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let num = |name: &str, default: usize| {
        q(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    match (req.method.as_str(), rest) {
        ("POST", "/auth") => (
            "auth".into(),
            Answer {
                status: 201,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: jwt().into_bytes(),
            },
        ),
        ("GET", "/csapi/v1.3/images") => {
            let n = num("pageNumber", 1).max(1);
            let size = num("pageSize", 50).max(1);
            let items: Vec<Value> = ((n - 1) * size..(n * size).min(ITEMS)).map(image).collect();
            (
                format!("page:{n}"),
                Answer::json(200, &json!({"data": items, "count": ITEMS, "groups": {}})),
            )
        }
        ("GET", "/csapi/v1.3/images/list") => {
            let limit = num("limit", 50).max(1);
            let start = q("paginationQuery")
                .and_then(|c| c.strip_prefix("after:").and_then(|s| s.parse().ok()))
                .unwrap_or(0usize);
            let end = (start + limit).min(ITEMS);
            let items: Vec<Value> = (start..end).map(image).collect();
            let mut a = Answer::json(200, &json!({"limit": limit, "data": items}));
            if end < ITEMS {
                // Like the real API: the link names another host; only its cursor counts.
                a.headers.push((
                    "link".into(),
                    format!(
                        "<http://qualysapi.qualys.com/csapi/v1.3/images/list?limit={limit}&paginationQuery=after%3A{end}>;rel=next"
                    ),
                ));
            }
            (format!("cursor:{}", start / limit + 1), a)
        }
        ("GET", p) if p.starts_with("/csapi/v1.3/images/") => {
            let s = &p["/csapi/v1.3/images/".len()..];
            let body = json!({"sha": s, "uuid": "00000000-0000-4000-8000-000000000000", "unknownField": [1, 2]});
            (format!("get:{s}"), Answer::json(200, &body))
        }
        _ => (
            format!("other:{} {rest}", req.method),
            Answer::error(404, "CMS-404", "no such endpoint on the fault server"),
        ),
    }
}

/// Whether `target` is one the fault hits.
fn is_target(target: &str) -> bool {
    let page = FAULT_PAGE.to_string();
    target.starts_with("get:")
        || target.strip_prefix("page:") == Some(page.as_str())
        || target.strip_prefix("cursor:") == Some(page.as_str())
}

/// `<fault>` or `<fault>x<n>`: the fault and how many requests per target it hits (`None`: all).
fn parse_scenario(s: &str) -> (&str, Option<u64>) {
    if let Some((f, n)) = s.rsplit_once('x')
        && let Ok(n) = n.parse()
    {
        return (f, Some(n));
    }
    (s, None)
}

async fn handle(mut stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream).await? else {
        return Ok(());
    };
    if let Some(key) = req.path.strip_prefix("/_stats/") {
        let counts = state
            .counts
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default();
        return write(&mut stream, &Answer::json(200, &json!(counts))).await;
    }
    let mut parts = req.path.splitn(5, '/').skip(1);
    let (Some("f"), Some(key), Some(scenario)) = (parts.next(), parts.next(), parts.next()) else {
        return write(
            &mut stream,
            &Answer::error(404, "CMS-404", "not a fault URL"),
        )
        .await;
    };
    let (key, scenario) = (key.to_owned(), scenario.to_owned());
    let rest = format!("/{}", parts.next().unwrap_or(""));
    let (target, normal) = route(&req, &rest);
    let nth = {
        let mut counts = state.counts.lock().unwrap();
        let c = counts
            .entry(key.clone())
            .or_default()
            .entry(target.clone())
            .or_default();
        *c += 1;
        *c
    };
    let (fault, times) = parse_scenario(&scenario);
    let hit = times.is_none_or(|t| nth <= t);
    // `/auth` is never a target: a refresh succeeds, and the API call is what refuses the token.
    if !hit || !is_target(&target) {
        return write(&mut stream, &normal).await;
    }
    let other = state.other_origin.lock().unwrap().clone();
    misbehave(&mut stream, fault, normal, &req, &key, &scenario, &other).await
}

async fn misbehave(
    stream: &mut TcpStream,
    fault: &str,
    normal: Answer,
    req: &Request,
    key: &str,
    scenario: &str,
    other_origin: &str,
) -> std::io::Result<()> {
    match fault {
        "ok" => write(stream, &normal).await,
        // `s503`, `s500`, `s404`...: that status with a Qualys error body.
        f if f.starts_with('s') && f[1..].parse::<u16>().is_ok() => {
            let status = f[1..].parse().unwrap();
            write(stream, &Answer::error(status, "CMS-5000", "injected fault")).await
        }
        // The connection closes with no answer at all.
        "reset" => Ok(()),
        // The headers promise the whole body; half of it arrives, then the connection closes.
        "drop" => {
            stream
                .write_all(&head(&normal, Some(normal.body.len())))
                .await?;
            stream
                .write_all(&normal.body[..normal.body.len() / 2])
                .await?;
            stream.flush().await
        }
        // A complete HTTP answer whose JSON stops half way.
        "truncated" => {
            let mut a = normal;
            a.body.truncate(a.body.len() / 2);
            write(stream, &a).await
        }
        "malformed" => {
            let mut a = normal;
            a.body = b"{\"data\": [1, 2,, ], \"count\": }".to_vec();
            write(stream, &a).await
        }
        // A proxy's error page with a 200.
        "html" => {
            let a = Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: b"<html><body>Service temporarily unavailable</body></html>".to_vec(),
            };
            write(stream, &a).await
        }
        // The headers come at once, the body one byte at a time, for far longer than a timeout.
        "slow" => {
            stream
                .write_all(&head(&normal, Some(normal.body.len())))
                .await?;
            let step = STALL / normal.body.len().max(1) as u32;
            for b in &normal.body {
                stream.write_all(&[*b]).await?;
                stream.flush().await?;
                tokio::time::sleep(step).await;
            }
            Ok(())
        }
        // Nothing for far longer than a timeout, then the answer.
        "latency" => {
            tokio::time::sleep(STALL).await;
            write(stream, &normal).await
        }
        // 429s: with the Qualys wait header, with Retry-After, with neither, with a wait far past
        // what the client sleeps through.
        "r429wait" | "r429wait1" | "r429after" | "r429bare" | "r429long" | "r429huge" => {
            let mut a = Answer::error(429, "CMS-2000", "rate limit exceeded");
            match fault {
                "r429wait" => a
                    .headers
                    .push(("X-RateLimit-ToWait-Sec".into(), "0".into())),
                "r429wait1" => a
                    .headers
                    .push(("X-RateLimit-ToWait-Sec".into(), "1".into())),
                "r429after" => a.headers.push(("Retry-After".into(), "0".into())),
                "r429long" => a
                    .headers
                    .push(("X-RateLimit-ToWait-Sec".into(), "3600".into())),
                "r429huge" => a.headers.push((
                    "X-RateLimit-ToWait-Sec".into(),
                    "18446744073709551615".into(),
                )),
                _ => {}
            }
            write(stream, &a).await
        }
        // The token is refused (after a refresh too, when not bounded by `x<n>`).
        "u401" => write(stream, &Answer::error(401, "CMS-401", "token expired")).await,
        // Hostile headers on an otherwise normal answer.
        "hugewait" => {
            let mut a = normal;
            a.headers.push((
                "X-RateLimit-ToWait-Sec".into(),
                "18446744073709551615".into(),
            ));
            write(stream, &a).await
        }
        "hugelimit" => {
            let mut a = normal;
            a.headers.extend([
                ("X-RateLimit-Limit".into(), "40000000".into()),
                ("X-RateLimit-Remaining".into(), "0".into()),
                // A short window: the calls after this one wait for it, not for a minute.
                ("X-RateLimit-Window-Sec".into(), "1".into()),
            ]);
            write(stream, &a).await
        }
        "hugeheader" => {
            let mut a = normal;
            a.headers.push(("X-Junk".into(), "a".repeat(256 * 1024)));
            write(stream, &a).await
        }
        // Endless paging: the cursor list's page links back to the page before it, the
        // page-numbered list's page repeats the page before it.
        "cycle" | "repeat" => {
            let mut a = normal;
            let back = (FAULT_PAGE - 2) * PAGE_SIZE;
            if fault == "cycle" {
                a.headers.retain(|(k, _)| k != "link");
                a.headers.push((
                    "link".into(),
                    format!(
                        "<http://qualysapi.qualys.com/csapi/v1.3/images/list?limit={PAGE_SIZE}&paginationQuery=after%3A{back}>;rel=next"
                    ),
                ));
            } else {
                let items: Vec<Value> = (back..back + PAGE_SIZE).map(image).collect();
                a.body = serde_json::to_vec(&json!({"data": items, "count": ITEMS, "groups": {}}))
                    .expect("a page serialises");
            }
            write(stream, &a).await
        }
        // A body with no declared length that never ends.
        "endless" => {
            let mut a = normal;
            a.headers.retain(|(k, _)| k != "Content-Type");
            a.headers
                .push(("Content-Type".into(), "application/json".into()));
            stream.write_all(&head(&a, None)).await?;
            stream.write_all(b"{\"data\": [\"").await?;
            let chunk = vec![b'a'; 64 * 1024];
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        // Redirects: to the same path on another origin, or on this one (once, under `ok`).
        "redirect" | "redirect_same" => {
            let base = if fault == "redirect" {
                other_origin.to_owned()
            } else {
                String::new()
            };
            let rest = req
                .path
                .split_once(&format!("/f/{key}/{scenario}"))
                .map_or("", |(_, r)| r);
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&req.query)
                .finish();
            let location = format!(
                "{base}/f/{key}/ok{rest}{}",
                if query.is_empty() {
                    String::new()
                } else {
                    format!("?{query}")
                }
            );
            let a = Answer {
                status: 307,
                headers: vec![("Location".into(), location)],
                body: Vec::new(),
            };
            write(stream, &a).await
        }
        other => {
            write(
                stream,
                &Answer::error(400, "CMS-400", &format!("unknown fault {other:?}")),
            )
            .await
        }
    }
}
