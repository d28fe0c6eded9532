//! `qualys-cs sim`: the simulator served by the command line's own binary, with the options of
//! `qualys-cs-sim`, answering another `qualys-cs`, stopped by SIGTERM or the end of its stdin.

mod common;

use common::*;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `qualys-cs sim ARGS` started, with its stdin as given, and the URL of its first stdout line.
fn start(args: &[&str], stdin: Stdio) -> (Child, String) {
    let home = scratch("sim-serve");
    let mut child = Command::new(BIN)
        .arg("sim")
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().and_then(Result::ok));
        // Keep reading so that the server never blocks on a full pipe.
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a first line within 30 s")
        .expect("a first line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

/// The child's exit code once it has stopped, within `secs`.
fn stopped(child: &mut Child, secs: u64) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn sim_serves_another_qualys_cs_and_stops_on_sigterm() {
    let (mut child, url) = start(
        &["--port", "0", "--images", "7", "--password", "pw-9"],
        Stdio::null(),
    );
    let home = scratch("sim-client");
    let env = [
        ("QUALYS_BASE_URL", url.as_str()),
        ("QUALYS_USERNAME", "qualys"),
        ("QUALYS_PASSWORD", "pw-9"),
    ];
    let r = run(&["images", "list", "--all", "-o", "jsonl"], &env, &home);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 7, "--images 7: {}", r.stdout);
    // A stdin of /dev/null (a shell's background job) does not stop it.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        child.try_wait().unwrap(),
        None,
        "stopped without being told"
    );
    sigterm(&child);
    assert_eq!(stopped(&mut child, 10), Some(0), "SIGTERM stops it");
    // Stopped: nothing answers any more.
    let gone = run(
        &["images", "list", "--max-retries", "0", "-o", "jsonl"],
        &env,
        &home,
    );
    assert_eq!(gone.code, 8, "{}", gone.stderr);
}

#[test]
fn sim_stops_when_its_piped_stdin_ends() {
    let (mut child, url) = start(&["--images", "3"], Stdio::piped());
    let home = scratch("sim-stdin");
    let env = [
        ("QUALYS_BASE_URL", url.as_str()),
        ("QUALYS_USERNAME", "qualys"),
        ("QUALYS_PASSWORD", "qualys"),
    ];
    let r = run(&["images", "list", "-o", "jsonl"], &env, &home);
    assert_eq!((r.code, r.stdout.lines().count()), (0, 3), "{}", r.stderr);
    assert_eq!(child.try_wait().unwrap(), None);
    drop(child.stdin.take());
    assert_eq!(
        stopped(&mut child, 10),
        Some(0),
        "the end of stdin stops it"
    );
}

#[test]
fn sim_takes_the_simulators_options() {
    let home = scratch("sim-options");
    let help = run(&["sim", "--help"], &[], &home);
    assert_eq!(help.code, 0, "{}", help.stderr);
    for option in [
        "--port",
        "--images",
        "--latency-ms",
        "--rate-limit",
        "--link-end",
    ] {
        assert!(help.stdout.contains(option), "{option}: {}", help.stdout);
    }
    let bad = run(&["sim", "--error-rate", "2"], &[], &home);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--error-rate"), "{}", bad.stderr);
    let unknown = run(&["sim", "--no-such-option"], &[], &home);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

#[test]
fn a_misspelt_rate_limit_family_is_refused_by_name() {
    let home = scratch("sim-family");
    let bad = run(&["sim", "--rate-limit", "images/lst=5/1"], &[], &home);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("--rate-limit")
            && bad.stderr.contains("`images/lst`")
            && bad.stderr.contains("did you mean `images/list`?"),
        "{}",
        bad.stderr
    );
}
