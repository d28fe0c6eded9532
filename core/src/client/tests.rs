//! The retry, token-refresh and rate-limit rules driven through a scripted transport: every
//! request is recorded and answered from a queue, so no server is involved and time is tokio's
//! paused clock.

use super::*;
use crate::error::ErrorKind;
use futures::future::BoxFuture;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::time::Instant;

/// One scripted answer.
enum Answer {
    Status(u16, &'static [(&'static str, &'static str)], &'static str),
    Connect,
    Broken,
    Timeout,
}

fn ok() -> Answer {
    Answer::Status(200, &[("content-type", "application/json")], "{}")
}

/// What the client sent.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    at: Instant,
}

#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Seen>>,
}

impl Scripted {
    fn new(answers: impl IntoIterator<Item = Answer>) -> Arc<Self> {
        Arc::new(Scripted {
            answers: Mutex::new(answers.into_iter().collect()),
            seen: Mutex::default(),
        })
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    fn paths(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }
    fn left(&self) -> usize {
        self.answers.lock().unwrap().len()
    }
}

#[derive(Debug)]
struct Refused;
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scripted failure")
    }
}
impl std::error::Error for Refused {}

impl Transport for Scripted {
    fn send(
        &self,
        req: reqwest::Request,
    ) -> BoxFuture<'static, std::result::Result<reqwest::Response, TransportError>> {
        self.seen.lock().unwrap().push(Seen {
            method: req.method().to_string(),
            path: req.url().path().to_owned(),
            authorization: req
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned()),
            at: Instant::now(),
        });
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| panic!("unscripted request: {} {}", req.method(), req.url()));
        let result = match answer {
            Answer::Status(status, headers, body) => {
                let mut b = http::Response::builder().status(status);
                for (k, v) in headers {
                    b = b.header(*k, *v);
                }
                Ok(reqwest::Response::from(b.body(body).unwrap()))
            }
            Answer::Connect => Err(TransportError::connect(Refused)),
            Answer::Broken => Err(TransportError::other(Refused)),
            Answer::Timeout => Err(TransportError::timeout(Refused)),
        };
        Box::pin(async move { result })
    }
}

fn client(t: &Arc<Scripted>, b: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    b(Client::builder()
        .base_url("https://csapi.test")
        .token("tok0")
        .transport(t.clone()))
    .build()
    .unwrap()
}

async fn get(c: &Client) -> Result<(Output, ResponseMeta)> {
    c.request("GET", "/csapi/v1.3/images/abc", &[], None, None)
        .await
}

async fn post(c: &Client) -> Result<(Output, ResponseMeta)> {
    c.request(
        "POST",
        "/csapi/v1.3/tags",
        &[],
        Some(&json!({"name": "t"})),
        None,
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn five_hundreds_and_connection_errors_are_retried_up_to_max_retries() {
    let t = Scripted::new([Answer::Status(503, &[], ""), Answer::Connect, ok()]);
    let c = client(&t, |b| b.max_retries(2));
    let (_, meta) = get(&c).await.unwrap();
    assert_eq!(meta.attempts, 3);
    assert_eq!(t.seen().len(), 3);

    let t = Scripted::new([
        Answer::Status(502, &[], ""),
        Answer::Broken,
        Answer::Status(500, &[], "{\"errorCode\": \"X-1\", \"message\": \"down\"}"),
    ]);
    let c = client(&t, |b| b.max_retries(2));
    let err = get(&c).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "the last attempt's error: {err}");
    assert_eq!(err.api().unwrap().error_code.as_deref(), Some("X-1"));
    assert_eq!(t.seen().len(), 3, "1 attempt + 2 retries");

    let t = Scripted::new([Answer::Connect]);
    let c = client(&t, |b| b.max_retries(0));
    assert!(matches!(
        get(&c).await.unwrap_err(),
        Error::Connection { .. }
    ));
    let t = Scripted::new([Answer::Timeout]);
    let c = client(&t, |b| b.max_retries(0).timeout(Duration::from_secs(7)));
    match get(&c).await.unwrap_err() {
        Error::Timeout { timeout, .. } => assert_eq!(timeout, Duration::from_secs(7)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn retries_back_off_between_attempts() {
    let t = Scripted::new([
        Answer::Status(503, &[], ""),
        Answer::Status(503, &[], ""),
        ok(),
    ]);
    let c = client(&t, |b| {
        b.max_retries(2)
            .backoff(Duration::from_secs(2), Duration::from_secs(60))
    });
    get(&c).await.unwrap();
    let s = t.seen();
    let first = s[1].at - s[0].at;
    let second = s[2].at - s[1].at;
    // Equal jitter: between half and all of 2 s, then of 4 s.
    assert!(
        first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
        "{first:?}"
    );
    assert!(
        second >= Duration::from_secs(2) && second <= Duration::from_secs(4),
        "{second:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_write_is_not_sent_twice_unless_nothing_reached_the_server() {
    // 5xx and a connection broken mid-request: the server may have acted, no retry.
    for answer in [Answer::Status(503, &[], ""), Answer::Broken] {
        let t = Scripted::new([answer]);
        let c = client(&t, |b| b.max_retries(3));
        assert!(post(&c).await.is_err());
        assert_eq!(t.paths(), ["POST /csapi/v1.3/tags"]);
    }
    // A connection that never opened, or a 429 (refused before doing anything): retried.
    let t = Scripted::new([
        Answer::Connect,
        Answer::Status(429, &[("x-ratelimit-towait-sec", "1")], ""),
        ok(),
    ]);
    let c = client(&t, |b| b.max_retries(3));
    let (_, meta) = post(&c).await.unwrap();
    assert_eq!(meta.attempts, 3);
    // 4xx is never retried, whatever the method.
    let t = Scripted::new([Answer::Status(404, &[], "")]);
    let c = client(&t, |b| b.max_retries(3));
    assert_eq!(get(&c).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(t.left(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_the_token_once() {
    let t = Scripted::new([
        Answer::Status(201, &[], "jwt-1"),
        Answer::Status(401, &[], ""),
        Answer::Status(201, &[], "jwt-2"),
        ok(),
    ]);
    let c = Client::builder()
        .base_url("https://csapi.test")
        .credentials("u", "p")
        .max_retries(0) // the refresh is not a retry
        .transport(t.clone())
        .build()
        .unwrap();
    let (_, meta) = get(&c).await.unwrap();
    assert_eq!(meta.attempts, 1);
    let s = t.seen();
    assert_eq!(
        t.paths(),
        [
            "POST /auth",
            "GET /csapi/v1.3/images/abc",
            "POST /auth",
            "GET /csapi/v1.3/images/abc"
        ]
    );
    assert_eq!(s[1].authorization.as_deref(), Some("Bearer jwt-1"));
    assert_eq!(s[3].authorization.as_deref(), Some("Bearer jwt-2"));

    // The new token is refused too: the 401 surfaces, typed, after one refresh.
    let t = Scripted::new([
        Answer::Status(201, &[], "jwt-1"),
        Answer::Status(401, &[], "{\"message\": \"expired\"}"),
        Answer::Status(201, &[], "jwt-2"),
        Answer::Status(401, &[], "{\"message\": \"revoked\"}"),
    ]);
    let c = Client::builder()
        .base_url("https://csapi.test")
        .credentials("u", "p")
        .max_retries(3)
        .transport(t.clone())
        .build()
        .unwrap();
    let err = get(&c).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.api().unwrap().message, "revoked");
    assert_eq!(t.left(), 0);
    assert_eq!(t.seen().len(), 4);

    // A fixed token cannot be refreshed: its 401 is final.
    let t = Scripted::new([Answer::Status(401, &[], "")]);
    let c = client(&t, |b| b.max_retries(3));
    assert_eq!(get(&c).await.unwrap_err().status(), Some(401));
    assert_eq!(t.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn many_429s_from_a_budget_others_spend_do_not_use_up_the_retries() {
    // Other processes of the subscription took the budget: more 429s than max_retries, each
    // waited out as asked, then the call goes through.
    const BUSY: &[(&str, &str)] = &[("x-ratelimit-towait-sec", "2")];
    let t = Scripted::new([
        Answer::Status(429, BUSY, ""),
        Answer::Status(429, BUSY, ""),
        Answer::Status(429, BUSY, ""),
        Answer::Broken, // a retry of another kind still counts: the one of max_retries(1)
        ok(),
    ]);
    let c = client(&t, |b| b.max_retries(1));
    let (_, meta) = get(&c).await.unwrap();
    assert_eq!((meta.attempts, t.left()), (5, 0));

    // They stop once the waits would add up to more than max_retry_wait.
    let t = Scripted::new((0..4).map(|_| Answer::Status(429, BUSY, "")));
    let c = client(&t, |b| {
        b.max_retries(1).max_retry_wait(Duration::from_secs(7))
    });
    let start = Instant::now();
    assert_eq!(get(&c).await.unwrap_err().status(), Some(429));
    assert_eq!((t.seen().len(), start.elapsed().as_secs()), (4, 6));
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_as_long_as_the_server_asks_then_succeeds() {
    let t = Scripted::new([
        // Only the wait: with `Limit`/`Remaining: 0` too, the limiter would (rightly) also hold
        // the rest of the learnt window.
        Answer::Status(429, &[("x-ratelimit-towait-sec", "7")], ""),
        ok(),
    ]);
    let c = client(&t, |b| b.max_retries(1));
    let start = Instant::now();
    let (_, meta) = get(&c).await.unwrap();
    assert_eq!(meta.attempts, 2);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "{waited:?}"
    );

    // Without the limiter the client sleeps the wait itself.
    let t = Scripted::new([Answer::Status(429, &[("retry-after", "3")], ""), ok()]);
    let c = client(&t, |b| b.max_retries(1).rate_limit(false));
    let start = Instant::now();
    get(&c).await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(3));

    // A wait longer than max_retry_wait is not slept through.
    let t = Scripted::new([Answer::Status(
        429,
        &[("x-ratelimit-towait-sec", "600")],
        "",
    )]);
    let c = client(&t, |b| {
        b.max_retries(3).max_retry_wait(Duration::from_secs(60))
    });
    let start = Instant::now();
    let err = get(&c).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(
        err.api().unwrap().retry_after,
        Some(Duration::from_secs(600))
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_headers_feed_the_limiter() {
    const H1: &[(&str, &str)] = &[
        ("x-ratelimit-limit", "2"),
        ("x-ratelimit-window-sec", "60"),
        ("x-ratelimit-remaining", "1"),
    ];
    const H0: &[(&str, &str)] = &[
        ("x-ratelimit-limit", "2"),
        ("x-ratelimit-window-sec", "60"),
        ("x-ratelimit-remaining", "0"),
    ];
    let t = Scripted::new([
        Answer::Status(200, H1, "{}"),
        Answer::Status(200, H0, "{}"),
        Answer::Status(200, H1, "{}"),
    ]);
    let c = client(&t, |b| b);
    let start = Instant::now();
    get(&c).await.unwrap();
    get(&c).await.unwrap();
    assert!(start.elapsed() < Duration::from_secs(1));
    // The learnt limit (2 per 60 s) is full: the third call waits for the window, not for a 429.
    get(&c).await.unwrap();
    let s = t.seen();
    assert!(
        s[2].at - s[0].at >= Duration::from_secs(60),
        "sent after {:?}",
        s[2].at - s[0].at
    );
    // Another family is not held by this one's limit.
    let t2 = Scripted::new([ok()]);
    let c2 = client(&t2, |b| b);
    c2.request("GET", "/csapi/v1.3/registry", &[], None, None)
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn rate_families_come_from_the_endpoint_table() {
    const FULL: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("x-ratelimit-limit", "1"),
        ("x-ratelimit-window-sec", "60"),
        ("x-ratelimit-remaining", "0"),
    ];
    let t = Scripted::new([
        Answer::Status(200, FULL, "{}"), // a raw GET of an image: the images family is full
        Answer::Status(200, FULL, "{}"), // the bulk list: a family of its own
        Answer::Status(200, FULL, "{}"), // tags: not limited, whatever the headers say
        Answer::Status(200, FULL, "{}"),
        ok(), // images.get: the images family, so it waits for the window
    ]);
    let c = client(&t, |b| b);
    let start = Instant::now();
    get(&c).await.unwrap();
    c.request("GET", "/csapi/v1.3/images/list", &[], None, None)
        .await
        .unwrap();
    for _ in 0..2 {
        c.call("S04", Args::new().set("tag_name", "t"))
            .await
            .unwrap();
    }
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    c.images().get("abc").await.unwrap();
    let s = t.seen();
    assert_eq!(s[4].path, "/csapi/v1.3/images/abc");
    assert!(
        s[4].at - s[0].at >= Duration::from_secs(60),
        "{:?}",
        s[4].at - s[0].at
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_body_that_cannot_decode_is_a_decode_error_like_any_other() {
    // A body of whitespace only is "empty"; its error still shows what the server sent.
    let t = Scripted::new([Answer::Status(
        200,
        &[("content-type", "application/json")],
        " \r\n",
    )]);
    let c = client(&t, |b| b);
    let ep = crate::table::lookup("S19").unwrap();
    let e = c
        .call_json::<std::collections::HashMap<String, Value>>(
            ep,
            Args::new().set("sha", "abc"),
            None,
        )
        .await
        .unwrap_err();
    match &e {
        Error::Decode {
            path,
            message,
            excerpt,
            ..
        } => {
            assert_eq!(path, "/csapi/v1.3/images/abc");
            assert!(message.starts_with("empty body: "), "{message}");
            assert_eq!(excerpt, " \r\n");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_unusable_page_size_is_refused_before_anything_is_sent() {
    let t = Scripted::new([ok()]);
    // Validation off lets a negative size through the range check; paging must not make it 50.
    let c = client(&t, |b| b.validate(false));
    let e = c
        .paginate::<Value>("S17", Args::new().set("pageSize", -5))
        .err()
        .expect("a negative page size is refused");
    match &e {
        Error::Validation { field, .. } => assert_eq!(field, "pageSize", "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(t.seen().is_empty(), "{:?}", t.paths());
}
