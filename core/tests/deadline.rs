//! A call's deadline and its budget of waits, against servers of the tests' own: one that answers
//! 429 forever, one that never answers, one that asks for waits longer than a call may wait (on a
//! 429 and on a 200 with `X-RateLimit-Remaining: 0`), a gateway whose token requests fail. Every
//! call is bounded, so a hang fails instead of stalling the suite.

use qualys_cs::{Args, AuthMode, Client, ClientBuilder, Error, ErrorKind, RequestOptions};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An answer: status, headers, body; `None`: never answer (hold the connection open).
type Answer = Option<(u16, Vec<(&'static str, String)>, String)>;
type Handler = Arc<dyn Fn(&str, u32) -> Answer + Send + Sync>;

/// A loopback server answering each request by `handler(path, n)`, `n` counting the requests to
/// that path from 1.
struct Server {
    url: String,
    counts: Arc<Mutex<Vec<(String, u32)>>>,
}

impl Server {
    async fn start(handler: impl Fn(&str, u32) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(serve(stream, handler, log));
            }
        });
        Server { url, counts }
    }

    fn count(&self, path: &str) -> u32 {
        let counts = self.counts.lock().unwrap();
        counts
            .iter()
            .find(|(p, _)| p == path)
            .map_or(0, |(_, n)| *n)
    }
}

async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<(String, u32)>>>) {
    let mut buf = Vec::new();
    loop {
        // One request: the head, then a body of Content-Length bytes.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let path = target.split('?').next().unwrap_or("/").to_owned();
        let n = {
            let mut counts = log.lock().unwrap();
            match counts.iter_mut().find(|(p, _)| *p == path) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((path.clone(), 1));
                    1
                }
            }
        };
        let Some((status, headers, body)) = handler(&path, n) else {
            // Silent: keep the connection open, answer nothing.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        };
        let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&body);
        if stream.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}

const IMAGE: &str = "/csapi/v1.3/images/abc";
const HUGE: &str = "9223372036854775807";

fn ok() -> Answer {
    Some((
        200,
        vec![("content-type", "application/json".into())],
        json!({"sha": "abc"}).to_string(),
    ))
}

fn status(code: u16, headers: Vec<(&'static str, String)>) -> Answer {
    let mut h = headers;
    h.push(("content-type", "application/json".into()));
    Some((
        code,
        h,
        json!({"errorCode": "CMS-1", "message": "no"}).to_string(),
    ))
}

/// The headers of an answer that used up its family's window: `Remaining: 0`, and the server's
/// wait for the next call.
fn exhausted(window_secs: &str, to_wait: &str) -> [(&'static str, String); 4] {
    [
        ("X-RateLimit-Limit", "100".into()),
        ("X-RateLimit-Window-Sec", window_secs.into()),
        ("X-RateLimit-Remaining", "0".into()),
        ("X-RateLimit-ToWait-Sec", to_wait.into()),
    ]
}

fn client(server: &Server) -> ClientBuilder {
    Client::builder()
        .base_url(&server.url)
        .token("t0ken-value")
        .backoff(Duration::from_millis(200), Duration::from_secs(2))
}

async fn get(c: &Client, opts: Option<&RequestOptions>) -> qualys_cs::Result<()> {
    let args = Args(json!({"sha": "abc"}).as_object().cloned().unwrap());
    let ep = qualys_cs::table::lookup("S19").unwrap();
    c.call_with(ep, args, opts).await.map(|_| ())
}

/// A call, bounded: a hang fails the test.
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the call ended");
    (out, started.elapsed())
}

fn assert_deadline(err: &Error, deadline: Duration, took: Duration) {
    assert_eq!(err.kind(), ErrorKind::DeadlineExceeded, "{err}");
    assert!(
        took <= deadline + Duration::from_millis(500),
        "took {took:?}"
    );
    let (attempts, elapsed) = err.timing().expect("a time error says its attempts");
    assert!(attempts >= 1 && elapsed <= took, "{attempts} {elapsed:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("gave up after {attempts} attempt"))
            && text.contains(" s (deadline "),
        "{text}"
    );
}

#[tokio::test]
async fn a_429_storm_ends_at_the_deadline() {
    let server =
        Server::start(|_, _| status(429, vec![("X-RateLimit-ToWait-Sec", "0".into())])).await;
    let deadline = Duration::from_secs(2);
    let c = client(&server).deadline(deadline).build().unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_deadline(&err, deadline, took);
    assert!(server.count(IMAGE) >= 2, "retried until then");
    assert!(
        err.to_string().contains("HTTP 429"),
        "names the last error: {err}"
    );
}

#[tokio::test]
async fn a_silent_server_ends_at_the_deadline_whatever_the_timeout() {
    let server = Server::start(|_, _| None).await;
    let deadline = Duration::from_millis(1500);
    // The client's timeout alone would wait two minutes.
    let c = client(&server)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let opts = RequestOptions {
        deadline: Some(deadline),
        ..Default::default()
    };
    let (r, took) = bounded(get(&c, Some(&opts))).await;
    let err = r.unwrap_err();
    assert_deadline(&err, deadline, took);
    assert_eq!(err.timing().unwrap().0, 1);
    // With short attempts, the retries run until the deadline.
    let opts = RequestOptions {
        deadline: Some(deadline),
        timeout: Some(Duration::from_millis(300)),
        max_retries: Some(50),
        ..Default::default()
    };
    let (r, took) = bounded(get(&c, Some(&opts))).await;
    let err = r.unwrap_err();
    assert_deadline(&err, deadline, took);
    assert!(err.timing().unwrap().0 >= 2, "{err}");
    assert!(err.to_string().contains("timeout 0.3 s each"), "{err}");
}

#[tokio::test]
async fn a_timeout_names_its_attempts_and_the_time_taken() {
    let server = Server::start(|_, _| None).await;
    let c = client(&server)
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .build()
        .unwrap();
    let (r, _) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let (attempts, elapsed) = err.timing().unwrap();
    assert_eq!(attempts, 2);
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(err.to_string().contains("(2 attempts in "), "{err}");
}

#[tokio::test]
async fn zero_lifts_the_clients_deadline_for_a_call() {
    let server = Server::start(|_, n| if n < 3 { status(503, vec![]) } else { ok() }).await;
    let c = client(&server)
        .deadline(Duration::from_millis(100))
        .backoff(Duration::from_millis(150), Duration::from_millis(150))
        .build()
        .unwrap();
    let opts = RequestOptions {
        deadline: Some(Duration::ZERO),
        ..Default::default()
    };
    let (r, _) = bounded(get(&c, Some(&opts))).await;
    r.unwrap();
}

#[tokio::test]
async fn a_servers_wait_past_the_deadline_fails_at_once_with_the_rate_limit_error() {
    let server =
        Server::start(|_, _| status(429, vec![("X-RateLimit-ToWait-Sec", "5".into())])).await;
    // max_retry_wait would allow the wait; the deadline does not.
    let c = client(&server)
        .deadline(Duration::from_secs(3))
        .build()
        .unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.api().unwrap().retry_after, Some(Duration::from_secs(5)));
    assert!(took < Duration::from_millis(500), "at once: {took:?}");
    assert_eq!(server.count(IMAGE), 1);
}

/// The two ways a server asks for a wait, with a wait no call may sleep through.
async fn huge_wait_on(first: u16) {
    let server = Server::start(move |_, n| {
        let h = exhausted("60", HUGE);
        if n == 1 {
            let mut a = if first == 429 {
                status(429, vec![])
            } else {
                ok()
            }
            .unwrap();
            a.1.extend(h);
            Some(a)
        } else {
            ok()
        }
    })
    .await;
    let c = client(&server).build().unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    if first == 429 {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
        assert!(took < Duration::from_millis(500), "at once: {took:?}");
    } else {
        r.unwrap();
    }
    // The next call of the family: the server asked for a day's wait, more than max_retry_wait.
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    let wait = err.api().unwrap().retry_after.expect("retry_after");
    assert!(wait > Duration::from_secs(3600), "{wait:?}");
    assert!(took < Duration::from_millis(500), "at once, not {took:?}");
    assert!(err.to_string().contains("not sent"), "{err}");
    assert_eq!(server.count(IMAGE), 1, "nothing more was sent");
}

#[tokio::test]
async fn a_huge_wait_fails_the_next_call_at_once_after_a_200_with_nothing_remaining() {
    huge_wait_on(200).await;
}

#[tokio::test]
async fn a_huge_wait_fails_the_next_call_at_once_after_a_429() {
    huge_wait_on(429).await;
}

#[tokio::test]
async fn a_wait_that_fits_is_waited_on_the_remaining_0_path() {
    let server = Server::start(|_, n| {
        let mut a = ok().unwrap();
        if n == 1 {
            // A window of a second, so that the window frees when the wait ends.
            a.1.extend(exhausted("1", "1"));
        }
        Some(a)
    })
    .await;
    let c = client(&server).build().unwrap();
    bounded(get(&c, None)).await.0.unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    r.unwrap();
    assert!(took >= Duration::from_millis(900), "waited: {took:?}");
    // With a deadline shorter than the wait, the next call fails at once instead.
    let server = Server::start(|_, _| {
        let mut a = ok().unwrap();
        a.1.extend(exhausted("60", "5"));
        Some(a)
    })
    .await;
    let c = client(&server)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    bounded(get(&c, None)).await.0.unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(took < Duration::from_millis(500), "{took:?}");
    assert!(err.to_string().contains("left of the deadline"), "{err}");
}

fn gateway(server: &Server) -> ClientBuilder {
    Client::builder()
        .base_url(&server.url)
        .credentials("user", "pass-word")
        .backoff(Duration::from_millis(5), Duration::from_millis(10))
}

#[tokio::test]
async fn a_token_request_shares_the_calls_retries() {
    // One 503 from the gateway uses up one of the call's two retries: the API's 503s get the rest.
    let server = Server::start(|path, n| match path {
        "/auth" if n == 1 => status(503, vec![]),
        "/auth" => Some((201, vec![], "eyJ.token.value".into())),
        _ => status(503, vec![]),
    })
    .await;
    let c = gateway(&server).max_retries(2).build().unwrap();
    let (r, _) = bounded(get(&c, None)).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Server);
    assert_eq!(server.count("/auth"), 2);
    assert_eq!(
        server.count(IMAGE),
        2,
        "3 attempts in all, 1 of them the token's"
    );
}

#[tokio::test]
async fn a_token_request_waits_out_a_429_and_keeps_to_the_deadline() {
    let server = Server::start(|path, n| match path {
        "/auth" if n == 1 => status(429, vec![("Retry-After", "0".into())]),
        "/auth" => Some((201, vec![], "eyJ.token.value".into())),
        _ => ok(),
    })
    .await;
    let c = gateway(&server).build().unwrap();
    bounded(get(&c, None)).await.0.unwrap();
    assert_eq!(server.count("/auth"), 2);

    let silent = Server::start(|_, _| None).await;
    let deadline = Duration::from_secs(1);
    let c = gateway(&silent).deadline(deadline).build().unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DeadlineExceeded, "{err}");
    assert!(took <= deadline + Duration::from_millis(500), "{took:?}");
    assert!(err.to_string().contains("1 token request"), "{err}");
}

#[tokio::test]
async fn an_api_clients_refused_token_names_the_flow() {
    for (code, mode, path) in [
        (401, AuthMode::Oauth, "/auth/oauth"),
        (403, AuthMode::Oidc, "/auth/oidc"),
    ] {
        let server = Server::start(move |p, _| match p {
            "/auth/oauth" | "/auth/oidc" => Some((200, vec![], "eyJ.token.value".into())),
            _ => status(code, vec![]),
        })
        .await;
        let c = Client::builder()
            .base_url(&server.url)
            .api_client("my-client", "client-s3cret")
            .auth_mode(mode)
            .build()
            .unwrap();
        let (r, _) = bounded(get(&c, None)).await;
        let err = r.unwrap_err();
        assert_eq!(err.status(), Some(code));
        let mode = if path.ends_with("oauth") {
            "oauth"
        } else {
            "oidc"
        };
        let want = format!("the API-client token ({mode}, POST {path}) was refused by csapi: no");
        assert!(err.to_string().contains(&want), "{err}");
        assert!(!err.to_string().contains("client-s3cret"));
    }
    // A password's token is refused as before, without the API-client words.
    let server = Server::start(|p, _| match p {
        "/auth" => Some((201, vec![], "eyJ.token.value".into())),
        _ => status(401, vec![]),
    })
    .await;
    let (r, _) = bounded(get(&gateway(&server).build().unwrap(), None)).await;
    assert!(!r.unwrap_err().to_string().contains("API-client"));
}

#[tokio::test]
async fn every_attempt_of_a_call_counts_toward_its_deadline_once() {
    // A call's deadline does not carry over to the next call of the client.
    let hits = Arc::new(AtomicU32::new(0));
    let seen = hits.clone();
    let server = Server::start(move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        ok()
    })
    .await;
    let c = client(&server)
        .deadline(Duration::from_millis(800))
        .build()
        .unwrap();
    for _ in 0..3 {
        bounded(get(&c, None)).await.0.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_deadline_passing_during_an_attempt_names_the_failure_retried_before() {
    // A 503, retried; the retry is never answered and the deadline passes while it waits.
    let server = Server::start(|_, n| if n == 1 { status(503, vec![]) } else { None }).await;
    let deadline = Duration::from_millis(1500);
    let c = client(&server).deadline(deadline).build().unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_deadline(&err, deadline, took);
    assert_eq!(server.count(IMAGE), 2);
    let text = err.to_string();
    assert!(
        text.contains("last error: ") && text.contains("HTTP 503"),
        "{text}"
    );
}

#[tokio::test]
async fn a_5xx_asking_for_a_wait_is_backed_off_not_waited() {
    // Only a 429's wait is the server's word: a 503 saying "come back in 30 s" is retried after
    // the client's own backoff, even when its wait passes max_retry_wait and the deadline.
    let server = Server::start(|_, n| {
        if n == 1 {
            status(503, vec![("Retry-After", "30".into())])
        } else {
            ok()
        }
    })
    .await;
    let c = client(&server)
        .max_retry_wait(Duration::from_secs(1))
        .deadline(Duration::from_secs(10))
        .build()
        .unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    r.unwrap();
    assert_eq!(server.count(IMAGE), 2);
    assert!(
        took < Duration::from_secs(5),
        "backed off, not 30 s: {took:?}"
    );
}

#[tokio::test]
async fn a_429_holds_its_family_for_the_wait_so_other_calls_wait_too() {
    // The server says "0 s"; the client raises it to its backoff (0.5 to 1 s) and holds the
    // family that long: a call started during the wait is not sent before it ends.
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let server = Server::start(move |_, n| {
        seen.lock().unwrap().push(Instant::now());
        if n == 1 {
            status(429, vec![("X-RateLimit-ToWait-Sec", "0".into())])
        } else {
            ok()
        }
    })
    .await;
    let c = client(&server)
        .backoff(Duration::from_secs(1), Duration::from_secs(1))
        .build()
        .unwrap();
    let later = async {
        while server.count(IMAGE) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        get(&c, None).await
    };
    let ((first, second), _) = bounded(async { tokio::join!(get(&c, None), later) }).await;
    first.unwrap();
    second.unwrap();
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 3);
    for t in &times[1..] {
        let after = t.duration_since(times[0]);
        assert!(
            after >= Duration::from_millis(450),
            "sent {after:?} after the 429"
        );
    }
}

#[tokio::test]
async fn a_wait_past_max_retry_wait_names_it_under_a_longer_deadline() {
    let server = Server::start(|_, _| {
        let mut a = ok().unwrap();
        a.1.extend(exhausted("60", "30"));
        Some(a)
    })
    .await;
    let c = client(&server)
        .max_retry_wait(Duration::from_secs(2))
        .deadline(Duration::from_secs(60))
        .build()
        .unwrap();
    bounded(get(&c, None)).await.0.unwrap();
    let (r, took) = bounded(get(&c, None)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(took < Duration::from_millis(500), "{took:?}");
    let text = err.to_string();
    assert!(
        text.contains("longer than the 2 s left of max_retry_wait"),
        "{text}"
    );
}
