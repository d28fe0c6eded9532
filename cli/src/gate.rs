//! CI gates: `gate compliance SHA` fails when a control of the image's compliance posture is
//! `FAIL` (at or above `--min-criticality`), `gate vulns SHA --max-severity N` when the image has
//! a vulnerability of severity above N. Exit 0 pass, 1 fail (other codes: the call failed). A
//! report for the CI system with `--report FILE`: JUnit XML, or SARIF 2.1.0 when the file ends in
//! `.sarif` (or `--report-format sarif`).

use crate::config::Settings;
use crate::{Failure, exit};
use clap::{Arg, ArgMatches, Command, value_parser};
use qualys_cs::{Args, Output};
use serde_json::{Value, json};

pub(crate) fn command() -> Command {
    let report = || {
        [
            Arg::new("report")
                .long("report")
                .value_name("FILE")
                .help("Write a report: JUnit XML, or SARIF when FILE ends in .sarif"),
            Arg::new("report-format")
                .long("report-format")
                .value_parser(["junit", "sarif"])
                .help("The report's format when the file name does not tell"),
        ]
    };
    Command::new("gate")
        .about("CI gates: exit 1 when an image fails, with a JUnit or SARIF report")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("compliance")
                .about("Fail when the image has FAIL compliance controls")
                .after_help("Example:\n  qualys-cs gate compliance SHA --min-criticality HIGH --report compliance.xml")
                .arg(Arg::new("sha").required(true).value_name("IMAGE_SHA"))
                .arg(
                    Arg::new("min-criticality")
                        .long("min-criticality")
                        .value_parser(["LOW", "MEDIUM", "HIGH", "CRITICAL"])
                        .default_value("LOW")
                        .help("Only FAIL controls at least this critical fail the gate"),
                )
                .args(report()),
        )
        .subcommand(
            Command::new("vulns")
                .about("Fail when the image has a vulnerability above --max-severity")
                .after_help("Example:\n  qualys-cs gate vulns SHA --max-severity 3 --report vulns.sarif")
                .arg(Arg::new("sha").required(true).value_name("IMAGE_SHA"))
                .arg(
                    Arg::new("max-severity")
                        .long("max-severity")
                        .value_parser(value_parser!(u8).range(0..=5))
                        .default_value("4")
                        .help("The highest severity (1-5) that passes"),
                )
                .args(report()),
        )
}

/// One finding of a gate: what failed and why.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub id: String,
    pub title: String,
    /// `error` (fails the gate) or `note` (reported only).
    pub failing: bool,
    pub detail: String,
    /// SARIF level: `error`, `warning` or `note`.
    pub level: &'static str,
}

fn criticality_rank(c: &str) -> u8 {
    match c.to_ascii_uppercase().as_str() {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    }
}

fn compliance_findings(body: &Value, min: &str) -> Vec<Finding> {
    let min = criticality_rank(min);
    body.get("controls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let crit = c.get("criticality").and_then(Value::as_str).unwrap_or("");
            let posture = c.get("posture").and_then(Value::as_str).unwrap_or("");
            let findings: Vec<String> = c
                .get("findings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect();
            let failing = posture.eq_ignore_ascii_case("FAIL") && criticality_rank(crit) >= min;
            Finding {
                id: format!("control-{}", crate::output_id(c.get("controlId"))),
                title: format!(
                    "control {} ({crit}): {posture}",
                    crate::output_id(c.get("controlId"))
                ),
                failing,
                detail: findings.join("; "),
                level: if failing { "error" } else { "note" },
            }
        })
        .collect()
}

fn vuln_findings(body: &Value, max: u8) -> Vec<Finding> {
    body.get("details")
        .or_else(|| body.get("vulnerabilities"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| {
            let sev = v.get("severity").and_then(Value::as_u64).unwrap_or(0);
            let failing = sev > max as u64;
            let qid = crate::output_id(v.get("qid"));
            let title = v
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let cves: Vec<String> = v
                .get("cveids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect();
            Finding {
                id: format!("qid-{qid}"),
                title: format!("QID {qid} severity {sev}: {title}"),
                failing,
                detail: if cves.is_empty() {
                    String::new()
                } else {
                    cves.join(", ")
                },
                level: if failing {
                    "error"
                } else if sev >= 3 {
                    "warning"
                } else {
                    "note"
                },
            }
        })
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

pub(crate) fn junit(gate: &str, sha: &str, findings: &[Finding]) -> String {
    let failures = findings.iter().filter(|f| f.failing).count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"qualys-cs gate {gate}\" tests=\"{n}\" failures=\"{failures}\">\n  <testsuite name=\"{gate} {sha}\" tests=\"{n}\" failures=\"{failures}\">\n",
        n = findings.len().max(1),
        gate = xml(gate),
        sha = xml(sha),
    ));
    if findings.is_empty() {
        s.push_str(&format!(
            "    <testcase classname=\"{gate}\" name=\"no findings\"/>\n",
            gate = xml(gate)
        ));
    }
    for f in findings {
        s.push_str(&format!(
            "    <testcase classname=\"{gate}.{sha}\" name=\"{}\"",
            xml(&f.title),
            gate = xml(gate),
            sha = xml(sha)
        ));
        if f.failing {
            s.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                xml(&f.title),
                xml(&f.detail)
            ));
        } else {
            s.push_str("/>\n");
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

pub(crate) fn sarif(gate: &str, sha: &str, findings: &[Finding]) -> Value {
    let results: Vec<Value> = findings
        .iter()
        .filter(|f| f.failing || f.level != "note")
        .map(|f| {
            json!({
                "ruleId": f.id,
                "level": f.level,
                "message": {"text": if f.detail.is_empty() { f.title.clone() } else { format!("{}: {}", f.title, f.detail) }},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("container-image://sha256:{sha}")}}}],
            })
        })
        .collect();
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "qualys-cs", "version": env!("CARGO_PKG_VERSION"),
                                "informationUri": "https://github.com/qualys-cs/qualys-cs",
                                "rules": findings.iter().map(|f| json!({"id": f.id, "shortDescription": {"text": f.title}})).collect::<Vec<_>>()}},
            "properties": {"gate": gate, "image": sha},
            "results": results,
        }]
    })
}

fn write_report(
    m: &ArgMatches,
    gate: &str,
    sha: &str,
    findings: &[Finding],
) -> Result<(), Failure> {
    let Some(path) = m.get_one::<String>("report") else {
        return Ok(());
    };
    let sarif_format = match m.get_one::<String>("report-format").map(String::as_str) {
        Some("sarif") => true,
        Some(_) => false,
        None => path.ends_with(".sarif") || path.ends_with(".sarif.json"),
    };
    let text = if sarif_format {
        serde_json::to_string_pretty(&sarif(gate, sha, findings)).expect("a Value serializes")
    } else {
        junit(gate, sha, findings)
    };
    std::fs::write(path, text).map_err(|e| Failure::io(&format!("report file {path}"), e))
}

pub(crate) async fn run(s: &Settings, m: &ArgMatches) -> Result<i32, Failure> {
    let (gate, gm) = m.subcommand().expect("a gate is required");
    let sha = gm.get_one::<String>("sha").expect("required").clone();
    let client = s.client()?;
    let (id, label) = match gate {
        "compliance" => ("S01", "compliance"),
        _ => ("S42", "vulns"),
    };
    let ep = qualys_cs::table::lookup(id)?;
    let args = Args::new().set("sha", sha.clone());
    if s.dry_run {
        let d = client.dry_run(ep, args)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&d).expect("a dry run serializes")
        );
        return Ok(exit::OK);
    }
    let (out, _) = client.call_with(ep, args, None).await?;
    let body = match out {
        Output::Json(v) => v,
        _ => Value::Null,
    };
    let findings = match gate {
        "compliance" => compliance_findings(
            &body,
            gm.get_one::<String>("min-criticality")
                .map_or("LOW", String::as_str),
        ),
        _ => vuln_findings(&body, *gm.get_one::<u8>("max-severity").unwrap_or(&4)),
    };
    write_report(gm, label, &sha, &findings)?;
    let failing: Vec<&Finding> = findings.iter().filter(|f| f.failing).collect();
    let short = &sha[..sha.len().min(12)];
    if failing.is_empty() {
        println!(
            "PASS {label} {short}: {} checked, none failing",
            findings.len()
        );
        Ok(exit::OK)
    } else {
        println!(
            "FAIL {label} {short}: {} of {} failing",
            failing.len(),
            findings.len()
        );
        for f in failing.iter().take(20) {
            println!("  {}", f.title);
        }
        if failing.len() > 20 {
            println!("  … and {} more", failing.len() - 20);
        }
        Ok(exit::GATE_FAILED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vulns_above_the_threshold_fail_and_reports_name_them() {
        let body = json!({"details": [
            {"qid": 1, "severity": 5, "title": "bad <one>", "cveids": ["CVE-1"]},
            {"qid": 2, "severity": 2, "title": "meh"},
        ]});
        let f = vuln_findings(&body, 4);
        assert_eq!(f.iter().filter(|x| x.failing).count(), 1);
        let x = junit("vulns", "abc", &f);
        assert!(
            x.contains("failures=\"1\"") && x.contains("bad &lt;one&gt;"),
            "{x}"
        );
        let s = sarif("vulns", "abc", &f);
        assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 1);
        assert_eq!(s["runs"][0]["results"][0]["ruleId"], "qid-1");
        assert!(vuln_findings(&body, 5).iter().all(|x| !x.failing));
    }

    #[test]
    fn compliance_counts_fail_controls_at_the_criticality() {
        let body = json!({"controls": [
            {"controlId": 1, "criticality": "MEDIUM", "posture": "FAIL", "findings": ["x"]},
            {"controlId": 2, "criticality": "HIGH", "posture": "PASS"},
        ]});
        assert_eq!(
            compliance_findings(&body, "LOW")
                .iter()
                .filter(|f| f.failing)
                .count(),
            1
        );
        assert_eq!(
            compliance_findings(&body, "HIGH")
                .iter()
                .filter(|f| f.failing)
                .count(),
            0
        );
    }
}
