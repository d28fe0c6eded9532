//! Pooled keep-alive connections the server closed: the next call is sent again on a new
//! connection instead of failing. Driven by a raw TCP server of the test's own that closes
//! connections as an idle timeout (or a Lambda freeze/thaw) would.

use qualys_cs::{Client, ErrorKind};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// On each connection, answer the first request, then read the next one and close without
    /// answering: the server dropped the idle connection just as the request arrived.
    DropSecond,
    /// Answer, then close the connection 50 ms later (FIN while the client is not looking).
    CloseIdle,
}

/// (connection number, request line) of every request the server read.
type Log = Arc<Mutex<Vec<(usize, String)>>>;

async fn read_request(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(head.lines().next().unwrap_or("").to_owned());
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

/// The server, on a runtime of its own (so a client runtime that is not polled does not stop it).
fn serve(mode: Mode) -> (String, Log) {
    let log: Log = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let log2 = log.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            let mut conn = 0;
            loop {
                let (mut s, _) = l.accept().await.unwrap();
                conn += 1;
                let (log, n) = (log2.clone(), conn);
                tokio::spawn(async move {
                    let Some(first) = read_request(&mut s).await else {
                        return;
                    };
                    log.lock().unwrap().push((n, first));
                    s.write_all(OK).await.unwrap();
                    match mode {
                        Mode::DropSecond => {
                            if let Some(second) = read_request(&mut s).await {
                                log.lock().unwrap().push((n, second));
                            }
                        }
                        Mode::CloseIdle => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                    // Dropping the socket closes it, unanswered.
                });
            }
        });
    });
    let addr = rx.recv().unwrap();
    (format!("http://{addr}"), log)
}

fn client(url: &str) -> Client {
    // No retries at all: only the closed-connection rule may send anything twice.
    Client::builder()
        .base_url(url)
        .token("t")
        .max_retries(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn get(c: &Client) -> qualys_cs::Result<()> {
    c.request("GET", "/csapi/v1.3/images/abc", &[], None, None)
        .await
        .map(drop)
}

async fn post(c: &Client) -> qualys_cs::Result<()> {
    c.request(
        "POST",
        "/csapi/v1.3/tags",
        &[],
        Some(&json!({"name": "t"})),
        None,
    )
    .await
    .map(drop)
}

fn lines(log: &Log) -> Vec<(usize, String)> {
    log.lock().unwrap().clone()
}

#[tokio::test]
async fn a_get_on_a_connection_the_server_closed_is_sent_again_on_a_new_one() {
    let (url, log) = serve(Mode::DropSecond);
    let c = client(&url);
    let work = async {
        get(&c).await.unwrap();
        get(&c).await.unwrap(); // written on the pooled connection, which the server closes
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .unwrap();
    let seen = lines(&log);
    let get_line = "GET /csapi/v1.3/images/abc HTTP/1.1".to_owned();
    assert_eq!(
        seen,
        vec![(1, get_line.clone()), (1, get_line.clone()), (2, get_line)],
        "the second call was sent again, on a new connection"
    );
}

#[tokio::test]
async fn a_post_written_on_a_connection_the_server_closed_is_not_sent_twice() {
    let (url, log) = serve(Mode::DropSecond);
    let c = client(&url);
    let work = async {
        post(&c).await.unwrap();
        post(&c).await
    };
    let err = tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(
        lines(&log).len(),
        2,
        "written once: the server may have acted on it"
    );
}

/// A process frozen between two calls (AWS Lambda between invocations): a current-thread runtime
/// that nobody polls while the server closes the idle connection. On thaw the next call must not
/// fail, and a POST is not written twice.
#[test]
fn after_a_freeze_the_next_calls_succeed_for_get_and_post() {
    let (url, log) = serve(Mode::CloseIdle);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = client(&url);
    let bounded =
        |f: std::pin::Pin<Box<dyn std::future::Future<Output = qualys_cs::Result<()>>>>| {
            rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), f).await })
                .expect("no hang")
        };
    for call in [0, 1, 2] {
        let fut: std::pin::Pin<Box<dyn std::future::Future<Output = _>>> = if call % 2 == 0 {
            Box::pin(get(&c))
        } else {
            Box::pin(post(&c))
        };
        bounded(fut)
            .unwrap_or_else(|e| panic!("call {call}: {e} {:?}", std::error::Error::source(&e)));
        // Frozen: nothing of the client runs while the server closes the connection (longer
        // than the write pool keeps an idle connection: a POST then opens a new one).
        std::thread::sleep(Duration::from_millis(1300));
    }
    let seen = lines(&log);
    assert_eq!(seen.len(), 3, "every call written once: {seen:?}");
    let conns: std::collections::BTreeSet<_> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(conns.len(), 3, "each on a new connection: {seen:?}");
}
