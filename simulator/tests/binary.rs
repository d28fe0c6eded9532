//! The `qualys-cs-sim` binary: first stdout line, flags, control endpoints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The binary started with `args`, the URL its first stdout line names, and a runtime to call it.
fn start(args: &[&std::ffi::OsStr]) -> (Child, String, tokio::runtime::Runtime) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
        .args(args)
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
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (child, url, rt)
}

#[test]
fn binary_prints_its_url_first_and_serves() {
    let args = [
        "--images",
        "42",
        "--username",
        "u",
        "--password",
        "p",
        "--rate-limit",
        "images=5/2",
        "--no-request-log",
    ]
    .map(std::ffi::OsStr::new);
    let (mut child, url, rt) = start(&args);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
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

fn fixture_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("qualys-cs-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, body) in files {
        std::fs::write(dir.join(f), body).unwrap();
    }
    dir
}

#[test]
fn binary_serves_the_records_of_a_fixtures_directory() {
    let sha = "ab".repeat(32);
    let images = format!(
        r#"{{"data": [{{"sha": "{sha}", "operatingSystem": "Alpine Linux 3.19", "owner": "me"}}]}}"#
    );
    let dir = fixture_dir(
        "ok",
        &[
            ("images.json", images.as_str()),
            (
                "registries.json",
                r#"[{"registryUri": "https://r.fixture.test"}]"#,
            ),
            ("notes.txt", "not a fixture"),
        ],
    );
    let (mut child, url, rt) = start(&[
        "--fixtures".as_ref(),
        dir.as_os_str(),
        "--no-generated".as_ref(),
    ]);
    rt.block_on(async {
        let c = reqwest::Client::new();
        let get = |p: &str| {
            c.get(format!("{url}{p}"))
                .basic_auth("qualys", Some("qualys"))
                .send()
        };
        let v: serde_json::Value = get("/csapi/v1.3/images")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["count"], 1);
        assert_eq!(v["data"][0]["owner"], "me");
        let v: serde_json::Value = get("/csapi/v1.3/registry")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["count"], 1);
        assert_eq!(v["data"][0]["registryUri"], "https://r.fixture.test");
    });
    send_sigterm(child.id());
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn binary_refuses_a_bad_fixture_file_naming_the_file_and_the_record() {
    for (file, body, want) in [
        (
            "images.json",
            r#"{"data": [{"sha": "ab"}, {"created": "soon"}]}"#,
            "images.json: record 1: created must be epoch milliseconds",
        ),
        (
            "containers.json",
            "{not json",
            "containers.json: not valid JSON",
        ),
        ("pods.json", "[]", "pods.json: unknown resource 'pods'"),
        (
            "images.json",
            r#"[{"sha": "zz"}]"#,
            "images.json: record 0: sha must be 64 hex digits",
        ),
    ] {
        let body = body.replace(
            r#""sha": "ab""#,
            &format!(r#""sha": "{}""#, "ab".repeat(32)),
        );
        let dir = fixture_dir("bad", &[(file, body.as_str())]);
        let out = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
            .arg("--fixtures")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{file}: {err}");
        assert!(out.stdout.is_empty(), "{file}: it must not start listening");
        let _ = std::fs::remove_dir_all(&dir);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_qualys-cs-sim"))
        .args(["--fixtures", "/nonexistent/fixtures"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fixtures"));
}
