//! `--deadline` bounds a whole command's call: against a server that never answers and one that
//! answers 429 forever, the command ends within the deadline (plus the process's own start-up)
//! with exit 8 and a message that names the attempts and the time taken.

mod common;
use common::{run, scratch};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A loopback server on its own threads: each request read, then `answer` (None: never answer).
fn server(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, answer));
        }
    });
    url
}

fn serve(mut stream: TcpStream, answer: Option<&'static str>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.drain(..end + 4);
            match answer {
                Some(a) => {
                    if stream.write_all(a.as_bytes()).is_err() {
                        return;
                    }
                }
                // Silent: hold the connection, bounded so the thread ends after the test.
                None => {
                    std::thread::sleep(Duration::from_secs(30));
                    return;
                }
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

const TOO_MANY: &str = "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
X-RateLimit-ToWait-Sec: 0\r\ncontent-length: 2\r\n\r\n{}";

fn deadline_of(url: &str, name: &str) -> (i32, String, Duration) {
    let home = scratch(name);
    let started = Instant::now();
    let r = run(
        &[
            "images",
            "get",
            "abc",
            "--deadline",
            "1.5",
            "--timeout",
            "60",
        ],
        &[("QUALYS_BASE_URL", url), ("QUALYS_TOKEN", "t0ken-value")],
        &home,
    );
    (r.code, r.stderr, started.elapsed())
}

#[test]
fn a_silent_server_ends_at_the_deadline() {
    let (code, stderr, took) = deadline_of(&server(None), "deadline-silent");
    assert_eq!(code, 8, "{stderr}");
    // The process starts and stops too: a second of room for that.
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(
        stderr.contains("gave up after 1 attempt in 1.5") && stderr.contains("deadline 1.5 s"),
        "{stderr}"
    );
}

#[test]
fn a_429_storm_ends_at_the_deadline() {
    let (code, stderr, took) = deadline_of(&server(Some(TOO_MANY)), "deadline-429");
    assert_eq!(code, 8, "{stderr}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(
        stderr.contains("gave up after") && stderr.contains("HTTP 429"),
        "{stderr}"
    );
}

#[test]
fn a_bad_deadline_exits_2_naming_the_flag() {
    let home = scratch("deadline-bad");
    let r = run(
        &["images", "list", "--deadline", "-1", "--dry-run"],
        &[("QUALYS_BASE_URL", "http://127.0.0.1:9")],
        &home,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--deadline"), "{}", r.stderr);
}
