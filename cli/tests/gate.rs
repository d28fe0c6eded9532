//! The gates through the binary against the simulator: exit codes, `-o json`/`-o jsonl`, the
//! threshold names. (How each criticality name ranks at each threshold, and the reports' contents,
//! are the unit tests of `cli/src/gate.rs`.)

mod common;

use common::*;
use serde_json::Value;

#[test]
fn gates_print_json_when_asked() {
    let sim = sim(6);
    let home = scratch("gate-json");
    let env = env_of(&sim);
    let env = with(&env);
    let sha = first_sha(&sim, &home);
    let fail = run(
        &["gate", "vulns", &sha, "--max-severity", "0", "-o", "json"],
        &env,
        &home,
    );
    assert_eq!(fail.code, 1, "{}{}", fail.stdout, fail.stderr);
    let v: Value = serde_json::from_str(&fail.stdout).expect("one JSON document");
    assert_eq!(v["gate"], "vulns");
    assert_eq!(v["image"], sha.as_str());
    assert_eq!(v["verdict"], "FAIL");
    assert_eq!(v["maxSeverity"], 0);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(v["checked"], findings.len());
    assert_eq!(v["failing"], findings.len(), "every severity is above 0");
    let pass = run(
        &["gate", "vulns", &sha, "--max-severity", "5", "-o", "jsonl"],
        &env,
        &home,
    );
    assert_eq!(pass.code, 0, "{}{}", pass.stdout, pass.stderr);
    assert_eq!(pass.stdout.lines().count(), 1, "{}", pass.stdout);
    let v: Value = serde_json::from_str(&pass.stdout).unwrap();
    assert_eq!(v["verdict"], "PASS");
    assert_eq!(v["failing"], 0);
    // The summary lines otherwise, whatever stdout is (here a pipe).
    let text = run(&["gate", "vulns", &sha, "--max-severity", "5"], &env, &home);
    assert!(text.stdout.starts_with("PASS vulns "), "{}", text.stdout);
}

#[test]
fn compliance_gate_thresholds_and_json() {
    let sim = sim(6);
    let home = scratch("gate-compliance");
    let env = env_of(&sim);
    let env = with(&env);
    // The simulator's controls are MEDIUM and HIGH; find an image with a FAIL control.
    let mut failing_image = None;
    let list = run(
        &["images", "list", "--page-size", "6", "-o", "jsonl"],
        &env,
        &home,
    );
    for line in list.stdout.lines() {
        let sha = serde_json::from_str::<Value>(line).unwrap()["sha"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = run(&["gate", "compliance", &sha, "-o", "json"], &env, &home);
        let v: Value = serde_json::from_str(&r.stdout).expect("one JSON document");
        assert_eq!(v["gate"], "compliance");
        assert_eq!(v["minCriticality"], "LOW");
        let failing = v["failing"].as_u64().unwrap();
        assert_eq!(r.code, if failing > 0 { 1 } else { 0 }, "{}", r.stdout);
        assert_eq!(v["verdict"], if failing > 0 { "FAIL" } else { "PASS" });
        if failing > 0 {
            failing_image = Some((sha, v));
            break;
        }
    }
    let (sha, low) = failing_image.expect("an image with a FAIL control");
    // Only the HIGH ones count at HIGH (CRITICAL is the same threshold).
    let high_fails = low["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["failing"] == true && f["title"].as_str().unwrap().contains("(HIGH)"))
        .count();
    for name in ["HIGH", "CRITICAL", "urgent"] {
        let r = run(
            &[
                "gate",
                "compliance",
                &sha,
                "--min-criticality",
                name,
                "-o",
                "json",
            ],
            &env,
            &home,
        );
        let v: Value = serde_json::from_str(&r.stdout).expect("one JSON document");
        assert_eq!(v["minCriticality"], "HIGH", "{name}");
        assert_eq!(v["failing"], high_fails, "{name}: {}", r.stdout);
        assert_eq!(r.code, if high_fails > 0 { 1 } else { 0 });
    }
    let medium = run(
        &[
            "gate",
            "compliance",
            &sha,
            "--min-criticality",
            "SERIOUS",
            "-o",
            "json",
        ],
        &env,
        &home,
    );
    let v: Value = serde_json::from_str(&medium.stdout).unwrap();
    assert_eq!(v["minCriticality"], "MEDIUM");
    assert_eq!(
        v["failing"], low["failing"],
        "no LOW controls in the simulator"
    );
    let bad = run(
        &["gate", "compliance", &sha, "--min-criticality", "EXTREME"],
        &env,
        &home,
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--min-criticality"), "{}", bad.stderr);
}
