//! Hostile servers and hostile input: each test runs a small HTTP server of its own that answers
//! the way a broken or malicious server would (an endless body, a redirect elsewhere, echoed
//! credentials, pages that never end), and asserts the client's typed error. Every call is
//! bounded by a timeout, so a regression fails instead of hanging.

use futures::StreamExt;
use qualys_cs::{Args, Client, ClientBuilder, Error, ErrorKind};
use serde_json::{Value, json};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
struct Seen {
    #[allow(dead_code)]
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What the server sends back.
enum Reply {
    /// Status, headers and a complete body (`Content-Length` added).
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Status line and headers as given, then the same chunk forever (until the client leaves).
    Endless(u16, Vec<(String, String)>),
}

fn json_reply(status: u16, headers: &[(&str, &str)], body: Value) -> Reply {
    let mut h: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    h.push(("Content-Type".into(), "application/json".into()));
    Reply::Full(status, h, body.to_string().into_bytes())
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

/// A server on a loopback port: every request is recorded and answered by `handler`.
struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, handler, log).await;
                });
            }
        });
        Hostile { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self) -> ClientBuilder {
        Client::builder()
            .base_url(&self.url)
            .credentials("user", "s3cr3t-pass")
            .auth_mode(qualys_cs::AuthMode::Basic)
            .max_retries(1)
            .backoff(Duration::from_millis(1), Duration::from_millis(5))
            .timeout(Duration::from_secs(20))
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Handler,
    log: Arc<Mutex<Vec<Seen>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        // Headers.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_owned();
        let target = first.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        buf.drain(..head_end + 4);
        while buf.len() < len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body: Vec<u8> = buf.drain(..len).collect();
        let req = Seen {
            method,
            target,
            headers,
            body,
        };
        log.lock().unwrap().push(req.clone());
        match handler(&req) {
            Reply::Full(status, headers, body) => {
                let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Reply::Endless(status, headers) => {
                let mut out = format!("HTTP/1.1 {status} X\r\n");
                for (k, v) in headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                stream.write_all(out.as_bytes()).await?;
                let chunk = vec![b' '; 64 * 1024];
                loop {
                    stream.write_all(&chunk).await?;
                }
            }
        }
    }
}

/// Fails the test instead of hanging it.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the call ends within its bound")
}

fn args(v: Value) -> Args {
    Args(v.as_object().cloned().unwrap())
}

async fn get(c: &Client, path: &str) -> qualys_cs::Result<Value> {
    c.request("GET", path, &[], None, None)
        .await
        .map(|(o, _)| match o {
            qualys_cs::Output::Json(v) => v,
            other => json!(format!("{other:?}")),
        })
}

#[tokio::test]
async fn an_endless_body_stops_at_max_response_bytes_and_is_not_retried() {
    // No framing: the body runs until the connection closes, which it never does.
    let s = Hostile::start(|_| {
        Reply::Endless(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("connection".into(), "close".into()),
            ],
        )
    })
    .await;
    let c = s.client().max_response_bytes(1 << 20).build().unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err}");
    assert_eq!(err.kind().code(), "E_RESPONSE_TOO_LARGE");
    assert!(err.to_string().contains("1048576"), "{err}");
    assert_eq!(s.seen().len(), 1, "not retried");
}

#[tokio::test]
async fn a_declared_two_gib_body_is_refused_before_reading() {
    let s = Hostile::start(|_| {
        Reply::Endless(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("content-length".into(), "2147483648".into()),
            ],
        )
    })
    .await;
    let c = s.client().build().unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit, .. } if limit == qualys_cs::client::DEFAULT_MAX_RESPONSE_BYTES),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_huge_wait_header_neither_panics_nor_sleeps_past_max_retry_wait() {
    let s = Hostile::start(|_| {
        json_reply(
            429,
            &[
                ("X-RateLimit-Limit", "40000000"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Window-Sec", "18446744073709551615"),
                ("X-RateLimit-ToWait-Sec", "18446744073709551615"),
            ],
            json!({"errorCode": "429", "message": "slow down"}),
        )
    })
    .await;
    let c = s
        .client()
        .max_retry_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images/list"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(
        err.api().unwrap().retry_after,
        Some(Duration::from_secs(qualys_cs::ratelimit::MAX_WAIT_SECS))
    );
    assert_eq!(
        s.seen().len(),
        1,
        "a wait past max_retry_wait is not slept through"
    );
}

fn redirecting(location: String, status: u16) -> impl Fn(&Seen) -> Reply {
    move |req: &Seen| {
        if req.target.starts_with("/moved") || req.target.starts_with("/auth2") {
            json_reply(200, &[], json!({"ok": true}))
        } else {
            Reply::Full(
                status,
                vec![("Location".into(), location.clone())],
                Vec::new(),
            )
        }
    }
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_and_carry_nothing_there() {
    let other = Hostile::start(|_| json_reply(200, &[], json!({"stolen": true}))).await;
    for status in [302, 307] {
        let s = Hostile::start(redirecting(
            format!("{}/moved?token=abc", other.url),
            status,
        ))
        .await;
        let c = s.client().max_retries(0).build().unwrap();
        // A write with a body.
        let err = bounded(c.request(
            "POST",
            "/csapi/v1.3/registry",
            &[],
            Some(&json!({"password": "registry-pass"})),
            None,
        ))
        .await
        .unwrap_err();
        let api = err.api().expect("the 3xx is the answer");
        assert_eq!(api.status, status);
        assert!(
            api.message.contains(&format!("{}/moved", other.url)),
            "{}",
            api.message
        );
        assert!(!api.message.contains("token=abc"), "{}", api.message);
        // A read.
        let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
    }
    assert!(other.seen().is_empty(), "nothing reached the other origin");
}

#[tokio::test]
async fn the_auth_form_is_never_redirected_to_another_origin() {
    let other = Hostile::start(|_| Reply::Full(201, vec![], b"jwt".to_vec())).await;
    let s = Hostile::start(redirecting(format!("{}/auth", other.url), 307)).await;
    let c = Client::builder()
        .base_url(&s.url)
        .credentials("user", "s3cr3t-pass")
        .max_retries(0)
        .build()
        .unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    assert!(other.seen().is_empty(), "the form went nowhere else");
}

#[tokio::test]
async fn same_origin_redirects_are_followed() {
    let s = Hostile::start(redirecting("/moved".to_owned(), 307)).await;
    let c = s.client().build().unwrap();
    let v = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    let moved = s.seen().into_iter().find(|r| r.target == "/moved").unwrap();
    assert_eq!(moved.header("authorization").len(), 1);
}

#[test]
fn plain_http_needs_loopback_or_an_explicit_opt_in() {
    let build = |url: &str, insecure: bool| {
        Client::builder()
            .base_url(url)
            .credentials("u", "p")
            .allow_insecure_http(insecure)
            .build()
    };
    match build("http://qualysapi.qualys.com", false) {
        Err(Error::Validation { field, rule, .. }) => {
            assert_eq!((field.as_str(), rule.as_str()), ("base_url", "https"));
        }
        other => panic!("{other:?}"),
    }
    assert!(build("http://qualysapi.qualys.com", true).is_ok());
    assert!(build("https://qualysapi.qualys.com", false).is_ok());
    for local in [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://[::1]:80",
        "http://localhost:3000",
    ] {
        assert!(build(local, false).is_ok(), "{local}");
    }
    let auth = Client::builder()
        .base_url("https://qualysapi.qualys.com")
        .auth_url("http://gateway.qualys.com")
        .credentials("u", "p")
        .build();
    assert!(matches!(auth, Err(Error::Validation { field, .. }) if field == "auth_url"));
}

#[tokio::test]
async fn echoed_credentials_are_scrubbed_from_error_messages() {
    let s = Hostile::start(|req| {
        let auth = req.header("authorization").join(",");
        let body = String::from_utf8_lossy(&req.body).into_owned();
        json_reply(
            400,
            &[],
            json!({"errorCode": auth.clone(), "message": format!("you sent {auth} and {body}")}),
        )
    })
    .await;
    let c = s.client().build().unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("s3cr3t-pass"), "{text}");
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("user:s3cr3t-pass")
    };
    assert!(!text.contains(&basic), "{text}");
    assert!(text.contains("[REDACTED]"), "{text}");

    // The JWT form echoed back by /auth: the password is scrubbed there too.
    let s = Hostile::start(|req| {
        let body = String::from_utf8_lossy(&req.body).into_owned();
        json_reply(401, &[], json!({"message": format!("bad form {body}")}))
    })
    .await;
    let c = Client::builder()
        .base_url(&s.url)
        .credentials("user", "p@ss word!")
        .max_retries(0)
        .build()
        .unwrap();
    let err = bounded(get(&c, "/csapi/v1.3/images")).await.unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("p%40ss+word%21") && !text.contains("p@ss word!"),
        "{text}"
    );
}

#[tokio::test]
async fn echoed_credentials_are_scrubbed_from_a_body_that_does_not_decode() {
    // A 200 whose body is not JSON, quoting the request's Authorization header: the excerpt in the
    // DecodeError is server text too.
    let s = Hostile::start(|req| {
        let auth = req.header("authorization").join(",");
        Reply::Full(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            format!("{{\"data\": [oops {auth}").into_bytes(),
        )
    })
    .await;
    let c = s.client().build().unwrap();
    let err = bounded(c.images().get("abc")).await.unwrap_err();
    assert!(matches!(err, qualys_cs::Error::Decode { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("user:s3cr3t-pass")
    };
    assert!(
        !text.contains(&basic) && !text.contains("s3cr3t-pass"),
        "{text}"
    );
    assert!(text.contains("[REDACTED]"), "{text}");
}

/// A cursor list whose links cycle A, B, A, B...
#[tokio::test]
async fn a_cursor_cycle_is_a_pagination_error() {
    let s = Hostile::start(|req| {
        let next = if req.target.contains("paginationQuery=A") {
            "B"
        } else {
            "A"
        };
        let link = format!("<http://x/csapi/v1.3/images/list?paginationQuery={next}>;rel=next");
        let item = format!("{{\"sha\":\"{}\"}}", req.target.len());
        Reply::Full(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("link".into(), link),
            ],
            format!("{{\"data\":[{item}],\"target\":{:?}}}", req.target).into_bytes(),
        )
    })
    .await;
    let c = s.client().build().unwrap();
    let pager = c
        .paginate::<Value>("P05", Args::new())
        .expect("valid arguments");
    let results: Vec<_> = bounded(pager.pages().collect::<Vec<_>>()).await;
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err}");
    assert_eq!(err.kind().code(), "E_PAGINATION");
    assert!(s.seen().len() <= 4, "{} requests", s.seen().len());
}

/// A page-numbered list whose `count` is useless and whose server repeats its page.
#[tokio::test]
async fn a_repeated_page_with_a_bad_count_is_a_pagination_error() {
    for count in [json!(-5), json!("many")] {
        let s = Hostile::start(move |_| {
            let data: Vec<Value> = (0..5).map(|i| json!({"sha": format!("s{i}")})).collect();
            json_reply(200, &[], json!({"count": count.clone(), "data": data}))
        })
        .await;
        let c = s.client().build().unwrap();
        let pager = c
            .paginate::<Value>("S17", args(json!({"page_size": 5})))
            .expect("valid arguments")
            .pages();
        let results: Vec<_> = bounded(pager.collect::<Vec<_>>()).await;
        let err = results.last().unwrap().as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Pagination, "{err}");
        assert_eq!(results.len(), 2, "the first page, then the error");
        assert_eq!(s.seen().len(), 2);
    }
}

#[tokio::test]
async fn ids_must_be_strings_of_bounded_length_and_filters_bounded() {
    let s = Hostile::start(|_| json_reply(200, &[], json!({}))).await;
    let c = s.client().build().unwrap();
    let refused = |r: qualys_cs::Result<qualys_cs::Output>| match r {
        Err(Error::Validation { field, rule, .. }) => (field, rule),
        other => panic!("expected a validation error, got {other:?}"),
    };
    for id in [json!(123), json!(true), json!(1.5)] {
        let r = bounded(c.call("S01", args(json!({"sha": id})))).await;
        assert_eq!(refused(r), ("sha".into(), "type".into()));
    }
    let r = bounded(c.call("S01", args(json!({"sha": "a".repeat(1 << 20)})))).await;
    assert_eq!(refused(r), ("sha".into(), "max_length".into()));
    let r = bounded(c.call("S17", args(json!({"filter": "x".repeat(64 * 1024)})))).await;
    assert_eq!(refused(r), ("filter".into(), "max_length".into()));
    assert!(s.seen().is_empty(), "nothing was sent");

    // A control id is a number in the API: a non-negative integer is taken as its text.
    for id in [json!(-1), json!(1.5), json!(true)] {
        let r = bounded(c.call("P12", args(json!({"control_id": id})))).await;
        assert_eq!(refused(r), ("control_id".into(), "type".into()));
    }
    assert!(s.seen().is_empty(), "nothing was sent");
    bounded(c.call("P12", args(json!({"control_id": 19388}))))
        .await
        .unwrap();
    bounded(c.call("P12", args(json!({"control_id": "19386"}))))
        .await
        .unwrap();
    let seen = s.seen();
    let targets: Vec<&str> = seen.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        ["/csapi/v1.3/controls/19388", "/csapi/v1.3/controls/19386"]
    );
}

#[tokio::test]
async fn raw_paths_keep_under_the_base_url() {
    let s = Hostile::start(|_| json_reply(200, &[], json!({}))).await;
    let c = s.client().build().unwrap();
    for path in [
        "/csapi/../anything",
        "/csapi/./v1.3",
        "/csapi/%2e%2e/x",
        "/csapi/.%2E/x",
        "/csapi/v1.3/images\r\nX-Injected: 1",
        "/csapi/v1.3/%0d%0aX: 1",
    ] {
        match bounded(c.request("GET", path, &[], None, None)).await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "path", "{path:?}"),
            other => panic!("{path:?}: {other:?}"),
        }
    }
    assert!(s.seen().is_empty());
}

#[tokio::test]
async fn reserved_headers_cannot_be_given_as_extra_headers() {
    let s = Hostile::start(|_| json_reply(200, &[], json!({}))).await;
    let c = s.client().build().unwrap();
    for name in [
        "Authorization",
        "authorization",
        "Host",
        "Content-Length",
        "Transfer-Encoding",
    ] {
        let opts = qualys_cs::RequestOptions {
            extra_headers: vec![(name.into(), "x".into())],
            ..Default::default()
        };
        match bounded(c.request("GET", "/csapi/v1.3/images", &[], None, Some(&opts))).await {
            Err(Error::Validation {
                field,
                rule,
                message,
            }) => {
                assert_eq!(
                    (field.as_str(), rule.as_str()),
                    ("extra_headers", "reserved_header")
                );
                assert!(message.contains(name), "{message}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(s.seen().is_empty());
    // An ordinary extra header still goes, once, beside the one Authorization.
    let opts = qualys_cs::RequestOptions {
        extra_headers: vec![("X-Trace".into(), "1".into())],
        ..Default::default()
    };
    bounded(c.request("GET", "/csapi/v1.3/images", &[], None, Some(&opts)))
        .await
        .unwrap();
    let seen = s.seen();
    assert_eq!(seen[0].header("authorization").len(), 1);
    assert_eq!(seen[0].header("x-trace"), ["1"]);
}

#[tokio::test]
async fn bodies_deeper_than_the_limit_are_refused() {
    let s = Hostile::start(|_| json_reply(200, &[], json!({}))).await;
    let c = s.client().build().unwrap();
    let nest = |levels: usize| {
        let mut v = json!(1);
        for _ in 0..levels {
            v = json!({ "a": v });
        }
        v
    };
    let ok = nest(qualys_cs::MAX_JSON_DEPTH);
    bounded(c.request("POST", "/csapi/v1.3/tags", &[], Some(&ok), None))
        .await
        .unwrap();
    let deep = nest(qualys_cs::MAX_JSON_DEPTH + 1);
    match bounded(c.request("POST", "/csapi/v1.3/tags", &[], Some(&deep), None)).await {
        Err(Error::Validation { field, rule, .. }) => {
            assert_eq!((field.as_str(), rule.as_str()), ("body", "max_depth"));
        }
        other => panic!("{other:?}"),
    }
    // Below serde_json's read limit: the deepest accepted body also reads back, even wrapped in
    // an arguments object (the Node binding's path).
    let text = serde_json::to_string(&json!({ "body": ok })).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    assert_eq!(s.seen().len(), 1);
}
