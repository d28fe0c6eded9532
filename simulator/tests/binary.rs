//! The `qualys-cs-sim` binary: first stdout line, flags, control endpoints.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_its_url_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
        .args([
            "--images",
            "42",
            "--username",
            "u",
            "--password",
            "p",
            "--rate-limit",
            "images=5/2",
            "--no-request-log",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let r = c
            .get(format!("{url}/csapi/v1.3/images"))
            .basic_auth("u", Some("p"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "5");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["count"], 42);
        let h: serde_json::Value = c
            .get(format!("{url}/__sim/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(h["status"], "ok");
        let log: serde_json::Value = c
            .get(format!("{url}/__sim/requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(log, serde_json::json!([]));
    });
    // SIGTERM stops it.
    send_sigterm(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

fn send_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

#[test]
fn binary_rejects_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
        .args(["--rate-limit", "images"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
        .args(["--subscription", "gold"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
