//! The `qualys-cs` binary against the simulator: every command's `--help`, each output format,
//! `--all` across pages, `--dry-run` without secrets, profiles, gates' exit codes and reports,
//! exit codes of failures, shell completion.

mod common;

use common::*;
use qualys_cs_sim::Fault;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn every_command_has_help_with_an_example() {
    let home = scratch("help");
    let top = run(&["--help"], &[], &home);
    assert_eq!(top.code, 0, "{}", top.stderr);
    assert!(top.stdout.contains("Exit codes:"), "{}", top.stdout);
    for ep in qualys_cs::table::endpoints() {
        let mut words: Vec<String> = ep
            .resource
            .split('.')
            .map(|w| w.replace('_', "-"))
            .collect();
        words.push(ep.method.replace('_', "-"));
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let r = run(&args, &[], &home);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains(&ep.path), "{args:?}: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("qualys-cs {}", words.join(" "))),
            "{args:?}"
        );
        // An endpoint Qualys has not documented says so in its help (wrapped to the terminal).
        let text = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            text.contains("not documented by Qualys"),
            ep.evidence == qualys_cs::table::Evidence::Observed,
            "{args:?}: {}",
            r.stdout
        );
    }
    for gate in ["compliance", "vulns"] {
        let r = run(&["gate", gate, "--help"], &[], &home);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("Example:"));
    }
}

#[test]
fn a_list_in_each_format_and_all_pages() {
    let sim = sim(23);
    let home = scratch("formats");
    let env = env_of(&sim);
    let env = with(&env);
    // One page by default; --all follows the pages (5 of 5 items).
    let json = run(
        &["images", "list", "--page-size", "5", "-o", "json"],
        &env,
        &home,
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let items: Vec<Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(items.len(), 5);
    sim.clear_requests();
    let all = run(
        &["images", "list", "--page-size", "5", "--all", "-o", "json"],
        &env,
        &home,
    );
    let items: Vec<Value> = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(items.len(), 23);
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/csapi/v1.3/images")
        .count();
    assert_eq!(pages, 5, "five pages of five");
    let jsonl = run(
        &[
            "images",
            "list",
            "--page-size",
            "10",
            "--all",
            "-o",
            "jsonl",
        ],
        &env,
        &home,
    );
    let lines: Vec<Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 23);
    assert!(lines.iter().all(|l| l["sha"].is_string()));
    let csv = run(
        &["images", "list", "--page-size", "4", "-o", "csv"],
        &env,
        &home,
    );
    let rows: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(rows.len(), 5, "a header and four rows: {}", csv.stdout);
    assert!(rows[0].split(',').any(|c| c == "sha"), "{}", rows[0]);
    let table = run(
        &["images", "list", "--page-size", "3", "-o", "table"],
        &[env.as_slice(), &[("COLUMNS", "80")]].concat(),
        &home,
    );
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(rows.len(), 4, "{}", table.stdout);
    assert!(
        rows.iter().all(|r| r.chars().count() <= 80),
        "{}",
        table.stdout
    );
    // A single object in a table: field/value rows.
    let key = run(&["sensors", "activation-key", "-o", "table"], &env, &home);
    assert_eq!(key.code, 0, "{}", key.stderr);
    assert!(key.stdout.starts_with("field"), "{}", key.stdout);
}

#[test]
fn dry_run_prints_the_request_without_secrets_and_sends_nothing() {
    let sim = sim(3);
    let home = scratch("dry");
    let body = home.join("body.json");
    std::fs::write(
        &body,
        r#"{"registryType":"V2_PRIVATE","registryUri":"https://r.example","credentialType":"BasicAuth","credential":{"username":"dXNlcg==","password":"cHctc2VjcmV0LTI="}}"#,
    )
    .unwrap();
    let at = format!("@{}", body.display());
    let url = sim.url();
    let r = run(
        &[
            "registries",
            "validate",
            "--body",
            &at,
            "--dry-run",
            "--base-url",
            &url,
            "--username",
            "qualys",
            "--password",
            PASSWORD,
        ],
        &[],
        &home,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d["method"], "POST");
    assert_eq!(d["url"], format!("{url}/csapi/v1.3/registry/validate"));
    assert_eq!(d["body"]["credential"]["password"], "***");
    assert_eq!(d["body"]["registryUri"], "https://r.example");
    for secret in ["cHctc2VjcmV0LTI=", PASSWORD] {
        assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
    }
    assert!(
        r.stderr.contains("warning: a password on the command line"),
        "{}",
        r.stderr
    );
    assert!(sim.requests().is_empty(), "a dry run sends nothing");
    // The query is in the URL.
    let q = run(
        &[
            "images",
            "list",
            "--filter",
            "repo.tag:latest",
            "--page-size",
            "7",
            "--dry-run",
        ],
        &[("QUALYS_BASE_URL", url.as_str())],
        &home,
    );
    let d: Value = serde_json::from_str(&q.stdout).unwrap();
    assert!(d["url"].as_str().unwrap().contains("pageSize=7"), "{d}");
    // Invalid arguments are refused before anything is sent, with exit 2.
    let bad = run(
        &["images", "list", "--page-size", "0", "--dry-run"],
        &[("QUALYS_BASE_URL", url.as_str())],
        &home,
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("page_size") || bad.stderr.contains("pageSize"),
        "{}",
        bad.stderr
    );
}

#[test]
fn profiles_from_the_config_file() {
    let sim = sim(4);
    let home = scratch("profiles");
    let dir = home.join(".config").join("qualys-cs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[default]\nbase_url = \"http://127.0.0.1:9\"\nusername = \"nobody\"\npassword = \"x\"\n\n\
             [sim]\nbase_url = \"{}\"\nusername = \"qualys\"\npassword = \"{PASSWORD}\"\n",
            sim.url()
        ),
    )
    .unwrap();
    let ok = run(
        &["images", "list", "--profile", "sim", "-o", "jsonl"],
        &[],
        &home,
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.stdout.lines().count(), 4);
    let env_profile = run(
        &["images", "list", "-o", "jsonl"],
        &[("QUALYS_PROFILE", "sim")],
        &home,
    );
    assert_eq!(env_profile.code, 0, "{}", env_profile.stderr);
    // The default profile points at a closed port: no answer, exit 8.
    let closed = run(
        &["sensors", "activation-key", "--max-retries", "0"],
        &[],
        &home,
    );
    assert_eq!(closed.code, 8, "{}", closed.stderr);
    let missing = run(&["images", "list", "--profile", "nope"], &[], &home);
    assert_eq!(missing.code, 3);
    assert!(
        missing.stderr.contains("profile \"nope\""),
        "{}",
        missing.stderr
    );
    // The environment wins over the profile.
    let env = env_of(&sim);
    let over = run(&["images", "list", "-o", "jsonl"], &with(&env), &home);
    assert_eq!(over.code, 0, "{}", over.stderr);
}

#[test]
fn gates_exit_codes_and_reports() {
    let sim = sim(10);
    let home = scratch("gates");
    let env = env_of(&sim);
    let env = with(&env);
    let sha = first_sha(&sim, &home);
    let sarif = home.join("vulns.sarif");
    let sarif_s = sarif.to_str().unwrap();
    let pass = run(
        &[
            "gate",
            "vulns",
            &sha,
            "--max-severity",
            "5",
            "--report",
            sarif_s,
        ],
        &env,
        &home,
    );
    assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
    assert!(pass.stdout.starts_with("PASS"));
    let fail = run(
        &[
            "gate",
            "vulns",
            &sha,
            "--max-severity",
            "0",
            "--report",
            sarif_s,
        ],
        &env,
        &home,
    );
    assert_eq!(fail.code, 1, "{}{}", fail.stdout, fail.stderr);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(report["version"], "2.1.0");
    let results = report["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.iter().all(|r| r["level"] == "error"));
    let junit = home.join("compliance.xml");
    let junit_s = junit.to_str().unwrap();
    let c = run(
        &["gate", "compliance", &sha, "--report", junit_s],
        &env,
        &home,
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testsuites"),
        "{xml}"
    );
    let failing = xml.matches("<failure").count();
    assert_eq!(c.code, if failing > 0 { 1 } else { 0 }, "{}", c.stdout);
    // A missing image: 404, exit 5.
    sim.inject(Fault::status(404).path_contains("/compliance"));
    let gone = run(&["gate", "compliance", &sha], &env, &home);
    assert_eq!(gone.code, 5, "{}", gone.stderr);
}

#[test]
fn exit_codes_of_failures_and_completion() {
    let sim = sim(3);
    let home = scratch("codes");
    let url = sim.url();
    let none = run(
        &["images", "list"],
        &[("QUALYS_BASE_URL", url.as_str())],
        &home,
    );
    assert_eq!(none.code, 3, "{}", none.stderr);
    assert!(none.stderr.contains("no credentials"));
    let usage = run(&["images", "lisst"], &[], &home);
    assert_eq!(usage.code, 2);
    let wrong = run(
        &["images", "list"],
        &[
            ("QUALYS_BASE_URL", url.as_str()),
            ("QUALYS_USERNAME", "qualys"),
            ("QUALYS_PASSWORD", "wrong"),
        ],
        &home,
    );
    assert_eq!(wrong.code, 4, "{}", wrong.stderr);
    let env = env_of(&sim);
    sim.inject(Fault::status(503).path_contains("/activationkey").times(10));
    let server = run(
        &["sensors", "activation-key", "--max-retries", "1", "-v"],
        &with(&env),
        &home,
    );
    assert_eq!(server.code, 7, "{}", server.stderr);
    assert!(
        server.stderr.contains("retrying in"),
        "-v shows the retry: {}",
        server.stderr
    );
    assert!(server.stderr.contains("giving up"), "{}", server.stderr);
    let bash = run(&["completion", "bash"], &[], &home);
    assert_eq!(bash.code, 0);
    assert!(bash.stdout.contains("qualys-cs") && bash.stdout.contains("images"));
}

#[test]
fn bad_durations_exit_2_naming_the_option() {
    let home = scratch("durations");
    for bad in ["inf", "nan", "-1", "1e300", "soon"] {
        let r = run(
            &["images", "list", "--timeout", bad, "--dry-run"],
            &[("QUALYS_BASE_URL", "http://127.0.0.1:9")],
            &home,
        );
        assert_eq!(r.code, 2, "--timeout {bad}: {}", r.stderr);
        assert!(r.stderr.contains("--timeout"), "{bad}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{bad}: {}", r.stderr);
    }
    let ok = run(
        &["images", "list", "--timeout", "2.5", "--dry-run"],
        &[("QUALYS_BASE_URL", "http://127.0.0.1:9")],
        &home,
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

/// Runs `args` with its stdout read by a reader that takes the first line and closes the pipe
/// (as `| head -1` does); the exit code and stderr.
fn first_line_then_close(args: &[&str], env: &[(&str, &str)], home: &PathBuf) -> (i32, String) {
    use std::io::{BufRead, Read};
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(!line.is_empty(), "{args:?} printed nothing");
    drop(stdout);
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{args:?} did not end within a minute of its reader closing");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    (status.code().unwrap_or(-1), err.join().unwrap())
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // Far more than a pipe's buffer, over several pages, so that writes meet the closed pipe.
    let sim = sim(3000);
    let home = scratch("pipe");
    let env = env_of(&sim);
    let env = with(&env);
    for format in ["jsonl", "json", "csv", "table"] {
        let args = [
            "images",
            "list",
            "--all",
            "--page-size",
            "250",
            "-o",
            format,
        ];
        let (code, stderr) = first_line_then_close(&args, &env, &home);
        assert_eq!(code, 0, "-o {format}: {stderr}");
        assert_eq!(stderr, "", "-o {format}");
    }
    let (code, stderr) = first_line_then_close(&["completion", "bash"], &env, &home);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn quiet_leaves_stderr_to_the_error() {
    let sim = sim(2);
    let home = scratch("quiet");
    let url = sim.url();
    // Without --quiet: the password warning and the giving-up line; with it, only the error.
    sim.inject(Fault::status(503).path_contains("/activationkey").times(10));
    let args = |quiet: bool| {
        let mut a = vec![
            "sensors",
            "activation-key",
            "--max-retries",
            "0",
            "--base-url",
            url.as_str(),
            "--username",
            "qualys",
            "--password",
            PASSWORD,
        ];
        if quiet {
            a.push("--quiet");
        }
        a
    };
    let loud = run(&args(false), &[], &home);
    assert_eq!(loud.code, 7, "{}", loud.stderr);
    assert!(loud.stderr.contains("warning:"), "{}", loud.stderr);
    let quiet = run(&args(true), &[], &home);
    assert_eq!(quiet.code, 7, "{}", quiet.stderr);
    assert_eq!(quiet.stderr.lines().count(), 1, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains(PASSWORD));
    let ok = run(
        &["images", "list", "-q", "-o", "jsonl"],
        &with(&env_of(&sim)),
        &home,
    );
    assert_eq!((ok.code, ok.stderr.as_str()), (0, ""));
    assert_eq!(ok.stdout.lines().count(), 2);
}

/// The candidates bash's completion offers for `words` (the last one being completed), with the
/// script `qualys-cs completion bash` prints, sourced in a bash of its own.
fn bash_complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(script).unwrap();
    // The function the script registers for qualys-cs: `complete -F FUNCTION ... qualys-cs`.
    let function = text
        .lines()
        .find(|l| l.trim_start().starts_with("complete -F") && l.ends_with(" qualys-cs"))
        .and_then(|l| l.split_whitespace().nth(2))
        .expect("the script registers a function for qualys-cs")
        .to_owned();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n{function} qualys-cs '{}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words[cword],
    );
    let out = std::process::Command::new("timeout")
        .args(["30", "bash", "--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_past_the_first_word() {
    let home = scratch("bash-completion");
    let r = run(&["completion", "bash"], &[], &home);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let script = home.join("qualys-cs.bash");
    std::fs::write(&script, &r.stdout).unwrap();
    let top = bash_complete(&script, &["qualys-cs", "ima"]);
    assert_eq!(top, ["images"]);
    let sub = bash_complete(&script, &["qualys-cs", "images", "l"]);
    assert!(sub.contains(&"list".to_owned()), "{sub:?}");
    assert!(sub.iter().all(|c| c.starts_with('l')), "{sub:?}");
    let opt = bash_complete(&script, &["qualys-cs", "images", "list", "--filt"]);
    assert_eq!(opt, ["--filter"]);
    let gate = bash_complete(&script, &["qualys-cs", "gate", "compliance", "--min"]);
    assert_eq!(gate, ["--min-criticality"]);
    // zsh and fish (whose scripts spell the states one way) complete the command as it is named.
    for (shell, registers) in [
        ("zsh", "#compdef qualys-cs"),
        ("fish", "complete -c qualys-cs "),
    ] {
        let r = run(&["completion", shell], &[], &home);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains(registers), "{shell}");
    }
}
