//! What the binary's test targets share: a scratch HOME, running the binary bounded in time, a
//! simulator with credentials and the environment that reaches it.
// Each test target compiles this module and uses only part of it.
#![allow(dead_code)]

use qualys_cs_sim::{SimConfig, SimHandle, Simulator};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_qualys-cs");
pub const PASSWORD: &str = "pw-Secret-9";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A scratch folder of this test (its own HOME, so no real config file is read).
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qualys-cs-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run the binary with `env` only (no QUALYS_* of the caller), bounded by a minute.
pub fn run(args: &[&str], env: &[(&str, &str)], home: &PathBuf) -> Run {
    run_input(args, env, home, None)
}

/// [`run`], with `input` on stdin (else none: stdin is /dev/null).
pub fn run_input(args: &[&str], env: &[(&str, &str)], home: &PathBuf, input: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(text) = input {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
    }
    // Read both pipes while it runs: a large output would otherwise fill a pipe and stall it.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("qualys-cs {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

pub fn sim(images: u64) -> SimHandle {
    Simulator::spawn(
        SimConfig::default()
            .images(images)
            .credentials("qualys", PASSWORD),
    )
    .expect("the simulator starts")
}

pub fn env_of(sim: &SimHandle) -> Vec<(&'static str, String)> {
    vec![
        ("QUALYS_BASE_URL", sim.url()),
        ("QUALYS_USERNAME", "qualys".into()),
        ("QUALYS_PASSWORD", PASSWORD.into()),
    ]
}

pub fn with<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub fn first_sha(sim: &SimHandle, home: &PathBuf) -> String {
    let env = env_of(sim);
    let r = run(
        &["images", "list", "--page-size", "1", "-o", "jsonl"],
        &with(&env),
        home,
    );
    let v: Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    v["sha"].as_str().unwrap().to_owned()
}
